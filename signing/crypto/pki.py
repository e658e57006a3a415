"""The organisation's small PKI: root CA, issuing CA, official and seal certificates, CRLs.

Also imports an external certificate and key from PKCS#12 and serialises chains as PEM.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, pkcs12
from cryptography.x509.oid import NameOID

from signing.errors import CertificateIssueError, Pkcs12Error, Pkcs12PasswordError

# PLACEHOLDER private arc. 32473 is the IANA enterprise number reserved for documentation
# (RFC 5612), so it collides with nobody; before production replace it with the organisation's
# own PEN or the national arc assigned for official-use signatures.
POLICY_ARC = "1.3.6.1.4.1.32473.1"
POLICY_OFFICIAL = x509.ObjectIdentifier(POLICY_ARC + ".1")
POLICY_SEAL = x509.ObjectIdentifier(POLICY_ARC + ".2")
EKU_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
#: NSS, under every Linux PDF reader (poppler's pdfsig, Evince, Okular), checks a PDF signer for
#: the e-mail signing usage and calls a certificate without emailProtection "unknown issue".
#: Our verifier requires documentSigning; emailProtection is only added for those readers.
SIGNER_EKUS = (EKU_DOCUMENT_SIGNING, x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION)

MAX_LEAF_VALIDITY_DAYS = 731  # two years, leap day included
ROOT_VALIDITY_DAYS = 20 * 365
ISSUING_VALIDITY_DAYS = 10 * 365
CRL_VALIDITY = dt.timedelta(days=7)

SigningKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
SigningPublicKey: TypeAlias = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

_CURVES: dict[str, ec.EllipticCurve] = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}
_LEAF_CURVES = ("secp256r1", "secp384r1", "secp521r1")


class Role(StrEnum):
    """What a certificate may sign for, read from its certificate policies."""

    OFFICIAL = "official"
    SEAL = "seal"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA certificate with its key; ``issuer_chain`` runs from its issuer up to the root."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    issuer_chain: tuple[x509.Certificate, ...] = ()

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """This CA then its issuers: what a verifier needs besides the leaf."""
        return (self.certificate, *self.issuer_chain)


@dataclass(frozen=True)
class Credential:
    """A signing certificate, its private key, and the CA certificates that came with it."""

    certificate: x509.Certificate
    private_key: SigningKey = field(repr=False)
    chain: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True)
class Revocation:
    """One CRL entry; ``invalidity_date`` is when the key is known compromised, if earlier."""

    serial_number: int
    revoked_at: dt.datetime
    reason: x509.ReasonFlags | None = None
    invalidity_date: dt.datetime | None = None


def _utc(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    if value.tzinfo is None:
        raise CertificateIssueError("Times must carry a time zone.")
    return value.astimezone(dt.UTC)


def _text(label: str, value: str | None) -> str:
    """NFC-normalise and bound (X.520: 64) a name attribute so a name always encodes alike."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if not text or len(text) > 64 or any(unicodedata.category(ch) == "Cc" for ch in text):
        raise CertificateIssueError(f"{label} must be 1 to 64 printable characters.", field=label)
    return text


def _hash_for(key: ec.EllipticCurvePrivateKey) -> hashes.SHA256 | hashes.SHA384:
    return hashes.SHA384() if key.curve.key_size >= 384 else hashes.SHA256()


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _signing_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _ca_name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _text("organisation", organisation)),
            x509.NameAttribute(NameOID.COMMON_NAME, _text("common_name", common_name)),
        ]
    )


def create_root_ca(
    common_name: str,
    organisation: str,
    *,
    validity_days: int = ROOT_VALIDITY_DAYS,
    not_before: dt.datetime | None = None,
) -> CertificateAuthority:
    """Create a self-signed P-384 root; the caller encrypts the key and keeps it offline."""
    start = _utc(not_before)
    key = ec.generate_private_key(ec.SECP384R1())
    name = _ca_name(common_name, organisation)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=validity_days))
        # pathlen 1: exactly one issuing CA tier below the root.
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )
    return CertificateAuthority(cert, key)


def _issuer_extensions(
    builder: x509.CertificateBuilder, ca: CertificateAuthority
) -> x509.CertificateBuilder:
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return builder.issuer_name(ca.certificate.subject).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
    )


