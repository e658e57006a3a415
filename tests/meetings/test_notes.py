"""Notes and highlights on meeting documents: written on an exact version, private until shared,
carried onto a new version (exactly, fuzzily, or kept as orphans), exported with their quotes."""

from __future__ import annotations

import io

import docx
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from audit.models import AuditEvent
from core.storage import StagedBlobs
from documents import circulation, drafting
from documents.errors import DocumentRecalled
from meetings import attachments, note_export, note_text, notes, participants
from meetings.access import get_meeting
from meetings.errors import (
    AnchorOutsideText,
    BadNote,
    EmptyQuote,
    ItemNotFound,
    MeetingNotFound,
    NewVersionOnItem,
    NoteNotFound,
)
from meetings.models import (
    ItemKind,
    MeetingNote,
    NoteKind,
    NotePlacement,
    Participant,
    ParticipantRole,
)
from tests.documents.office_testkit import draft
from tests.meetings.conftest import (
    add_item,
    attach,
    invite,
    issued_document,
    new_meeting,
    publish,
    upload,
)
from tests.meetings.test_anchoring import vietnamese_pdf

INTRO = "Căn cứ Luật Tổ chức chính quyền địa phương năm 2015."
PLAN = "Kế hoạch chuyển đổi số được triển khai trong toàn tỉnh."
FUNDS = "Kinh phí thực hiện là 450.000.000 đồng từ nguồn ngân sách tỉnh."
TASK = "Giao Sở Thông tin và Truyền thông chủ trì, phối hợp với các sở, ngành."
CLOSING = "Ủy ban nhân dân tỉnh yêu cầu các đơn vị nghiêm túc thực hiện."

LABELS = note_export.Labels(
    title="Ghi chú của tôi",
    removed_item="Nội dung đã bỏ",
    version=lambda n: f"phiên bản {n}",
    page=lambda n: f"trang {n}",
    highlight="(đánh dấu)",
    shared="đã chia sẻ",
)


def add_pdf_version(db, blobs, office, document, pages):
    with StagedBlobs(blobs) as staged:
        version = drafting.add_version(
            db, staged, office.clerk, document, vietnamese_pdf(pages), "v.pdf", ""
        )
        db.commit()
    return version


@pytest.fixture
def setting(db, blobs, office):
    """A published meeting with one item holding version 2 (a PDF) of a draft, read by two
    members: home_a and home_b."""
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a", "home_b")
    item = add_item(db, office, meeting, "Chuyển đổi số")
    document = draft(db, blobs, office.clerk)
    add_pdf_version(db, blobs, office, document, [[INTRO, PLAN], [FUNDS, TASK]])
    attachment = attach(db, office, meeting, item, document, number=2)
    publish(db, office, meeting)
    return meeting, item, document, attachment


def write(db, blobs, user, meeting, item, attachment, quote, *, page=1, version=2, **more):
    selection = note_text.Selection(
        page=page,
        quote=quote,
        prefix=more.pop("prefix", ""),
        suffix=more.pop("suffix", ""),
        position=more.pop("position", None),
    )
    note = notes.write(
        db,
        blobs,
        user,
        meeting,
        item.id,
        attachment.id,
        version=version,
        selection=selection,
        kind=more.pop("kind", NoteKind.NOTE),
        text=more.pop("text", "Cần làm rõ"),
    )
    db.commit()
    return note


def replace(db, blobs, office, meeting, attachment, number):
    attachments.replace_document_version(
        db,
        office.clerk,
        meeting,
        attachment.id,
        number,
        expected_version=meeting.version,
        store=blobs,
    )
    db.commit()


def test_a_note_is_anchored_on_the_servers_text_of_the_exact_version(db, blobs, office, setting):
    meeting, item, _document, attachment = setting
    # pdf.js may put spaces elsewhere than pypdf does: the words are found all the same.
    note = write(
        db, blobs, office.home_a, meeting, item, attachment, "450.000.000  đồng từ\nnguồn", page=2
    )
    stored = db.get(MeetingNote, note.id)
    assert stored.quote == "450.000.000 đồng từ nguồn"
    assert stored.prefix.endswith("Kinh phí thực hiện là ")
    assert stored.suffix.startswith(" ngân sách tỉnh.")
    assert stored.version_id == attachment.version_id
    assert (stored.placement, stored.placed_version_id) == (NotePlacement.EXACT, stored.version_id)
    assert stored.author_id == office.home_a.id and not stored.shared


