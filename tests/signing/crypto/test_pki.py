"""Tests of signing.crypto.pki: certificates, CA constraints, CRLs, PKCS#12 import, PEM chains.

Certificates are checked field by field because verifiers elsewhere rely on exactly these fields.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from signing.crypto import pki
from signing.errors import CertificateIssueError, Pkcs12Error, Pkcs12PasswordError
from signing.keys import generate_signing_key
from tests.signing.signing_testkit import DAY, NOW, ORG, Pki


def _ext(
    cert: x509.Certificate, kind: type[x509.ExtensionType]
) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_class(kind)


def test_root_is_self_signed_p384_ca(env: Pki) -> None:
    root = env.root.certificate
    assert pki.is_self_signed(root)
    key = root.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp384r1"
    assert _ext(root, x509.BasicConstraints).critical
    assert _ext(root, x509.BasicConstraints).value == x509.BasicConstraints(ca=True, path_length=1)
    usage = _ext(root, x509.KeyUsage).value
    assert isinstance(usage, x509.KeyUsage) and usage.key_cert_sign and usage.crl_sign


def test_issuing_ca_is_signed_by_root_with_pathlen_zero(env: Pki) -> None:
    issuing = env.issuing.certificate
    issuing.verify_directly_issued_by(env.root.certificate)
    assert _ext(issuing, x509.BasicConstraints).value == x509.BasicConstraints(
        ca=True, path_length=0
    )
    assert env.issuing.chain == (issuing, env.root.certificate)


def test_issuing_ca_may_use_p384() -> None:
    root = pki.create_root_ca("R", ORG, not_before=NOW - DAY)
    issuing = pki.create_issuing_ca(root, "I", ORG, curve="P-384", validity_days=30)
    key = issuing.certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp384r1"
    with pytest.raises(CertificateIssueError):
        pki.create_issuing_ca(root, "I", ORG, curve="P-521")


def test_official_certificate_fields(env: Pki) -> None:
    cert = env.official.certificate
    subject = cert.subject

    def attr(oid: x509.ObjectIdentifier) -> object:
        return subject.get_attributes_for_oid(oid)[0].value

    assert attr(NameOID.COMMON_NAME) == "Nguyễn Văn An"
    assert attr(NameOID.TITLE) == "Phó Chủ tịch"
    assert attr(NameOID.ORGANIZATIONAL_UNIT_NAME) == "Văn phòng"
    assert attr(NameOID.ORGANIZATION_NAME) == ORG
    assert attr(NameOID.COUNTRY_NAME) == "VN"
    usage = _ext(cert, x509.KeyUsage).value
    assert isinstance(usage, x509.KeyUsage)
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert list(_ext(cert, x509.ExtendedKeyUsage).value) == list(pki.SIGNER_EKUS)  # type: ignore[call-overload]
    assert _ext(cert, x509.BasicConstraints).value == x509.BasicConstraints(
        ca=False, path_length=None
    )
    assert pki.certificate_role(cert) is pki.Role.OFFICIAL
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=365)
    cert.verify_directly_issued_by(env.issuing.certificate)


def test_seal_certificate_has_seal_role(env: Pki) -> None:
    cert = env.seal.certificate
    assert pki.certificate_role(cert) is pki.Role.SEAL
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ORG
    assert pki.certificate_role(env.issuing.certificate) is pki.Role.UNKNOWN


def test_policy_arc_is_the_documented_placeholder() -> None:
    assert pki.POLICY_OFFICIAL.dotted_string == "1.3.6.1.4.1.32473.1.1"
    assert pki.POLICY_SEAL.dotted_string == "1.3.6.1.4.1.32473.1.2"


def test_names_are_nfc_normalised(env: Pki) -> None:
    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" with combining marks
    key = generate_signing_key()
    cert = pki.issue_official_certificate(
        env.issuing, key.public_key(), full_name=decomposed, title="T", unit="U", organisation=ORG
    )
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Nguyễn"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"validity_days": 732}, "two years"),
        ({"validity_days": 0}, "two years"),
        ({"full_name": "x" * 65}, "full_name"),
        ({"full_name": "  "}, "full_name"),
        ({"title": "a\x00b"}, "title"),
        ({"not_before": NOW - 6 * 365 * DAY}, "validity"),
        ({"extended_key_usages": ()}, "extended key usage"),
    ],
)
def test_official_certificate_refusals(env: Pki, kwargs: dict[str, object], fragment: str) -> None:
    args: dict[str, object] = {"full_name": "A", "title": "T", "unit": "U", "organisation": ORG}
    args.update(kwargs)
    with pytest.raises(CertificateIssueError, match=fragment):
        pki.issue_official_certificate(env.issuing, generate_signing_key().public_key(), **args)  # type: ignore[arg-type]


def test_unsupported_keys_are_refused(env: Pki) -> None:
    for key in (ed25519.Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256K1())):
        with pytest.raises(CertificateIssueError, match="key"):
            pki.issue_seal_certificate(env.issuing, key.public_key(), organisation=ORG)


def test_crl_carries_reasons_dates_and_is_signed_by_issuing_ca(env: Pki) -> None:
    crl = env.crl
    key = env.issuing.certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert crl.is_signature_valid(key)
    assert crl.issuer == env.issuing.certificate.subject
    assert _crl_number(crl) == 7
    assert crl.next_update_utc is not None
    assert crl.next_update_utc - crl.last_update_utc == dt.timedelta(days=7)
    entry = crl.get_revoked_certificate_by_serial_number(
        env.revoked_after.certificate.serial_number
    )
    assert entry is not None
    assert entry.revocation_date_utc == env.revoked_after_at
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value
    assert reason.reason is x509.ReasonFlags.superseded
    assert (
        crl.get_revoked_certificate_by_serial_number(env.official.certificate.serial_number) is None
    )


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def test_crl_invalidity_date_and_bad_window(env: Pki) -> None:
    revocation = pki.Revocation(5, NOW, x509.ReasonFlags.key_compromise, invalidity_date=NOW - DAY)
    crl = pki.build_crl(env.issuing, [revocation], crl_number=8, this_update=NOW)
    entry = crl.get_revoked_certificate_by_serial_number(5)
    assert entry is not None
    invalidity = entry.extensions.get_extension_for_class(x509.InvalidityDate).value
    assert invalidity.invalidity_date_utc == NOW - DAY
    with pytest.raises(CertificateIssueError):
        pki.build_crl(env.issuing, [], crl_number=9, this_update=NOW, next_update=NOW - DAY)


def test_pkcs12_round_trip(env: Pki) -> None:
    cred = env.official
    password = "mật khẩu"  # non-ASCII, given as str: encoded as UTF-8
    blob = pkcs12.serialize_key_and_certificates(
        b"an",
        cred.private_key,
        cred.certificate,
        [env.issuing.certificate],
        serialization.BestAvailableEncryption(password.encode("utf-8")),
    )
    imported = pki.load_pkcs12(blob, password)
    assert imported.certificate == cred.certificate
    assert pki.key_matches_certificate(imported.certificate, imported.private_key)
    assert imported.chain == (env.issuing.certificate,)
    with pytest.raises(Pkcs12PasswordError):
        pki.load_pkcs12(blob, "wrong")
    with pytest.raises(Pkcs12PasswordError):
        pki.load_pkcs12(blob, None)


def test_pkcs12_made_by_openssl_imports(env: Pki, tmp_path: Path, openssl: str) -> None:
    cred = env.official2
    (tmp_path / "key.pem").write_bytes(
        cred.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "cert.pem").write_bytes(cred.certificate.public_bytes(serialization.Encoding.PEM))
    subprocess.run(
        [
            openssl, "pkcs12", "-export", "-inkey", str(tmp_path / "key.pem"),
            "-in", str(tmp_path / "cert.pem"), "-out", str(tmp_path / "x.p12"),
            "-passout", "pass:135792",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    imported = pki.load_pkcs12((tmp_path / "x.p12").read_bytes(), b"135792")
    assert imported.certificate == cred.certificate


def test_pkcs12_garbage_and_incomplete_files(env: Pki) -> None:
    for junk in (b"", b"not a pkcs12 file", b"\x30\x82\x01\x00" + b"\x00" * 10):
        with pytest.raises(Pkcs12Error) as info:
            pki.load_pkcs12(junk, "x")
        assert not isinstance(info.value, Pkcs12PasswordError)
    cert_only = pkcs12.serialize_key_and_certificates(
        b"c", None, None, [env.official.certificate], serialization.BestAvailableEncryption(b"pw")
    )
    with pytest.raises(Pkcs12Error, match="both"):
        pki.load_pkcs12(cert_only, "pw")


def test_pem_chain_round_trip_and_fingerprint(env: Pki) -> None:
    pem = pki.chain_to_pem(env.chain)
    assert pki.load_pem_chain(pem) == list(env.chain)
    with pytest.raises(ValueError):
        pki.load_pem_chain(b"")
    fingerprint = pki.fingerprint_sha256(env.root.certificate)
    assert fingerprint == env.root.certificate.fingerprint(hashes.SHA256()).hex(":").upper()
    assert len(fingerprint) == 95