def _window(
    ca: CertificateAuthority, not_before: dt.datetime | None, validity_days: int
) -> tuple[dt.datetime, dt.datetime]:
    """Keep a certificate inside its issuer's lifetime: outliving its CA fails validation later."""
    start = _utc(not_before)
    end = start + dt.timedelta(days=validity_days)
    if start < ca.certificate.not_valid_before_utc or end > ca.certificate.not_valid_after_utc:
        raise CertificateIssueError("The requested validity falls outside the CA's own validity.")
    return start, end


def create_issuing_ca(
    root: CertificateAuthority,
    common_name: str,
    organisation: str,
    *,
    curve: str = "P-384",
    validity_days: int = ISSUING_VALIDITY_DAYS,
    not_before: dt.datetime | None = None,
) -> CertificateAuthority:
    """Create the CA issuing officials' and the seal's certificates and signing CRLs (pathlen 0)."""
    if curve not in _CURVES:
        raise CertificateIssueError("The issuing CA curve must be P-256 or P-384.", curve=curve)
    start, end = _window(root, not_before, validity_days)
    key = ec.generate_private_key(_CURVES[curve])
    builder = (
        x509.CertificateBuilder()
        .subject_name(_ca_name(common_name, organisation))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    cert = _issuer_extensions(builder, root).sign(root.private_key, _hash_for(root.private_key))
    return CertificateAuthority(cert, key, root.chain)


def _check_leaf_key(public_key: object) -> SigningPublicKey:
    """Accept only keys our CMS signer and verifier handle, at strengths still considered sound."""
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name in _LEAF_CURVES:
        return public_key
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size >= 2048:
        return public_key
    raise CertificateIssueError("The key must be EC P-256/P-384/P-521 or RSA of 2048+ bits.")


def _issue_leaf(
    ca: CertificateAuthority,
    public_key: object,
    subject: x509.Name,
    policy: x509.ObjectIdentifier,
    *,
    validity_days: int,
    not_before: dt.datetime | None,
    extended_key_usages: Sequence[x509.ObjectIdentifier],
) -> x509.Certificate:
    if not 1 <= validity_days <= MAX_LEAF_VALIDITY_DAYS:
        raise CertificateIssueError("A signing certificate is valid for at most two years.")
    if not extended_key_usages:
        raise CertificateIssueError("At least one extended key usage is required.")
    key = _check_leaf_key(public_key)
    start, end = _window(ca, not_before, validity_days)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_signing_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(extended_key_usages)), critical=False)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(policy, None)]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key), critical=False)
    )
    return _issuer_extensions(builder, ca).sign(ca.private_key, _hash_for(ca.private_key))


def issue_official_certificate(
    ca: CertificateAuthority,
    public_key: object,
    *,
    full_name: str,
    title: str,
    unit: str,
    organisation: str,
    validity_days: int = 365,
    not_before: dt.datetime | None = None,
    extended_key_usages: Sequence[x509.ObjectIdentifier] = SIGNER_EKUS,
) -> x509.Certificate:
    """Certify an official's key: CN full name, title, OU unit, O organisation, official policy."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _text("organisation", organisation)),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _text("unit", unit)),
            x509.NameAttribute(NameOID.TITLE, _text("title", title)),
            x509.NameAttribute(NameOID.COMMON_NAME, _text("full_name", full_name)),
        ]
    )
    return _issue_leaf(
        ca,
        public_key,
        subject,
        POLICY_OFFICIAL,
        validity_days=validity_days,
        not_before=not_before,
        extended_key_usages=extended_key_usages,
    )


def issue_seal_certificate(
    ca: CertificateAuthority,
    public_key: object,
    *,
    organisation: str,
    unit: str | None = None,
    validity_days: int = 365,
    not_before: dt.datetime | None = None,
) -> x509.Certificate:
    """Certify the organisation's seal key, kept by the clerk: CN = O = organisation."""
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _text("organisation", organisation)),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _text("unit", unit)))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, _text("organisation", organisation)))
    return _issue_leaf(
        ca,
        public_key,
        x509.Name(attributes),
        POLICY_SEAL,
        validity_days=validity_days,
        not_before=not_before,
        extended_key_usages=SIGNER_EKUS,
    )


