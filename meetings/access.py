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
    SHOWN_TO_PARTICIPANTS,
    AgendaItem,
    AgendaItemPath,
    ItemAccess,
    ItemDocument,
    ItemKind,
    Meeting,
    Participant,
    ParticipantRole,
)


def may_create(user: User) -> bool:
    """Clerks (văn thư) prepare meetings; each names its chair and secretary."""
    return user.has_role(Role.CLERK)


def _manages(reader_id: Any, meeting: Any) -> sa.ColumnElement[bool]:
    return sa.or_(meeting.chair_id == reader_id, meeting.secretary_id == reader_id)


def _acts_as(reader_id: Any, participant: Any) -> sa.ColumnElement[bool]:
    """The participation is the reader's own, or they were sent in its place; not removed."""
    return sa.and_(
        participant.removed_at.is_(None),
        sa.or_(participant.user_id == reader_id, participant.representative_id == reader_id),
    )


def _item_open_to(item: Any, participant: Any) -> sa.ColumnElement[bool]:
    """One item's own terms for one participation; its ancestors are asked the same."""
    listed = aliased(ItemAccess)
    return sa.and_(
        item.kind != ItemKind.HIDDEN,
        sa.or_(item.kind != ItemKind.INTERNAL, participant.role == ParticipantRole.MEMBER),
        sa.or_(
            item.restricted == sa.false(),
            sa.exists()
            .where(listed.item_id == item.id, listed.participant_id == participant.id)
            .correlate_except(listed),
        ),
    )


def _sees_meeting(reader_id: Any, meeting: Any) -> sa.ColumnElement[bool]:
    participant = aliased(Participant)
    return sa.or_(
        _manages(reader_id, meeting),
        sa.and_(
            meeting.status.in_(SHOWN_TO_PARTICIPANTS),
            sa.exists()
            .where(participant.meeting_id == meeting.id, _acts_as(reader_id, participant))
            .correlate_except(participant),
        ),
    )


def _sees_item(reader_id: Any, item: Any) -> sa.ColumnElement[bool]:
    meeting = aliased(Meeting)
    participant = aliased(Participant)
    path = aliased(AgendaItemPath)
    above = aliased(AgendaItem)
    # Hidden above means hidden below: no level of the item (itself included) is closed.
    # Each subquery names the tables it ranges over; every other one is the enclosing query's.
    every_level_open = ~(
        sa.exists()
        .where(
            path.item_id == item.id,
            above.id == path.ancestor_id,
            ~_item_open_to(above, participant),
        )
        .correlate_except(path, above)
    )
    return (
        sa.exists()
        .where(
            meeting.id == item.meeting_id,
            sa.or_(
                _manages(reader_id, meeting),
                sa.and_(
                    meeting.status.in_(SHOWN_TO_PARTICIPANTS),
                    sa.exists()
                    .where(
                        participant.meeting_id == meeting.id,
                        _acts_as(reader_id, participant),
                        every_level_open,
                    )
                    .correlate_except(participant),
                ),
            ),
        )
        .correlate_except(meeting)
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
    return (
        sa.exists()
        .where(
            attached.version_id == version.id,
            item.id == attached.item_id,
            _sees_item(reader_id, item),
        )
        .correlate_except(attached, item)
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
