"""Signing keys in use: enrolment with a PIN, unlocking under the PIN lockout, PIN change, import.

Every wrong PIN is stored before the error is raised; the caller commits it (see views).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from cryptography import x509
from sqlalchemy.orm import Session

from accounts.models import Role, User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from signing import keys
from signing.authority import ca_chain, keys_pin_policy, load_certificate
from signing.crypto import pki
from signing.errors import (
    InvalidSigningRequest,
    NoCertificate,
    PinBlocked,
    PinError,
    PinLocked,
    Pkcs12Error,
    Pkcs12PasswordError,
    PkiNotReady,
)
from signing.issuance import issue_official, store_certificate
from signing.models import (
    Certificate,
    CertRole,
    Enrolment,
    PinFailure,
    SigningKeyRecord,
    TrustKind,
)
from signing.settings import SigningSettings
from signing.trust import add_trusted

T = TypeVar("T")


# --- enrolment -----------------------------------------------------------------------------------


def open_enrolment(session: Session, user: User) -> Enrolment | None:
    return session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.completed_at.is_(None))
        .order_by(Enrolment.id.desc())
        .limit(1)
    )


def authorise_enrolment(session: Session, user: User, *, actor: User | None) -> Enrolment:
    """Let ``user`` create a key and certificate by choosing their own PIN.

    The PIN is chosen by the official, never by the administrator, so nobody else can sign
    with their key; the administrator only decides that they may have one.
    """
    if not user.active or not user.has_role(Role.OFFICIAL):
        raise InvalidSigningRequest(N_("Only an active official can hold a signing certificate."))
    existing = open_enrolment(session, user)
    if existing is not None:
        return existing
    enrolment = Enrolment(user_id=user.id, authorised_by_id=actor.id if actor else None)
    session.add(enrolment)
    session.flush()
    record_event(
        session,
        "signing:enrolment:authorise",
        actor=actor,
        subject={"user": user.id, "enrolment": enrolment.id},
    )
    return enrolment


def complete_enrolment(
    session: Session,
    settings: SigningSettings,
    user: User,
    pin: str,
    *,
    now: dt.datetime | None = None,
) -> Certificate:
    """The official chooses a PIN: the key is generated, encrypted under it and certified."""
    enrolment = open_enrolment(session, user)
    if enrolment is None:
        raise NoCertificate(
            N_("An administrator must first allow you to create a signing certificate.")
        )
    certificate = issue_official(session, settings, user, pin, actor=user, now=now)
    enrolment.completed_at = utcnow()
    enrolment.certificate_id = certificate.id
    return certificate


# --- finding a credential ------------------------------------------------------------------------


def _usable(statement: sa.Select[Any], now: dt.datetime) -> sa.Select[Any]:
    return (
        statement.join(SigningKeyRecord, SigningKeyRecord.certificate_id == Certificate.id)
        .where(
            Certificate.revoked_at.is_(None),
            Certificate.not_before <= now,
            Certificate.not_after >= now,
        )
        .order_by(Certificate.not_before.desc(), Certificate.id.desc())
        .limit(1)
    )


def official_certificate(session: Session, user: User, now: dt.datetime) -> Certificate:
    """The user's newest valid, unrevoked official certificate that has a stored key."""
    statement = sa.select(Certificate).where(
        Certificate.user_id == user.id, Certificate.role == CertRole.OFFICIAL
    )
    found = session.scalar(_usable(statement, now))
    if found is None:
        raise NoCertificate(
            N_("You have no valid signing certificate. Ask the administrator for one.")
        )
    return found


def seal_certificate(session: Session, now: dt.datetime) -> Certificate:
    """The organisation's newest valid, unrevoked seal certificate."""
    found = session.scalar(
        _usable(sa.select(Certificate).where(Certificate.role == CertRole.SEAL), now)
    )
    if found is None:
        raise PkiNotReady(
            N_("The organisation has no valid seal certificate; ask the administrator.")
        )
    return found


