"""Private notes and highlights on the exact versions on agenda items: writing them, sharing them
with the meeting (góp ý), and carrying them onto the version that replaces theirs.

A note keeps forever the version and the anchor it was written on; its placement on the version
now attached is recomputed with `meetings.anchoring` whenever the item gets another version.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from core.storage import BlobStore
from documents import access as document_access
from documents.circulation import refuse_if_recalled
from documents.models import DocumentVersion
from meetings import access
from meetings.anchoring import Anchor, PagedText, Placement, reanchor
from meetings.errors import (
    BadNote,
    ItemNotFound,
    NewVersionOnItem,
    NoteNotFound,
)
from meetings.models import (
    AgendaItem,
    ItemDocument,
    MaterialVersion,
    Meeting,
    MeetingNote,
    NoteKind,
    NotePlacement,
)
from meetings.note_text import TEXT_KINDS, Selection, letters_of, locate, text_of

#: Longest note a person may write (a page of text).
MAX_TEXT = 5000


@dataclass(frozen=True)
class AttachedVersion:
    """The exact version an item holds now, as notes refer to it."""

    attachment: ItemDocument
    item: AgendaItem
    number: int
    sha256: str
    kind: str

    @property
    def document_id(self) -> int | None:
        return self.attachment.document_id

    @property
    def version_id(self) -> int | None:
        return self.attachment.version_id

    @property
    def material_version_id(self) -> int | None:
        return self.attachment.material_version_id


def attached_version(
    session: Session, user: User, meeting: Meeting, item_id: int, attachment_id: int
) -> AttachedVersion:
    """The version on an item that ``user`` sees and may open; refused as the pack refuses it."""
    item = access.get_item(session, user, meeting, item_id)
    attachment = session.get(ItemDocument, attachment_id)
    if attachment is None or attachment.item_id != item.id:
        raise ItemNotFound(N_("This document is not on this agenda item."), item=item_id)
    if attachment.document_id is not None:
        number = session.scalar(
            sa.select(DocumentVersion.number).where(DocumentVersion.id == attachment.version_id)
        )
        document, version = document_access.get_version(
            session, user, attachment.document_id, int(number or 0)
        )
        refuse_if_recalled(document)
        return AttachedVersion(attachment, item, version.number, version.sha256, version.kind)
    material = session.get(MaterialVersion, attachment.material_version_id)
    assert material is not None
    return AttachedVersion(attachment, item, material.number, material.sha256, material.kind)


def write(
    session: Session,
    store: BlobStore,
    user: User,
    meeting: Meeting,
    item_id: int,
    attachment_id: int,
    *,
    version: int,
    selection: Selection,
    kind: NoteKind,
    text: str = "",
) -> MeetingNote:
    """Write a note (or highlight) on the version ``version`` of an item's document.

    ``version`` is the number the reader had on screen: if the item holds another one by now,
    the note is refused rather than anchored on text the reader never saw.
    """
    attached = attached_version(session, user, meeting, item_id, attachment_id)
    if version != attached.number:
        raise NewVersionOnItem(
            N_("This item now holds another version of the document: reload the page to read it.")
        )
    if attached.kind not in TEXT_KINDS:
        raise BadNote(N_("Notes can be written on PDF and Word (DOCX) documents only."))
    text = _checked_text(text, kind)
    anchor = locate(text_of(store, attached.sha256, attached.kind), selection)
    attachment = attached.attachment
    note = MeetingNote(
        meeting_id=meeting.id,
        item_id=attached.item.id,
        author_id=user.id,
        kind=kind,
        text=text,
        document_id=attachment.document_id,
        version_id=attachment.version_id,
        material_id=attachment.material_id,
        material_version_id=attachment.material_version_id,
        page=anchor.page,
        start_offset=anchor.start,
        quote=anchor.exact,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        placed_version_id=attachment.version_id,
        placed_material_version_id=attachment.material_version_id,
        placement=NotePlacement.EXACT,
        placed_page=anchor.page,
        placed_start=anchor.start,
        placed_end=anchor.start + len(anchor.exact),
        placement_score=1.0,
    )
    session.add(note)
    session.flush()
    return note


def _checked_text(text: str, kind: NoteKind) -> str:
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise BadNote(N_("A note holds at most %(most)d characters."), most=MAX_TEXT)
    if kind is NoteKind.NOTE and not text:
        raise BadNote(N_("Write the note, or save the words as a highlight."))
    return text


def own_note(session: Session, user: User, meeting: Meeting, note_id: int) -> MeetingNote:
    """``user``'s own note in ``meeting``, on an item they still see. Another person's note,
    shared or not, is not found here: only its author reads it as theirs, edits or deletes it."""
    note = session.get(MeetingNote, note_id)
    if (
        note is None
        or note.meeting_id != meeting.id
        or note.author_id != user.id
        or (note.item_id is not None and not _sees_item_id(session, user, note.item_id))
    ):
        raise NoteNotFound(N_("This note does not exist, or you may not see it."), note=note_id)
    return note


def _sees_item_id(session: Session, user: User, item_id: int) -> bool:
    item = session.get(AgendaItem, item_id)
    return item is not None and access.sees_item(session, user, item)


def edit(session: Session, user: User, meeting: Meeting, note_id: int, text: str) -> MeetingNote:
    note = own_note(session, user, meeting, note_id)
    note.text = _checked_text(text, note.kind)
    note.updated_at = utcnow()
    session.flush()
    return note


def delete(session: Session, user: User, meeting: Meeting, note_id: int) -> None:
    session.delete(own_note(session, user, meeting, note_id))
    session.flush()


def share(
    session: Session, user: User, meeting: Meeting, note_id: int, *, shared: bool
) -> MeetingNote:
    """Share the note with the meeting (góp ý), or take it back; recorded without its text."""
    note = own_note(session, user, meeting, note_id)
    if note.item_id is None and shared:
        raise BadNote(N_("The agenda item of this note was removed: it can no longer be shared."))
    if note.shared == shared:
        return note
    note.shared_at = utcnow() if shared else None
    session.flush()
    record_event(
        session,
        "meetings:note:share" if shared else "meetings:note:unshare",
        actor=user,
        subject={"meeting": meeting.id, "item": note.item_id, "note": note.id},
        details={
            "kind": note.kind.value,
            "document": note.document_id,
            "material": note.material_id,
        },
    )
    return note


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownNote:
    """A note beside the version a reader has open."""

    note: MeetingNote
    mine: bool
    #: The number of the version it was written on.
    written_number: int
    #: Whether it stands on the version shown (else it is shown against its own).
    placed_here: bool
    #: The words it marks on the version shown, and where they start (0..1 of the page's
    #: letters), for the reader to draw; None when not placed here.
    mark: str | None
    position: float | None
    #: The reader may open the version it was written on (a link is offered).
    written_openable: bool


def beside(
    session: Session, store: BlobStore, user: User, attached: AttachedVersion
) -> list[ShownNote]:
    """The reader's own notes on this item's document and those shared with the meeting, as
    they stand on the version ``attached`` (which the reader was allowed to open)."""
    attachment = attached.attachment
    same_document = (
        MeetingNote.document_id == attachment.document_id
        if attachment.document_id is not None
        else MeetingNote.material_id == attachment.material_id
    )
    notes = list(
        session.scalars(
            sa.select(MeetingNote).where(
                MeetingNote.item_id == attached.item.id,
                same_document,
                sa.or_(MeetingNote.author_id == user.id, MeetingNote.shared_at.is_not(None)),
            )
        )
    )
    if not notes:
        return []
    numbers = _written_numbers(session, notes)
    openable = _openable(session, user, [n.version_id for n in notes if n.version_id])
    text = None
    shown = []
    for note in notes:
        here = note.placed and _placed_on(note, attached)
        mark, position = None, None
        if here:
            text = text or text_of(store, attached.sha256, attached.kind)
            mark, position = _mark(text, note)
            here = mark is not None
        shown.append(
            ShownNote(
                note=note,
                mine=note.author_id == user.id,
                written_number=numbers[_written_key(note)],
                placed_here=here,
                mark=mark,
                position=position,
                written_openable=note.version_id in openable,
            )
        )
    shown.sort(
        key=lambda s: (
            not s.placed_here,
            s.note.placed_page or 0,
            s.note.placed_start or 0,
            s.note.created_at,
            s.note.id,
        )
    )
    return shown


def _placed_on(note: MeetingNote, attached: AttachedVersion) -> bool:
    if note.document_id is not None:
        return note.placed_version_id == attached.version_id
    return note.placed_material_version_id == attached.material_version_id


def _mark(text: PagedText, note: MeetingNote) -> tuple[str | None, float | None]:
    page, start, end = note.placed_page, note.placed_start, note.placed_end
    if page is None or start is None or end is None or not 1 <= page <= len(text.pages):
        return None, None
    words = text.pages[page - 1]
    mark = words[start:end]
    if not mark.strip():
        return None, None
    letters, where = letters_of(words)
    before = bisect.bisect_left(where, start)
    return mark, round(before / (len(letters) or 1), 4)


def _written_key(note: MeetingNote) -> tuple[str, int]:
    if note.version_id is not None:
        return "document", note.version_id
    assert note.material_version_id is not None
    return "material", note.material_version_id


def _written_numbers(session: Session, notes: list[MeetingNote]) -> dict[tuple[str, int], int]:
    documents = {n.version_id for n in notes if n.version_id is not None}
    materials = {n.material_version_id for n in notes if n.material_version_id is not None}
    numbers: dict[tuple[str, int], int] = {}
    if documents:
        for version_id, number in session.execute(
            sa.select(DocumentVersion.id, DocumentVersion.number).where(
                DocumentVersion.id.in_(documents)
            )
        ):
            numbers["document", version_id] = number
    if materials:
        for version_id, number in session.execute(
            sa.select(MaterialVersion.id, MaterialVersion.number).where(
                MaterialVersion.id.in_(materials)
            )
        ):
            numbers["material", version_id] = number
    return numbers


def _openable(session: Session, user: User, version_ids: list[int]) -> set[int]:
    if not version_ids:
        return set()
    return set(
        session.scalars(
            sa.select(DocumentVersion.id).where(
                DocumentVersion.id.in_(set(version_ids)),
                document_access.may_open(user, DocumentVersion),
            )
        )
    )


def mine(session: Session, user: User, meeting: Meeting) -> list[MeetingNote]:
    """``user``'s notes in ``meeting`` on items they still see (and on removed items), whatever
    became of the documents: a recalled document's notes stay readable by their author."""
    notes = list(
        session.scalars(
            sa.select(MeetingNote)
            .outerjoin(AgendaItem, AgendaItem.id == MeetingNote.item_id)
            .where(
                MeetingNote.meeting_id == meeting.id,
                MeetingNote.author_id == user.id,
                sa.or_(MeetingNote.item_id.is_(None), access.item_visible_to(user, AgendaItem)),
            )
            .order_by(MeetingNote.page, MeetingNote.start_offset, MeetingNote.id)
        )
    )
    return notes


