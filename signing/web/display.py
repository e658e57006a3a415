"""What documents' pages show about signing: the signing panel and the visible signature.

Read from stored records only (no verification): the verification page is one click away.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import url_for

from core.clock import VIETNAM
from core.db import get_session
from documents.models import Document, DocumentVersion
from signing import flow
from signing.models import Certificate, CertRole, Signature, SigningRequest


def vietnam_time(moment: dt.datetime | None) -> str:
    """ISO 8601 in Vietnam time to the second, as Decree 30 prints signing times."""
    if moment is None:
        return ""
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Panel:
    """The signing state of a document as its page shows it; the next step (submit, sign, seal)
    is the stepper's (`documents.steps`, fed by `signing.queues.signing_state`)."""

    request: SigningRequest | None
    has_signatures: bool


def panel(document: Document) -> Panel:
    db = get_session()
    latest = db.scalar(
        sa.select(SigningRequest)
        .where(SigningRequest.document_id == document.id)
        .order_by(SigningRequest.id.desc())
        .limit(1)
    )
    has_signatures = bool(
        db.scalar(sa.select(Signature.id).where(Signature.document_id == document.id).limit(1))
    )
    return Panel(request=latest, has_signatures=has_signatures)


def signing_active(document: Document) -> bool:
    """Whether a request waits for signatures or the seal: numbering by hand is then hidden."""
    return flow.active_request(get_session(), document) is not None


@dataclass(frozen=True)
class Mark:
    """One visible signature: who, in which capacity, when, with which certificate."""

    role: str
    name: str
    capacity: str
    signed_at: dt.datetime
    serial: str


@dataclass(frozen=True)
class Marks:
    """The visible signature of one version, or where the signed version is."""

    marks: list[Mark]
    number_symbol: str
    code: str
    verify_url: str
    signed_version: int | None

    @property
    def sealed(self) -> bool:
        return any(m.role == CertRole.SEAL.value for m in self.marks)


def marks(document: Document, version: DocumentVersion) -> Marks | None:
    """The signatures over ``version``; None when no version of the document is signed.

    On the reading view, the busiest page: one query for the few columns shown, no CMS bytes.
    """
    rows = get_session().execute(_MARKS, {"document_id": document.id}).all()
    if not rows:
        return None
    mine = [r for r in rows if r.version_id == version.id]
    chosen = mine[0].request_id if mine else rows[0].request_id
    signatures = [r for r in rows if r.request_id == chosen]
    officials = sum(1 for r in signatures if r.role is CertRole.OFFICIAL)
    code = signatures[0].code
    return Marks(
        marks=[_mark(document, r, last=r.position == officials) for r in mine],
        number_symbol=document.number_symbol or "",
        code=code,
        verify_url=url_for("signing.public_verify", code=code, _external=True),
        signed_version=None if mine else signatures[0].version_number,
    )


_MARKS = (
    sa.select(
        Signature.request_id,
        Signature.version_id,
        Signature.role,
        Signature.position,
        Signature.signing_time,
        Certificate.common_name,
        Certificate.title,
        Certificate.serial,
        SigningRequest.code,
        DocumentVersion.number.label("version_number"),
    )
    .join(Certificate, Certificate.id == Signature.certificate_id)
    .join(SigningRequest, SigningRequest.id == Signature.request_id)
    .join(DocumentVersion, DocumentVersion.id == Signature.version_id)
    .where(Signature.document_id == sa.bindparam("document_id"))
    .order_by(Signature.request_id.desc(), Signature.position)
)


def _mark(document: Document, row: Any, *, last: bool) -> Mark:
    if row.role is CertRole.SEAL:
        capacity = ""  # the seal's name is the organisation itself
    elif last:
        # Every authority line once, as the document prints them (Q. without a second title).
        capacity = document.signer_block or row.title
    else:
        capacity = row.title
    return Mark(
        role=row.role.value,
        name=row.common_name,
        capacity=capacity,
        signed_at=row.signing_time,
        serial=row.serial,
    )
