"""Signing records: CAs, certificates, encrypted keys, requests, signatures, CRLs, trust, results.

Keys are stored only encrypted (PBES2/AES-256 PKCS#8); a signature belongs to one exact version.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.db import Base, created_at, enum_column, intpk
from documents.models import Document, DocumentVersion


class CaKind(enum.StrEnum):
    ROOT = "root"
    ISSUING = "issuing"


class CertRole(enum.StrEnum):
    OFFICIAL = "official"
    SEAL = "seal"


class CertificateAuthorityRecord(Base):
    """The root CA (key opened only to issue an issuing CA) or the issuing CA."""

    __tablename__ = "signing_cas"

    id: Mapped[intpk]
    kind: Mapped[CaKind] = mapped_column(enum_column(CaKind))
    subject: Mapped[str] = mapped_column(sa.String(255))
    fingerprint: Mapped[str] = mapped_column(sa.String(95), unique=True)
    certificate_der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: Encrypted PKCS#8 under the root passphrase (root) or the server's CA passphrase (issuing).
    key_blob: Mapped[bytes] = mapped_column(sa.LargeBinary)
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    #: The newest active CA of each kind is used; older ones stay to verify old signatures.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]


class Certificate(Base):
    """An official's or the organisation seal's certificate, issued here or imported."""

    __tablename__ = "signing_certificates"

    id: Mapped[intpk]
    #: Upper-case hex, as certificate viewers and CRLs show it.
    serial: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[CertRole] = mapped_column(enum_column(CertRole))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    issuer_ca_id: Mapped[int | None] = mapped_column(sa.ForeignKey("signing_cas.id"))
    subject: Mapped[str] = mapped_column(sa.String(500))
    #: CN and title of the subject, for the visible signature.
    common_name: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str] = mapped_column(sa.String(255), default="")
    fingerprint: Mapped[str] = mapped_column(sa.String(95), unique=True)
    #: SHA-256 of the SubjectPublicKeyInfo: the same public key is never certified twice.
    public_key_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    certificate_der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: PEM of the CA certificates that came with an imported certificate.
    chain_pem: Mapped[str] = mapped_column(sa.Text, default="")
    imported: Mapped[bool] = mapped_column(default=False)
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(sa.String(32))
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    key: Mapped[SigningKeyRecord | None] = relationship(back_populates="certificate")

    def usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and self.not_before <= moment <= self.not_after


class SigningKeyRecord(Base):
    """A certificate's private key, encrypted under the holder's PIN (and the server pepper)."""

    __tablename__ = "signing_keys"

    id: Mapped[intpk]
    certificate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("signing_certificates.id"), unique=True
    )
    key_blob: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: Written first by every unlock, so concurrent PIN attempts on one key queue up.
    last_attempt_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    certificate: Mapped[Certificate] = relationship(back_populates="key")


class PinFailure(Base):
    """One wrong PIN for one key since its last successful unlock (input of ``PinAttempts``)."""

    __tablename__ = "signing_pin_failures"

    id: Mapped[intpk]
    key_id: Mapped[int] = mapped_column(sa.ForeignKey("signing_keys.id"), index=True)
    at: Mapped[created_at]


class Enrolment(Base):
    """An administrator's permission for an official to create their key by choosing a PIN."""

    __tablename__ = "signing_enrolments"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    authorised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    authorised_at: Mapped[created_at]
    completed_at: Mapped[datetime | None]
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("signing_certificates.id"))


class RequestState(enum.StrEnum):
    PENDING = "pending"  # officials sign in order
    AWAITING_SEAL = "awaiting_seal"  # every official signed; the clerk seals
    SEALED = "sealed"  # the document is issued
    DECLINED = "declined"  # an official refused; the number is void
    CANCELLED = "cancelled"  # the clerk withdrew it
    SUPERSEDED = "superseded"  # a new version was uploaded before sealing

    @property
    def active(self) -> bool:
        return self in (RequestState.PENDING, RequestState.AWAITING_SEAL)


class StepState(enum.StrEnum):
    WAITING = "waiting"
    SIGNED = "signed"
    DECLINED = "declined"


