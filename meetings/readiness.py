"""Pack readiness for a meeting's chair and secretary: per participant and per agenda item, who
has opened which exact version, who has opened nothing yet, and reminding them.

The report costs the same few statements whatever the numbers of participants, items and
documents: each participant's view is asked of the one rule (items of meetings, versions of
documents) for all of them at once, and the receipts are read in two statements.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from accounts import notification_subjects
from accounts.models import User
from audit import record_event
from core.errors import N_
from documents import access as document_access
from documents.models import Document, DocumentVersion, ReadReceipt, Status
from meetings import access
from meetings.agenda import Placed, layout
from meetings.errors import NothingToRemind, WrongState
from meetings.models import (
    AgendaItem,
    ItemDocument,
    Material,
    MaterialReceipt,
    MaterialVersion,
    Meeting,
    MeetingStatus,
    Participant,
)

#: The notification a reminder leaves (the kind, and its English message ids).
REMINDER_KIND = "meeting_pack_reminder"
#: The reminder asks for this: done once the person opens an item of the pack.
READ_PACK = "read_pack"
REMINDER_TITLE = N_("Please read the pack of the meeting “%(meeting)s”")
REMINDER_BODY = N_(
    "The meeting starts on %(starts)s. You have not opened any of its documents yet."
)


class Opened(enum.StrEnum):
    """How far one reader got with one exact version on the agenda."""

    THIS_VERSION = "opened"
    #: Only an earlier version of the same document or material: they read something else.
    EARLIER = "earlier"
    NOT_YET = "not_yet"


@dataclass(frozen=True)
class AgendaDocument:
    """One exact version on an item, as the report names it."""

    attachment_id: int
    item_id: int
    title: str
    number_symbol: str
    version: int
    document_id: int | None
    version_id: int | None
    material_id: int | None
    material_version_id: int | None
    recalled: bool


@dataclass(frozen=True)
class Cell:
    """One participant and one item: the versions they may open there, and those opened."""

    visible: bool
    documents: int = 0
    opened: int = 0


@dataclass
class ParticipantReadiness:
    participant: Participant
    #: attachment id -> how far they got, for each version they may open (recalled: left out).
    documents: dict[int, Opened] = field(default_factory=dict)
    #: item id -> their cell of the grid.
    cells: dict[int, Cell] = field(default_factory=dict)
    #: Whether they (or their representative) opened anything of the agenda, any version.
    opened_anything: bool = False
    #: When they first opened something of the agenda.
    first_opened_at: datetime | None = None

    @property
    def total(self) -> int:
        return len(self.documents)

    @property
    def opened(self) -> int:
        return sum(1 for o in self.documents.values() if o is Opened.THIS_VERSION)

    @property
    def percent(self) -> int:
        return round(100 * self.opened / self.total) if self.total else 0

    @property
    def readers(self) -> list[User]:
        """Who reads for this invitation: the invited person, and the one sent in their place."""
        people = [self.participant.user, self.participant.representative]
        return [p for p in people if p is not None]


@dataclass(frozen=True)
class DocumentReadiness:
    """One exact version on an item: how each participant who may open it got on."""

    document: AgendaDocument
    #: participant id -> how far they got; only the participants who may open it.
    readers: dict[int, Opened]

    @property
    def opened(self) -> int:
        return sum(1 for o in self.readers.values() if o is Opened.THIS_VERSION)


@dataclass(frozen=True)
class ItemReadiness:
    placed: Placed
    documents: list[DocumentReadiness]

    @property
    def item(self) -> AgendaItem:
        return self.placed.item

    @property
    def expected(self) -> int:
        """Openings this item asks for: each participant once for each version they may open."""
        return sum(len(d.readers) for d in self.documents)

    @property
    def opened(self) -> int:
        return sum(d.opened for d in self.documents)


@dataclass(frozen=True)
class Readiness:
    meeting: Meeting
    participants: list[ParticipantReadiness]
    items: list[ItemReadiness]

    @property
    def not_started(self) -> list[ParticipantReadiness]:
        """Participants with something to read who have opened nothing of it yet."""
        return [p for p in self.participants if p.total and not p.opened_anything]

    @property
    def ready(self) -> int:
        """Participants who opened every version they may open."""
        return sum(1 for p in self.participants if p.total and p.opened == p.total)

    @property
    def expected(self) -> int:
        return sum(p.total for p in self.participants)

    @property
    def opened(self) -> int:
        return sum(p.opened for p in self.participants)


def report(session: Session, actor: User, meeting: Meeting) -> Readiness:
    """The readiness of ``meeting``'s pack, for its chair or secretary. Six statements."""
    access.refuse_unless_manager(actor, meeting)
    invited = _participants(session, meeting)
    items = list(
        session.scalars(
            sa.select(AgendaItem)
            .options(joinedload(AgendaItem.presenter))
            .where(AgendaItem.meeting_id == meeting.id)
        )
    )
    documents = _documents(session, meeting)
    seen_items, may_open = _views(session, meeting)
    receipts = _receipts(session, meeting)

    by_item: dict[int, list[AgendaDocument]] = defaultdict(list)
    for document in documents:
        by_item[document.item_id].append(document)
    rows: list[ParticipantReadiness] = []
    readers_of: dict[int, dict[int, Opened]] = defaultdict(dict)
    for participant in invited:
        row = ParticipantReadiness(participant)
        reader_ids = {i for i in (participant.user_id, participant.representative_id) if i}
        opened_at = [receipts.first[u] for u in reader_ids if u in receipts.first]
        row.opened_anything = bool(opened_at)
        row.first_opened_at = min(opened_at) if opened_at else None
        for item in items:
            if (participant.id, item.id) not in seen_items:
                row.cells[item.id] = Cell(False)
                continue
            counted = opened = 0
            for document in by_item[item.id]:
                if document.recalled or not may_open.get((participant.id, document.attachment_id)):
                    continue
                state = _how_far(document, reader_ids, receipts)
                row.documents[document.attachment_id] = state
                readers_of[document.attachment_id][participant.id] = state
                counted += 1
                opened += state is Opened.THIS_VERSION
            row.cells[item.id] = Cell(True, counted, opened)
        rows.append(row)

    item_rows = [
        ItemReadiness(
            placed,
            [
                DocumentReadiness(d, readers_of.get(d.attachment_id, {}))
                for d in by_item[placed.item.id]
            ],
        )
        for placed in layout(meeting, items)
    ]
    return Readiness(meeting, rows, item_rows)