def build_crl(
    ca: CertificateAuthority,
    revocations: Iterable[Revocation],
    *,
    crl_number: int,
    this_update: dt.datetime | None = None,
    next_update: dt.datetime | None = None,
) -> x509.CertificateRevocationList:
    """Sign a complete CRL; ``crl_number`` must grow with every CRL published (RFC 5280 5.2.3)."""
    if crl_number < 0:
        raise CertificateIssueError("The CRL number cannot be negative.")
    start = _utc(this_update)
    end = _utc(next_update) if next_update is not None else start + CRL_VALIDITY
    if end <= start:
        raise CertificateIssueError("next_update must be after this_update.")
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(start)
        .next_update(end)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    for entry in revocations:
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial_number)
            .revocation_date(_utc(entry.revoked_at))
        )
        if entry.reason is not None:
            revoked = revoked.add_extension(x509.CRLReason(entry.reason), critical=False)
        if entry.invalidity_date is not None:
            when = _utc(entry.invalidity_date).replace(tzinfo=None)
            revoked = revoked.add_extension(x509.InvalidityDate(when), critical=False)
        builder = builder.add_revoked_certificate(revoked.build())
    return builder.sign(ca.private_key, _hash_for(ca.private_key))


def certificate_role(cert: x509.Certificate) -> Role:
    """Read the role from the certificate policies; claiming both roles means neither."""
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except (x509.ExtensionNotFound, x509.DuplicateExtension, ValueError):
        return Role.UNKNOWN
    oids = {info.policy_identifier for info in policies}
    if POLICY_OFFICIAL in oids and POLICY_SEAL not in oids:
        return Role.OFFICIAL
    if POLICY_SEAL in oids and POLICY_OFFICIAL not in oids:
        return Role.SEAL
    return Role.UNKNOWN


def key_matches_certificate(cert: x509.Certificate, key: object) -> bool:
    """True when ``key`` is the private half of the certificate's public key."""
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        return False
    mine = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    theirs = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return mine == theirs


def load_pkcs12(data: bytes, password: bytes | str | None) -> Credential:
    """Import a certificate and key issued elsewhere, telling garbage from a wrong password."""
    try:
        kind = asn1_pkcs12.Pfx.load(bytes(data), strict=True)["auth_safe"]["content_type"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise Pkcs12Error("The file is not a PKCS#12 (.p12/.pfx) file.") from exc
    if kind not in ("data", "signed_data"):
        raise Pkcs12Error("The file is not a PKCS#12 (.p12/.pfx) file.")
    secret = password.encode("utf-8") if isinstance(password, str) else password
    try:
        bundle = pkcs12.load_pkcs12(bytes(data), secret or None)
    except ValueError as exc:
        raise Pkcs12PasswordError("The password does not open this PKCS#12 file.") from exc
    except Exception as exc:  # unsupported algorithms surface as other types
        raise Pkcs12Error("The PKCS#12 file uses an unsupported format or algorithm.") from exc
    if bundle.key is None or bundle.cert is None:
        raise Pkcs12Error("The PKCS#12 file must contain both a private key and its certificate.")
    cert, key = bundle.cert.certificate, bundle.key
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise Pkcs12Error("Only EC and RSA keys can sign documents.")
    if not key_matches_certificate(cert, key):
        raise Pkcs12Error("The private key in the PKCS#12 file does not belong to its certificate.")
    _check_pkcs12_key(cert)
    return Credential(cert, key, tuple(extra.certificate for extra in bundle.additional_certs))


def _check_pkcs12_key(cert: x509.Certificate) -> None:
    try:
        _check_leaf_key(cert.public_key())
    except CertificateIssueError as exc:
        raise Pkcs12Error(exc.message) from exc


def chain_to_pem(certs: Iterable[x509.Certificate]) -> bytes:
    """Concatenate certificates as PEM, leaf-most first, as OpenSSL's -CAfile expects."""
    return b"".join(cert.public_bytes(Encoding.PEM) for cert in certs)


def load_pem_chain(data: bytes) -> list[x509.Certificate]:
    """Parse every certificate in a PEM file; an empty or unreadable file raises ValueError."""
    certs = x509.load_pem_x509_certificates(data)
    if not certs:
        raise ValueError("no certificate found")
    return certs


def name_text(name: x509.Name) -> str:
    """RFC 4514 text with "title" spelled out instead of its bare OID."""
    return name.rfc4514_string({NameOID.TITLE: "title"})


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """The colon-separated SHA-256 fingerprint an auditor compares with the published one."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def is_self_signed(cert: x509.Certificate) -> bool:
    """True for a certificate that names and signs itself, i.e. a candidate root."""
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True
