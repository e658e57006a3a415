"""The notes pages: reading a meeting document with notes beside it, writing one as JSON, the
buttons that share, take back and delete, the exports, and every refusal."""

from __future__ import annotations

import io

import docx
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from audit.models import AuditEvent
from documents.models import ReadReceipt
from meetings import note_text, notes, participants
from meetings.models import MaterialReceipt, MeetingNote, NoteKind, NotePlacement, Participant
from tests.conftest import login
from tests.documents.office_testkit import draft
from tests.meetings.conftest import add_item, attach, invite, new_meeting, publish
from tests.meetings.test_notes import FUNDS, INTRO, PLAN, TASK, add_pdf_version

READ = "/meetings/{m}/items/{i}/documents/{a}/read"
WRITE = "/meetings/{m}/items/{i}/documents/{a}/notes"


@pytest.fixture
def ids(db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a", "home_b")
    item = add_item(db, office, meeting, "Chuyển đổi số")
    document = draft(db, blobs, office.clerk)
    add_pdf_version(db, blobs, office, document, [[INTRO, PLAN], [FUNDS, TASK]])
    attachment = attach(db, office, meeting, item, document, number=2)
    publish(db, office, meeting)
    return {"m": meeting.id, "i": item.id, "a": attachment.id, "document": document}


def body(**changes):
    return {
        "version": 2,
        "page": 1,
        "quote": "Kế hoạch chuyển đổi số",
        "prefix": "năm 2015. ",
        "suffix": " được triển khai",
        "position": 0.5,
        "kind": "note",
        "text": "Cần bổ sung lộ trình",
        **changes,
    }


def post_note(client, ids, **changes):
    return client.post(WRITE.format(**ids), json=body(**changes))


def a_note(client, office, ids, who="home_a", **changes):
    login(client, office.people[who])
    response = post_note(client, ids, **changes)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["note"]["id"]


def test_the_reading_page_shows_the_pdf_reader_and_ones_notes(client, db, office, ids):
    note_id = a_note(client, office, ids)
    page = client.get(READ.format(**ids)).get_data(as_text=True)
    assert "data-pdf-reader" in page and "meeting-notes.mjs" in page
    assert f'data-note-id="{note_id}"' in page
    assert 'data-mark="Kế hoạch chuyển đổi số"' in page
    assert "Cần bổ sung lộ trình" in page
    # The PDF is counted when pdf.js fetches it, not by the page around it.
    assert db.scalar(sa.select(sa.func.count(ReadReceipt.id))) == 0
    client.get(f"/meetings/{ids['m']}/items/{ids['i']}/documents/{ids['a']}")
    assert db.scalar(sa.select(sa.func.count(ReadReceipt.id))) == 1


def test_writing_a_note_stores_it_on_the_exact_version(client, db, office, ids):
    login(client, office.home_a)
    response = post_note(client, ids, kind="highlight", text="")
    assert response.status_code == 201
    stored = db.scalars(sa.select(MeetingNote)).one()
    assert (stored.kind, stored.quote, stored.page) == (
        NoteKind.HIGHLIGHT,
        "Kế hoạch chuyển đổi số",
        1,
    )
    assert response.get_json()["note"]["placement"] == "exact"


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"quote": ""}, 400, "chọn"),
        ({"quote": "không có trong văn bản"}, 400, "chọn lại"),
        ({"page": 9}, 400, "ngoài"),
        ({"page": "1"}, 400, "tải lại"),
        ({"kind": "comment"}, 400, None),
        ({"text": ""}, 400, None),
        ({"version": 1}, 409, "phiên bản"),
    ],
)
def test_a_bad_note_is_refused_clearly_and_nothing_is_stored(
    client, db, office, ids, changes, status, message
):
    login(client, office.home_a)
    response = post_note(client, ids, **changes)
    assert response.status_code == status
    answer = response.get_json()
    assert answer["message"]
    if message is not None:
        assert message in answer["message"].lower()
    assert db.scalar(sa.select(sa.func.count(MeetingNote.id))) == 0


def test_a_body_that_is_not_json_is_refused(client, db, office, ids):
    login(client, office.home_a)
    response = client.post(WRITE.format(**ids), data="page=1", content_type="text/plain")
    assert response.status_code == 400
    assert db.scalar(sa.select(sa.func.count(MeetingNote.id))) == 0


def test_someone_not_invited_can_neither_read_nor_write(client, db, office, ids):
    login(client, office.outsider)
    assert client.get(READ.format(**ids)).status_code == 404
    assert post_note(client, ids).status_code == 404
    assert client.get(f"/meetings/{ids['m']}/notes").status_code == 404
    assert client.get(f"/meetings/{ids['m']}/notes/export.docx").status_code == 404
    assert db.scalar(sa.select(sa.func.count(MeetingNote.id))) == 0


def test_another_participants_private_note_answers_not_found(client, db, office, ids):
    note_id = a_note(client, office, ids)
    login(client, office.home_b)
    base = f"/meetings/{ids['m']}/notes/{note_id}"
    assert client.get(base).status_code == 404
    for action in ("edit", "share", "unshare", "delete"):
        assert client.post(f"{base}/{action}", data={"text": "x"}).status_code == 404
    assert f'data-note-id="{note_id}"' not in client.get(READ.format(**ids)).get_data(as_text=True)
    note = db.get(MeetingNote, note_id)
    assert (note.text, note.shared) == ("Cần bổ sung lộ trình", False)