class Notifier(Protocol):
    """`accounts.notification_views.notify_from_app`: in VanThu, and by e-mail when it is on."""

    def __call__(
        self,
        session: Session,
        users: Iterable[User],
        kind: str,
        title: str,
        body: str = "",
        link: str | None = None,
        *,
        actor: User | None,
        params: Mapping[str, str] | None = None,
        subject: tuple[str, int] | None = None,
        action: str | None = None,
    ) -> Any: ...


@dataclass(frozen=True)
class Reminded:
    participants: int
    people: int
    emails_queued: int


def remind(
    session: Session,
    actor: User,
    meeting: Meeting,
    notify: Notifier,
    *,
    link: str,
    starts: str,
) -> Reminded:
    """Remind the participants who have opened nothing of the pack (each once, and the person
    they sent in their place), in VanThu and by e-mail where they have an address.

    ``link`` is the pack's path; ``starts`` the meeting's start as the letter says it.
    """
    access.refuse_unless_manager(actor, meeting)
    if meeting.status not in (MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS):
        raise WrongState(N_("Only the participants of a published meeting can be reminded."))
    behind = report(session, actor, meeting).not_started
    people = list({u.id: u for p in behind for u in p.readers if u.active}.values())
    if not people:
        raise NothingToRemind(
            N_("Every participant has opened something of the pack: nobody to remind.")
        )
    sent = notify(
        session,
        people,
        REMINDER_KIND,
        REMINDER_TITLE,
        REMINDER_BODY,
        link,
        actor=actor,
        params={"meeting": meeting.title, "starts": starts},
        subject=("meeting", meeting.id),
        action=READ_PACK,
    )
    emails = int(getattr(sent, "emails_queued", 0))
    record_event(
        session,
        "meetings:readiness:remind",
        actor=actor,
        subject={"meeting": meeting.id},
        details={
            "participants": sorted(p.participant.id for p in behind),
            "people": sorted(u.id for u in people),
            "emails_queued": emails,
        },
    )
    return Reminded(len(behind), len(people), emails)


def looked_at_pack(session: Session, user: User, meeting: Meeting) -> None:
    """``user`` opened an item of the pack: their reminder to read it is done."""
    notification_subjects.clear(session, "meeting", meeting.id, [READ_PACK], users=[user.id])


# --- the statements ------------------------------------------------------------------------------


def _participants(session: Session, meeting: Meeting) -> list[Participant]:
    """Invited people with an account, not removed, by name (outside guests have no pack)."""
    return list(
        session.scalars(
            sa.select(Participant)
            .options(joinedload(Participant.user), joinedload(Participant.representative))
            .join(User, User.id == Participant.user_id)
            .where(Participant.meeting_id == meeting.id, Participant.removed_at.is_(None))
            .order_by(User.full_name, Participant.id)
        )
    )


