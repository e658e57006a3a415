"""The minutes and the Thông báo kết luận: drafted from the record and the conclusions, edited in
Word, numbered, signed by the chair, sealed and circulated; conclusions become tasks, overdue
ones show on the series' next meeting; all of it goes into the archive. Writing a conclusion is
tested in test_conclusions.py."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import docx
import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.storage import StagedBlobs
from documents import errors as document_errors
from documents.assignment_models import Assignment, AssignmentState
from documents.decree30 import DocType
from documents.models import Document, DocumentVersion, Status
from meetings import agenda, conclusions, meetings, minutes, minutes_archive
from meetings.errors import BadMinutes, NotAllowed, WrongState
from meetings.models import MeetingStatus, Recurrence
from meetings.room import record
from meetings.room.models import MeetingMinutes, MinutesKind
from meetings.room.record import RecordPart
from signing import flow, issuance, sealing
from signing.models import RequestState
from signing.settings import from_config as signing_settings
from tests.documents.conftest import build_pdf
from tests.factories import documents_settings
from tests.meetings.conftest import (
    SEAL_PIN,
    SIGNER_PIN,
    SIGNING_CONFIG,
    START,
    TODAY,
    add_item,
    conclude,
    delivered_to,
    invite,
    publish,
)

#: The day the conclusions' tasks are checked: after their due dates.
LATER = date(2027, 1, 20)


@pytest.fixture
def app_config():
    return dict(SIGNING_CONFIG)


@pytest.fixture
def speakers_builder():
    """A record builder as the speakers' module registers one: a part per item."""

    def build(session, meeting):
        return [
            RecordPart(
                order=10,
                heading="Ý kiến phát biểu",
                paragraphs=[f"Bà {item.title} phát biểu đồng ý."],
                table=[["Người phát biểu", "Loại"], ["Trần Thị B", "Tán thành"]],
                item_id=item.id,
                data={"speakers": 1},
            )
            for item in agenda.items_of(session, meeting)
        ] + [
            RecordPart(
                order=0,
                heading="Điểm danh",
                table=[["Họ tên", "Có mặt"], ["Nguyễn Văn A", "Có mặt"]],
                data={"present": 1},
            )
        ]

    record.register_builder("test_speakers", build)
    yield build
    record._builders.pop("test_speakers", None)


def draft(db, office, meeting, kind=MinutesKind.MINUTES, actor=None):
    with StagedBlobs(office.blobs) as staged:
        document = minutes.draft(
            db, staged, actor or office.clerk, meeting, kind, documents_settings()
        )
        db.commit()
    return document


def current_docx(db, office, document):
    db.refresh(document)
    version = db.get(DocumentVersion, document.current_version_id)
    return docx.Document(io.BytesIO(office.blobs.get(version.sha256)))


def all_text(word) -> str:
    lines = [p.text for p in word.paragraphs]
    for table in word.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(lines)


# --- drafting ------------------------------------------------------------------------------------


def test_the_minutes_are_drafted_from_the_record_and_the_conclusions(
    db, office, held, speakers_builder
):
    meeting, first, _ = held
    conclude(
        db, office, meeting, first, "Thống nhất thông qua báo cáo.",
        owner_unit_id=office.finance.id, due_on=date(2027, 1, 15),
    )  # fmt: skip
    document = draft(db, office, meeting)
    assert (document.doc_type, document.signer_id) == (DocType.BIEN_BAN, office.chairman.id)
    text = all_text(current_docx(db, office, document))
    assert "BIÊN BẢN" in text
    assert "Số: .../BB-UBND" in text
    assert "Điểm danh" in text and "Nguyễn Văn A" in text
    assert "1. Báo cáo kinh tế xã hội" in text and "2. Kế hoạch đầu tư công" in text
    assert "Trần Thị B" in text and "Tán thành" in text
    assert "Kết luận: Thống nhất thông qua báo cáo." in text
    assert "Giao: Sở Tài chính; thời hạn: 15/01/2027." in text
    assert text.index("Điểm danh") < text.index("1. Báo cáo") < text.index("Kết luận")
    assert text.index("Kết luận") < text.index("2. Kế hoạch")


