"""The organisation's CAs as stored records: set-up with the root passphrase, and their CRLs.

No Flask; callers pass the session and ``SigningSettings`` and commit.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from audit import record_event
from core.db import utcnow
from core.errors import N_
from signing import keys
from signing.crypto import pki
from signing.errors import (
    PkiNotReady,
    WeakPin,
)
from signing.models import (
    CaKind,
    Certificate,
    CertificateAuthorityRecord,
    CrlRecord,
)
from signing.settings import SigningSettings

ROOT_NAME = "VanThu Root CA"
ISSUING_NAME = "VanThu Issuing CA"


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


def organisation_name(settings: SigningSettings) -> str:
    return settings.organisation[:64]


def whole_second(now: dt.datetime | None) -> dt.datetime:
    return (now or utcnow()).astimezone(dt.UTC).replace(microsecond=0)


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
    moment = whole_second(now)
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