def test_a_shared_note_shows_with_its_authors_name_until_taken_back(client, db, office, ids):
    note_id = a_note(client, office, ids)
    base = f"/meetings/{ids['m']}/notes/{note_id}"
    response = client.post(f"{base}/share?attachment={ids['a']}", data={"back": "read"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(READ.format(**ids))
    login(client, office.home_b)
    page = client.get(READ.format(**ids)).get_data(as_text=True)
    assert f'data-note-id="{note_id}"' in page and office.home_a.full_name in page
    # …but it stays the author's: others cannot change it.
    assert client.post(f"{base}/edit", data={"text": "x"}).status_code == 404

    login(client, office.home_a)
    client.post(f"{base}/unshare", data={"back": "list"})
    login(client, office.home_b)
    assert f'data-note-id="{note_id}"' not in client.get(READ.format(**ids)).get_data(as_text=True)
    actions = db.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.like("meetings:note:%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["meetings:note:share", "meetings:note:unshare"]


def test_the_author_edits_and_deletes_their_note(client, db, office, ids):
    note_id = a_note(client, office, ids)
    base = f"/meetings/{ids['m']}/notes/{note_id}"
    assert client.post(f"{base}/edit", data={"text": "Đã rõ"}).status_code == 302
    assert client.get(base).get_json()["note"]["text"] == "Đã rõ"
    assert client.post(f"{base}/delete", data={}).status_code == 302
    assert db.get(MeetingNote, note_id) is None


def test_a_removed_participant_loses_the_notes_pages(client, db, office, ids):
    note_id = a_note(client, office, ids, who="home_b")
    participant = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_b.id))
    participants.remove(db, office.clerk, db.merge(_meeting(db, ids)), participant.id)
    db.commit()
    assert client.get(READ.format(**ids)).status_code == 404
    assert client.get(f"/meetings/{ids['m']}/notes/{note_id}").status_code == 404
    assert client.get(f"/meetings/{ids['m']}/notes").status_code == 404
    assert post_note(client, ids).status_code == 404


def _meeting(db, ids):
    from meetings.models import Meeting

    return db.get(Meeting, ids["m"])


def test_replacing_the_version_re_anchors_and_the_reader_sees_it(client, db, blobs, office, ids):
    kept = a_note(client, office, ids, quote="chủ trì, phối hợp", page=2, prefix="", suffix="")
    lost = a_note(client, office, ids)
    add_pdf_version(db, blobs, office, ids["document"], [[INTRO], [FUNDS, TASK]])
    login(client, office.clerk)
    meeting = _meeting(db, ids)
    response = client.post(
        f"/meetings/{ids['m']}/attachments/{ids['a']}/replace",
        data={"number": 3, "version": meeting.version},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    placements = dict(db.execute(sa.select(MeetingNote.id, MeetingNote.placement)).all())
    assert placements == {kept: NotePlacement.EXACT, lost: NotePlacement.ORPHANED}

    login(client, office.home_a)
    page = client.get(READ.format(**ids)).get_data(as_text=True)
    assert 'data-mark="chủ trì, phối hợp"' in page and 'data-page="2"' in page
    assert "phiên bản 2, trang 1" in page  # the orphan, shown against its own version
    # The participant may no longer open version 2: no link to it.
    assert f"/documents/{ids['document'].id}/v/2" not in page


def test_my_notes_page_and_exports(client, db, office, ids):
    a_note(client, office, ids)
    a_note(client, office, ids, quote="450.000.000 đồng", page=2, text="Số liệu?")
    page = client.get(f"/meetings/{ids['m']}/notes").get_data(as_text=True)
    assert "Chuyển đổi số" in page and "Số liệu?" in page

    word = client.get(f"/meetings/{ids['m']}/notes/export.docx")
    assert word.status_code == 200
    assert word.headers["Content-Disposition"].startswith("attachment;")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs]
    assert "“450.000.000 đồng”" in paragraphs and "Số liệu?" in paragraphs

    pdf = client.get(f"/meetings/{ids['m']}/notes/export.pdf")
    assert pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Kế hoạch chuyển đổi số" in text and "Cần bổ sung lộ trình" in text
    assert client.get(f"/meetings/{ids['m']}/notes/export.txt").status_code == 404


def test_the_pdf_export_says_what_is_missing_without_a_font(client, office, ids, monkeypatch):
    from meetings import note_export

    a_note(client, office, ids)
    monkeypatch.setattr(note_export, "PDF_FONTS", ())
    response = client.get(f"/meetings/{ids['m']}/notes/export.pdf")
    assert response.status_code == 503
    assert "Word" in response.get_data(as_text=True)


def test_a_note_is_written_on_a_word_document_shown_as_html(client, db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "Dự thảo")
    document = draft(db, blobs, office.clerk)  # version 1 is the DOCX laid out from the template
    attachment = attach(db, office, meeting, item, document, number=1)
    publish(db, office, meeting)
    ids = {"m": meeting.id, "i": item.id, "a": attachment.id}
    login(client, office.home_a)
    page = client.get(READ.format(**ids)).get_data(as_text=True)
    assert "data-note-surface" in page
    attached = notes.attached_version(db, office.home_a, meeting, item.id, attachment.id)
    words = " ".join(note_text.text_of(blobs, attached.sha256, attached.kind).pages[0].split()[5:9])
    response = post_note(client, ids, version=1, quote=words, prefix="", suffix="")
    assert response.status_code == 201, response.get_json()
    assert db.scalar(sa.select(sa.func.count(ReadReceipt.id))) == 1  # the page itself counted
    assert db.scalar(sa.select(sa.func.count(MaterialReceipt.id))) == 0