# -- a new version on the item ---------------------------------------------------------------


def follow_new_version(
    session: Session, store: BlobStore, attachment: ItemDocument
) -> dict[str, int]:
    """Place every note on this item's document onto the version the item now holds.

    Notes are re-anchored in batches, one per version they were written on, against that
    version's text: their original anchor is never changed, only where they stand now.
    Returns how many were placed exactly, fuzzily, or orphaned.
    """
    if attachment.document_id is not None:
        same = MeetingNote.document_id == attachment.document_id
        new_key = ("document", attachment.version_id)
    else:
        same = MeetingNote.material_id == attachment.material_id
        new_key = ("material", attachment.material_version_id)
    notes = list(
        session.scalars(
            sa.select(MeetingNote).where(MeetingNote.item_id == attachment.item_id, same)
        )
    )
    counts = {kind.value: 0 for kind in NotePlacement}
    if not notes:
        return counts
    new_text = text_of(store, *_stored_file(session, new_key))
    groups: dict[tuple[str, int], list[MeetingNote]] = defaultdict(list)
    for note in notes:
        groups[_written_key(note)].append(note)
    for written, group in groups.items():
        if written == new_key:
            for note in group:
                _place(
                    note,
                    attachment,
                    NotePlacement.EXACT,
                    note.page,
                    note.start_offset,
                    note.start_offset + len(note.quote),
                    1.0,
                )
        else:
            results = reanchor(
                {note.id: _anchor(note) for note in group},
                new_text,
                text_of(store, *_stored_file(session, written)),
            )
            for note in group:
                found = results[note.id]
                _place(
                    note,
                    attachment,
                    NotePlacement(found.kind.value),
                    found.page,
                    found.start,
                    found.end,
                    found.score,
                )
        for note in group:
            counts[note.placement.value] += 1
    session.flush()
    return counts


def _stored_file(session: Session, key: tuple[str, int | None]) -> tuple[str, str]:
    """(sha256, kind) of a document's or a material's version."""
    family, version_id = key
    model = DocumentVersion if family == "document" else MaterialVersion
    row = session.execute(sa.select(model.sha256, model.kind).where(model.id == version_id)).one()
    return row[0], row[1]


def _anchor(note: MeetingNote) -> Anchor:
    return Anchor(
        page=note.page,
        start=note.start_offset,
        exact=note.quote,
        prefix=note.prefix,
        suffix=note.suffix,
    )


def _place(
    note: MeetingNote,
    attachment: ItemDocument,
    placement: NotePlacement,
    page: int | None,
    start: int | None,
    end: int | None,
    score: float,
) -> None:
    note.placed_version_id = attachment.version_id
    note.placed_material_version_id = attachment.material_version_id
    note.placement = placement
    placed = placement is not NotePlacement.ORPHANED
    note.placed_page = page if placed else None
    note.placed_start = start if placed else None
    note.placed_end = end if placed else None
    note.placement_score = float(score)


assert {p.value for p in Placement} == {p.value for p in NotePlacement}