def test_repeated_words_are_told_apart_by_the_context_the_reader_selected_in(
    db, blobs, office, setting
):
    meeting, item, _document, attachment = setting
    note = write(
        db,
        blobs,
        office.home_a,
        meeting,
        item,
        attachment,
        "tỉnh",
        page=2,
        prefix="từ nguồn ngân sách ",
        suffix=". Giao Sở",
    )
    assert note.start_offset == FUNDS.index("sách tỉnh") + len("sách ")
    first = write(
        db, blobs, office.home_a, meeting, item, attachment, "tỉnh", page=1, position=0.99
    )
    assert first.start_offset == len(INTRO) + 1 + PLAN.index("tỉnh")


def test_notes_follow_a_new_version_exactly_fuzzily_or_stay_with_their_own(
    db, blobs, office, setting
):
    meeting, item, document, attachment = setting
    kept = write(db, blobs, office.home_a, meeting, item, attachment, "chủ trì, phối hợp", page=2)
    edited = write(
        db,
        blobs,
        office.home_a,
        meeting,
        item,
        attachment,
        "Kinh phí thực hiện là 450.000.000 đồng",
        page=2,
    )
    dropped = write(db, blobs, office.home_a, meeting, item, attachment, "Kế hoạch chuyển đổi số")
    add_pdf_version(
        db,
        blobs,
        office,
        document,
        [
            [INTRO, CLOSING],
            ["Kinh phí thực hiện là 480.000.000 đồng từ nguồn ngân sách tỉnh.", TASK],
        ],
    )
    replace(db, blobs, office, meeting, attachment, 3)

    placed = {n.id: n for n in db.scalars(sa.select(MeetingNote))}
    assert placed[kept.id].placement is NotePlacement.EXACT
    assert placed[kept.id].placed_page == 2
    assert placed[edited.id].placement is NotePlacement.FUZZY
    assert 0.8 <= placed[edited.id].placement_score < 1
    assert placed[dropped.id].placement is NotePlacement.ORPHANED
    assert placed[dropped.id].placed_page is None
    for note in placed.values():
        # What it was written on never changes.
        assert note.version_id != attachment.version_id
        assert note.placed_version_id == attachment.version_id
    assert placed[dropped.id].quote == "Kế hoạch chuyển đổi số"

    shown = notes.beside(
        db,
        blobs,
        office.home_a,
        notes.attached_version(db, office.home_a, meeting, item.id, attachment.id),
    )
    by_id = {s.note.id: s for s in shown}
    assert by_id[kept.id].placed_here and by_id[kept.id].mark == "chủ trì, phối hợp"
    assert by_id[edited.id].mark.startswith("Kinh phí thực hiện là 480.000.000")
    orphan = by_id[dropped.id]
    assert not orphan.placed_here and orphan.written_number == 2
    # Version 2 is no longer on the agenda: a participant may not open it any more…
    assert not orphan.written_openable
    assert [s.note.id for s in shown][-1] == dropped.id


def test_putting_the_written_version_back_places_its_notes_where_they_were(
    db, blobs, office, setting
):
    meeting, item, document, attachment = setting
    note = write(db, blobs, office.home_a, meeting, item, attachment, "Kế hoạch chuyển đổi số")
    add_pdf_version(db, blobs, office, document, [[CLOSING]])
    replace(db, blobs, office, meeting, attachment, 3)
    assert db.get(MeetingNote, note.id).placement is NotePlacement.ORPHANED
    replace(db, blobs, office, meeting, attachment, 2)
    back = db.get(MeetingNote, note.id)
    assert (back.placement, back.placed_page, back.placed_start) == (
        NotePlacement.EXACT,
        1,
        note.start_offset,
    )


def test_notes_on_a_material_follow_its_new_upload(db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "Ngân sách")
    attachment = upload(db, blobs, office, meeting, item, text="Du toan ngan sach nam 2027")
    publish(db, office, meeting)
    note = write(
        db, blobs, office.home_a, meeting, item, attachment, "ngan sach nam 2027", version=1
    )
    with StagedBlobs(blobs) as staged:
        attachments.replace_material(
            db,
            staged,
            office.clerk,
            meeting,
            attachment.id,
            data=vietnamese_pdf([["Bao cao: Du toan ngan sach nam 2027 da sua"]]),
            file_name="du-toan.pdf",
            max_bytes=1 << 20,
            expected_version=meeting.version,
        )
        db.commit()
    moved = db.get(MeetingNote, note.id)
    assert moved.placement is NotePlacement.EXACT
    assert moved.placed_material_version_id == attachment.material_version_id
    assert moved.material_version_id != moved.placed_material_version_id