def certificates_of(session: Session, user: User) -> list[Certificate]:
    return list(
        session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.created_at.desc())
        )
    )


def chain_for(session: Session, certificate: Certificate) -> list[x509.Certificate]:
    """The CA certificates that go with ``certificate``: ours, or those imported with it."""
    if certificate.imported:
        return pki.load_pem_chain(certificate.chain_pem.encode()) if certificate.chain_pem else []
    return ca_chain(session)


# --- the PIN lockout -----------------------------------------------------------------------------


def pin_failures(session: Session, key: SigningKeyRecord) -> list[dt.datetime]:
    return list(
        session.scalars(
            sa.select(PinFailure.at).where(PinFailure.key_id == key.id).order_by(PinFailure.at)
        )
    )


def pin_status(
    session: Session, settings: SigningSettings, certificate: Certificate, now: dt.datetime
) -> tuple[int | None, dt.datetime | None]:
    """(wrong PINs left before the key is blocked, end of the current lockout) for the form."""
    key = certificate.key
    if key is None:
        return None, None
    failures = pin_failures(session, key)
    policy = settings.pin_attempts
    until = policy.locked_until(failures)
    return policy.remaining_before_block(failures), until if until and until > now else None


def with_pin(
    session: Session,
    settings: SigningSettings,
    certificate: Certificate,
    action: Callable[[bytes], T],
    *,
    actor: User | None,
    now: dt.datetime | None = None,
) -> T:
    """Run ``action(key_blob)`` (which raises ``PinError`` on a wrong PIN) under the lockout.

    The key row is written first, so concurrent attempts on one key wait for each other (a row
    lock on PostgreSQL, the write lock on SQLite) and cannot both slip under the limit.
    """
    key = certificate.key
    if key is None:
        raise NoCertificate(N_("This certificate has no stored key to sign with."))
    moment = now or utcnow()
    session.execute(
        sa.update(SigningKeyRecord)
        .where(SigningKeyRecord.id == key.id)
        .values(last_attempt_at=moment)
        .execution_options(synchronize_session=False)
    )
    failures = pin_failures(session, key)
    _check_lockout(settings.pin_attempts, failures, moment)
    try:
        result = action(key.key_blob)
    except PinError:
        session.add(PinFailure(key_id=key.id, at=moment))
        session.flush()
        failures.append(moment)
        record_event(
            session,
            "signing:pin:fail",
            actor=actor,
            subject={"certificate": certificate.serial},
            details={"failures": len(failures)},
        )
        remaining = settings.pin_attempts.remaining_before_block(failures)
        if remaining == 0:
            raise PinBlocked(
                N_("Wrong PIN. The key is now blocked; ask the administrator to unblock it.")
            ) from None
        raise PinError(
            N_("Wrong signing PIN. %(remaining)s more wrong PINs will block the key."),
            remaining=remaining if remaining is not None else "-",
        ) from None
    if failures:
        session.execute(sa.delete(PinFailure).where(PinFailure.key_id == key.id))
    return result


def _check_lockout(policy: keys.PinAttempts, failures: list[dt.datetime], now: dt.datetime) -> None:
    try:
        policy.check(failures, now)
    except PinBlocked:
        raise PinBlocked(
            N_("Too many wrong PINs: the key is blocked until the administrator unblocks it.")
        ) from None
    except PinLocked as locked:
        raise PinLocked(
            N_("Too many wrong PINs: try again in %(minutes)d minutes."),
            retry_after=locked.retry_after,
            minutes=math.ceil(locked.retry_after / 60),
        ) from None


def unlock(
    session: Session,
    settings: SigningSettings,
    certificate: Certificate,
    pin: str,
    *,
    actor: User | None,
    now: dt.datetime | None = None,
) -> keys.StoredKeySigner:
    """A ``Signer`` for ``certificate`` opened with ``pin``, counted by the lockout."""
    cert = load_certificate(certificate.certificate_der)
    chain = chain_for(session, certificate)
    return with_pin(
        session,
        settings,
        certificate,
        lambda blob: keys.StoredKeySigner.unlock(blob, pin, cert, chain, pepper=settings.pepper),
        actor=actor,
        now=now,
    )


