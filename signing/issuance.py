"""Setting up the organisation's CAs, the certificates they issue, and revoking them.

No Flask; callers pass the session and ``SigningSettings`` and commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from accounts.models import Role, User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from signing import keys
from signing.authority import (
    ISSUING_NAME,
    ROOT_NAME,
    issuing_record,
    keys_pin_policy,
    load_issuing_ca,
    organisation_name,
    refresh_crl,
    require_issuing,
    whole_second,
)
from signing.crypto import pki
from signing.errors import (
    CertificateIssueError,
    DuplicateKey,
    InvalidSigningRequest,
    PkiNotReady,
    SigningRecordNotFound,
    WeakPassphrase,
)
from signing.models import (
    CaKind,
    Certificate,
    CertificateAuthorityRecord,
    CertRole,
    CrlRecord,
    SigningKeyRecord,
)
from signing.settings import SigningSettings

#: Reasons an administrator may give (RFC 5280 CRLReason names).
REVOCATION_REASONS = (
    x509.ReasonFlags.key_compromise,
    x509.ReasonFlags.affiliation_changed,
    x509.ReasonFlags.superseded,
    x509.ReasonFlags.cessation_of_operation,
    x509.ReasonFlags.privilege_withdrawn,
    x509.ReasonFlags.unspecified,
)


def public_key_sha256(cert: x509.Certificate) -> str:
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def _attribute(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    value = values[0].value if values else ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def store_certificate(
    session: Session,
    cert: x509.Certificate,
    role: CertRole,
    key_blob: bytes,
    *,
    user: User | None,
    created_by: User | None,
    issuer: CertificateAuthorityRecord | None,
    chain: Iterable[x509.Certificate] = (),
) -> Certificate:
    """Record a certificate and its encrypted key; a public key already certified is refused."""
    spki = public_key_sha256(cert)
    if session.scalar(sa.select(Certificate.id).where(Certificate.public_key_sha256 == spki)):
        raise DuplicateKey(N_("This key already has a certificate; a key is certified only once."))
    record = Certificate(
        serial=format(cert.serial_number, "X"),
        role=role,
        user_id=user.id if user else None,
        issuer_ca_id=issuer.id if issuer else None,
        subject=pki.name_text(cert.subject)[:500],
        common_name=_attribute(cert, NameOID.COMMON_NAME)[:255],
        title=_attribute(cert, NameOID.TITLE)[:255],
        fingerprint=pki.fingerprint_sha256(cert),
        public_key_sha256=spki,
        certificate_der=cert.public_bytes(Encoding.DER),
        chain_pem=pki.chain_to_pem(chain).decode("ascii"),
        imported=issuer is None,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        created_by_id=created_by.id if created_by else None,
    )
    session.add(record)
    session.flush()
    session.add(SigningKeyRecord(certificate_id=record.id, key_blob=key_blob))
    session.flush()
    return record


def issue_seal(
    session: Session,
    settings: SigningSettings,
    pin: str,
    *,
    actor: User | None,
    now: dt.datetime | None = None,
    _ca: pki.CertificateAuthority | None = None,
) -> Certificate:
    """A new organisation-seal key and certificate; the key is encrypted under the seal PIN."""
    keys_pin_policy(pin)
    ca = _ca or load_issuing_ca(session, settings)
    key = keys.generate_signing_key()
    cert = pki.issue_seal_certificate(
        ca,
        key.public_key(),
        organisation=organisation_name(settings),
        validity_days=settings.seal_validity_days,
        not_before=whole_second(now),
    )
    blob = keys.encrypt_private_key(key, pin, rounds=settings.kdf_rounds, pepper=settings.pepper)
    record = store_certificate(
        session,
        cert,
        CertRole.SEAL,
        blob,
        user=None,
        created_by=actor,
        issuer=require_issuing(session),
    )
    record_event(
        session,
        "signing:certificate:issue",
        actor=actor,
        subject={"certificate": record.serial},
        details={"role": "seal"},
    )
    return record


def issue_official(
    session: Session,
    settings: SigningSettings,
    user: User,
    pin: str,
    *,
    actor: User | None,
    now: dt.datetime | None = None,
) -> Certificate:
    """A fresh key for ``user``, certified by the issuing CA, encrypted under their PIN.

    The key is generated here and exists unencrypted only in this process's memory.
    """
    if not user.active or not user.has_role(Role.OFFICIAL):
        raise InvalidSigningRequest(N_("Only an active official can hold a signing certificate."))
    keys_pin_policy(pin)
    ca = load_issuing_ca(session, settings)
    key = keys.generate_signing_key()
    try:
        cert = pki.issue_official_certificate(
            ca,
            key.public_key(),
            full_name=user.full_name,
            title=user.title,
            unit=user.unit.name,
            organisation=organisation_name(settings),
            validity_days=settings.official_validity_days,
            not_before=whole_second(now),
        )
    except CertificateIssueError:
        raise InvalidSigningRequest(
            N_(
                "The official's full name, title and unit must each have 1 to 64 characters to "
                "go into a certificate; correct the account first."
            )
        ) from None
    blob = keys.encrypt_private_key(key, pin, rounds=settings.kdf_rounds, pepper=settings.pepper)
    record = store_certificate(
        session,
        cert,
        CertRole.OFFICIAL,
        blob,
        user=user,
        created_by=actor,
        issuer=require_issuing(session),
    )
    record_event(
        session,
        "signing:certificate:issue",
        actor=actor,
        subject={"certificate": record.serial, "user": user.id},
        details={"role": "official"},
    )
    return record


def certificate_by_serial(session: Session, serial: str) -> Certificate:
    record = session.scalar(
        sa.select(Certificate).where(Certificate.serial == serial.strip().upper().lstrip("0"))
    )
    if record is None:
        raise SigningRecordNotFound(N_("No certificate has this serial number."))
    return record


def revoke(
    session: Session,
    settings: SigningSettings,
    certificate: Certificate,
    reason: x509.ReasonFlags,
    *,
    actor: User | None,
    now: dt.datetime | None = None,
) -> CrlRecord | None:
    """Revoke a certificate and publish a new CRL at once (for certificates issued here)."""
    if reason not in REVOCATION_REASONS:
        raise InvalidSigningRequest(N_("Choose a reason for the revocation."))
    if certificate.revoked_at is not None:
        raise InvalidSigningRequest(N_("This certificate is already revoked."))
    # Rounded up: CMS signing times are whole seconds (rounded down), so a signature made
    # earlier in the same second is not mistaken for one made after the revocation.
    exact = (now or utcnow()).astimezone(dt.UTC)
    moment = whole_second(exact) + (
        dt.timedelta(seconds=1) if exact.microsecond else dt.timedelta()
    )
    certificate.revoked_at = moment
    certificate.revocation_reason = reason.value
    certificate.revoked_by_id = actor.id if actor else None
    session.flush()
    record_event(
        session,
        "signing:certificate:revoke",
        actor=actor,
        subject={"certificate": certificate.serial},
        details={"reason": reason.value, "role": certificate.role.value},
    )
    if certificate.issuer_ca_id is None:
        return None
    return refresh_crl(session, settings, now=now)


@dataclass(frozen=True)
class PkiSetup:
    root: CertificateAuthorityRecord
    issuing: CertificateAuthorityRecord
    seal: Certificate


def init_pki(
    session: Session,
    settings: SigningSettings,
    *,
    root_passphrase: str,
    seal_pin: str,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> PkiSetup:
    """Create the root CA, the issuing CA, the seal certificate and the first CRL, once.

    The root key is encrypted under ``root_passphrase``, which is not kept: it is needed again
    only to create a new issuing CA. The issuing key uses the server's CA passphrase so CRLs can
    be re-signed unattended; the seal key uses the clerks' seal PIN.
    """
    if issuing_record(session) is not None:
        raise PkiNotReady(N_("The organisation's certificate authority already exists."))
    _check_passphrase(root_passphrase)
    _check_passphrase(settings.ca_passphrase)
    keys_pin_policy(seal_pin)
    start = whole_second(now)
    root = pki.create_root_ca(ROOT_NAME, organisation_name(settings), not_before=start)
    issuing = pki.create_issuing_ca(
        root, ISSUING_NAME, organisation_name(settings), not_before=start
    )
    root_row = _store_ca(session, CaKind.ROOT, root, root_passphrase, settings.kdf_rounds)
    issuing_row = _store_ca(
        session, CaKind.ISSUING, issuing, settings.ca_passphrase, settings.kdf_rounds
    )
    session.flush()
    seal = issue_seal(session, settings, seal_pin, actor=actor, now=start, _ca=issuing)
    refresh_crl(session, settings, now=start, _ca=issuing)
    record_event(
        session,
        "signing:pki:init",
        actor=actor,
        subject={"root": root_row.fingerprint, "issuing": issuing_row.fingerprint},
        details={"seal_serial": seal.serial},
    )
    return PkiSetup(root_row, issuing_row, seal)


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < keys.MIN_PASSPHRASE_LENGTH:
        raise WeakPassphrase(
            N_("A CA passphrase needs at least %(min)d characters."),
            min=keys.MIN_PASSPHRASE_LENGTH,
        )


def _store_ca(
    session: Session,
    kind: CaKind,
    ca: pki.CertificateAuthority,
    passphrase: str,
    rounds: int,
) -> CertificateAuthorityRecord:
    cert = ca.certificate
    record = CertificateAuthorityRecord(
        kind=kind,
        subject=pki.name_text(cert.subject)[:255],
        fingerprint=pki.fingerprint_sha256(cert),
        certificate_der=cert.public_bytes(Encoding.DER),
        key_blob=keys.encrypt_ca_key(ca.private_key, passphrase, rounds=rounds),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )
    session.add(record)
    return record
