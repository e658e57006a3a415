"""Who may see a meeting, an agenda item and an item's documents: the one rule of meetings.

The chair and the secretary see everything of their meeting, drafts included. A participant
(or the representative they sent) sees a meeting once it is published, until they are removed:
the items whose every level is open to them (hidden items: chair and secretary only; internal
items: members only; an item with an access list: the participants on it) and, on those items,
the exact versions attached.

The documents' own rule (`documents.access.may_open`) decides every opening of a document
version; documents must not import meetings, so the app factory registers `document_grant`
with `documents.access.register_grant`: the rule then also asks "is this version on an item
this reader sees?", in SQL, at the moment of opening. Nothing is copied into documents' tables,
so removing a participant, narrowing an item or replacing a version takes effect at once, and
receipts and audit events of each opening are documents' own. A grant never opens a confidential
document: that stays with the people named on it, and the pack shows it as withheld.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, joinedload, lazyload

from accounts.models import Role, User
from core.errors import N_
from documents.models import DocumentVersion
from meetings.errors import ItemNotFound, MeetingNotFound, NotAllowed
from meetings.models import (
    AgendaItem,
    AgendaItemPath,
    ItemAccess,
    ItemDocument,
    ItemKind,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantRole,
)


def may_create(user: User) -> bool:
    """Clerks (văn thư) prepare meetings; each names its chair and secretary."""
    return user.has_role(Role.CLERK)


def _shown(meeting: Any) -> sa.ColumnElement[bool]:
    """Participants see a meeting in every status but draft (`SHOWN_TO_PARTICIPANTS`)."""
    return meeting.status != MeetingStatus.DRAFT


def _manages(reader_id: Any, meeting: Any) -> sa.ColumnElement[bool]:
    return sa.or_(meeting.chair_id == reader_id, meeting.secretary_id == reader_id)


def _acts_as(reader_id: Any, participant: Any) -> sa.ColumnElement[bool]:
    """The participation is the reader's own, or they were sent in its place; not removed."""
    return sa.and_(
        participant.removed_at.is_(None),
        sa.or_(participant.user_id == reader_id, participant.representative_id == reader_id),
    )


def _closed_level(item: Any, participant: Any) -> sa.ColumnElement[bool]:
    """Some level of the item (itself or an item above it) is closed to the participation:
    hidden; internal and they are no member; or with an access list that does not name them.

    Written as one flat subquery: SQLite's parser refuses deeper nesting once the documents'
    rule embeds this in its own lists.
    """
    path = aliased(AgendaItemPath)
    above = aliased(AgendaItem)
    listed = aliased(ItemAccess)
    return (
        sa.select(path.item_id)
        .join(above, above.id == path.ancestor_id)
        .outerjoin(
            listed,
            sa.and_(listed.item_id == above.id, listed.participant_id == participant.id),
        )
        .where(
            path.item_id == item.id,
            sa.or_(
                above.kind == ItemKind.HIDDEN,
                sa.and_(
                    above.kind == ItemKind.INTERNAL, participant.role != ParticipantRole.MEMBER
                ),
                sa.and_(above.restricted == sa.true(), listed.id.is_(None)),
            ),
        )
        .correlate_except(path, above, listed)
        .exists()
    )


def _item_seen(reader_id: Any, item: Any, meeting: Any, participant: Any) -> sa.ColumnElement[bool]:
    """Over rows of an item, its meeting and (outer-joined) one of the reader's participations
    in it: whether that row lets the reader see the item."""
    return sa.or_(
        _manages(reader_id, meeting),
        sa.and_(
            _shown(meeting),
            participant.id.is_not(None),
            ~_closed_level(item, participant),
        ),
    )


def _participations(reader_id: Any, meeting: Any, participant: Any) -> sa.ColumnElement[bool]:
    return sa.and_(participant.meeting_id == meeting.id, _acts_as(reader_id, participant))


def _sees_meeting(reader_id: Any, meeting: Any) -> sa.ColumnElement[bool]:
    participant = aliased(Participant)
    return sa.or_(
        _manages(reader_id, meeting),
        sa.and_(
            _shown(meeting),
            sa.exists()
            .where(participant.meeting_id == meeting.id, _acts_as(reader_id, participant))
            .correlate_except(participant),
        ),
    )


def _sees_item(reader_id: Any, item: Any) -> sa.ColumnElement[bool]:
    meeting = aliased(Meeting)
    participant = aliased(Participant)
    return (
        sa.select(meeting.id)
        .outerjoin(participant, _participations(reader_id, meeting, participant))
        .where(meeting.id == item.meeting_id, _item_seen(reader_id, item, meeting, participant))
        .correlate_except(meeting, participant)
        .exists()
    )