def test_the_conclusions_notice_lists_only_concluded_items(db, office, held):
    meeting, _, second = held
    conclude(db, office, meeting, second, "Giao Sở Tài chính rà soát danh mục.")
    document = draft(db, office, meeting, MinutesKind.CONCLUSIONS)
    assert document.doc_type is DocType.THONG_BAO
    text = all_text(current_docx(db, office, document))
    assert "THÔNG BÁO" in text and "Số: .../TB-UBND" in text
    assert "Kế hoạch đầu tư công" in text and "Báo cáo kinh tế xã hội" not in text
    assert "Kết luận: Giao Sở Tài chính rà soát danh mục." in text


def test_without_an_attendance_record_the_invited_people_are_listed(db, office, held):
    meeting, *_ = held
    text = all_text(current_docx(db, office, draft(db, office, meeting)))
    assert office.home_a.full_name in text and office.home_b.full_name in text


def test_drafting_again_adds_a_version_with_the_new_conclusion(db, office, held):
    meeting, first, _ = held
    document = draft(db, office, meeting)
    conclude(db, office, meeting, first, "Kết luận mới.")
    again = draft(db, office, meeting)
    assert again.id == document.id
    assert "Kết luận mới." in all_text(current_docx(db, office, document))
    assert db.scalar(sa.select(sa.func.count()).select_from(MeetingMinutes)) == 1


def test_a_member_cannot_draft_the_minutes(db, office, held):
    meeting, *_ = held
    with pytest.raises(NotAllowed):
        draft(db, office, meeting, actor=office.home_a)
    db.rollback()
    assert minutes.of_meeting(db, meeting) == {}


# --- uploading the edited file -------------------------------------------------------------------


def edited(db, office, document, replace, by) -> bytes:
    word = current_docx(db, office, document)
    cells = [cell for table in word.tables for row in table.rows for cell in row.cells]
    for paragraph in [*word.paragraphs, *(p for cell in cells for p in cell.paragraphs)]:
        if replace in paragraph.text:
            paragraph.runs[0].text = paragraph.text.replace(replace, by)
            for run in paragraph.runs[1:]:
                run.text = ""
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def upload(db, office, meeting, data, name="bien-ban.docx"):
    with StagedBlobs(office.blobs) as staged:
        version = minutes.upload_edited(
            db, staged, office.clerk, meeting, MinutesKind.MINUTES, data, name,
            documents_settings(),
        )  # fmt: skip
        db.commit()
    return version


def test_the_secretary_uploads_the_minutes_edited_in_word(db, office, held):
    meeting, first, _ = held
    conclude(db, office, meeting, first, "Thống nhất.")
    document = draft(db, office, meeting)
    data = edited(db, office, document, "Thống nhất.", "Thống nhất, giao Văn phòng theo dõi.")
    version = upload(db, office, meeting, data)
    assert version.number == 2 and version.kind == "docx"
    assert "giao Văn phòng theo dõi" in all_text(current_docx(db, office, document))


@pytest.mark.parametrize(
    ("data", "name", "error"),
    [
        (build_pdf("Bien ban"), "bien-ban.pdf", BadMinutes),
        (b"PK\x03\x04 not really a zip", "bien-ban.docx", document_errors.CorruptFile),
        (b"", "bien-ban.docx", document_errors.EmptyFile),
    ],
)
def test_a_bad_file_is_refused_and_nothing_stored(db, office, held, data, name, error):
    meeting, *_ = held
    document = draft(db, office, meeting)
    with pytest.raises(error):
        upload(db, office, meeting, data, name)
    db.rollback()
    db.refresh(document)
    versions = db.scalar(
        sa.select(sa.func.count()).where(DocumentVersion.document_id == document.id)
    )
    assert versions == 1


# --- numbered, signed by the chair, sealed, circulated --------------------------------------------


@pytest.fixture
def pki(app, db, office):
    settings = signing_settings(app.config)
    issuance.init_pki(db, settings, root_passphrase="a long root passphrase", seal_pin=SEAL_PIN)
    issuance.issue_official(db, settings, office.chairman, SIGNER_PIN, actor=None)
    db.commit()
    return settings


def submit(db, office, meeting, kind=MinutesKind.MINUTES):
    with StagedBlobs(office.blobs) as staged:
        request = minutes.submit(db, staged, office.clerk, meeting, kind, TODAY)
        db.commit()
    return request


