"""The agenda: an ordered tree of items (1, 1.1, …) with presenters, planned durations and start
times, item types and access lists (the versions attached to items: `meetings.attachments`).

Every change claims the meeting's version (`meetings.claim_version`): a form drawn from an older
version is refused, never applied over someone else's change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from meetings import access
from meetings.errors import BadMeeting, BadMove
from meetings.meetings import claim_version, refuse_unless_editable
from meetings.models import (
    AgendaItem,
    AgendaItemPath,
    ItemAccess,
    ItemDocument,
    ItemKind,
    ItemLook,
    Meeting,
    MeetingStatus,
    Participant,
)

#: Deepest level of the agenda: 1, 1.1, 1.1.1.
MAX_DEPTH = 3
#: Longest planned duration of one item, in minutes (a whole day).
MAX_DURATION = 24 * 60


@dataclass(frozen=True)
class ItemData:
    title: str
    description: str = ""
    presenter_id: int | None = None
    presenter_name: str = ""
    duration_minutes: int = 0
    kind: ItemKind = ItemKind.NORMAL


@dataclass(frozen=True)
class Placed:
    """An item where it stands in the agenda."""

    item: AgendaItem
    depth: int
    #: "2.1"; empty for a hidden item (and what is under it), which stays out of the numbering
    #: every participant shares.
    number: str
    starts_at: datetime


def layout(meeting: Meeting, items: Iterable[AgendaItem]) -> list[Placed]:
    """The agenda in reading order: depth, number and start time of each item.

    An item starts when the items before it (its parent's own time included) have had their
    planned durations, counted from the meeting's start.
    """
    children: dict[int | None, list[AgendaItem]] = defaultdict(list)
    for item in items:
        children[item.parent_id].append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.position, i.id))
    placed: list[Placed] = []
    clock = meeting.starts_at

    def walk(parent_id: int | None, depth: int, prefix: str, hidden: bool) -> None:
        nonlocal clock
        shown = 0
        for item in children.get(parent_id, []):
            item_hidden = hidden or item.kind is ItemKind.HIDDEN
            number = ""
            if not item_hidden:
                shown += 1
                number = f"{prefix}{shown}"
            placed.append(Placed(item, depth, number, clock))
            clock += timedelta(minutes=item.duration_minutes)
            walk(item.id, depth + 1, f"{number}." if number else "", item_hidden)

    walk(None, 0, "", False)
    return placed


def items_of(session: Session, meeting: Meeting) -> list[AgendaItem]:
    return list(
        session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def add_item(
    session: Session,
    actor: User,
    meeting: Meeting,
    data: ItemData,
    *,
    expected_version: int,
    parent_id: int | None = None,
) -> AgendaItem:
    """Add an item at the end of the agenda or of ``parent_id``'s sub-items; after publishing it
    is marked as a late addition."""
    may_change(session, actor, meeting, expected_version)
    _check_item(session, data)
    items = items_of(session, meeting)
    if parent_id is not None:
        parents = {i.id: i for i in items}
        if parent_id not in parents:
            raise BadMove(N_("The chosen parent item is not on this agenda."))
        if _depth(parents, parent_id) + 1 >= MAX_DEPTH:
            raise BadMove(N_("The agenda goes %(levels)d levels deep at most."), levels=MAX_DEPTH)
    now = utcnow()
    item = AgendaItem(
        meeting_id=meeting.id,
        parent_id=parent_id,
        position=sum(1 for i in items if i.parent_id == parent_id),
        late=meeting.status is not MeetingStatus.DRAFT,
        created_at=now,
        changed_at=now,
    )
    _apply(item, data)
    session.add(item)
    session.flush()
    _rebuild_paths(session, meeting)
    record_event(
        session,
        "meetings:item:add",
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id},
        details={"parent": parent_id, "kind": item.kind.value, "late": item.late},
    )
    return item


def edit_item(
    session: Session,
    actor: User,
    meeting: Meeting,
    item_id: int,
    data: ItemData,
    *,
    expected_version: int,
) -> AgendaItem:
    may_change(session, actor, meeting, expected_version)
    _check_item(session, data)
    item = item_of(session, meeting, item_id)
    _apply(item, data)
    item.changed_at = utcnow()
    session.flush()
    record_event(
        session,
        "meetings:item:edit",
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id},
        details={"kind": item.kind.value},
    )
    return item


def move_item(
    session: Session,
    actor: User,
    meeting: Meeting,
    item_id: int,
    *,
    parent_id: int | None,
    position: int,
    expected_version: int,
) -> None:
    """Put an item (with its sub-items) under ``parent_id`` (None: the top) at ``position``."""
    may_change(session, actor, meeting, expected_version)
    items = {i.id: i for i in items_of(session, meeting)}
    item = items.get(item_id)
    if item is None:
        raise BadMove(N_("This item is not on this agenda."))
    if parent_id is not None:
        if parent_id not in items:
            raise BadMove(N_("The chosen parent item is not on this agenda."))
        ancestor: int | None = parent_id
        while ancestor is not None:
            if ancestor == item.id:
                raise BadMove(N_("An item cannot go under itself or under one of its sub-items."))
            ancestor = items[ancestor].parent_id
        if _depth(items, parent_id) + 1 + _height(items, item.id) > MAX_DEPTH:
            raise BadMove(N_("The agenda goes %(levels)d levels deep at most."), levels=MAX_DEPTH)
    old_parent = item.parent_id
    siblings = sorted(
        (i for i in items.values() if i.parent_id == parent_id and i.id != item.id),
        key=lambda i: (i.position, i.id),
    )
    siblings.insert(max(0, min(position, len(siblings))), item)
    item.parent_id = parent_id
    for n, sibling in enumerate(siblings):
        sibling.position = n
    if old_parent != parent_id:
        left = sorted(
            (i for i in items.values() if i.parent_id == old_parent and i.id != item.id),
            key=lambda i: (i.position, i.id),
        )
        for n, sibling in enumerate(left):
            sibling.position = n
    session.flush()
    if old_parent != parent_id:
        _rebuild_paths(session, meeting)
    record_event(
        session,
        "meetings:item:move",
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id},
        details={"parent": parent_id, "position": item.position, "from_parent": old_parent},
    )


def delete_item(
    session: Session, actor: User, meeting: Meeting, item_id: int, *, expected_version: int
) -> None:
    """Remove an item that has no sub-items and no documents left."""
    may_change(session, actor, meeting, expected_version)
    item = item_of(session, meeting, item_id)
    has_children = session.scalar(sa.select(AgendaItem.id).where(AgendaItem.parent_id == item.id))
    has_documents = session.scalar(
        sa.select(ItemDocument.id).where(ItemDocument.item_id == item.id)
    )
    if has_children is not None or has_documents is not None:
        raise BadMove(N_("Remove the item’s sub-items and documents first."))
    for model, column in (
        (AgendaItemPath, AgendaItemPath.item_id),
        (ItemAccess, ItemAccess.item_id),
        (ItemLook, ItemLook.item_id),
    ):
        session.execute(sa.delete(model).where(column == item.id))
    parent_id = item.parent_id
    session.delete(item)
    session.flush()
    for n, sibling in enumerate(i for i in items_of(session, meeting) if i.parent_id == parent_id):
        sibling.position = n
    session.flush()
    record_event(
        session,
        "meetings:item:delete",
        actor=actor,
        subject={"meeting": meeting.id, "item": item_id},
    )


def set_access_list(
    session: Session,
    actor: User,
    meeting: Meeting,
    item_id: int,
    participant_ids: Iterable[int],
    *,
    expected_version: int,
) -> None:
    """Let only these participants (besides the chair and secretary) see the item and what is
    under it; an empty list opens it again to everyone its type allows."""
    may_change(session, actor, meeting, expected_version)
    item = item_of(session, meeting, item_id)
    chosen = set(participant_ids)
    found = set(
        session.scalars(
            sa.select(Participant.id).where(
                Participant.meeting_id == meeting.id,
                Participant.id.in_(chosen),
                Participant.removed_at.is_(None),
            )
        )
    )
    if found != chosen:
        raise BadMeeting(N_("Choose people invited to this meeting."))
    session.execute(sa.delete(ItemAccess).where(ItemAccess.item_id == item.id))
    if chosen:
        session.execute(
            sa.insert(ItemAccess),
            [{"item_id": item.id, "participant_id": p} for p in sorted(chosen)],
        )
    item.restricted = bool(chosen)
    session.flush()
    record_event(
        session,
        "meetings:item:restrict",
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id},
        details={"participants": sorted(chosen)},
    )


def access_list(session: Session, item: AgendaItem) -> set[int]:
    return set(
        session.scalars(sa.select(ItemAccess.participant_id).where(ItemAccess.item_id == item.id))
    )


def may_change(session: Session, actor: User, meeting: Meeting, expected_version: int) -> None:
    access.refuse_unless_manager(actor, meeting)
    refuse_unless_editable(meeting)
    claim_version(session, meeting, expected_version)


def _check_item(session: Session, data: ItemData) -> None:
    title = data.title.strip()
    if not title:
        raise BadMeeting(N_("Give the agenda item a title."))
    if len(title) > 500 or len(data.presenter_name.strip()) > 255:
        raise BadMeeting(N_("The title or the presenter’s name is too long."))
    if not 0 <= data.duration_minutes <= MAX_DURATION:
        raise BadMeeting(
            N_("The planned duration is between 0 and %(most)d minutes."), most=MAX_DURATION
        )
    if data.presenter_id is not None and (
        session.scalar(sa.select(User.id).where(User.id == data.presenter_id, User.active)) is None
    ):
        raise BadMeeting(N_("Choose an active person as presenter."))


def _apply(item: AgendaItem, data: ItemData) -> None:
    item.title = data.title.strip()
    item.description = data.description.strip()
    item.presenter_id = data.presenter_id
    item.presenter_name = data.presenter_name.strip()
    item.duration_minutes = data.duration_minutes
    item.kind = data.kind


def item_of(session: Session, meeting: Meeting, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise BadMove(N_("This item is not on this agenda."))
    return item


def _depth(items: dict[int, AgendaItem], item_id: int) -> int:
    """0 for an item at the top, 1 under it, …"""
    depth, parent = 0, items[item_id].parent_id
    while parent is not None:
        depth, parent = depth + 1, items[parent].parent_id
    return depth


def _height(items: dict[int, AgendaItem], item_id: int) -> int:
    """Levels an item takes with its sub-items: 1 for an item with none."""
    below = [i.id for i in items.values() if i.parent_id == item_id]
    return 1 + max((_height(items, child) for child in below), default=0)


def _rebuild_paths(session: Session, meeting: Meeting) -> None:
    """Write the agenda's closure again: agendas are small, and whole is simplest to keep right."""
    parents = dict(
        session.execute(
            sa.select(AgendaItem.id, AgendaItem.parent_id).where(
                AgendaItem.meeting_id == meeting.id
            )
        ).all()
    )
    session.execute(sa.delete(AgendaItemPath).where(AgendaItemPath.meeting_id == meeting.id))
    rows = []
    for item_id in parents:
        ancestor: int | None = item_id
        while ancestor is not None:
            rows.append({"item_id": item_id, "ancestor_id": ancestor, "meeting_id": meeting.id})
            ancestor = parents[ancestor]
    if rows:
        session.execute(sa.insert(AgendaItemPath), rows)