def meeting_visible_to(user: User, meeting: Any = Meeting) -> sa.ColumnElement[bool]:
    """Whether ``user`` may see the row's meeting (for lists and the home page)."""
    return _sees_meeting(user.id, meeting)


def visible_meetings(session: Session, user: User, ids: Collection[int]) -> set[int]:
    """The meetings among ``ids`` that ``user`` may still see: a notification about another one
    keeps its title to itself."""
    statement = sa.select(Meeting.id).where(Meeting.id.in_(list(ids)), meeting_visible_to(user))
    return set(session.scalars(statement))


def item_visible_to(user: User, item: Any = AgendaItem) -> sa.ColumnElement[bool]:
    """Whether ``user`` may see the row's agenda item, and so the versions attached to it."""
    return _sees_item(user.id, item)


def item_visible_to_account(reader_id: Any, item: Any = AgendaItem) -> sa.ColumnElement[bool]:
    """`item_visible_to` for a reader given as SQL (e.g. ``User.id`` of a joined row): whether
    each of many accounts sees the row's item, in one statement."""
    return _sees_item(reader_id, item)


#: The reader as a bind parameter, for the statements built once (the hot paths). It has the
#: name documents' own statements give the reader, so that one statement may ask both rules
#: with `documents.access.reader_params`.
READER = sa.bindparam("reader_id", type_=sa.Integer)


def reader_params(user: User) -> dict[str, Any]:
    """The value of `READER` in the statements built once."""
    return {"reader_id": user.id}


def meeting_visible_to_reader(meeting: Any = Meeting) -> sa.ColumnElement[bool]:
    """`meeting_visible_to`, the reader being `READER`."""
    return _sees_meeting(READER, meeting)


def item_visible_to_reader(item: Any = AgendaItem) -> sa.ColumnElement[bool]:
    """`item_visible_to`, the reader being `READER`."""
    return _sees_item(READER, item)


def acting_as_reader(participant: Any = Participant) -> sa.ColumnElement[bool]:
    """Whether the row's participation is one the reader (`READER`) holds: theirs, or one
    they were sent to in someone's place, and not removed."""
    return _acts_as(READER, participant)


def document_grant(reader_id: Any, version: Any) -> sa.ColumnElement[bool]:
    """For `documents.access.register_grant`: the version is on an item the reader sees."""
    attached = aliased(ItemDocument)
    item = aliased(AgendaItem)
    meeting = aliased(Meeting)
    participant = aliased(Participant)
    return (
        sa.select(attached.id)
        .join(item, item.id == attached.item_id)
        .join(meeting, meeting.id == item.meeting_id)
        .outerjoin(participant, _participations(reader_id, meeting, participant))
        .where(attached.version_id == version.id, _item_seen(reader_id, item, meeting, participant))
        .correlate_except(attached, item, meeting, participant)
        .exists()
    )


# The statements of the hot paths, built once from the rule above: a request only binds the
# reader and the ids (building the rule's expressions costs more than running them).
_MEETING = (
    sa.select(Meeting, meeting_visible_to_reader())
    .where(Meeting.id == sa.bindparam("meeting_id"))
    # The chair's and secretary's names come along; their roles only if asked for.
    .options(
        joinedload(Meeting.chair).lazyload(User.role_rows),
        joinedload(Meeting.secretary).lazyload(User.role_rows),
    )
)
_ITEM = sa.select(AgendaItem, item_visible_to_reader()).where(
    AgendaItem.id == sa.bindparam("item_id"), AgendaItem.meeting_id == sa.bindparam("meeting_id")
)
_SEES_ITEM = sa.select(item_visible_to_reader()).where(AgendaItem.id == sa.bindparam("item_id"))
# An opening's meeting, item and attachment with both verdicts, in one round trip; a missing
# item or attachment leaves its columns empty.
_ATTACHMENT = (
    sa.select(
        Meeting,
        meeting_visible_to_reader(),
        AgendaItem,
        item_visible_to_reader(),
        ItemDocument,
        DocumentVersion.number,
    )
    .select_from(Meeting)
    .outerjoin(
        AgendaItem,
        sa.and_(AgendaItem.id == sa.bindparam("item_id"), AgendaItem.meeting_id == Meeting.id),
    )
    .outerjoin(
        ItemDocument,
        sa.and_(
            ItemDocument.id == sa.bindparam("attachment_id"), ItemDocument.item_id == AgendaItem.id
        ),
    )
    .outerjoin(DocumentVersion, DocumentVersion.id == ItemDocument.version_id)
    .where(Meeting.id == sa.bindparam("meeting_id"))
    # An opening needs neither the chair's nor the secretary's account.
    .options(lazyload(Meeting.chair), lazyload(Meeting.secretary))
)


