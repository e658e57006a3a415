"""The participant's pack: the agenda they may see, on each item the versions they may open,
what is withheld (counted, never named), and what changed since they last looked.

A pack costs the same few statements whatever the number of items and documents.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from accounts.models import User
from core.clock import VIETNAM
from core.db import dialect_insert, utcnow
from documents import access as document_access
from documents.models import Document, DocumentVersion, ReadReceipt, Status
from meetings import access
from meetings.agenda import Placed, layout
from meetings.models import (
    AgendaItem,
    ItemDocument,
    ItemLook,
    Material,
    MaterialReceipt,
    MaterialVersion,
    Meeting,
    MeetingStatus,
)


@dataclass(frozen=True)
class PackDocument:
    """One exact version on an item, as the reader may open it."""

    attachment_id: int
    title: str
    #: The document's number and symbol (số, ký hiệu); empty for a meeting material.
    number_symbol: str
    version: int
    mime: str
    document_id: int | None
    recalled: bool
    #: Whether the reader has a receipt of this very version.
    opened: bool

    @property
    def is_material(self) -> bool:
        return self.document_id is None


@dataclass(frozen=True)
class PackItem:
    placed: Placed
    documents: list[PackDocument]
    #: Documents on the item the reader may not open: how many, never which.
    withheld: int
    #: When the reader last looked at the item; None if never.
    looked_at: datetime | None

    @property
    def item(self) -> AgendaItem:
        return self.placed.item

    @property
    def changed(self) -> bool:
        """Changed since the reader last looked (a look is needed first to speak of change)."""
        return self.looked_at is not None and self.item.changed_at > self.looked_at

    @property
    def new(self) -> bool:
        return self.looked_at is None


@dataclass(frozen=True)
class Pack:
    meeting: Meeting
    items: list[PackItem]
    manager: bool

    @property
    def documents(self) -> list[PackDocument]:
        return [d for i in self.items for d in i.documents]

    @property
    def unread(self) -> int:
        return sum(1 for d in self.documents if not d.opened and not d.recalled)


def build(session: Session, user: User, meeting: Meeting) -> Pack:
    """``user``'s pack of ``meeting``, which they were already allowed to see. Two statements."""
    rows = session.execute(
        sa.select(AgendaItem, access.item_visible_to(user), ItemLook.looked_at)
        .options(joinedload(AgendaItem.presenter))
        .outerjoin(
            ItemLook, sa.and_(ItemLook.item_id == AgendaItem.id, ItemLook.user_id == user.id)
        )
        .where(AgendaItem.meeting_id == meeting.id)
    ).all()
    visible = {item.id: looked_at for item, shown, looked_at in rows if shown}
    documents, withheld = _documents(session, user, [meeting.id])
    items = [
        PackItem(
            placed,
            documents.get(placed.item.id, []),
            withheld.get(placed.item.id, 0),
            visible[placed.item.id],
        )
        for placed in layout(meeting, [row[0] for row in rows])
        if placed.item.id in visible
    ]
    return Pack(meeting, items, meeting.is_manager(user))