def sign_and_seal(db, office, pki, request):
    flow.sign(db, office.blobs, pki, office.chairman, request, SIGNER_PIN, request.sha256)
    db.commit()
    with StagedBlobs(office.blobs) as staged:
        sealing.seal(db, staged, pki, office.clerk, request, SEAL_PIN, request.sha256, today=TODAY)
        db.commit()


def test_edited_minutes_are_numbered_signed_by_the_chair_sealed_and_circulated(
    db, office, held, pki
):
    meeting, first, _ = held
    conclude(
        db, office, meeting, first, "Giao Sở Tài chính tham mưu.",
        owner_unit_id=office.finance.id, due_on=date(2027, 1, 15),
    )  # fmt: skip
    conclude(
        db, office, meeting, held[2], "Giao đồng chí A báo cáo.",
        owner_user_id=office.home_a.id, due_on=date(2027, 1, 10),
    )  # fmt: skip
    document = draft(db, office, meeting)
    upload(db, office, meeting, edited(db, office, document, "Giao Sở", "Giao Sở TC chủ trì,"))
    request = submit(db, office, meeting)
    db.refresh(document)
    assert document.number_symbol.endswith("/BB-UBND")
    assert [step.user_id for step in request.steps] == [office.chairman.id]
    signed = all_text(current_docx(db, office, document))
    assert f"Số: {document.number_symbol}" in signed and "ngày 01 tháng 12 năm 2026" in signed
    assert "Giao Sở TC chủ trì," in signed  # the secretary's edit is what is signed
    assert minutes.of_meeting(db, meeting)[MinutesKind.MINUTES].sent_at is None
    assert delivered_to(db, document) == set()

    sign_and_seal(db, office, pki, request)
    db.refresh(document)
    assert document.status is Status.ISSUED
    assert request.state is RequestState.SEALED
    assert {office.home_a.id, office.home_b.id} <= delivered_to(db, document)
    assert minutes.of_meeting(db, meeting)[MinutesKind.MINUTES].sent_at is not None
    tasks = db.scalars(
        sa.select(Assignment).where(Assignment.document_id == document.id).order_by(Assignment.id)
    ).all()
    assert [(t.lead_unit_id, t.lead_id, t.deadline) for t in tasks] == [
        (office.finance.id, None, date(2027, 1, 15)),
        (None, office.home_a.id, date(2027, 1, 10)),
    ]
    assert {c.assignment_id for c in conclusions.of_meeting(db, meeting).values()} == {
        t.id for t in tasks
    }
    actions = set(db.scalars(sa.select(AuditEvent.action)))
    assert {"meetings:minutes:submit", "meetings:minutes:send"} <= actions
    # Issued minutes are final: neither conclusions nor the minutes change any more.
    with pytest.raises(WrongState):
        conclude(db, office, meeting, first, "Sửa sau khi ban hành", version=1)
    db.rollback()
    with pytest.raises(WrongState):
        draft(db, office, meeting)


def test_an_owner_who_left_does_not_stop_the_seal_and_gets_no_task(db, office, held, pki):
    meeting, first, _ = held
    conclude(
        db, office, meeting, first, "Giao đồng chí tham mưu.",
        owner_user_id=office.finance_a.id, due_on=date(2027, 1, 15),
    )  # fmt: skip
    draft(db, office, meeting)
    request = submit(db, office, meeting)
    office.finance_a.active = False
    db.commit()
    sign_and_seal(db, office, pki, request)
    assert request.state is RequestState.SEALED
    assert office.finance_a.id not in delivered_to(db, request.document)
    assert conclusions.of_meeting(db, meeting)[first.id].assignment_id is None
    sent = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "meetings:minutes:send"))
    assert sent.details["skipped"] == [conclusions.of_meeting(db, meeting)[first.id].id]


def test_an_edited_file_without_the_number_line_cannot_be_numbered(db, office, held):
    meeting, *_ = held
    document = draft(db, office, meeting)
    upload(db, office, meeting, edited(db, office, document, "Số: .../BB-UBND", "Số: (bỏ)"))
    with pytest.raises(document_errors.BadDraft, match=re.escape("Số: .../BB-UBND")):
        submit(db, office, meeting)
    db.rollback()
    db.refresh(document)
    assert document.number_symbol is None
    assert flow.active_request(db, document) is None


