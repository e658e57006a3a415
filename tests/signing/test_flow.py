"""The signing flow through the services: submit, sign, seal, decline, new versions, PIN lockout.

Signatures the services store are cross-checked with the openssl CLI, before and after tampering.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa
from cryptography import x509

from accounts.models import UserNotification
from audit.models import AuditEvent
from core.storage import StagedBlobs
from documents import drafting, numbering
from documents.decree30 import DocType
from documents.errors import WrongState
from documents.models import (
    Document,
    DocumentVersion,
    IssuedNumber,
    NumberState,
    Status,
)
from signing import authority, credentials, document_checks, flow, issuance, queues
from signing.crypto import pki
from signing.crypto.reports import Status as V
from signing.crypto.reports import SubIndication
from signing.errors import (
    InvalidSigningRequest,
    NoCertificate,
    NotSigner,
    PinBlocked,
    PinError,
    PinLocked,
    WrongSigningState,
)
from signing.models import CertRole, RequestState, Signature, SigningRequest
from tests.documents.conftest import build_pdf
from tests.factories import documents_settings
from tests.signing.flow_testkit import CHAIRMAN_PIN, TODAY, VICE_PIN, Office
from tests.signing.signing_testkit import openssl_verify


def _chain_pem(office: Office) -> bytes:
    return pki.chain_to_pem(authority.ca_chain(office.db))


def _actions(office: Office) -> list[str]:
    return list(office.db.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sign_then_seal_issues_the_document_and_openssl_accepts_both(office, tmp_path):
    document = office.draft()
    request = office.submit(document)
    number = office.db.scalar(
        sa.select(IssuedNumber).where(IssuedNumber.document_id == document.id)
    )
    assert number.state is NumberState.RESERVED
    assert request.number_symbol == document.number_symbol == "01/QĐ-UBND"
    signed = office.db.get(DocumentVersion, request.version_id)
    assert flow.shows_number(signed, "01/QĐ-UBND")
    assert document.current_version_id == signed.id

    office.sign(request)
    assert request.state is RequestState.AWAITING_SEAL
    office.seal(request)
    office.db.refresh(document)
    office.db.refresh(number)
    assert request.state is RequestState.SEALED
    assert document.status is Status.ISSUED
    assert number.state is NumberState.USED
    assert document.current_version_id == signed.id  # sealing lays out no new version

    data = office.blobs.get(request.sha256)
    signatures = office.db.scalars(sa.select(Signature).order_by(Signature.id)).all()
    assert [s.role for s in signatures] == [CertRole.OFFICIAL, CertRole.SEAL]
    assert signatures[0].signing_time <= signatures[1].signing_time
    chain = _chain_pem(office)
    changed = data[:100] + bytes([data[100] ^ 1]) + data[101:]
    for signature in signatures:
        assert signature.sha256 == request.sha256 and signature.version_id == signed.id
        good = openssl_verify(signature.p7s, data, chain, tmp_path)
        assert good.returncode == 0, good.stderr
        assert openssl_verify(signature.p7s, changed, chain, tmp_path).returncode != 0

    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.status == "TOTAL_PASSED" and verdict.current_version_signed
    actions = _actions(office)
    for action in (
        "signing:request:create",
        "signing:signature:create",
        "signing:seal:create",
        "signing:document:verify",
    ):
        assert action in actions


def test_seal_before_the_official_is_refused(office):
    request = office.submit(office.draft())
    with pytest.raises(WrongSigningState):
        office.seal(request)
    office.db.rollback()
    assert office.db.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


@pytest.mark.parametrize("who", ["chairman", "other_clerk", "auditor"])
def test_only_the_issuing_units_clerk_seals(office, who):
    request = office.submit(office.draft())
    office.sign(request)
    with pytest.raises(NotSigner):
        office.seal(request, user=getattr(office, who))
    office.db.rollback()
    assert request.state is RequestState.AWAITING_SEAL


def test_officials_sign_in_order(office):
    document = office.draft()
    request = office.submit(document, [office.vice, office.chairman])
    assert [r.id for r in queues.to_sign(office.db, office.chairman)] == []
    assert [r.id for r in queues.to_sign(office.db, office.vice)] == [request.id]
    with pytest.raises(NotSigner):
        office.sign(request, office.chairman)
    office.db.rollback()
    with pytest.raises(NotSigner):
        office.sign(request, office.outsider)
    office.db.rollback()
    office.sign(request, office.vice, VICE_PIN)
    assert request.state is RequestState.PENDING
    assert [r.id for r in queues.to_sign(office.db, office.chairman)] == [request.id]
    office.sign(request)
    office.seal(request)
    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.status == "TOTAL_PASSED"
    assert [c.signature.signer_id for c in verdict.checked] == [
        office.vice.id,
        office.chairman.id,
        office.clerk.id,
    ]


def test_the_last_official_must_be_the_named_signer(office):
    document = office.draft()
    with pytest.raises(InvalidSigningRequest):
        office.submit(document, [office.vice])
    office.db.rollback()
    with pytest.raises(InvalidSigningRequest):
        office.submit(document, [office.clerk, office.chairman])  # not an official
    office.db.rollback()
    assert office.db.scalar(sa.select(sa.func.count()).select_from(IssuedNumber)) == 0


def test_decline_needs_a_reason_voids_the_number_and_notifies_the_clerk(office):
    document = office.draft()
    request = office.submit(document)
    first_number = document.number_symbol
    with pytest.raises(InvalidSigningRequest):
        flow.decline(office.db, office.chairman, request, "   ")
    office.db.rollback()
    with pytest.raises(NotSigner):
        flow.decline(office.db, office.vice, request, "không đồng ý")
    office.db.rollback()
    flow.decline(office.db, office.chairman, request, "Cần bổ sung căn cứ pháp lý")
    office.db.commit()
    assert request.state is RequestState.DECLINED
    assert request.decline_reason == "Cần bổ sung căn cứ pháp lý"
    void = office.db.scalar(
        sa.select(IssuedNumber).where(IssuedNumber.number_symbol == first_number)
    )
    assert void.state is NumberState.VOID
    assert document.number is None and document.status is Status.DRAFT
    note = office.db.scalar(
        sa.select(UserNotification).where(UserNotification.user_id == office.clerk.id)
    )
    assert note.kind == "signing_declined" and note.subject_id == document.id
    with pytest.raises(WrongSigningState):
        office.sign(request)
    office.db.rollback()

    again = office.submit(document)  # a new number: the void one is never reused
    assert again.number_symbol == "02/QĐ-UBND"
    assert "signing:request:decline" in _actions(office)


def _upload(office: Office, document: Document, data: bytes, name: str) -> DocumentVersion:
    with StagedBlobs(office.blobs) as staged:
        version = drafting.upload_version(
            office.db, staged, office.clerk, document, data, name, documents_settings()
        )
        office.db.commit()
    return version


def test_a_new_version_uploaded_after_signing_gets_no_signature(office):
    document = office.draft()
    request = office.submit(document)
    office.sign(request)
    # The text is frozen by the number; the same text uploaded again is a new version all the same.
    _upload(office, document, office.blobs.get(request.sha256), "sua.docx")
    with pytest.raises(WrongSigningState):
        office.seal(request)
    office.db.rollback()

    again = office.submit(document)  # the stale request is superseded, the number kept
    office.db.refresh(request)
    assert request.state is RequestState.SUPERSEDED
    assert again.number_symbol == "01/QĐ-UBND"
    assert again.version_id == document.current_version_id != request.version_id
    assert not office.db.scalars(
        sa.select(Signature).where(Signature.version_id == again.version_id)
    ).all()
    office.sign(again)
    office.seal(again)
    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.request.id == again.id and verdict.status == "TOTAL_PASSED"


def test_no_version_can_be_uploaded_after_sealing(office):
    document, request = office.signed_and_sealed()
    with pytest.raises(WrongState):
        _upload(office, document, build_pdf("So 01/QD-UBND ban khac"), "khac.pdf")
    office.db.rollback()
    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.status == "TOTAL_PASSED"
    assert verdict.version.id == request.version_id == document.current_version_id
    assert verdict.current_version_signed


def test_an_uploaded_file_must_show_the_reserved_number(office):
    document = office.draft(doc_type=DocType.CONG_VAN, drafter_abbr="VP")
    _upload(office, document, build_pdf("Cong van khong co so"), "cv.pdf")
    with pytest.raises(InvalidSigningRequest):
        office.submit(document)
    office.db.rollback()
    assert office.db.scalar(sa.select(sa.func.count()).select_from(IssuedNumber)) == 0

    number = flow.reserve(office.db, office.clerk, document, TODAY)
    office.db.commit()
    assert number == "01/UBND-VP"
    final = build_pdf("Cong van So 01/UBND-VP ve cai cach hanh chinh")
    version = _upload(office, document, final, "01-UBND-VP.pdf")
    request = office.submit(document)
    assert request.version_id == version.id and request.sha256 == version.sha256
    office.sign(request)
    office.seal(request)
    assert office.blobs.get(request.sha256) == final


def test_a_voided_number_cannot_be_sealed(office):
    document = office.draft()
    request = office.submit(document)
    office.sign(request)
    numbering.void_number(office.db, office.clerk, document, "nhầm")
    office.db.commit()
    with pytest.raises(WrongSigningState):
        office.seal(request)
    office.db.rollback()


def test_pin_brute_force_is_rate_limited_then_blocked(office):
    request = office.submit(office.draft())
    start = dt.datetime.now(dt.UTC)

    def attempt(pin, at):
        try:
            return flow.sign(
                office.db, office.blobs, office.settings, office.chairman, request, pin,
                request.sha256, now=at,
            )  # fmt: skip
        finally:
            office.db.commit()  # what the view does: wrong PINs are counted even on refusal

    for n in range(5):
        with pytest.raises(PinError):
            attempt("000001", start + dt.timedelta(seconds=n))
    with pytest.raises(PinLocked) as locked:
        attempt(CHAIRMAN_PIN, start + dt.timedelta(seconds=10))  # even the right PIN waits
    assert 0 < locked.value.retry_after <= 300
    assert office.db.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0

    later = start + dt.timedelta(minutes=6)
    with pytest.raises(PinError):
        attempt("000002", later)  # the 6th wrong PIN locks for 10 minutes
    with pytest.raises(PinLocked):
        attempt(CHAIRMAN_PIN, later + dt.timedelta(minutes=9))
    assert attempt(CHAIRMAN_PIN, later + dt.timedelta(minutes=11)) is not None
    certificate = credentials.official_certificate(office.db, office.chairman, later)
    assert credentials.pin_failures(office.db, certificate.key) == []  # success forgets them
    assert _actions(office).count("signing:pin:fail") == 6


def test_ten_wrong_pins_block_the_key_until_an_admin_clears_them(office):
    certificate = credentials.official_certificate(
        office.db, office.chairman, dt.datetime.now(dt.UTC)
    )
    moment = dt.datetime.now(dt.UTC)
    for _ in range(9):
        with pytest.raises(PinError):
            credentials.unlock(
                office.db, office.settings, certificate, "111112", actor=None, now=moment
            )
        office.db.commit()
        moment += dt.timedelta(days=1)
    with pytest.raises(PinBlocked):
        credentials.unlock(
            office.db, office.settings, certificate, "111112", actor=None, now=moment
        )
    office.db.commit()
    with pytest.raises(PinBlocked):
        credentials.unlock(
            office.db, office.settings, certificate, CHAIRMAN_PIN, actor=None, now=moment
        )
    office.db.rollback()
    assert credentials.unblock(office.db, certificate, actor=office.admin) == 10
    office.db.commit()
    signer = credentials.unlock(
        office.db, office.settings, certificate, CHAIRMAN_PIN, actor=None, now=moment
    )
    assert signer.certificate.serial_number == int(certificate.serial, 16)


def test_the_key_is_stored_encrypted_and_the_pin_can_change(office):
    certificate = credentials.official_certificate(
        office.db, office.chairman, dt.datetime.now(dt.UTC)
    )
    blob = certificate.key.key_blob
    assert b"PRIVATE KEY" not in blob
    with pytest.raises(PinError):
        credentials.keys.decrypt_private_key(blob, CHAIRMAN_PIN)  # without the server's pepper
    credentials.change_pin(
        office.db, office.settings, certificate, CHAIRMAN_PIN, "246813", actor=office.chairman
    )
    office.db.commit()
    request = office.submit(office.draft())
    with pytest.raises(PinError):
        office.sign(request)
    office.db.commit()
    office.sign(request, pin="246813")


def test_revoked_certificate_cannot_sign_and_later_revocation_keeps_old_signatures(office):
    document, _ = office.signed_and_sealed()
    certificate = credentials.official_certificate(
        office.db, office.chairman, dt.datetime.now(dt.UTC)
    )
    issuance.revoke(
        office.db, office.settings, certificate, x509.ReasonFlags.superseded, actor=office.admin
    )
    office.db.commit()
    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.status == "TOTAL_PASSED"
    assert any("revoked" in w for w in verdict.report.official.warnings)

    with pytest.raises(NoCertificate):
        office.sign(office.submit(office.draft(subject="Văn bản thứ hai")))
    office.db.rollback()
    assert "signing:certificate:revoke" in _actions(office)


def test_compromise_after_signing_makes_the_signature_undecidable(office):
    document, _ = office.signed_and_sealed()
    certificate = credentials.official_certificate(
        office.db, office.chairman, dt.datetime.now(dt.UTC)
    )
    issuance.revoke(
        office.db, office.settings, certificate, x509.ReasonFlags.key_compromise, actor=None
    )
    office.db.commit()
    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.status == "INDETERMINATE"
    assert verdict.report.official.sub_indication is SubIndication.REVOKED_NO_POE


def test_a_file_changed_on_disk_is_a_hash_failure_and_a_missing_one_not_found(office):
    document, request = office.signed_and_sealed()
    path = office.blobs.path_for(request.sha256)
    original = path.read_bytes()
    path.chmod(0o640)
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.status == "TOTAL_FAILED"
    assert {c.result.sub_indication for c in verdict.checked} == {SubIndication.HASH_FAILURE}
    path.unlink()
    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.status == "INDETERMINATE"
    assert {c.result.sub_indication for c in verdict.checked} == {
        SubIndication.SIGNED_DATA_NOT_FOUND
    }


def test_a_tampered_stored_signature_fails_verification(office):
    document, request = office.signed_and_sealed()
    seal = next(s for s in request.signatures if s.role is CertRole.SEAL)
    seal.p7s = seal.p7s[:-10] + bytes(10)
    office.db.commit()
    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.status == "TOTAL_FAILED"
    assert verdict.report.seal.status is V.TOTAL_FAILED
    assert verdict.report.official.status is V.TOTAL_PASSED


def test_pending_documents_are_incomplete_and_unsigned_ones_unsigned(office):
    document = office.draft()
    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.status == document_checks.UNSIGNED
    request = office.submit(document)
    office.sign(request)
    verdict = document_checks.verify_stored(
        office.db, office.blobs, office.settings, document, actor=None
    )
    assert verdict.status == document_checks.INCOMPLETE


def test_one_public_key_is_never_certified_twice(office):
    certificate = credentials.official_certificate(
        office.db, office.chairman, dt.datetime.now(dt.UTC)
    )
    cert = x509.load_der_x509_certificate(certificate.certificate_der)
    from signing.errors import DuplicateKey

    with pytest.raises(DuplicateKey):
        issuance.store_certificate(
            office.db, cert, CertRole.OFFICIAL, b"x", user=office.vice, created_by=None, issuer=None
        )
    office.db.rollback()


def test_crl_is_refreshed_when_close_to_its_next_update(office):
    first = authority.current_crl(office.db, office.settings)
    assert authority.current_crl(office.db, office.settings).number == first.number
    later = first.next_update - dt.timedelta(days=1)
    refreshed = authority.current_crl(office.db, office.settings, now=later)
    assert refreshed.number == first.number + 1
    crl = x509.load_der_x509_crl(refreshed.der)
    issuing = x509.load_der_x509_certificate(authority.require_issuing(office.db).certificate_der)
    assert crl.is_signature_valid(issuing.public_key())


def test_bundle_export_matches_the_library_format(office):
    document, request = office.signed_and_sealed()
    name, data = document_checks.export_bundle(
        office.db, office.blobs, office.settings, document, request, actor=None
    )
    assert name == "01-QĐ-UBND.zip"
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    version = office.db.get(DocumentVersion, request.version_id)
    assert manifest["document"]["name"] == version.file_name  # the member's name is ASCII
    assert names == {
        "document.docx",
        "official.p7s",
        "seal.p7s",
        "chain.pem",
        "crl.der",
        "manifest.json",
    }
    assert document_checks.bundle.verify_bundle(data).status is V.TOTAL_PASSED


def test_the_seal_signature_stored_matches_what_signing_request_shows(office):
    _, request = office.signed_and_sealed()
    stored = office.db.scalars(sa.select(SigningRequest)).one()
    assert stored.state is RequestState.SEALED
    assert {s.sha256 for s in stored.signatures} == {request.sha256}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Số: 01/QĐ-UBND    Hậu Giang, ngày 26 tháng 11 năm 2026", True),
        ("SO 01/QD-UBND", True),
        ("Số: 101/QĐ-UBND", False),
        ("Số: 01/QĐ-UBND-VP", False),
        ("Số: .../QĐ-UBND", False),
    ],
)
def test_the_number_must_be_shown_exactly(text, shown):
    assert flow.shows_number(DocumentVersion(text=text), "01/QĐ-UBND") is shown