def _documents(
    session: Session, user: User, meeting_ids: list[int]
) -> tuple[dict[int, list[PackDocument]], dict[int, int]]:
    """Per visible item of the meetings: the versions ``user`` may open, and how many they may
    not. One statement: the documents' rule and this package's rule, asked in SQL."""
    rows = session.execute(
        sa.select(
            ItemDocument.id,
            ItemDocument.item_id,
            access.item_visible_to(user, AgendaItem),
            Document.id,
            Document.subject,
            Document.number_symbol,
            Document.status,
            DocumentVersion.number,
            DocumentVersion.mime,
            document_access.may_open(user, DocumentVersion),
            ReadReceipt.id,
            Material.title,
            MaterialVersion.number,
            MaterialVersion.mime,
            MaterialReceipt.id,
        )
        .select_from(ItemDocument)
        .join(AgendaItem, AgendaItem.id == ItemDocument.item_id)
        .outerjoin(DocumentVersion, DocumentVersion.id == ItemDocument.version_id)
        .outerjoin(Document, Document.id == ItemDocument.document_id)
        .outerjoin(
            ReadReceipt,
            sa.and_(
                ReadReceipt.version_id == ItemDocument.version_id, ReadReceipt.user_id == user.id
            ),
        )
        .outerjoin(MaterialVersion, MaterialVersion.id == ItemDocument.material_version_id)
        .outerjoin(Material, Material.id == ItemDocument.material_id)
        .outerjoin(
            MaterialReceipt,
            sa.and_(
                MaterialReceipt.material_version_id == ItemDocument.material_version_id,
                MaterialReceipt.user_id == user.id,
            ),
        )
        .where(AgendaItem.meeting_id.in_(meeting_ids))
        .order_by(ItemDocument.item_id, ItemDocument.position, ItemDocument.id)
    ).all()
    documents: dict[int, list[PackDocument]] = defaultdict(list)
    withheld: dict[int, int] = defaultdict(int)
    for (
        attachment_id,
        item_id,
        item_shown,
        document_id,
        subject,
        number_symbol,
        status,
        number,
        mime,
        may_open,
        receipt,
        material_title,
        material_number,
        material_mime,
        material_receipt,
    ) in rows:
        if not item_shown:
            continue
        if document_id is None:
            documents[item_id].append(
                PackDocument(
                    attachment_id,
                    material_title,
                    "",
                    material_number,
                    material_mime,
                    None,
                    False,
                    material_receipt is not None,
                )
            )
        elif may_open:
            documents[item_id].append(
                PackDocument(
                    attachment_id,
                    subject,
                    number_symbol or "",
                    number,
                    mime,
                    document_id,
                    status is Status.RECALLED,
                    receipt is not None,
                )
            )
        else:
            withheld[item_id] += 1
    return documents, withheld


def mark_looked(session: Session, user: User, item: AgendaItem) -> None:
    """Remember that ``user`` looked at ``item`` now: it is no longer "changed" for them."""
    now = utcnow()
    statement = dialect_insert(session, ItemLook).values(
        item_id=item.id, user_id=user.id, looked_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "item_id"], set_={"looked_at": now}
        )
    )


@dataclass(frozen=True)
class Upcoming:
    """A meeting on the home page, with how much of its pack the reader has opened."""

    meeting: Meeting
    today: bool
    documents: int
    opened: int

    @property
    def unread(self) -> int:
        return self.documents - self.opened


def upcoming(session: Session, user: User, now: datetime, *, limit: int = 20) -> list[Upcoming]:
    """Today's and later meetings ``user`` sees (drafts only to their chair and secretary), in
    order, each with its pack's count of documents and of those opened. Three statements."""
    start_of_today = datetime.combine(now.astimezone(VIETNAM).date(), time(), VIETNAM)
    end_of_today = start_of_today + timedelta(days=1)
    meetings = list(
        session.scalars(
            sa.select(Meeting)
            .where(
                access.meeting_visible_to(user),
                Meeting.status.in_(
                    [MeetingStatus.DRAFT, MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS]
                ),
                sa.or_(
                    Meeting.ends_at >= start_of_today, Meeting.status == MeetingStatus.IN_PROGRESS
                ),
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(limit)
        )
    )
    if not meetings:
        return []
    documents, _withheld = _documents(session, user, [m.id for m in meetings])
    item_meetings = dict(
        session.execute(
            sa.select(AgendaItem.id, AgendaItem.meeting_id).where(
                AgendaItem.meeting_id.in_([m.id for m in meetings])
            )
        ).all()
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for item_id, docs in documents.items():
        for document in docs:
            if document.recalled:
                continue
            count = counts[item_meetings[item_id]]
            count[0] += 1
            count[1] += document.opened
    return [
        Upcoming(
            m,
            m.starts_at < end_of_today,
            counts[m.id][0],
            counts[m.id][1],
        )
        for m in meetings
    ]