def test_minutes_the_chair_declined_are_numbered_again_from_the_secretarys_text(
    db, office, held, pki
):
    meeting, first, _ = held
    conclude(db, office, meeting, first, "Thống nhất.")
    document = draft(db, office, meeting)
    declined = submit(db, office, meeting)
    flow.decline(db, office.chairman, declined, "Bổ sung ý kiến thành viên.")
    db.commit()
    conclude(db, office, meeting, first, "Thống nhất, bổ sung ý kiến.", version=1)
    upload(db, office, meeting, edited(db, office, document, "Thống nhất.", "Đã bổ sung."))
    request = submit(db, office, meeting)
    db.refresh(document)
    assert request.id != declined.id and document.number_symbol != declined.number_symbol
    text = all_text(current_docx(db, office, document))
    assert f"Số: {document.number_symbol}" in text and "Đã bổ sung." in text


def test_minutes_gone_for_signature_cannot_be_drafted_again(db, office, held):
    meeting, *_ = held
    draft(db, office, meeting)
    submit(db, office, meeting)
    with pytest.raises(WrongState):
        draft(db, office, meeting)


# --- tasks and the next meeting ------------------------------------------------------------------


def test_overdue_conclusions_show_on_the_next_meeting_of_the_series(db, office, pki):
    data = meetings.MeetingData(
        title="Giao ban tuần",
        kind=meetings.MeetingKind.DEPARTMENT,
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        chair_id=office.chairman.id,
        secretary_id=office.clerk.id,
    )
    week1, week2 = meetings.create(db, office.clerk, data, repeat=Recurrence.WEEKLY, occurrences=2)
    db.commit()
    invite(db, office, week1, "home_a")
    item = add_item(db, office, week1, "Tiến độ giải ngân")
    done_item = add_item(db, office, week1, "Cải cách hành chính")
    publish(db, office, week1)
    meetings.change_status(db, office.clerk, week1, MeetingStatus.IN_PROGRESS)
    db.commit()
    conclude(
        db, office, week1, item, "Báo cáo tiến độ giải ngân.",
        owner_user_id=office.home_a.id, due_on=date(2026, 12, 15),
    )  # fmt: skip
    conclude(
        db, office, week1, done_item, "Hoàn thiện đề án.",
        owner_user_id=office.home_a.id, due_on=date(2026, 12, 14),
    )  # fmt: skip
    draft(db, office, week1, MinutesKind.CONCLUSIONS)
    sign_and_seal(db, office, pki, submit(db, office, week1, MinutesKind.CONCLUSIONS))
    finished = db.get(Assignment, conclusions.of_meeting(db, week1)[done_item.id].assignment_id)
    finished.state = AssignmentState.DONE
    db.commit()

    (late,) = conclusions.overdue_before(db, office.clerk, week2, LATER)
    assert (late.item.id, late.due_on, late.owner) == (
        item.id,
        date(2026, 12, 15),
        office.home_a.full_name,
    )
    assert conclusions.overdue_before(db, office.clerk, week2, date(2026, 12, 15)) == []
    assert conclusions.overdue_before(db, office.clerk, week1, LATER) == []


# --- the archive ---------------------------------------------------------------------------------


def test_the_archive_holds_the_record_the_conclusions_and_the_signed_minutes(
    db, office, held, pki, speakers_builder
):
    meeting, first, _ = held
    conclude(db, office, meeting, first, "Thống nhất.")
    draft(db, office, meeting)
    request = submit(db, office, meeting)
    sign_and_seal(db, office, pki, request)
    files = dict(minutes_archive.archive_section(office.blobs)(db, meeting))
    parts = json.loads(files["record.json"])["parts"]
    assert {"Điểm danh", "Ý kiến phát biểu"} <= {p["heading"] for p in parts}
    assert parts[0]["data"] == {"present": 1}
    (saved,) = json.loads(files["conclusions.json"])["conclusions"]
    assert (saved["item_id"], saved["text"]) == (first.id, "Thống nhất.")
    version = db.get(DocumentVersion, request.version_id)
    name = "minutes-" + request.number_symbol.replace("/", "-")
    assert files[f"{name}.docx"] == office.blobs.get(version.sha256)
    assert {n for n in files if n.endswith(".p7s")} == {
        f"{name}.1-official.p7s",
        f"{name}.2-seal.p7s",
    }
    assert db.get(Document, request.document_id).status is Status.ISSUED