def _meeting_not_found(meeting_id: int) -> MeetingNotFound:
    return MeetingNotFound(
        N_("This meeting does not exist, or you may not see it."), meeting=meeting_id
    )


def _item_not_found(item_id: int) -> ItemNotFound:
    return ItemNotFound(N_("This agenda item does not exist, or you may not see it."), item=item_id)


def get_meeting(session: Session, user: User, meeting_id: int, *, manage: bool = False) -> Meeting:
    """The meeting if ``user`` may see it (and manage it, if asked), else a typed refusal.

    An unknown id and a meeting the user may not see answer alike, so that nobody learns of a
    meeting they are not invited to.
    """
    row = session.execute(_MEETING, {**reader_params(user), "meeting_id": meeting_id}).first()
    if row is None or not row[1]:
        raise _meeting_not_found(meeting_id)
    meeting: Meeting = row[0]
    if manage:
        refuse_unless_manager(user, meeting)
    return meeting


def refuse_unless_manager(user: User, meeting: Meeting) -> None:
    if not meeting.is_manager(user):
        raise NotAllowed(
            N_("Only the meeting’s chair and secretary may do this."), meeting=meeting.id
        )


def get_item(session: Session, user: User, meeting: Meeting, item_id: int) -> AgendaItem:
    """An item of ``meeting`` that ``user`` sees; one they may not see is not found."""
    row = session.execute(
        _ITEM, {**reader_params(user), "item_id": item_id, "meeting_id": meeting.id}
    ).first()
    if row is None or not row[1]:
        raise _item_not_found(item_id)
    item: AgendaItem = row[0]
    return item


@dataclass(frozen=True)
class Attached:
    """What is on an item of a meeting, as `get_attachment` found it for a reader."""

    meeting: Meeting
    item: AgendaItem
    #: None when no such attachment is on the item.
    attachment: ItemDocument | None
    #: The number of the attached document version; None for a meeting material.
    version_number: int | None


def get_attachment(
    session: Session, user: User, meeting_id: int, item_id: int, attachment_id: int
) -> Attached:
    """The meeting, the item and what is attached to it under ``attachment_id``, refused as
    `get_meeting` and `get_item` refuse, in one statement. Whether the attached version may
    be opened is documents' rule's to say, when it is opened."""
    row = session.execute(
        _ATTACHMENT,
        {
            **reader_params(user),
            "meeting_id": meeting_id,
            "item_id": item_id,
            "attachment_id": attachment_id,
        },
    ).first()
    if row is None or not row[1]:
        raise _meeting_not_found(meeting_id)
    meeting, _seen, item, item_seen, attachment, number = row
    if item is None or not item_seen:
        raise _item_not_found(item_id)
    return Attached(meeting, item, attachment, number)


def sees_item(session: Session, user: User, item: AgendaItem) -> bool:
    """`item_visible_to` for one stored item."""
    return bool(session.scalar(_SEES_ITEM, {**reader_params(user), "item_id": item.id}))


# Whether signed-in accounts may still follow a meeting's room: each one's session generation
# and whether it still sees the meeting, in one round trip however many they are. Asked by the
# live streams at each event (once for all of a process's streams) and heartbeat.
_PRESENCE = (
    sa.select(User.id, User.session_generation, _sees_meeting(User.id, Meeting))
    .select_from(User)
    .join(Meeting, Meeting.id == sa.bindparam("meeting_id"))
    .where(User.id.in_(sa.bindparam("reader_ids", expanding=True)), User.active)
)


@dataclass(frozen=True)
class Presence:
    """What `presence` found of an account: its session generation (None if it may not sign
    in), and whether it sees the meeting (a participant removed no longer does)."""

    session_generation: int | None
    sees_meeting: bool


ABSENT = Presence(None, False)


def presence(
    connection: sa.Connection, reader_ids: Collection[int], meeting_id: int
) -> dict[int, Presence]:
    """`Presence` of each account of ``reader_ids`` in ``meeting_id``, on a short connection."""
    if not reader_ids:
        return {}
    rows = connection.execute(
        _PRESENCE, {"reader_ids": sorted(set(reader_ids)), "meeting_id": meeting_id}
    )
    found = {row[0]: Presence(row[1], bool(row[2])) for row in rows}
    return {reader_id: found.get(reader_id, ABSENT) for reader_id in reader_ids}