def _documents(session: Session, meeting: Meeting) -> list[AgendaDocument]:
    rows = session.execute(
        sa.select(
            ItemDocument,
            Document.subject,
            Document.number_symbol,
            Document.status,
            DocumentVersion.number,
            Material.title,
            MaterialVersion.number,
        )
        .join(AgendaItem, AgendaItem.id == ItemDocument.item_id)
        .outerjoin(Document, Document.id == ItemDocument.document_id)
        .outerjoin(DocumentVersion, DocumentVersion.id == ItemDocument.version_id)
        .outerjoin(Material, Material.id == ItemDocument.material_id)
        .outerjoin(MaterialVersion, MaterialVersion.id == ItemDocument.material_version_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(ItemDocument.item_id, ItemDocument.position, ItemDocument.id)
    ).all()
    return [
        AgendaDocument(
            attachment_id=a.id,
            item_id=a.item_id,
            title=subject if a.document_id is not None else material_title,
            number_symbol=number_symbol or "",
            version=number if a.document_id is not None else material_number,
            document_id=a.document_id,
            version_id=a.version_id,
            material_id=a.material_id,
            material_version_id=a.material_version_id,
            recalled=status is Status.RECALLED,
        )
        for a, subject, number_symbol, status, number, material_title, material_number in rows
    ]


def _views(
    session: Session, meeting: Meeting
) -> tuple[set[tuple[int, int]], dict[tuple[int, int], bool]]:
    """What each participant sees: the items (participant, item), and per attachment on them
    whether they may open it (a material: whenever they see its item). One statement, the
    rules of meetings and of documents asked for every participant's account at once."""
    rows = session.execute(
        sa.select(
            Participant.id,
            AgendaItem.id,
            access.item_visible_to_account(User.id, AgendaItem),
            ItemDocument.id,
            sa.case(
                (ItemDocument.version_id.is_(None), sa.true()),
                else_=document_access.may_open_as_account(DocumentVersion),
            ),
        )
        .select_from(Participant)
        .join(User, User.id == Participant.user_id)
        .join(AgendaItem, AgendaItem.meeting_id == Participant.meeting_id)
        .outerjoin(ItemDocument, ItemDocument.item_id == AgendaItem.id)
        .outerjoin(DocumentVersion, DocumentVersion.id == ItemDocument.version_id)
        .outerjoin(Document, Document.id == ItemDocument.document_id)
        .where(Participant.meeting_id == meeting.id, Participant.removed_at.is_(None))
    ).all()
    seen: set[tuple[int, int]] = set()
    may_open: dict[tuple[int, int], bool] = {}
    for participant_id, item_id, item_seen, attachment_id, openable in rows:
        if not item_seen:
            continue
        seen.add((participant_id, item_id))
        if attachment_id is not None:
            may_open[(participant_id, attachment_id)] = bool(openable)
    return seen, may_open


@dataclass
class _Receipts:
    """The receipts that matter, indexed: (reader, ("document" or "material", its id)) -> the
    exact versions they opened; and when each reader first opened anything of the agenda."""

    versions: dict[tuple[int, tuple[str, int]], set[int]] = field(
        default_factory=lambda: defaultdict(set)
    )
    first: dict[int, datetime] = field(default_factory=dict)

    def add(self, user_id: int, thing: tuple[str, int], version_id: int, at: datetime) -> None:
        self.versions[(user_id, thing)].add(version_id)
        if user_id not in self.first or at < self.first[user_id]:
            self.first[user_id] = at


def _receipts(session: Session, meeting: Meeting) -> _Receipts:
    """The participants' (and representatives') receipts of every version of the documents and
    materials on the agenda. Two statements."""
    on_items = sa.select(ItemDocument).join(AgendaItem, AgendaItem.id == ItemDocument.item_id)
    on_items = on_items.where(AgendaItem.meeting_id == meeting.id)
    attached = on_items.subquery()
    people = (
        sa.select(Participant.user_id)
        .where(Participant.meeting_id == meeting.id, Participant.removed_at.is_(None))
        .union(
            sa.select(Participant.representative_id).where(
                Participant.meeting_id == meeting.id, Participant.removed_at.is_(None)
            )
        )
    )
    documents = session.execute(
        sa.select(
            ReadReceipt.user_id,
            ReadReceipt.document_id,
            ReadReceipt.version_id,
            ReadReceipt.first_opened_at,
        ).where(
            ReadReceipt.document_id.in_(sa.select(attached.c.document_id)),
            ReadReceipt.user_id.in_(people),
        )
    ).all()
    materials = session.execute(
        sa.select(
            MaterialReceipt.user_id,
            MaterialReceipt.material_id,
            MaterialReceipt.material_version_id,
            MaterialReceipt.first_opened_at,
        ).where(
            MaterialReceipt.material_id.in_(sa.select(attached.c.material_id)),
            MaterialReceipt.user_id.in_(people),
        )
    ).all()
    found = _Receipts()
    for user_id, document_id, version_id, at in documents:
        found.add(user_id, ("document", document_id), version_id, at)
    for user_id, material_id, version_id, at in materials:
        found.add(user_id, ("material", material_id), version_id, at)
    return found


def _how_far(document: AgendaDocument, reader_ids: set[int], receipts: _Receipts) -> Opened:
    if document.document_id is not None:
        thing, version_id = ("document", document.document_id), document.version_id
    else:
        assert document.material_id is not None
        thing, version_id = ("material", document.material_id), document.material_version_id
    opened: set[int] = set()
    for reader in reader_ids:
        opened |= receipts.versions.get((reader, thing), set())
    if version_id in opened:
        return Opened.THIS_VERSION
    return Opened.EARLIER if opened else Opened.NOT_YET
