"""Signing pages over HTTP: the flow, the PIN lockout's 429, every object-level refusal, and the
auditors' pages giving the same verdicts as the offline checks.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
import sqlalchemy as sa
from cryptography import x509

from accounts.models import Role
from audit.models import AuditEvent
from core.jobs import Job, JobState
from documents.decree30 import Confidentiality
from documents.models import Status
from signing.crypto import bundle
from signing.crypto.pki import chain_to_pem
from signing.models import (
    Certificate,
    RequestState,
    Signature,
    SigningRequest,
)
from tests.conftest import login
from tests.signing.flow_testkit import CHAIRMAN_PIN, SEAL_PIN, Office


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def flip_document_byte(data: bytes) -> bytes:
    files = members(data)
    name = json.loads(files["manifest.json"])["document"]["file"]
    changed = bytearray(files[name])
    changed[len(changed) // 2] ^= 0x01
    files[name] = bytes(changed)
    return rezip(files)


def test_clerk_submits_official_signs_clerk_seals_over_http(app, client, office: Office, db):
    # The detached path: a server without LibreOffice signs the Word file with .p7s files
    # (with it, tests/signing/test_submit_original.py: the PDF original, signed inside).
    app.config["SOFFICE"] = "/nonexistent/soffice"
    document = office.draft()
    login(client, office.clerk)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert f"/signing/documents/{document.id}/submit" in page
    submit_page = client.get(f"/signing/documents/{document.id}/submit")
    assert submit_page.status_code == 200
    assert "chữ ký số tách rời" in submit_page.get_data(as_text=True)
    response = client.post(f"/signing/documents/{document.id}/submit", data={"confirm": "yes"})
    assert response.status_code == 302
    request = db.scalars(sa.select(SigningRequest)).one()
    assert 'data-testid="issue"' not in client.get(f"/documents/{document.id}").get_data(True)

    login(client, office.chairman)
    queue = client.get("/signing").get_data(as_text=True)
    assert f"/signing/requests/{request.id}" in queue
    page = client.get(f"/signing/requests/{request.id}").get_data(as_text=True)
    assert request.sha256 in page
    wrong = client.post(
        f"/signing/requests/{request.id}/sign", data={"pin": "111112", "sha256": request.sha256}
    )
    assert wrong.status_code == 400
    assert "PIN" in wrong.get_data(as_text=True)
    right = client.post(
        f"/signing/requests/{request.id}/sign", data={"pin": CHAIRMAN_PIN, "sha256": request.sha256}
    )
    assert right.status_code == 302

    login(client, office.clerk)
    sealed = client.post(
        f"/signing/requests/{request.id}/seal",
        data={"pin": SEAL_PIN, "sha256": request.sha256, "confirm": "yes"},
    )
    assert sealed.status_code == 302
    db.expire_all()
    assert db.get(SigningRequest, request.id).state is RequestState.SEALED
    assert db.get(type(document), document.id).status is Status.ISSUED

    verify = client.get(f"/signing/documents/{document.id}").get_data(as_text=True)
    assert verify.count('data-status="TOTAL_PASSED"') == 3  # overall, official, seal
    zipped = client.get(f"/signing/documents/{document.id}/bundle.zip")
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"
    assert bundle.verify_bundle(zipped.data).status.value == "TOTAL_PASSED"
    events = set(db.scalars(sa.select(AuditEvent.action)))
    assert {"signing:signature:create", "signing:seal:create", "signing:bundle:export"} <= events


def test_the_reading_view_and_printable_copy_show_the_visible_signature(client, office: Office):
    document, request = office.signed_and_sealed()
    login(client, office.clerk)
    version = request.version.number
    page = client.get(f"/documents/{document.id}/v/{version}").get_data(as_text=True)
    assert 'data-testid="mark-official"' in page and 'data-testid="mark-seal"' in page
    assert "Lê Văn Chủ" in page and request.code in page and "+07:00" in page
    serials = {s.certificate.serial for s in request.signatures}
    assert all(serial in page for serial in serials)
    assert f"/verify/{request.code}" in page
    printable = client.get(f"/signing/documents/{document.id}/v/{version}/print")
    text = printable.get_data(as_text=True)
    assert printable.status_code == 200
    assert "01/QĐ-UBND" in text and request.code in text and request.sha256 in text
    first = client.get(f"/documents/{document.id}/v/1").get_data(as_text=True)
    assert 'data-testid="unsigned-version"' in first  # the unnumbered template is not signed


def test_wrong_pins_over_http_end_in_429_with_retry_after(client, office: Office, db):
    request = office.submit(office.draft())
    login(client, office.chairman)
    url = f"/signing/requests/{request.id}/sign"
    for _ in range(5):
        assert client.post(url, data={"pin": "000001", "sha256": request.sha256}).status_code == 400
    locked = client.post(url, data={"pin": CHAIRMAN_PIN, "sha256": request.sha256})
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 300
    assert db.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0
    fails = db.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "signing:pin:fail"))
    assert fails == 5


def test_a_changed_hash_on_screen_is_refused(client, office: Office):
    request = office.submit(office.draft())
    login(client, office.chairman)
    response = client.post(
        f"/signing/requests/{request.id}/sign", data={"pin": CHAIRMAN_PIN, "sha256": "0" * 64}
    )
    assert response.status_code == 409


def test_object_level_refusals(client, office: Office, db, make):
    document = office.draft()
    request = office.submit(document)

    login(client, office.vice)  # an official, but not an approver
    assert (
        client.post(
            f"/signing/requests/{request.id}/sign", data={"pin": "915372", "sha256": request.sha256}
        ).status_code
        == 403
    )
    assert (
        client.post(f"/signing/requests/{request.id}/decline", data={"reason": "x"}).status_code
        == 403
    )

    login(client, office.chairman)
    assert client.post(f"/signing/requests/{request.id}/seal").status_code == 403  # not a clerk

    login(client, office.clerk)  # the clerk tries to seal before the official signed
    early = client.post(
        f"/signing/requests/{request.id}/seal",
        data={"pin": SEAL_PIN, "sha256": request.sha256, "confirm": "yes"},
    )
    assert early.status_code == 409
    office.sign(request)

    login(client, office.other_clerk)  # a clerk of another unit
    for method, url in [
        ("post", f"/signing/requests/{request.id}/seal"),
        ("post", f"/signing/requests/{request.id}/cancel"),
        ("get", f"/signing/requests/{request.id}"),
        ("get", f"/signing/documents/{document.id}"),
        ("get", f"/signing/documents/{document.id}/bundle.zip"),
        ("get", f"/signing/documents/{document.id}/v/1/print"),
        ("get", f"/signing/documents/{document.id}/submit"),
        ("post", f"/signing/documents/{document.id}/reserve"),
    ]:
        assert getattr(client, method)(url).status_code == 403, url

    login(client, office.clerk)
    assert client.get(f"/signing/documents/{document.id}/bundle.zip").status_code == 409

    secret = office.draft(confidentiality=Confidentiality.MAT, subject="Văn bản mật")
    login(client, office.outsider)
    assert client.get(f"/signing/documents/{secret.id}").status_code == 404
    assert client.get("/signing/requests/999").status_code == 404
    denials = db.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "accounts:access:denied")
    )
    assert denials >= 10


def test_decline_over_http_notifies_the_clerk_in_the_inbox(client, office: Office, db):
    document = office.draft()
    request = office.submit(document)
    login(client, office.chairman)
    assert (
        client.post(f"/signing/requests/{request.id}/decline", data={"reason": ""}).status_code
        == 400
    )
    response = client.post(
        f"/signing/requests/{request.id}/decline", data={"reason": "Sai thẩm quyền ký"}
    )
    assert response.status_code == 302
    login(client, office.clerk)
    bell = client.get("/notifications").get_data(as_text=True)
    assert "Sai thẩm quyền ký" in bell and 'data-state="unread"' in bell
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Sai thẩm quyền ký" in page


def test_public_verification_page_by_code_and_a_held_file(client, office: Office):
    _, request = office.signed_and_sealed()
    page = client.get(f"/verify/{request.code}")
    assert page.status_code == 200
    assert 'data-status="TOTAL_PASSED"' in page.get_data(as_text=True)
    lower = request.code.lower().replace("-", "")
    assert client.get(f"/verify/{lower}").status_code == 200
    assert client.get("/verify/AAAAA-AAAAA").status_code == 404

    original = office.blobs.get(request.sha256)
    held = client.post(
        f"/verify/{request.code}",
        data={"file": (io.BytesIO(original), "held.docx")},
        content_type="multipart/form-data",
    )
    assert re.search(
        r'data-testid="held-result">[^<]*<span[^>]*data-status="TOTAL_PASSED"', held.get_data(True)
    )
    changed = original[:-1] + bytes([original[-1] ^ 1])
    held = client.post(
        f"/verify/{request.code}",
        data={"file": (io.BytesIO(changed), "held.docx")},
        content_type="multipart/form-data",
    )
    assert re.search(
        r'data-testid="held-result">[^<]*<span[^>]*data-status="TOTAL_FAILED"', held.get_data(True)
    )

    _, secret_request = office.signed_and_sealed(
        confidentiality=Confidentiality.MAT, subject="Về công tác bảo vệ bí mật"
    )
    hidden = client.get(f"/verify/{secret_request.code}").get_data(as_text=True)
    assert "bảo vệ bí mật" not in hidden and "TOTAL_PASSED" not in hidden


def test_published_crl_and_chain(client, office: Office):
    crl = client.get("/pki/crl.der")
    assert crl.status_code == 200 and crl.mimetype == "application/pkix-crl"
    parsed = x509.load_der_x509_crl(crl.data)
    chain = x509.load_pem_x509_certificates(client.get("/pki/chain.pem").data)
    assert parsed.is_signature_valid(chain[0].public_key())
    assert len(chain) == 2


def test_auditor_pages_give_the_same_verdicts_as_vanthu_verify(client, office: Office, tmp_path):
    document, _ = office.signed_and_sealed()
    login(client, office.clerk)
    good = client.get(f"/signing/documents/{document.id}/bundle.zip").data
    bad = flip_document_byte(good)
    missing = members(good)
    del missing["seal.p7s"]

    results = {}
    for label, data in {"good": good, "bad": bad, "missing": rezip(missing)}.items():
        path = tmp_path / f"{label}.zip"
        path.write_bytes(data)
        results[label] = bundle.main([str(path), "--json"], out=io.StringIO())
    assert results == {"good": 0, "bad": 1, "missing": 2}

    login(client, office.auditor)
    assert client.get("/signing/audit").status_code == 200
    assert client.get(f"/signing/audit?document={document.id}").status_code == 302

    def check(data):
        page = client.post(
            "/signing/audit/bundle",
            data={"file": (io.BytesIO(data), "b.zip")},
            content_type="multipart/form-data",
        )
        assert page.status_code == 200
        return page.get_data(as_text=True)

    assert 'data-status="TOTAL_PASSED"' in check(good)
    failed = check(bad)
    assert 'data-status="TOTAL_FAILED"' in failed and "HASH_FAILURE" in failed
    assert 'data-testid="unusable"' in check(rezip(missing))

    files = members(good)
    name = json.loads(files["manifest.json"])["document"]["file"]
    changed = files[name][:-1] + bytes([files[name][-1] ^ 1])
    for content, signature, expected in [
        (files[name], files["official.p7s"], "TOTAL_PASSED"),
        (files[name], files["seal.p7s"], "TOTAL_PASSED"),
        (changed, files["official.p7s"], "TOTAL_FAILED"),
        (files[name], files["official.p7s"][:40], "TOTAL_FAILED"),
    ]:
        page = client.post(
            "/signing/audit/signature",
            data={"file": (io.BytesIO(content), name), "p7s": (io.BytesIO(signature), "x.p7s")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)
        assert f'data-status="{expected}"' in page


def test_bulk_verification_job_with_progress_and_csv(client, office: Office, db, make):
    first, _ = office.signed_and_sealed()
    second, request = office.signed_and_sealed(subject="Quyết định thứ hai")
    seal = next(s for s in request.signatures if s.role.value == "seal")
    seal.p7s = seal.p7s[:-8] + bytes(8)
    db.commit()
    login(client, office.auditor)
    response = client.post(
        "/signing/audit/jobs", data={"date_from": "2026-01-01", "date_to": "2030-12-31"}
    )
    assert response.status_code == 302
    job = db.scalars(sa.select(Job)).one()
    assert response.headers["Location"].endswith(f"/signing/audit/jobs/{job.id}")
    assert (job.kind, job.owner_id, job.state) == (
        "signing.verify_bulk",
        office.auditor.id,
        JobState.DONE,
    )
    assert (job.total, job.done) == (2, 2)
    assert job.result == {"passed": 1, "failed": 1, "indeterminate": 0}
    page = client.get(f"/signing/audit/jobs/{job.id}").get_data(as_text=True)
    assert 'data-testid="job-csv"' in page and "signing-progress.js" in page
    progress = client.get(f"/signing/audit/jobs/{job.id}/progress").get_json()
    assert progress["state"] == "done" and progress["done"] == 2
    report = client.get(f"/signing/audit/jobs/{job.id}/report.csv")
    rows = list(csv.DictReader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    by_id = {int(r["Mã văn bản"]): r for r in rows}  # headed in Vietnamese
    assert by_id[first.id]["Kết quả"] == "TOTAL_PASSED"
    assert by_id[second.id]["Kết quả"] == "TOTAL_FAILED"
    assert by_id[second.id]["Dấu của cơ quan"].startswith("TOTAL_FAILED")
    empty = client.post(
        "/signing/audit/jobs", data={"date_from": "2001-01-01", "date_to": "2001-01-31"}
    )
    assert empty.status_code == 302
    assert (
        client.post(
            "/signing/audit/jobs", data={"date_from": "2002-01-01", "date_to": "2001-01-01"}
        ).status_code
        == 400
    )
    assert "signing:verification:bulk" in set(db.scalars(sa.select(AuditEvent.action)))

    # Another auditor neither sees the job listed nor opens it.
    other = make.user("kiemtoan2", roles=[Role.AUDITOR], unit=office.province)
    login(client, other)
    assert f"/signing/audit/jobs/{job.id}" not in client.get("/signing/audit").get_data(
        as_text=True
    )
    for suffix in ("", "/progress", "/report.csv"):
        assert client.get(f"/signing/audit/jobs/{job.id}{suffix}").status_code == 404


@pytest.fixture
def admin_client(client, office: Office):
    login(client, office.admin)
    return client


def test_admin_pages_authorise_revoke_crl_and_trust(admin_client, office: Office, db, make, env):
    client = admin_client
    assert client.get("/admin/pki").status_code == 200
    newcomer = make.user(
        "moi",
        roles=[Role.OFFICIAL],
        unit=office.province,
        full_name="Đỗ Văn Mới",
        title="Phó Chủ tịch",
    )
    assert client.post("/admin/pki/enrolments", data={"user": str(newcomer.id)}).status_code == 302

    login(client, newcomer)
    assert 'data-testid="enrol-form"' in client.get("/signing/key").get_data(as_text=True)
    weak = client.post("/signing/key/enrol", data={"pin": "123456", "confirm": "123456"})
    assert weak.status_code == 400
    made = client.post("/signing/key/enrol", data={"pin": "602817", "confirm": "602817"})
    assert made.status_code == 302
    certificate = db.scalar(sa.select(Certificate).where(Certificate.user_id == newcomer.id))
    assert certificate is not None and certificate.key is not None

    login(client, office.admin)
    crl_before = client.get("/pki/crl.der").data
    response = client.post(
        f"/admin/pki/certificates/{certificate.id}/revoke", data={"reason": "affiliationChanged"}
    )
    assert response.status_code == 302
    published = client.get("/pki/crl.der").data
    crl = x509.load_der_x509_crl(published)
    assert crl.get_revoked_certificate_by_serial_number(int(certificate.serial, 16)) is not None
    assert published != crl_before
    assert client.post("/admin/pki/crl").status_code == 302
    assert client.post(f"/admin/pki/certificates/{certificate.id}/unblock").status_code == 302
    assert (
        client.post(
            f"/admin/pki/certificates/{certificate.id}/revoke", data={"reason": "superseded"}
        ).status_code
        == 400
    )  # already revoked

    foreign = env.foreign_root.certificate
    upload = client.post(
        "/admin/pki/trust",
        data={"file": (io.BytesIO(chain_to_pem([foreign])), "root.pem")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    assert "Other Root" in client.get("/admin/pki").get_data(as_text=True)
    events = set(db.scalars(sa.select(AuditEvent.action)))
    assert {
        "signing:enrolment:authorise",
        "signing:certificate:revoke",
        "signing:trust:add",
    } <= events


def test_signature_history_offers_each_signers_log_receipt(client, office):
    document, _request = office.signed_and_sealed()
    login(client, office.chairman)
    page = client.get(f"/signing/documents/{document.id}").get_data(as_text=True)
    links = re.findall(r'href="([^"]+)" data-testid="log-receipt-signature-\d+"', page)
    assert len(links) == 1  # the chairman's own signature; the seal is the clerk's
    receipt = client.get(links[0].replace("&amp;", "&"))
    assert receipt.status_code == 200
    assert receipt.get_data(as_text=True).startswith("c2sp.org/tlog-proof@v1\n")
    login(client, office.auditor)
    page = client.get(f"/signing/documents/{document.id}").get_data(as_text=True)
    assert len(re.findall(r'data-testid="log-receipt-signature-\d+"', page)) == 2


def test_an_anonymous_verification_adds_nothing_to_the_log(client, office: Office, db):
    _, request = office.signed_and_sealed()
    before = db.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    for _ in range(3):
        assert client.get(f"/verify/{request.code}").status_code == 200
    original = office.blobs.get(request.sha256)
    held = client.post(
        f"/verify/{request.code}",
        data={"file": (io.BytesIO(original), "held.docx")},
        content_type="multipart/form-data",
    )
    assert held.status_code == 200
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before

    login(client, office.clerk)
    assert client.get(f"/verify/{request.code}").status_code == 200
    actors = db.scalars(
        sa.select(AuditEvent.actor_id).where(AuditEvent.action == "signing:document:verify")
    ).all()
    assert len(actors) == 1 and actors[0] is not None


def test_the_official_mark_prints_each_authority_line_once(client, office: Office):
    from documents.decree30 import Authority

    document, request = office.signed_and_sealed(
        signer_authority=Authority.TM_Q,
        signer_collective="Ủy ban nhân dân",
        signer_on_behalf_of="Chủ tịch",
    )
    login(client, office.clerk)
    page = client.get(f"/documents/{document.id}/v/{request.version.number}")
    text = page.get_data(as_text=True)
    assert "TM. ỦY BAN NHÂN DÂN, Q. CHỦ TỊCH" in text
    assert "CHỦ TỊCH, CHỦ TỊCH" not in text and "Q. Chủ tịch – Chủ tịch" not in text
