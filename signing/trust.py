"""The trust store: which roots, intermediates and CRLs verifiers use, and what admins add to it.

No Flask; callers pass the session and ``SigningSettings`` and commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.errors import N_
from signing.authority import ca_chain, current_crl, load_certificate
from signing.crypto import pki
from signing.errors import (
    InvalidSigningRequest,
    PkiNotReady,
)
from signing.models import (
    CaKind,
    CertificateAuthorityRecord,
    CrlRecord,
    TrustedCertificate,
    TrustKind,
)
from signing.settings import SigningSettings


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
