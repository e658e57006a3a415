"""A returned document corrected and sent again through the pages: the document page and both
registers show the return and the re-sending, linked; only the issuing unit's clerks act.

Sealing the corrected version is signing's (tests/signing/test_resend_after_return.py signs it
with real keys); here `returns.seal_correction` stands for it, as `issue_as_sealed` does."""

from __future__ import annotations

import io

import docx
import pytest
import sqlalchemy as sa

from accounts.models import Role
from documents import circulation, incoming, returns
from documents.models import DocumentVersion, ReceiptReturn
from tests.conftest import login
from tests.documents.office_testkit import TODAY, build_people, issued

REASON = "Thiếu phụ lục kèm theo"


@pytest.fixture
def office(make):
    province, home, finance, people = build_people(make)
    people["finance_clerk"] = make.user("vanthu.stc", roles=[Role.CLERK], unit=finance)
    return province, home, finance, people


def _docx(blobs, version: DocumentVersion, extra: str) -> tuple[io.BytesIO, str]:
    word = docx.Document(io.BytesIO(blobs.get(version.sha256)))
    word.add_paragraph(extra)
    out = io.BytesIO()
    word.save(out)
    out.seek(0)
    return (out, "sua.docx")


def _returned(db, blobs, office):
    _, home, finance, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id, finance.id])
    db.commit()
    returns.return_to_sender(db, people["home_clerk"], document, REASON)
    db.commit()
    return document


def test_the_sender_corrects_and_sends_again_and_every_page_shows_it(client, db, blobs, office):
    _, home, finance, people = office
    document = _returned(db, blobs, office)
    returned_version = db.get(DocumentVersion, document.current_version_id)

    login(client, people["clerk"])
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="correct"' in page and 'data-testid="send-again-' not in page
    assert 'data-testid="submit-for-signing"' not in page
    upload = {"file": _docx(blobs, returned_version, "Phụ lục: danh mục")}
    response = client.post(f"/documents/{document.id}/correct", data=upload)
    assert response.status_code == 302
    db.expire_all()
    corrected = db.get(DocumentVersion, document.current_version_id)
    assert corrected.number == returned_version.number + 1
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="submit-for-signing"' in page  # signed and sealed again before it goes

    # Not sealed yet: it cannot go out, and the page does not offer it.
    refused = client.post(f"/documents/{document.id}/send-again", data={"unit": home.id})
    assert refused.status_code == 409
    returns.seal_correction(db, people["clerk"], document, corrected.id)
    db.commit()
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert f'data-testid="send-again-{home.id}"' in page
    assert f'data-testid="send-again-{finance.id}"' not in page  # finance did not return it
    sent = client.post(f"/documents/{document.id}/send-again", data={"unit": home.id})
    assert sent.status_code == 302

    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert REASON in page and 'data-testid="sent-again"' in page
    assert f"phiên bản {corrected.number}" in page
    outgoing = client.get(f"/registers/outgoing?year={TODAY.year}")
    text = outgoing.get_data(as_text=True)
    (returned,) = db.scalars(sa.select(ReceiptReturn)).all()
    assert f"#return-{returned.id}" in text and 'data-testid="resent-mark"' in text
    as_csv = client.get(f"/registers/outgoing?year={TODAY.year}&format=csv")
    notes = as_csv.get_data(as_text=True)
    assert REASON in notes and f"đã gửi lại phiên bản {corrected.number}" in notes

    login(client, people["home_clerk"])
    db.expire_all()
    incoming.acknowledge(db, people["home_clerk"], document, TODAY)
    db.commit()
    text = client.get(f"/registers/incoming?year={TODAY.year}").get_data(as_text=True)
    assert REASON in text and 'data-testid="resent-mark"' in text
    as_csv = client.get(f"/registers/incoming?year={TODAY.year}&format=csv")
    assert f"đã gửi lại phiên bản {corrected.number}" in as_csv.get_data(as_text=True)

    login(client, people["clerk"])
    again = client.post(f"/documents/{document.id}/send-again", data={"unit": home.id})
    assert again.status_code == 409


def test_only_the_issuing_units_clerks_correct_or_send_again(client, db, blobs, office):
    _, home, _, people = office
    document = _returned(db, blobs, office)
    version = db.get(DocumentVersion, document.current_version_id)
    for someone in (people["home_clerk"], people["finance_clerk"], people["home_a"]):
        login(client, someone)
        page = client.get(f"/documents/{document.id}").get_data(as_text=True)
        assert 'data-testid="correct"' not in page
        upload = {"file": _docx(blobs, version, "Sửa")}
        assert client.post(f"/documents/{document.id}/correct", data=upload).status_code in (
            403,
            404,
        )
        refused = client.post(f"/documents/{document.id}/send-again", data={"unit": home.id})
        assert refused.status_code in (403, 404)
    db.expire_all()
    assert db.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 2


def test_a_wrong_file_or_no_unit_gets_a_clear_400_and_nothing_is_stored(client, db, blobs, office):
    _, _, _, people = office
    document = _returned(db, blobs, office)
    before = db.scalar(sa.select(sa.func.count()).select_from(DocumentVersion))
    login(client, people["clerk"])
    blank = docx.Document()
    blank.add_paragraph("Một văn bản khác")
    out = io.BytesIO()
    blank.save(out)
    out.seek(0)
    response = client.post(f"/documents/{document.id}/correct", data={"file": (out, "x.docx")})
    assert response.status_code == 400
    assert "số, ký hiệu" in response.get_data(as_text=True)
    nothing = client.post(f"/documents/{document.id}/send-again", data={"unit": ""})
    assert nothing.status_code == 400
    db.expire_all()
    assert db.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == before
