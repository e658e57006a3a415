"""Who is invited: members from units or by name, guests, observers, a representative sent in
someone's place. Removing someone ends their access at once; their receipts stay."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from accounts.models import Unit, User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from meetings import access, invitations
from meetings.errors import BadMeeting, NotAllowed
from meetings.meetings import refuse_unless_editable
from meetings.models import Meeting, Participant, ParticipantRole


def add_people(
    session: Session,
    actor: User,
    meeting: Meeting,
    *,
    user_ids: Iterable[int] = (),
    unit_ids: Iterable[int] = (),
    role: ParticipantRole = ParticipantRole.MEMBER,
    sending: invitations.Sending | None = None,
) -> int:
    """Invite people by name and every active member of the chosen units; returns how many
    were newly invited. Someone removed earlier is invited again on the same row.

    After publishing, those newly invited are sent the invitation through ``sending`` (views
    always pass it): the calendar invitation, the notice, the sealed Giấy mời once it exists."""
    access.refuse_unless_manager(actor, meeting)
    refuse_unless_editable(meeting)
    users, units = set(user_ids), set(unit_ids)
    if not users and not units:
        raise BadMeeting(N_("Choose at least one person or unit to invite."))
    found_users = set(session.scalars(sa.select(User.id).where(User.id.in_(users), User.active)))
    found_units = set(session.scalars(sa.select(Unit.id).where(Unit.id.in_(units))))
    if found_users != users or found_units != units:
        raise BadMeeting(N_("Some of the chosen people or units do not exist."))
    invited: dict[int, int | None] = dict.fromkeys(users)
    if units:
        for uid, unit_id in session.execute(
            sa.select(User.id, User.unit_id).where(User.unit_id.in_(units), User.active)
        ):
            invited.setdefault(uid, unit_id)
    existing = {
        p.user_id: p
        for p in session.scalars(
            sa.select(Participant).where(
                Participant.meeting_id == meeting.id, Participant.user_id.in_(invited)
            )
        )
    }
    added = []
    for uid, via_unit in sorted(invited.items()):
        row = existing.get(uid)
        if row is None:
            session.add(
                Participant(
                    meeting_id=meeting.id,
                    user_id=uid,
                    role=role,
                    via_unit_id=via_unit,
                    added_by_id=actor.id,
                )
            )
        elif row.removed_at is not None:
            row.removed_at, row.removed_by_id, row.role = None, None, role
        else:
            continue
        added.append(uid)
    session.flush()
    record_event(
        session,
        "meetings:participant:add",
        actor=actor,
        subject={"meeting": meeting.id},
        details={"people": added, "units": sorted(units), "role": role.value},
    )
    if sending is not None and added:
        late = session.scalars(sa.select(User).where(User.id.in_(added)).order_by(User.id))
        invitations.invite_late(session, actor, meeting, list(late), sending)
    return len(added)


def add_guest(
    session: Session, actor: User, meeting: Meeting, *, name: str, organisation: str = ""
) -> Participant:
    """Invite an outside guest by name: listed on the invitation, with no pack to open."""
    access.refuse_unless_manager(actor, meeting)
    refuse_unless_editable(meeting)
    name, organisation = " ".join(name.split()), " ".join(organisation.split())
    if not name:
        raise BadMeeting(N_("Give the guest’s name."))
    if len(name) > 255 or len(organisation) > 255:
        raise BadMeeting(N_("The guest’s name or organisation is too long."))
    guest = Participant(
        meeting_id=meeting.id,
        name=name,
        organisation=organisation,
        role=ParticipantRole.GUEST,
        added_by_id=actor.id,
    )
    session.add(guest)
    session.flush()
    record_event(
        session,
        "meetings:participant:add",
        actor=actor,
        subject={"meeting": meeting.id, "participant": guest.id},
        details={"outside_guest": True},
    )
    return guest


def remove(session: Session, actor: User, meeting: Meeting, participant_id: int) -> Participant:
    """Withdraw an invitation: from this moment they (and their representative) see nothing of
    the meeting; what they opened before stays on record."""
    access.refuse_unless_manager(actor, meeting)
    refuse_unless_editable(meeting)
    participant = _participant(session, meeting, participant_id)
    if participant.removed_at is not None:
        return participant
    participant.removed_at = utcnow()
    participant.removed_by_id = actor.id
    session.flush()
    record_event(
        session,
        "meetings:participant:remove",
        actor=actor,
        subject={"meeting": meeting.id, "participant": participant.id},
        details={"user": participant.user_id, "published": meeting.published_at is not None},
    )
    return participant


def send_representative(
    session: Session,
    actor: User,
    meeting: Meeting,
    participant_id: int,
    representative_id: int | None,
    sending: invitations.Sending | None = None,
) -> Participant:
    """Name who attends in a participant's place (None: nobody). The participant themselves or
    the chair or secretary may do it; the representative sees what the participant sees, and
    after publishing is sent the invitation through ``sending``."""
    participant = to_represent(session, actor, meeting, participant_id)
    if representative_id is not None:
        if representative_id == participant.user_id:
            raise BadMeeting(N_("A representative is someone else than the invited person."))
        if (
            session.scalar(sa.select(User.id).where(User.id == representative_id, User.active))
            is None
        ):
            raise BadMeeting(N_("Choose an active person as representative."))
    before = participant.representative_id
    participant.representative_id = representative_id
    session.flush()
    record_event(
        session,
        "meetings:participant:represent",
        actor=actor,
        subject={"meeting": meeting.id, "participant": participant.id},
        details={"representative": representative_id, "before": before},
    )
    if sending is not None and representative_id is not None and representative_id != before:
        sent = session.get_one(User, representative_id)
        invitations.invite_late(session, actor, meeting, [sent], sending)
    return participant


def to_represent(
    session: Session, actor: User, meeting: Meeting, participant_id: int
) -> Participant:
    """The invitation whose representative ``actor`` may name: their own, or any if they are
    the chair or secretary, of a meeting still open to changes; else a typed refusal."""
    refuse_unless_editable(meeting)
    participant = _participant(session, meeting, participant_id)
    if participant.removed_at is not None:
        raise BadMeeting(N_("This person is no longer invited."))
    if actor.id != participant.user_id and not meeting.is_manager(actor):
        raise NotAllowed(
            N_("Only the invited person or the meeting’s secretary may name a representative."),
            meeting=meeting.id,
        )
    return participant


def listing(session: Session, meeting: Meeting, *, removed: bool = True) -> list[Participant]:
    """The meeting's participants, invited ones first, by name (one query)."""
    query = (
        sa.select(Participant)
        .options(joinedload(Participant.user), joinedload(Participant.representative))
        .outerjoin(User, User.id == Participant.user_id)
        .where(Participant.meeting_id == meeting.id)
        .order_by(
            Participant.removed_at.is_not(None),
            sa.func.coalesce(User.full_name, Participant.name),
            Participant.id,
        )
    )
    if not removed:
        query = query.where(Participant.removed_at.is_(None))
    return list(session.scalars(query))


#: The invitations the reader holds in a meeting, as the rule counts them (`access`).
_OWN = (
    sa.select(Participant)
    .where(Participant.meeting_id == sa.bindparam("meeting_id"), access.acting_as_reader())
    .order_by(Participant.id)
)


def own(session: Session, user: User, meeting: Meeting) -> list[Participant]:
    """The invitations ``user`` holds in ``meeting``: their own, and those they represent."""
    return list(session.scalars(_OWN, {**access.reader_params(user), "meeting_id": meeting.id}))


def _participant(session: Session, meeting: Meeting, participant_id: int) -> Participant:
    participant = session.get(Participant, participant_id)
    if participant is None or participant.meeting_id != meeting.id:
        raise BadMeeting(N_("This person is not invited to this meeting."))
    return participant
