"""Tests of signing.crypto.verification: each tamper case gives its exact status and sub-indication.

Failures must raise VerificationError carrying the report; passes return it.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signing.crypto import pki
from signing.crypto.pki import Role
from signing.crypto.reports import DocumentReport, SignatureResult, Status, SubIndication
from signing.crypto.verification import (
    Verifier,
    describe_unverified,
    verify_document,
    verify_signature,
)
from signing.errors import VerificationError
from signing.keys import generate_signing_key
from tests.signing.signing_testkit import (
    DAY,
    DOCUMENT,
    NOW,
    Pki,
    attach_content,
    flip_signature_byte,
    resign_at,
    sign,
    swap_certificates,
    use_key_identifier,
)

FAILED, INDETERMINATE = Status.TOTAL_FAILED, Status.INDETERMINATE


@pytest.fixture(scope="module")
def verifier(env: Pki) -> Verifier:
    return Verifier([env.root.certificate], [env.issuing.certificate], [env.crl])


def _refused(
    verifier: Verifier, p7s: bytes, data: bytes | None = DOCUMENT, **kw: object
) -> SignatureResult:
    with pytest.raises(VerificationError) as info:
        verifier.verify_signature(data, p7s, **kw)  # type: ignore[arg-type]
    result = info.value.report
    assert isinstance(result, SignatureResult)
    return result


def _expect(result: SignatureResult, status: Status, sub: SubIndication) -> None:
    assert (result.status, result.sub_indication) == (status, sub), result.message


def test_valid_signature_report(verifier: Verifier, env: Pki, official_p7s: bytes) -> None:
    result = verifier.verify_signature(DOCUMENT, official_p7s, expected_role=Role.OFFICIAL)
    assert result.status is Status.TOTAL_PASSED and result.sub_indication is None
    assert result.role is Role.OFFICIAL
    assert result.signer_name == "Nguyễn Văn An"
    assert result.serial == env.official.certificate.serial_number
    assert result.signing_time is not None
    assert abs(result.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert result.trust_anchor_sha256 == pki.fingerprint_sha256(env.root.certificate)
    assert result.warnings == ()


def test_valid_document(env: Pki, official_p7s: bytes, seal_p7s: bytes) -> None:
    roots, intermediates, crls = env.verifier_args()
    report = verify_document(DOCUMENT, official_p7s, seal_p7s, roots, intermediates, crls)
    assert report.status is Status.TOTAL_PASSED
    assert (report.official.role, report.seal.role) == (Role.OFFICIAL, Role.SEAL)
    assert json.loads(json.dumps(report.to_dict()))["status"] == "TOTAL_PASSED"


def test_rsa_pss_signature_verifies(verifier: Verifier, env: Pki) -> None:
    verifier.verify_signature(DOCUMENT, sign(env.rsa_official))


def test_rsa_pkcs1v15_signature_verifies(verifier: Verifier, env: Pki) -> None:
    cred = env.rsa_official
    assert isinstance(cred.private_key, rsa.RSAPrivateKey)
    p7s = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DOCUMENT)
        .add_signer(cred.certificate, cred.private_key, hashes.SHA256())
        .sign(Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )
    assert verifier.verify_signature(DOCUMENT, p7s).signer_name == "Lê Văn Cường"


def test_signer_named_by_key_identifier(verifier: Verifier, env: Pki, official_p7s: bytes) -> None:
    p7s = use_key_identifier(official_p7s, env.official.certificate)
    assert verifier.verify_signature(DOCUMENT, p7s).serial == env.official.certificate.serial_number
    other = use_key_identifier(official_p7s, env.official2.certificate)
    _expect(_refused(verifier, other), INDETERMINATE, SubIndication.NO_SIGNING_CERTIFICATE_FOUND)


def test_changed_document_byte(verifier: Verifier, official_p7s: bytes) -> None:
    changed = bytearray(DOCUMENT)
    changed[100] ^= 0x01
    _expect(_refused(verifier, official_p7s, bytes(changed)), FAILED, SubIndication.HASH_FAILURE)


def test_changed_signature_byte(verifier: Verifier, official_p7s: bytes) -> None:
    result = _refused(verifier, flip_signature_byte(official_p7s))
    _expect(result, FAILED, SubIndication.SIG_CRYPTO_FAILURE)


def test_swapped_certificate(verifier: Verifier, env: Pki, official_p7s: bytes) -> None:
    other = [env.official2.certificate, env.issuing.certificate]
    swapped = swap_certificates(official_p7s, other, rewrite_sid=False)
    _expect(_refused(verifier, swapped), INDETERMINATE, SubIndication.NO_SIGNING_CERTIFICATE_FOUND)
    retargeted = swap_certificates(official_p7s, other, rewrite_sid=True)
    result = _refused(verifier, retargeted)
    _expect(result, FAILED, SubIndication.SIG_CRYPTO_FAILURE)
    assert result.signer_name == "Trần Thị Bình"  # the claimed signer is still reported


def test_certificate_from_another_ca(verifier: Verifier, env: Pki) -> None:
    result = _refused(verifier, sign(env.foreign_official))
    _expect(result, INDETERMINATE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)


def test_revoked_before_signing(verifier: Verifier, env: Pki) -> None:
    result = _refused(verifier, sign(env.revoked_before))
    _expect(result, FAILED, SubIndication.REVOKED)
    assert "affiliationChanged" in result.message


def test_revoked_after_signing_passes_with_warning(verifier: Verifier, env: Pki) -> None:
    p7s = resign_at(sign(env.revoked_after), env.revoked_after, env.revoked_after_at - 3 * DAY)
    result = verifier.verify_signature(DOCUMENT, p7s)
    assert result.status is Status.TOTAL_PASSED
    assert len(result.warnings) == 1 and "after the signing time" in result.warnings[0]


def test_revoked_after_signing_for_key_compromise(verifier: Verifier, env: Pki) -> None:
    cred = env.compromised_after
    p7s = resign_at(sign(cred), cred, env.revoked_after_at - 3 * DAY)
    _expect(_refused(verifier, p7s), INDETERMINATE, SubIndication.REVOKED_NO_POE)


def test_invalidity_date_before_signing_counts(env: Pki) -> None:
    cred = env.revoked_after  # valid since NOW - 60 days
    p7s = resign_at(sign(cred), cred, NOW - 10 * DAY + dt.timedelta(hours=1))
    entry = pki.Revocation(
        cred.certificate.serial_number, NOW - DAY, invalidity_date=NOW - 10 * DAY
    )
    crl = pki.build_crl(env.issuing, [entry], crl_number=8, this_update=NOW - dt.timedelta(hours=1))
    verifier = Verifier([env.root.certificate], [env.issuing.certificate], [crl])
    _expect(_refused(verifier, p7s), FAILED, SubIndication.REVOKED)


def test_expired_at_signing_time(verifier: Verifier, env: Pki) -> None:
    result = _refused(verifier, sign(env.expired))
    _expect(result, FAILED, SubIndication.EXPIRED)


def test_expired_now_but_valid_at_signing_time(verifier: Verifier, env: Pki) -> None:
    p7s = resign_at(sign(env.expired), env.expired, NOW - 100 * DAY)
    assert verifier.verify_signature(DOCUMENT, p7s).status is Status.TOTAL_PASSED


def test_not_yet_valid_at_signing_time(verifier: Verifier, env: Pki) -> None:
    _expect(_refused(verifier, sign(env.not_yet_valid)), FAILED, SubIndication.NOT_YET_VALID)
    early = resign_at(sign(env.official), env.official, NOW - 20 * DAY)
    _expect(_refused(verifier, early), FAILED, SubIndication.NOT_YET_VALID)


def test_signing_time_in_the_future(verifier: Verifier, env: Pki) -> None:
    future = resign_at(sign(env.official), env.official, NOW + DAY)
    _expect(_refused(verifier, future), INDETERMINATE, SubIndication.SIG_CONSTRAINTS_FAILURE)


def _leaf_outliving(ca: pki.CertificateAuthority) -> pki.Credential:
    """A leaf valid longer than its CA: our PKI refuses to issue it, other PKIs may not."""
    key = generate_signing_key()
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Long Leaf")]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - DAY)
        .not_valid_after(NOW + 300 * DAY)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([pki.EKU_DOCUMENT_SIGNING]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    return pki.Credential(cert, key, ca.chain)


def test_chain_cache_rechecks_ca_validity_at_each_signing_time(env: Pki) -> None:
    short_ca = pki.create_issuing_ca(
        env.root, "Short CA", "Org", curve="P-256", validity_days=10, not_before=NOW - 5 * DAY
    )
    leaf = _leaf_outliving(short_ca)
    crl = pki.build_crl(short_ca, [], crl_number=1, next_update=NOW + 30 * DAY)
    verifier = Verifier([env.root.certificate], [short_ca.certificate], [crl])
    verifier.verify_signature(DOCUMENT, sign(leaf))  # passes and caches the chain
    late = resign_at(sign(leaf), leaf, NOW + 6 * DAY)  # the CA expired at NOW + 5 days
    result = _refused(verifier, late, now=NOW + 7 * DAY)
    _expect(result, FAILED, SubIndication.EXPIRED)
    assert "CA certificate 'Short CA'" in result.message


def test_wrong_extended_key_usage(verifier: Verifier, env: Pki) -> None:
    result = _refused(verifier, sign(env.server_auth))
    _expect(result, INDETERMINATE, SubIndication.CHAIN_CONSTRAINTS_FAILURE)
    assert "documentSigning" in result.message


def test_missing_or_foreign_crl_is_indeterminate(env: Pki, official_p7s: bytes) -> None:
    roots, intermediates = [env.root.certificate], [env.issuing.certificate]
    foreign_crl = pki.build_crl(env.foreign_root, [], crl_number=1)
    stale_crl = pki.build_crl(
        env.issuing, [], crl_number=2, this_update=NOW - 30 * DAY, next_update=NOW - 20 * DAY
    )
    for crls in ([], [foreign_crl], [stale_crl]):
        result = _refused(Verifier(roots, intermediates, crls), official_p7s)
        _expect(result, INDETERMINATE, SubIndication.TRY_LATER)
    relaxed = Verifier(roots, intermediates, [], require_revocation=False)
    relaxed.verify_signature(DOCUMENT, official_p7s)


def test_newest_crl_wins(env: Pki) -> None:
    cred = env.official2
    p7s = sign(cred)
    old = pki.build_crl(env.issuing, [], crl_number=1, this_update=NOW - 2 * DAY)
    new = pki.build_crl(
        env.issuing,
        [pki.Revocation(cred.certificate.serial_number, NOW - DAY)],
        crl_number=2,
        this_update=NOW - dt.timedelta(hours=1),
    )
    verifier = Verifier([env.root.certificate], [env.issuing.certificate], [old, new])
    _expect(_refused(verifier, p7s), FAILED, SubIndication.REVOKED)


@pytest.mark.parametrize(
    "p7s",
    [b"", b"garbage", b"\x30\x80", b"\x30\x03\x02\x01\x01"],
    ids=["empty", "text", "indefinite", "integer"],
)
def test_garbage_is_format_failure(verifier: Verifier, p7s: bytes) -> None:
    _expect(_refused(verifier, p7s), FAILED, SubIndication.FORMAT_FAILURE)


def test_truncated_and_extended_are_format_failure(verifier: Verifier, official_p7s: bytes) -> None:
    for cut in (1, 10, len(official_p7s) // 2, len(official_p7s) - 1):
        _expect(_refused(verifier, official_p7s[:cut]), FAILED, SubIndication.FORMAT_FAILURE)
    _expect(_refused(verifier, official_p7s + b"\x00"), FAILED, SubIndication.FORMAT_FAILURE)


def test_attached_content_is_format_failure(verifier: Verifier, official_p7s: bytes) -> None:
    result = _refused(verifier, attach_content(official_p7s, DOCUMENT))
    _expect(result, FAILED, SubIndication.FORMAT_FAILURE)
    assert "detached" in result.message


def test_missing_document_is_signed_data_not_found(verifier: Verifier, official_p7s: bytes) -> None:
    result = _refused(verifier, official_p7s, None)
    _expect(result, INDETERMINATE, SubIndication.SIGNED_DATA_NOT_FOUND)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutations_never_crash(
    verifier: Verifier, official_p7s: bytes, data: st.DataObject
) -> None:
    """Any mutation either still verifies or raises VerificationError: never another exception."""
    blob = bytearray(official_p7s)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(blob) - 1))
        blob[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(blob)))
    try:
        verifier.verify_signature(DOCUMENT, bytes(blob[:cut]))
    except VerificationError as exc:
        assert exc.report.status is not Status.TOTAL_PASSED


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_certificate_mutations_never_crash(
    verifier: Verifier, env: Pki, official_p7s: bytes, data: st.DataObject
) -> None:
    """Bytes changed inside the embedded signer certificate: refused, never an exception."""
    cert = env.official.certificate.public_bytes(Encoding.DER)
    start = official_p7s.index(cert)
    blob = bytearray(official_p7s)
    for offset in data.draw(st.sets(st.integers(0, len(cert) - 1), min_size=1, max_size=3)):
        blob[start + offset] ^= data.draw(st.integers(1, 255))
    with pytest.raises(VerificationError) as info:
        verifier.verify_signature(DOCUMENT, bytes(blob))
    assert info.value.report.status is not Status.TOTAL_PASSED


def test_naive_now_is_a_programming_error(verifier: Verifier, official_p7s: bytes) -> None:
    with pytest.raises(ValueError, match="time zone"):
        verifier.verify_signature(DOCUMENT, official_p7s, now=NOW.replace(tzinfo=None))


def _document_refused(env: Pki, official: bytes, seal: bytes) -> DocumentReport:
    roots, intermediates, crls = env.verifier_args()
    with pytest.raises(VerificationError) as info:
        verify_document(DOCUMENT, official, seal, roots, intermediates, crls)
    report = info.value.report
    assert isinstance(report, DocumentReport)
    return report


def test_seal_made_with_an_official_certificate(env: Pki, official_p7s: bytes) -> None:
    report = _document_refused(env, official_p7s, sign(env.official2))
    assert report.official.status is Status.TOTAL_PASSED
    _expect(report.seal, FAILED, SubIndication.ROLE_MISMATCH)
    assert report.status is FAILED


def test_official_slot_signed_with_the_seal(env: Pki, seal_p7s: bytes) -> None:
    report = _document_refused(env, seal_p7s, seal_p7s)
    _expect(report.official, FAILED, SubIndication.ROLE_MISMATCH)
    assert report.seal.status is Status.TOTAL_PASSED


def test_seal_before_official(env: Pki) -> None:
    official = resign_at(sign(env.official), env.official, NOW - dt.timedelta(hours=1))
    seal = resign_at(sign(env.seal), env.seal, NOW - dt.timedelta(hours=2))
    report = _document_refused(env, official, seal)
    assert report.official.status is Status.TOTAL_PASSED
    _expect(report.seal, FAILED, SubIndication.ORDER_VIOLATION)
    same = resign_at(sign(env.seal), env.seal, NOW - dt.timedelta(hours=1))
    roots, intermediates, crls = env.verifier_args()
    verify_document(DOCUMENT, official, same, roots, intermediates, crls)


def test_report_lists_both_when_one_fails(env: Pki, official_p7s: bytes) -> None:
    report = _document_refused(env, official_p7s, b"junk")
    assert report.official.status is Status.TOTAL_PASSED
    _expect(report.seal, FAILED, SubIndication.FORMAT_FAILURE)
    error = VerificationError(report)
    body = json.loads(json.dumps(error.diagnostics(), ensure_ascii=False))
    assert [s["slot"] for s in body["report"]["signatures"]] == ["official", "seal"]
    assert error.status == 422


def test_module_level_verify_signature_raises(env: Pki) -> None:
    roots, intermediates, crls = env.verifier_args()
    with pytest.raises(VerificationError):
        verify_signature(DOCUMENT, sign(env.expired), roots, intermediates, crls)


def test_untrusted_roots_are_required() -> None:
    with pytest.raises(ValueError):
        Verifier([])


def test_describe_unverified(env: Pki, official_p7s: bytes) -> None:
    described = describe_unverified(official_p7s)
    assert described["serial"] == format(env.official.certificate.serial_number, "X")
    assert "Nguyễn Văn An" in (described["subject"] or "")
    assert describe_unverified(b"junk")["subject"] is None