def change_pin(
    session: Session,
    settings: SigningSettings,
    certificate: Certificate,
    old_pin: str,
    new_pin: str,
    *,
    actor: User,
    now: dt.datetime | None = None,
) -> None:
    """Re-encrypt the key under a new PIN; a wrong old PIN counts like any wrong PIN."""
    keys_pin_policy(new_pin)
    key = certificate.key
    if key is None:
        raise NoCertificate(N_("This certificate has no stored key to sign with."))
    key.key_blob = with_pin(
        session,
        settings,
        certificate,
        lambda blob: keys.change_pin(
            blob, old_pin, new_pin, rounds=settings.kdf_rounds, pepper=settings.pepper
        ),
        actor=actor,
        now=now,
    )
    record_event(
        session, "signing:pin:change", actor=actor, subject={"certificate": certificate.serial}
    )


def unblock(session: Session, certificate: Certificate, *, actor: User | None) -> int:
    """Forget a key's wrong PINs (the administrator, after checking who asks)."""
    if certificate.key is None:
        return 0
    cleared = len(pin_failures(session, certificate.key))
    session.execute(sa.delete(PinFailure).where(PinFailure.key_id == certificate.key.id))
    record_event(
        session,
        "signing:pin:unblock",
        actor=actor,
        subject={"certificate": certificate.serial},
        details={"cleared": cleared},
    )
    return cleared


# --- PKCS#12 import ------------------------------------------------------------------------------


def import_pkcs12(
    session: Session,
    settings: SigningSettings,
    user: User,
    data: bytes,
    password: str,
    pin: str,
    *,
    actor: User | None,
    now: dt.datetime | None = None,
) -> Certificate:
    """Keep an externally issued certificate (e.g. the national CA's) with its key under a PIN.

    Its CA certificates are stored as intermediates; its root is trusted only once an
    administrator adds it (``vanthu pki trust``). The certificate must carry the official
    policy, otherwise its signatures could never pass the role check.
    """
    if not user.active or not user.has_role(Role.OFFICIAL):
        raise InvalidSigningRequest(N_("Only an active official can hold a signing certificate."))
    keys_pin_policy(pin)
    try:
        credential = pki.load_pkcs12(data, password)
    except Pkcs12PasswordError:
        raise Pkcs12PasswordError(N_("The password does not open this PKCS#12 file.")) from None
    except Pkcs12Error:
        raise Pkcs12Error(
            N_("The file is not a usable PKCS#12 file with one certificate and its private key.")
        ) from None
    cert = credential.certificate
    moment = now or utcnow()
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        raise InvalidSigningRequest(N_("The certificate in the file is not valid today."))
    if pki.certificate_role(cert) is not pki.Role.OFFICIAL:
        raise InvalidSigningRequest(
            N_("The certificate does not carry the official-signature policy of this organisation.")
        )
    blob = keys.encrypt_private_key(
        credential.private_key, pin, rounds=settings.kdf_rounds, pepper=settings.pepper
    )
    record = store_certificate(
        session,
        cert,
        CertRole.OFFICIAL,
        blob,
        user=user,
        created_by=actor,
        issuer=None,
        chain=credential.chain,
    )
    intermediates = [c for c in credential.chain if not pki.is_self_signed(c)]
    if intermediates:
        add_trusted(
            session, pki.chain_to_pem(intermediates), actor=actor, kind=TrustKind.INTERMEDIATE
        )
    record_event(
        session,
        "signing:certificate:import",
        actor=actor,
        subject={"certificate": record.serial, "user": user.id},
        details={"issuer": pki.name_text(cert.issuer)[:200]},
    )
    return record
