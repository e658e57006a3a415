"""Signed PDFs on the verification pages: the auditors' upload and the public code page."""

from __future__ import annotations

import csv
import io
import zipfile

import sqlalchemy as sa

from accounts.models import Role
from audit.models import AuditEvent
from core.jobs import Job, JobState
from tests.conftest import login
from tests.signing import pdf_testkit as kit
from tests.signing.flow_testkit import Office


def _upload(client, data: bytes, name: str = "05-QĐ-UBND.pdf"):
    return client.post(
        "/signing/audit/bundle",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _events(db, action: str) -> int:
    return db.scalar(sa.select(sa.func.count()).where(AuditEvent.action == action))


def test_an_auditor_checks_a_signed_pdf_official_then_seal(client, office: Office, db):
    signed = kit.office_signed_pdf(office)
    login(client, office.auditor)
    page = _upload(client, signed)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="pdf-report"' in text
    assert 'data-status="TOTAL_PASSED"' in text and 'data-status="TOTAL_FAILED"' not in text
    assert text.index('data-role="official"') < text.index('data-role="seal"')
    assert 'data-modified="yes"' not in text
    assert _events(db, "signing:pdf:verify") == 1


def test_a_clerk_sees_a_pdf_changed_after_signing(client, office: Office, db):
    changed = kit.change_text(kit.office_signed_pdf(office), "05/QD", "06/QD")
    login(client, office.clerk)
    text = _upload(client, changed).get_data(as_text=True)
    assert 'data-testid="modified-after-signing"' in text
    assert "MODIFIED_AFTER_SIGNING" in text and 'data-modified="yes"' in text


def test_a_changed_byte_fails_on_the_page(client, office: Office):
    login(client, office.auditor)
    text = _upload(client, kit.flip_signed_byte(kit.office_signed_pdf(office))).get_data(True)
    assert 'data-status="TOTAL_FAILED"' in text and "HASH_FAILURE" in text


def test_an_encrypted_or_unsigned_pdf_is_a_clear_400_and_nothing_is_recorded(
    client, office: Office, db
):
    login(client, office.auditor)
    encrypted = _upload(client, kit.encrypted_pdf())
    assert encrypted.status_code == 400
    assert "mã hóa" in encrypted.get_data(as_text=True)
    unsigned = _upload(client, kit.base_pdf())
    assert unsigned.status_code == 400
    assert "chữ ký số" in unsigned.get_data(as_text=True)
    assert _events(db, "signing:pdf:verify") == 0


def test_the_pdf_check_is_refused_to_people_who_are_not_auditors_or_clerks(
    client, office: Office, db
):
    signed = kit.office_signed_pdf(office)
    login(client, office.outsider)
    assert _upload(client, signed).status_code == 403
    client.post("/logout")
    assert _upload(client, signed).status_code in (302, 401)
    assert _events(db, "signing:pdf:verify") == 0


def test_the_public_page_of_a_docx_original_says_a_held_signed_pdf_is_another_document(
    client, office: Office, db
):
    """The PAdES cases (same, earlier stage, appended) are in test_held_pdf.py."""
    _, request = office.signed_and_sealed()
    signed = kit.office_signed_pdf(office)
    page = client.post(
        f"/verify/{request.code}",
        data={"file": (io.BytesIO(signed), "held.pdf")},
        content_type="multipart/form-data",
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-match="different"' in text and 'data-testid="pdf-report"' not in text
    assert _events(db, "signing:pdf:verify") == 0 and _events(db, "signing:pdf:match") == 0


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_bulk_verification_of_a_zip_of_pdfs_with_csv(client, office: Office, db, make):
    good = kit.office_signed_pdf(office)
    archive = _zip(
        {
            "a/01-good.pdf": good,
            "02-tampered.pdf": kit.flip_signed_byte(good),
            "03-changed.pdf": kit.change_text(good, "05/QD", "06/QD"),
            "04-encrypted.pdf": kit.encrypted_pdf(),
            "notes.txt": b"not a pdf",
        }
    )
    login(client, office.auditor)
    response = client.post(
        "/signing/audit/pdf-jobs",
        data={"files": [(io.BytesIO(archive), "lot.zip")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job = db.scalars(sa.select(Job).where(Job.kind == "signing.verify_pdfs")).one()
    assert response.headers["Location"].endswith(f"/signing/audit/pdf-jobs/{job.id}")
    assert (job.state, job.total, job.done) == (JobState.DONE, 5, 5)
    result = job.result
    assert {k: v for k, v in result.items() if k != "files"} == {
        "passed": 1,
        "failed": 2,
        "indeterminate": 0,
        "incomplete": 0,
        "unusable": 2,
    }
    rows = {row["file"]: row for row in result["files"]}
    assert [s["role"] for s in rows["01-good.pdf"]["signatures"]] == ["official", "seal"]
    assert rows["03-changed.pdf"]["modified_after_signing"] is True
    assert rows["04-encrypted.pdf"]["status"] == "UNUSABLE"
    page = client.get(f"/signing/audit/pdf-jobs/{job.id}").get_data(as_text=True)
    assert page.count('data-testid="pdf-row"') == 5
    progress = client.get(f"/signing/audit/pdf-jobs/{job.id}/progress").get_json()
    assert progress["state"] == "done" and progress["passed"] == 1
    report = client.get(f"/signing/audit/pdf-jobs/{job.id}/report.csv").get_data(as_text=True)
    csv_rows = list(csv.DictReader(io.StringIO(report.lstrip("\ufeff"))))
    assert [r["Kết quả"] for r in csv_rows] == [  # headed in Vietnamese
        "TOTAL_PASSED",
        "TOTAL_FAILED",
        "TOTAL_FAILED",
        "UNUSABLE",
        "UNUSABLE",
    ]
    assert csv_rows[0]["Các chữ ký, theo thứ tự"] == "official:TOTAL_PASSED; seal:TOTAL_PASSED"
    assert _events(db, "signing:verification:pdf_bulk") == 1

    other = make.user("kiemtoan3", roles=[Role.AUDITOR], unit=office.province)
    login(client, other)
    for suffix in ("", "/progress", "/report.csv"):
        assert client.get(f"/signing/audit/pdf-jobs/{job.id}{suffix}").status_code == 404


def test_bulk_verification_of_several_pdfs(client, office: Office, db):
    good = kit.office_signed_pdf(office)
    login(client, office.auditor)
    response = client.post(
        "/signing/audit/pdf-jobs",
        data={
            "files": [
                (io.BytesIO(good), "một.pdf"),
                (io.BytesIO(kit.flip_signed_byte(good)), "hai.pdf"),
            ]
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job = db.scalars(sa.select(Job).where(Job.kind == "signing.verify_pdfs")).one()
    assert [(r["file"], r["status"]) for r in job.result["files"]] == [
        ("một.pdf", "TOTAL_PASSED"),
        ("hai.pdf", "TOTAL_FAILED"),
    ]


def test_a_bulk_upload_without_pdfs_is_refused_and_stores_nothing(
    client, office: Office, db, tmp_path
):
    login(client, office.auditor)
    before = sorted(p for p in office.blobs.root.rglob("*") if p.is_file())
    for name, data in [
        ("x.zip", _zip({"notes.txt": b"no pdf here"})),
        ("x.zip", b"PK\x03\x04 broken"),
        ("x.docx", b"plain words"),
    ]:
        response = client.post(
            "/signing/audit/pdf-jobs",
            data={"files": [(io.BytesIO(data), name)]},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, name
    assert client.post("/signing/audit/pdf-jobs", data={}).status_code == 400
    assert db.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert sorted(p for p in office.blobs.root.rglob("*") if p.is_file()) == before


def test_bulk_pdf_verification_is_for_auditors_only(client, office: Office, db):
    good = kit.office_signed_pdf(office)
    login(client, office.clerk)
    response = client.post(
        "/signing/audit/pdf-jobs",
        data={"files": [(io.BytesIO(good), "a.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert db.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_the_pdf_report_says_the_certificates_were_checked_at_the_trusted_timestamp(
    client, office: Office, db
):
    from cryptography import x509

    from signing import authority
    from tests.signing.flow_testkit import CHAIRMAN_PIN, SEAL_PIN

    stamper = kit.local_timestamper(issuer=authority.load_issuing_ca(db, office.settings))
    official = kit.office_credential(office, office.chairman, CHAIRMAN_PIN)
    seal = kit.office_credential(office, None, SEAL_PIN)
    data = kit.sign_pdf(kit.base_pdf(), official, "Official", box_x=300, timestamper=stamper)
    data = kit.sign_pdf(data, seal, "Seal", box_x=260, timestamper=stamper)
    crl = x509.load_der_x509_crl(authority.current_crl(db, office.settings).der)
    db.commit()
    login(client, office.auditor)
    text = _upload(client, kit.add_dss(data, official.chain, [crl])).get_data(as_text=True)
    assert 'data-status="TOTAL_PASSED"' in text
    assert text.count('data-basis="trusted_timestamp"') == 2
    assert "thời điểm của dấu thời gian tin cậy" in text
