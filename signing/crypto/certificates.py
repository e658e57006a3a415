"""Certificates as verification sees them: parsing, signing policy, paths, CRLs and revocation.

Hostile certificates and CRLs are treated as absent; every refusal raises ``Failure``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification
from cryptography.x509.oid import NameOID

from signing.crypto.cms import ParsedSignature
from signing.crypto.pki import (
    EKU_DOCUMENT_SIGNING,
    Role,
    certificate_role,
    fingerprint_sha256,
    name_text,
)
from signing.crypto.reports import Failure, SubIndication, iso

_COMPROMISE = frozenset(
    {
        x509.ReasonFlags.key_compromise,
        x509.ReasonFlags.ca_compromise,
        x509.ReasonFlags.aa_compromise,
    }
)

# What parsing a hostile certificate can raise; such a certificate is treated as absent.
_CERT_ERRORS = (
    ValueError,
    TypeError,
    UnicodeDecodeError,
    UnsupportedAlgorithm,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


@dataclass(frozen=True)
class CertInfo:
    """A parsed certificate with what signer matching and reporting need."""

    cert: x509.Certificate
    fingerprint: str
    issuer: asn1_x509.Name
    serial: int
    ski: bytes | None
    role: Role
    name: str
    subject: str
    public_key: object

    def identified_by(self, parsed: ParsedSignature) -> bool:
        """Whether the signer id names this certificate: exact DER, then RFC 5280 matching."""
        if parsed.sid_key_identifier is not None:
            return self.ski == parsed.sid_key_identifier
        if parsed.sid_issuer is None or self.serial != parsed.sid_serial:
            return False
        if self.issuer.dump() == parsed.sid_issuer:
            return True
        try:  # same name, different string encoding: compare as RFC 5280 prescribes
            return bool(self.issuer == asn1_x509.Name.load(parsed.sid_issuer))
        except (ValueError, TypeError, KeyError, UnicodeDecodeError):
            return False


def common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else name_text(cert.subject)
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def load_cert(der: bytes) -> CertInfo | None:
    """None for anything cryptography or RFC 5280 would refuse, e.g. a non-positive serial."""
    try:
        tbs = asn1_x509.Certificate.load(der, strict=True)["tbs_certificate"]
        if tbs["serial_number"].native <= 0:  # checked first: cryptography warns, then refuses
            return None
        cert = x509.load_der_x509_certificate(der)
        issuer = tbs["issuer"]
        try:
            ski: bytes | None = cert.extensions.get_extension_for_class(
                x509.SubjectKeyIdentifier
            ).value.digest
        except x509.ExtensionNotFound:
            ski = None
        try:
            public_key: object = cert.public_key()
        except UnsupportedAlgorithm:
            public_key = None
        return CertInfo(
            cert=cert,
            fingerprint=fingerprint_sha256(cert),
            issuer=issuer,
            serial=cert.serial_number,
            ski=ski,
            role=certificate_role(cert),
            name=common_name(cert),
            subject=name_text(cert.subject),
            public_key=public_key,
        )
    except _CERT_ERRORS:
        return None


def _require_document_signing(_policy: Any, _cert: x509.Certificate, ext: Any) -> None:
    if EKU_DOCUMENT_SIGNING not in ext:
        raise ValueError("the certificate lacks the documentSigning extended key usage")


def _require_signing_usage(_policy: Any, _cert: x509.Certificate, ext: Any) -> None:
    if ext.key_cert_sign or not (ext.digital_signature or ext.content_commitment):
        raise ValueError("the key usage does not allow signing documents")


def _forbid_ca(_policy: Any, _cert: x509.Certificate, ext: Any) -> None:
    if ext is not None and ext.ca:
        raise ValueError("a CA certificate cannot sign documents")


_AGNOSTIC = verification.Criticality.AGNOSTIC
CA_POLICY = verification.ExtensionPolicy.webpki_defaults_ca()
EE_POLICY = (
    verification.ExtensionPolicy.permit_all()
    .require_present(x509.ExtendedKeyUsage, _AGNOSTIC, _require_document_signing)
    .require_present(x509.KeyUsage, _AGNOSTIC, _require_signing_usage)
    .may_be_present(x509.BasicConstraints, _AGNOSTIC, _forbid_ca)
)
VERIFIER_NOISE = re.compile(
    r"^validation failed: |\s*\(encountered processing <.*\)$"
    r"|Python extension validator failed: ValueError: "
)


def _revocation_time(entry: x509.RevokedCertificate) -> dt.datetime:
    """The revocation date, or the invalidity date when the CA knows the key failed earlier."""
    when = entry.revocation_date_utc
    try:
        ext = entry.extensions.get_extension_for_class(x509.InvalidityDate)
    except x509.ExtensionNotFound:
        return when
    return min(when, ext.value.invalidity_date_utc)


def _reason(entry: x509.RevokedCertificate) -> x509.ReasonFlags | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return None


def crl_usable(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    """A complete CRL, signed by the issuer, which is allowed to sign CRLs."""
    if any(ext.critical for ext in crl.extensions):  # delta or partitioned CRLs: not handled
        return False
    try:
        usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.crl_sign:
            return False
    except x509.ExtensionNotFound:
        pass
    key = issuer.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return False
    return crl.is_signature_valid(key)


@dataclass(frozen=True)
class Chain:
    """A validated path, leaf first, with what later signatures re-check read out once.

    ``links`` pairs each non-root certificate's serial with its issuer's CRL (None if absent).
    """

    anchor: str
    windows: tuple[tuple[dt.datetime, dt.datetime], ...]
    links: tuple[tuple[int, CheckedCrl | None], ...]

    def valid_at(self, when: dt.datetime) -> bool:
        """Validity at ``when`` is the one path-validation input that differs per signature."""
        return all(start <= when <= end for start, end in self.windows)


@dataclass(frozen=True)
class CheckedCrl:
    """A CRL already checked against its issuer: serial -> (effective revocation time, reason)."""

    next_update: dt.datetime | None
    revoked: dict[int, tuple[dt.datetime, x509.ReasonFlags | None]]

    @classmethod
    def of(cls, crl: x509.CertificateRevocationList) -> CheckedCrl:
        """Read every entry now, so a malformed one makes the whole CRL unusable up front."""
        entries = {e.serial_number: (_revocation_time(e), _reason(e)) for e in crl}
        return cls(crl.next_update_utc, entries)


def judge_revocation(
    revoked: dt.datetime,
    reason: x509.ReasonFlags | None,
    when: dt.datetime,
    depth: int,
    warnings: list[str],
) -> None:
    """Revoked before signing fails; after signing passes with a warning unless the key leaked.

    The signing time is claimed by the signer, so after a key compromise it proves nothing.
    """
    who = "The signer's certificate" if depth == 0 else "A CA certificate in the chain"
    said = f"{who} was revoked at {iso(revoked)} ({reason.value if reason else 'unspecified'})"
    if revoked <= when:
        raise Failure(SubIndication.REVOKED, f"{said}, before the signing time {iso(when)}.")
    if reason in _COMPROMISE:
        raise Failure(
            SubIndication.REVOKED_NO_POE,
            f"{said} for compromise; without a trusted timestamp the claimed signing time "
            f"{iso(when)} cannot show the signature predates it.",
        )
    warnings.append(f"{said}, after the signing time {iso(when)}.")


def check_validity(cert: x509.Certificate, when: dt.datetime, what: str) -> None:
    if when < cert.not_valid_before_utc:
        raise Failure(
            SubIndication.NOT_YET_VALID,
            f"The {what} only became valid at {iso(cert.not_valid_before_utc)}, "
            f"after the signing time {iso(when)}.",
        )
    if when > cert.not_valid_after_utc:
        raise Failure(
            SubIndication.EXPIRED,
            f"The {what} expired at {iso(cert.not_valid_after_utc)}, before the signing time "
            f"{iso(when)}.",
        )


def find_path(
    leaf: x509.Certificate, pool: Sequence[x509.Certificate], roots: set[str]
) -> list[x509.Certificate] | None:
    """Any issuer path from leaf to a trusted root by names and signatures; diagnosis only."""

    def issued(child: x509.Certificate, parent: x509.Certificate) -> bool:
        try:
            child.verify_directly_issued_by(parent)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            return False
        return True

    def walk(path: list[x509.Certificate]) -> list[x509.Certificate] | None:
        cert = path[-1]
        if fingerprint_sha256(cert) in roots:
            return path
        if len(path) > 8:
            return None
        for parent in pool:
            if parent.subject == cert.issuer and parent not in path and issued(cert, parent):
                found = walk([*path, parent])
                if found is not None:
                    return found
        return None

    return walk([leaf])