def test_a_note_is_private_until_shared_and_again_once_taken_back(db, blobs, office, setting):
    meeting, item, _document, attachment = setting
    note = write(db, blobs, office.home_a, meeting, item, attachment, "Kế hoạch chuyển đổi số")

    def seen_by(user):
        attached = notes.attached_version(db, user, meeting, item.id, attachment.id)
        return [(s.note.id, s.mine) for s in notes.beside(db, blobs, user, attached)]

    assert seen_by(office.home_b) == []
    assert seen_by(office.home_a) == [(note.id, True)]
    notes.share(db, office.home_a, meeting, note.id, shared=True)
    db.commit()
    assert seen_by(office.home_b) == [(note.id, False)]
    assert seen_by(office.chairman) == [(note.id, False)]
    notes.share(db, office.home_a, meeting, note.id, shared=False)
    db.commit()
    assert seen_by(office.home_b) == []

    events = db.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action.like("meetings:note:%"))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["meetings:note:share", "meetings:note:unshare"]
    for event in events:
        assert event.subject["note"] == note.id
        assert "Cần làm rõ" not in str(event.details) + str(event.subject)


def test_another_participant_can_neither_read_nor_change_a_note(db, blobs, office, setting):
    meeting, item, _document, attachment = setting
    note = write(db, blobs, office.home_a, meeting, item, attachment, "Kế hoạch chuyển đổi số")
    notes.share(db, office.home_a, meeting, note.id, shared=True)
    db.commit()
    for attempt in (
        lambda: notes.own_note(db, office.home_b, meeting, note.id),
        lambda: notes.edit(db, office.home_b, meeting, note.id, "sửa"),
        lambda: notes.delete(db, office.home_b, meeting, note.id),
        lambda: notes.share(db, office.home_b, meeting, note.id, shared=False),
    ):
        with pytest.raises(NoteNotFound):
            attempt()
    db.rollback()
    kept = db.get(MeetingNote, note.id)
    assert (kept.text, kept.shared) == ("Cần làm rõ", True)


def test_who_cannot_see_the_item_sees_none_of_its_shared_notes(db, blobs, office, setting):
    meeting, item, document, attachment = setting
    participants.add_people(
        db, office.clerk, meeting, user_ids=[office.finance_a.id], role=ParticipantRole.GUEST
    )
    internal = add_item(db, office, meeting, "Nội bộ", kind=ItemKind.INTERNAL)
    inside = attach(db, office, meeting, internal, document, number=2)
    note = write(db, blobs, office.home_a, meeting, internal, inside, "Kế hoạch chuyển đổi số")
    notes.share(db, office.home_a, meeting, note.id, shared=True)
    db.commit()
    with pytest.raises(ItemNotFound):
        notes.attached_version(db, office.finance_a, meeting, internal.id, inside.id)
    # The same document on an item the guest sees shows nothing written on the internal one.
    attached = notes.attached_version(db, office.finance_a, meeting, item.id, attachment.id)
    assert notes.beside(db, blobs, office.finance_a, attached) == []


def test_a_removed_participant_loses_the_meeting_and_its_notes(db, blobs, office, setting):
    meeting, item, _document, attachment = setting
    note = write(db, blobs, office.home_b, meeting, item, attachment, "Kế hoạch chuyển đổi số")
    notes.share(db, office.home_b, meeting, note.id, shared=True)
    db.commit()
    participant = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_b.id))
    participants.remove(db, office.clerk, meeting, participant.id)
    db.commit()
    with pytest.raises(MeetingNotFound):
        get_meeting(db, office.home_b, meeting.id)
    with pytest.raises((MeetingNotFound, ItemNotFound)):
        notes.attached_version(db, office.home_b, meeting, item.id, attachment.id)
    # Their note is kept (never lost), and still shared with those who remain.
    attached = notes.attached_version(db, office.home_a, meeting, item.id, attachment.id)
    assert [s.note.id for s in notes.beside(db, blobs, office.home_a, attached)] == [note.id]


def test_a_note_on_a_recalled_document_stays_readable_by_its_author(db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "Văn bản")
    document = issued_document(db, blobs, office)
    attachment = attach(db, office, meeting, item, document)
    publish(db, office, meeting)
    attached = notes.attached_version(db, office.home_a, meeting, item.id, attachment.id)
    words = note_text.text_of(blobs, attached.sha256, attached.kind).pages[0].split()[:3]
    note = write(
        db,
        blobs,
        office.home_a,
        meeting,
        item,
        attachment,
        " ".join(words),
        version=attached.number,
    )
    circulation.recall(db, office.clerk, document, "Sai sót")
    db.commit()
    with pytest.raises(DocumentRecalled):
        notes.attached_version(db, office.home_a, meeting, item.id, attachment.id)
    assert [n.id for n in notes.mine(db, office.home_a, meeting)] == [note.id]
    assert notes.own_note(db, office.home_a, meeting, note.id).quote == " ".join(words)
    exported = note_export.export(db, office.home_a, meeting, "docx", LABELS)
    assert " ".join(words) in _docx_text(exported)


