"""The organisation's CAs as stored records: set-up, certificates, revocation, CRLs, trust store.

No Flask; callers pass the session and ``SigningSettings`` and commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Role, User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from signing import keys, pki
from signing.errors import (
    CertificateIssueError,
    DuplicateKey,
    InvalidSigningRequest,
    PkiNotReady,
    SigningRecordNotFound,
    WeakPassphrase,
    WeakPin,
)
from signing.models import (
    CaKind,
    Certificate,
    CertificateAuthorityRecord,
    CertRole,
    CrlRecord,
    SigningKeyRecord,
    TrustedCertificate,
    TrustKind,
)
from signing.settings import SigningSettings

ROOT_NAME = "VanThu Root CA"
ISSUING_NAME = "VanThu Issuing CA"
#: Reasons an administrator may give (RFC 5280 CRLReason names).
REVOCATION_REASONS = (
    x509.ReasonFlags.key_compromise,
    x509.ReasonFlags.affiliation_changed,
    x509.ReasonFlags.superseded,
    x509.ReasonFlags.cessation_of_operation,
    x509.ReasonFlags.privilege_withdrawn,
    x509.ReasonFlags.unspecified,
)


def issuing_record(session: Session) -> CertificateAuthorityRecord | None:
    """The active issuing CA: it certifies officials and the seal and signs the CRL."""
    return _ca(session, CaKind.ISSUING)


def root_record(session: Session) -> CertificateAuthorityRecord | None:
    return _ca(session, CaKind.ROOT)


def _ca(session: Session, kind: CaKind) -> CertificateAuthorityRecord | None:
    return session.scalar(
        sa.select(CertificateAuthorityRecord)
        .where(CertificateAuthorityRecord.kind == kind, CertificateAuthorityRecord.active)
        .order_by(CertificateAuthorityRecord.id.desc())
        .limit(1)
    )


def require_issuing(session: Session) -> CertificateAuthorityRecord:
    record = issuing_record(session)
    if record is None:
        raise PkiNotReady(
            N_("The organisation's certificate authority is not set up yet (vanthu pki init).")
        )
    return record


def load_certificate(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def ca_chain(session: Session) -> list[x509.Certificate]:
    """The issuing CA then the root: the chain every certificate issued here needs."""
    issuing = require_issuing(session)
    root = root_record(session)
    chain = [load_certificate(issuing.certificate_der)]
    if root is not None:
        chain.append(load_certificate(root.certificate_der))
    return chain


def load_issuing_ca(session: Session, settings: SigningSettings) -> pki.CertificateAuthority:
    """The issuing CA with its key opened by the server's CA passphrase."""
    record = require_issuing(session)
    try:
        key = keys.decrypt_ca_key(record.key_blob, settings.ca_passphrase)
    except keys.PinError:
        raise PkiNotReady(
            N_("The CA passphrase configured on this server does not open the issuing CA's key.")
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiNotReady(N_("The issuing CA's key is not an EC key."))
    chain = ca_chain(session)
    return pki.CertificateAuthority(chain[0], key, tuple(chain[1:]))


# --- set-up --------------------------------------------------------------------------------------


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
    start = _second(now)
    root = pki.create_root_ca(ROOT_NAME, _organisation(settings), not_before=start)
    issuing = pki.create_issuing_ca(root, ISSUING_NAME, _organisation(settings), not_before=start)
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


def keys_pin_policy(pin: str) -> None:
    """The library's PIN policy, with a message in the catalogue."""
    try:
        keys.check_pin_policy(pin)
    except WeakPin:
        raise WeakPin(
            N_(
                "The signing PIN must have %(min)d to %(max)d digits and must not be one "
                "repeated digit or a run such as 123456."
            ),
            min=keys.MIN_PIN_LENGTH,
            max=keys.MAX_PIN_LENGTH,
        ) from None


def _organisation(settings: SigningSettings) -> str:
    return settings.organisation[:64]


def _second(now: dt.datetime | None) -> dt.datetime:
    return (now or utcnow()).astimezone(dt.UTC).replace(microsecond=0)


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


# --- certificates --------------------------------------------------------------------------------


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
        organisation=_organisation(settings),
        validity_days=settings.seal_validity_days,
        not_before=_second(now),
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
            organisation=_organisation(settings),
            validity_days=settings.official_validity_days,
            not_before=_second(now),
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
    moment = _second(exact) + (dt.timedelta(seconds=1) if exact.microsecond else dt.timedelta())
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


# --- CRLs ----------------------------------------------------------------------------------------


def latest_crl(session: Session, issuer_fingerprint: str) -> CrlRecord | None:
    return session.scalar(
        sa.select(CrlRecord)
        .where(CrlRecord.issuer == issuer_fingerprint)
        .order_by(CrlRecord.number.desc())
        .limit(1)
    )


def current_crl(
    session: Session, settings: SigningSettings, *, now: dt.datetime | None = None
) -> CrlRecord:
    """The issuing CA's newest CRL, re-signed first when it is close to its next update."""
    issuing = require_issuing(session)
    record = latest_crl(session, issuing.fingerprint)
    moment = now or utcnow()
    if record is None or record.next_update - moment < settings.crl_refresh_margin:
        return refresh_crl(session, settings, now=now)
    return record


def refresh_crl(
    session: Session,
    settings: SigningSettings,
    *,
    now: dt.datetime | None = None,
    _ca: pki.CertificateAuthority | None = None,
) -> CrlRecord:
    """Sign and store a complete CRL with the next CRL number (RFC 5280: numbers only grow).

    Two processes refreshing at once both try the same number; the loser takes the winner's.
    """
    issuing = require_issuing(session)
    ca = _ca or load_issuing_ca(session, settings)
    revoked = session.scalars(
        sa.select(Certificate).where(
            Certificate.issuer_ca_id == issuing.id, Certificate.revoked_at.is_not(None)
        )
    )
    entries = [
        pki.Revocation(
            int(cert.serial, 16),
            cert.revoked_at,
            x509.ReasonFlags(cert.revocation_reason) if cert.revocation_reason else None,
        )
        for cert in revoked
        if cert.revoked_at is not None
    ]
    previous = latest_crl(session, issuing.fingerprint)
    number = (previous.number + 1) if previous else 1
    moment = _second(now)
    crl = pki.build_crl(ca, entries, crl_number=number, this_update=moment)
    record = CrlRecord(
        issuer=issuing.fingerprint,
        number=number,
        der=crl.public_bytes(Encoding.DER),
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc or moment,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        winner = latest_crl(session, issuing.fingerprint)
        if winner is None:
            raise
        return winner
    record_event(
        session,
        "signing:crl:publish",
        actor=None,
        subject={"issuer": issuing.fingerprint},
        details={"number": number, "revoked": len(entries)},
    )
    return record


# --- trust store ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustMaterial:
    """What a verifier needs: trusted roots, intermediates, CRLs; ``bundle_chain`` for exports."""

    roots: list[x509.Certificate]
    intermediates: list[x509.Certificate]
    crls: list[x509.CertificateRevocationList]
    own_chain: list[x509.Certificate]
    own_crl: x509.CertificateRevocationList


def trust_material(
    session: Session, settings: SigningSettings, *, now: dt.datetime | None = None
) -> TrustMaterial:
    """The organisation's root and issuing CAs, the extra trusted roots, and the fresh CRLs."""
    cas = list(session.scalars(sa.select(CertificateAuthorityRecord)))
    roots = [load_certificate(r.certificate_der) for r in cas if r.kind is CaKind.ROOT]
    intermediates = [load_certificate(r.certificate_der) for r in cas if r.kind is CaKind.ISSUING]
    for extra in session.scalars(sa.select(TrustedCertificate).order_by(TrustedCertificate.id)):
        target = roots if extra.kind is TrustKind.ROOT else intermediates
        target.append(load_certificate(extra.certificate_der))
    own = current_crl(session, settings, now=now)
    crls = [x509.load_der_x509_crl(own.der)]
    imported = session.scalars(sa.select(CrlRecord).where(CrlRecord.imported))
    crls += [x509.load_der_x509_crl(r.der) for r in imported]
    if not roots:
        raise PkiNotReady(N_("No trusted root certificate is configured."))
    return TrustMaterial(roots, intermediates, crls, ca_chain(session), crls[0])


def add_trusted(
    session: Session, pem: bytes, *, actor: User | None, kind: TrustKind | None = None
) -> list[TrustedCertificate]:
    """Add certificates from a PEM file: self-signed ones as roots, others as intermediates."""
    try:
        certs = pki.load_pem_chain(pem)
    except ValueError:
        raise InvalidSigningRequest(N_("The file holds no PEM certificate.")) from None
    added = []
    for cert in certs:
        fingerprint = pki.fingerprint_sha256(cert)
        known = session.scalar(
            sa.select(TrustedCertificate.id).where(TrustedCertificate.fingerprint == fingerprint)
        )
        if known is not None:
            continue
        chosen = kind or (TrustKind.ROOT if pki.is_self_signed(cert) else TrustKind.INTERMEDIATE)
        if chosen is TrustKind.ROOT and not pki.is_self_signed(cert):
            raise InvalidSigningRequest(N_("A trust root must be a self-signed CA certificate."))
        record = TrustedCertificate(
            kind=chosen,
            subject=pki.name_text(cert.subject)[:500],
            fingerprint=fingerprint,
            certificate_der=cert.public_bytes(Encoding.DER),
            added_by_id=actor.id if actor else None,
        )
        session.add(record)
        session.flush()
        added.append(record)
        record_event(
            session,
            "signing:trust:add",
            actor=actor,
            subject={"certificate": fingerprint},
            details={"kind": chosen.value},
        )
    return added


def import_crl(session: Session, der: bytes, *, actor: User | None) -> CrlRecord:
    """Store a CRL published by an outside CA we trust, checked against that CA's key."""
    try:
        crl = x509.load_der_x509_crl(der)
    except ValueError:
        raise InvalidSigningRequest(N_("The file is not a DER-encoded CRL.")) from None
    candidates = [
        load_certificate(r.certificate_der) for r in session.scalars(sa.select(TrustedCertificate))
    ]
    issuer = next(
        (
            c
            for c in candidates
            if c.subject == crl.issuer and crl.is_signature_valid(c.public_key())  # type: ignore[arg-type]
        ),
        None,
    )
    if issuer is None:
        raise InvalidSigningRequest(N_("The CRL is not signed by a CA in the trust store."))
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        number = int(crl.last_update_utc.timestamp())
    record = CrlRecord(
        issuer=pki.fingerprint_sha256(issuer),
        number=number,
        der=der,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc or crl.last_update_utc,
        imported=True,
    )
    session.add(record)
    session.flush()
    record_event(
        session,
        "signing:crl:import",
        actor=actor,
        subject={"issuer": record.issuer},
        details={"number": number},
    )
    return record