class SigningRequest(Base):
    """One version of a document sent for signing: officials in order, then the seal."""

    __tablename__ = "signing_requests"

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("document_versions.id"))
    #: The exact bytes to sign; compared with what the official saw on screen.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: The number and symbol reserved at submission, which the signed bytes show.
    number_symbol: Mapped[str] = mapped_column(sa.String(64))
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState))
    #: Short code printed on the visible signature; opens the public verification page.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]
    finished_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: The version is a PDF signed inside the file (PAdES), not with detached .p7s files.
    pades: Mapped[bool] = mapped_column(default=False)
    #: The sealed PDF: the document's electronic original (PAdES requests, once sealed).
    original_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    document: Mapped[Document] = relationship()
    version: Mapped[DocumentVersion] = relationship()
    created_by: Mapped[User] = relationship()
    steps: Mapped[list[SigningStep]] = relationship(
        order_by="SigningStep.position", back_populates="request"
    )
    signatures: Mapped[list[Signature]] = relationship(
        order_by="Signature.id", back_populates="request"
    )

    def current_step(self) -> SigningStep | None:
        """The first official who has not signed yet, while the request is pending."""
        if self.state is not RequestState.PENDING:
            return None
        return next((s for s in self.steps if s.state is StepState.WAITING), None)


class SigningStep(Base):
    """One official who must sign, at a position in the order."""

    __tablename__ = "signing_steps"
    __table_args__ = (sa.UniqueConstraint("request_id", "position", name="uq_signing_steps_pos"),)

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("signing_requests.id"), index=True)
    position: Mapped[int]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    state: Mapped[StepState] = mapped_column(enum_column(StepState), default=StepState.WAITING)
    acted_at: Mapped[datetime | None]

    request: Mapped[SigningRequest] = relationship(back_populates="steps")
    user: Mapped[User] = relationship()


class Signature(Base):
    """A detached CMS signature over the bytes of one version (never over "the document")."""

    __tablename__ = "signatures"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "role", "position", name="uq_signatures_slot"),
    )

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("signing_requests.id"), index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("document_versions.id"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[CertRole] = mapped_column(enum_column(CertRole))
    #: Order among the officials; the seal has the position after the last official.
    position: Mapped[int]
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("signing_certificates.id"))
    signer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: The signingTime attribute inside the CMS (claimed by the signer, i.e. by this server).
    signing_time: Mapped[datetime] = mapped_column(index=True)
    p7s: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: PAdES: the PDF this step produced (the signed bytes and everything before them).
    output_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[created_at]

    request: Mapped[SigningRequest] = relationship(back_populates="signatures")
    certificate: Mapped[Certificate] = relationship()
    signer: Mapped[User] = relationship()


class SealedAttachment(Base):
    """A PDF attachment of a PAdES request carrying the organisation's seal alone (as text)."""

    __tablename__ = "signing_sealed_attachments"
    __table_args__ = (
        sa.UniqueConstraint(
            "request_id", "attachment_id", name="uq_signing_sealed_attachments_pair"
        ),
    )

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("signing_requests.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(sa.ForeignKey("attachments.id"))
    #: The sealed PDF (the attachment as sent); the unsealed file stays the attachment's own.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    p7s: Mapped[bytes] = mapped_column(sa.LargeBinary)
    signing_time: Mapped[datetime]
    created_at: Mapped[created_at]


class SignatureImage(Base):
    """An official's handwritten signature (blue, transparent PNG) shown in PDFs they sign."""

    __tablename__ = "signing_signature_images"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    png: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int]
    height: Mapped[int]
    uploaded_at: Mapped[datetime]


class CrlRecord(Base):
    """A CRL we signed, or one imported from an outside CA; the newest per issuer is used."""

    __tablename__ = "signing_crls"
    __table_args__ = (sa.UniqueConstraint("issuer", "number", name="uq_signing_crls_number"),)

    id: Mapped[intpk]
    #: SHA-256 fingerprint of the issuing CA certificate.
    issuer: Mapped[str] = mapped_column(sa.String(95), index=True)
    number: Mapped[int]
    der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    this_update: Mapped[datetime]
    next_update: Mapped[datetime]
    imported: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]


class TrustKind(enum.StrEnum):
    ROOT = "root"
    INTERMEDIATE = "intermediate"


class TrustedCertificate(Base):
    """An extra trust root (e.g. the national CA) or an intermediate CA of imported certificates."""

    __tablename__ = "signing_trust"

    id: Mapped[intpk]
    kind: Mapped[TrustKind] = mapped_column(enum_column(TrustKind))
    subject: Mapped[str] = mapped_column(sa.String(500))
    fingerprint: Mapped[str] = mapped_column(sa.String(95), unique=True)
    certificate_der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[created_at]


class VerificationResult(Base):
    """One document's verdict inside a bulk verification job (core.jobs): a row of the report."""

    __tablename__ = "signing_verification_results"

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("signing_requests.id"))
    number_symbol: Mapped[str] = mapped_column(sa.String(64), default="")
    sha256: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))
    official_status: Mapped[str] = mapped_column(sa.String(64))
    seal_status: Mapped[str] = mapped_column(sa.String(64))
    sealed_at: Mapped[datetime | None]
    message: Mapped[str] = mapped_column(sa.Text, default="")