@pytest.mark.parametrize(
    ("quote", "page", "error"),
    [
        ("", 1, EmptyQuote),
        ("  \n ", 1, EmptyQuote),
        ("không có trong văn bản", 1, AnchorOutsideText),
        ("450.000.000 đồng", 1, AnchorOutsideText),  # on page 2, not 1
        ("Kế hoạch", 3, AnchorOutsideText),
        ("Kế hoạch", 0, AnchorOutsideText),
    ],
)
def test_a_selection_that_is_not_in_the_text_is_refused_and_nothing_stored(
    db, blobs, office, setting, quote, page, error
):
    meeting, item, _document, attachment = setting
    with pytest.raises(error):
        write(db, blobs, office.home_a, meeting, item, attachment, quote, page=page)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(MeetingNote.id))) == 0


def test_other_bad_notes_are_refused_and_nothing_stored(db, blobs, office, setting):
    meeting, item, _document, attachment = setting
    with pytest.raises(BadNote):
        write(db, blobs, office.home_a, meeting, item, attachment, "Kế hoạch", text="")
    with pytest.raises(BadNote):
        write(db, blobs, office.home_a, meeting, item, attachment, "Kế hoạch", text="x" * 5001)
    with pytest.raises(NewVersionOnItem):
        write(db, blobs, office.home_a, meeting, item, attachment, "Kế hoạch", version=1)
    with pytest.raises(MeetingNotFound):
        write(db, blobs, office.outsider, meeting, item, attachment, "Kế hoạch")
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(MeetingNote.id))) == 0
    # A highlight needs no words of its own.
    highlight = write(
        db,
        blobs,
        office.home_a,
        meeting,
        item,
        attachment,
        "Kế hoạch",
        kind=NoteKind.HIGHLIGHT,
        text="",
    )
    assert highlight.kind is NoteKind.HIGHLIGHT


def test_a_note_on_a_document_withheld_from_the_reader_is_refused(db, blobs, office, setting):
    meeting, item, _document, _attachment = setting
    secret = issued_document(db, blobs, office, confidentiality=_secret())
    withheld = attach(db, office, meeting, item, secret)
    attached = notes.attached_version(db, office.clerk, meeting, item.id, withheld.id)
    with pytest.raises(Exception) as refused:
        write(db, blobs, office.home_a, meeting, item, withheld, "x", version=attached.number)
    assert getattr(refused.value, "status", None) in (403, 404)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(MeetingNote.id))) == 0


def _secret():
    from documents.decree30 import Confidentiality

    return Confidentiality.MAT


def test_my_notes_export_as_word_and_pdf_grouped_by_agenda_item(db, blobs, office, setting):
    meeting, item, document, attachment = setting
    later = add_item(db, office, meeting, "Tài chính")
    second = attach(db, office, meeting, later, document, number=2)
    write(
        db,
        blobs,
        office.home_a,
        meeting,
        later,
        second,
        "450.000.000 đồng",
        page=2,
        text="Số liệu năm trước?",
    )
    write(
        db, blobs, office.home_a, meeting, item, attachment, "Kế hoạch chuyển đổi số", text="Đồng ý"
    )
    write(db, blobs, office.home_b, meeting, item, attachment, "triển khai", text="Của người khác")

    word = _docx_text(note_export.export(db, office.home_a, meeting, "docx", LABELS))
    assert word.index("1 Chuyển đổi số") < word.index("“Kế hoạch chuyển đổi số”")
    assert word.index("Đồng ý") < word.index("2 Tài chính") < word.index("“450.000.000 đồng”")
    assert "Số liệu năm trước?" in word and "phiên bản 2 · trang 2" in word
    assert "Của người khác" not in word

    pdf = note_export.export(db, office.home_a, meeting, "pdf", LABELS)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "Ghi chú của tôi",
        "Chuyển đổi số",
        "Kế hoạch chuyển đổi số",
        "Đồng ý",
        "Số liệu năm trước?",
    ):
        assert expected in text
    assert "Của người khác" not in text
    db.commit()
    events = db.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "meetings:notes:export")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.details["format"], e.details["notes"]) for e in events] == [("docx", 2), ("pdf", 2)]
    assert "Đồng ý" not in str([e.details for e in events])


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_the_demo_meeting_holds_the_chairs_shared_note_on_the_corrected_material(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    note = db.scalars(sa.select(MeetingNote)).one()
    assert note.shared and note.quote == "Du toan ngan sach - du thao lan 1"
    assert note.placement is NotePlacement.FUZZY
    assert note.placed_material_version_id != note.material_version_id
