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

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from accounts.models import Role, User
from core.errors import N_
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


def item_visible_to(user: User, item: Any = AgendaItem) -> sa.ColumnElement[bool]:
    """Whether ``user`` may see the row's agenda item, and so the versions attached to it."""
    return _sees_item(user.id, item)


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


def get_meeting(session: Session, user: User, meeting_id: int, *, manage: bool = False) -> Meeting:
    """The meeting if ``user`` may see it (and manage it, if asked), else a typed refusal.

    An unknown id and a meeting the user may not see answer alike, so that nobody learns of a
    meeting they are not invited to.
    """
    row = session.execute(
        sa.select(Meeting, _sees_meeting(user.id, Meeting)).where(Meeting.id == meeting_id)
    ).first()
    if row is None or not row[1]:
        raise MeetingNotFound(
            N_("This meeting does not exist, or you may not see it."), meeting=meeting_id
        )
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
        sa.select(AgendaItem, _sees_item(user.id, AgendaItem)).where(
            AgendaItem.id == item_id, AgendaItem.meeting_id == meeting.id
        )
    ).first()
    if row is None or not row[1]:
        raise ItemNotFound(
            N_("This agenda item does not exist, or you may not see it."), item=item_id
        )
    item: AgendaItem = row[0]
    return item


def sees_item(session: Session, user: User, item: AgendaItem) -> bool:
    """`item_visible_to` for one stored item."""
    return bool(
        session.scalar(sa.select(_sees_item(user.id, AgendaItem)).where(AgendaItem.id == item.id))
    )
