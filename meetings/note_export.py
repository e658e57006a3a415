"""A person's notes on one meeting, grouped by agenda item, as a Word file or a PDF to take away.

Each note shows the words it quotes, on which version of which document, and what was written;
exporting is recorded in the audit log (how many notes, never their text).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import sqlalchemy as sa
from docx.shared import Pt
from fpdf import FPDF
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.errors import N_
from core.pdffonts import PDF_FONTS, find_font
from documents.models import Document, DocumentVersion
from meetings import agenda, notes
from meetings.errors import ExportUnavailable
from meetings.models import Material, MaterialVersion, Meeting, MeetingNote, NoteKind


@dataclass(frozen=True)
class ExportedNote:
    note: MeetingNote
    #: "Công văn 12/UBND-VP · Về việc …" or a material's title.
    document: str
    #: The version it was written on.
    version: int


@dataclass(frozen=True)
class ItemNotes:
    #: "2.1 Dự toán ngân sách"; empty for notes whose item was removed.
    heading: str
    notes: list[ExportedNote]


def by_item(session: Session, user: User, meeting: Meeting) -> list[ItemNotes]:
    """``user``'s notes in ``meeting`` in agenda order, then page order within an item."""
    own = notes.mine(session, user, meeting)
    if not own:
        return []
    documents = _document_titles(session, own)
    grouped: dict[int | None, list[ExportedNote]] = defaultdict(list)
    for note in own:
        title, number = documents[notes._written_key(note)]
        grouped[note.item_id].append(ExportedNote(note, title, number))
    placed = agenda.layout(meeting, agenda.items_of(session, meeting))
    groups = [
        ItemNotes(f"{p.number} {p.item.title}".strip(), grouped[p.item.id])
        for p in placed
        if p.item.id in grouped
    ]
    if None in grouped:
        groups.append(ItemNotes("", grouped[None]))
    return groups


def _document_titles(
    session: Session, own: list[MeetingNote]
) -> dict[tuple[str, int], tuple[str, int]]:
    titles: dict[tuple[str, int], tuple[str, int]] = {}
    versions = {n.version_id for n in own if n.version_id is not None}
    if versions:
        for version_id, number, subject, number_symbol in session.execute(
            sa.select(
                DocumentVersion.id, DocumentVersion.number, Document.subject, Document.number_symbol
            )
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(DocumentVersion.id.in_(versions))
        ):
            title = f"{number_symbol} · {subject}" if number_symbol else subject
            titles["document", version_id] = (title, number)
    materials = {n.material_version_id for n in own if n.material_version_id is not None}
    if materials:
        for version_id, number, title in session.execute(
            sa.select(MaterialVersion.id, MaterialVersion.number, Material.title)
            .join(Material, Material.id == MaterialVersion.material_id)
            .where(MaterialVersion.id.in_(materials))
        ):
            titles["material", version_id] = (title, number)
    return titles


@dataclass(frozen=True)
class Labels:
    """The export's words in the reader's language (the service has no locale of its own)."""

    title: str
    removed_item: str
    version: Callable[[int], str]
    page: Callable[[int], str]
    highlight: str
    shared: str


def export(
    session: Session,
    user: User,
    meeting: Meeting,
    file_format: str,
    labels: Labels,
) -> bytes:
    """``user``'s notes in ``meeting`` as a DOCX or PDF file; the export is audited."""
    groups = by_item(session, user, meeting)
    if file_format == "docx":
        data = to_docx(meeting, groups, labels)
    elif file_format == "pdf":
        data = to_pdf(meeting, groups, labels)
    else:
        raise ValueError(file_format)
    record_event(
        session,
        "meetings:notes:export",
        actor=user,
        subject={"meeting": meeting.id},
        details={"format": file_format, "notes": sum(len(g.notes) for g in groups)},
    )
    return data


def _lines(entry: ExportedNote, labels: Labels) -> tuple[str, str, str]:
    """(where, quote, note) of one exported note."""
    note = entry.note
    where = f"{entry.document} · {labels.version(entry.version)} · {labels.page(note.page)}"
    if note.shared:
        where += f" · {labels.shared}"
    text = note.text or (labels.highlight if note.kind is NoteKind.HIGHLIGHT else "")
    return where, f"“{note.quote}”", text


def to_docx(meeting: Meeting, groups: list[ItemNotes], labels: Labels) -> bytes:
    document = docx.Document()
    document.core_properties.title = f"{labels.title}: {meeting.title}"
    document.add_heading(labels.title, level=0)
    document.add_paragraph(meeting.title)
    for group in groups:
        document.add_heading(group.heading or labels.removed_item, level=1)
        for entry in group.notes:
            where, quote, text = _lines(entry, labels)
            document.add_paragraph(where).runs[0].font.size = Pt(9)
            document.add_paragraph(quote, style="Quote")
            if text:
                document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_pdf(meeting: Meeting, groups: list[ItemNotes], labels: Labels) -> bytes:
    regular, bold = _font()
    pdf = FPDF(format="A4")
    pdf.set_title(f"{labels.title}: {meeting.title}")
    pdf.add_font("Body", "", str(regular))
    pdf.add_font("Body", "B", str(bold))
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    def paragraph(text: str, size: float, style: str = "", gap: float = 2) -> None:
        pdf.set_font("Body", style, size)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    paragraph(labels.title, 18, "B")
    paragraph(meeting.title, 12, gap=6)
    for group in groups:
        paragraph(group.heading or labels.removed_item, 14, "B", gap=3)
        for entry in group.notes:
            where, quote, text = _lines(entry, labels)
            paragraph(where, 9, gap=1)
            paragraph(quote, 11, "B", gap=1)
            if text:
                paragraph(text, 11)
            pdf.ln(3)
    return bytes(pdf.output())


def _font() -> tuple[Path, Path]:
    found = find_font(PDF_FONTS)
    if found is not None:
        return found
    raise ExportUnavailable(
        N_(
            "This server has no font with Vietnamese letters for the PDF "
            "(install fonts-dejavu-core): export as Word instead."
        )
    )
