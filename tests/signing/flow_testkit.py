"""Helpers for the signing flow tests: an office with a PKI, drafting, signing and sealing.

The services are called directly (as views do); every helper commits like a request would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from accounts.models import Role, Unit, User
from core.storage import BlobStore, StagedBlobs, blob_store
from documents import drafting
from documents.decree30 import DocType
from documents.models import Document
from signing import flow, issuance, pdf_signing, sealing
from signing.models import SigningRequest
from signing.settings import SigningSettings, from_config
from tests.factories import documents_settings
from tests.signing.pades_testkit import signature_png

TODAY = date(2026, 11, 26)
ROOT_PASSPHRASE = "a long root passphrase for tests"
SEAL_PIN = "482915"
CHAIRMAN_PIN = "730164"
VICE_PIN = "915372"

#: Fast key encryption and bulk verification inside the request, for every signing test.
FAST_CONFIG: dict[str, Any] = {"SIGNING_KDF_ROUNDS": 1000, "JOBS_IMMEDIATE": True}


@dataclass
class Office:
    """A province with its clerk, two officials with certificates, and people who are refused."""

    app: Any
    db: Session
    settings: SigningSettings
    blobs: BlobStore
    province: Unit
    clerk: User
    chairman: User
    vice: User
    other_clerk: User
    outsider: User
    auditor: User
    admin: User

    def draft(self, **changes: Any) -> Document:
        data = drafting.DraftData(
            doc_type=changes.pop("doc_type", DocType.QUYET_DINH),
            subject=changes.pop("subject", "Ban hành Quy chế làm việc không giấy"),
            content="Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc không giấy.",
            signer_id=changes.pop("signer_id", self.chairman.id),
            signer_title="Chủ tịch",
            **changes,
        )
        with StagedBlobs(self.blobs) as staged:
            document = drafting.create_draft(
                self.db, staged, self.clerk, data, documents_settings()
            )
            self.db.commit()
        return document

    def submit(self, document: Document, approvers: list[User] | None = None) -> SigningRequest:
        with StagedBlobs(self.blobs) as staged:
            request = flow.submit(
                self.db,
                staged,
                self.clerk,
                document,
                [u.id for u in approvers or [self.chairman]],
                today=TODAY,
            )
            self.db.commit()
        return request

    def sign(
        self, request: SigningRequest, user: User | None = None, pin: str = CHAIRMAN_PIN
    ) -> Any:
        with StagedBlobs(self.blobs) as staged:
            signature = flow.sign(
                self.db, staged, self.settings, user or self.chairman, request, pin, request.sha256
            )
            self.db.commit()
        return signature

    def seal(self, request: SigningRequest, user: User | None = None, pin: str = SEAL_PIN) -> Any:
        with StagedBlobs(self.blobs) as staged:
            signature = sealing.seal(
                self.db,
                staged,
                self.settings,
                user or self.clerk,
                request,
                pin,
                request.sha256,
                today=TODAY,
            )
            self.db.commit()
        return signature

    def signed_and_sealed(self, **changes: Any) -> tuple[Document, SigningRequest]:
        document = self.draft(**changes)
        request = self.submit(document)
        self.sign(request)
        self.seal(request)
        return document, request


def build_office(app: Any, db: Session, make: Any, *, with_pki: bool = True) -> Office:
    province = make.unit("UBND thành phố Cần Thơ", abbreviation="UBND")
    other = make.unit("Sở Y tế", parent=province, abbreviation="SYT")
    office = Office(
        app=app,
        db=db,
        settings=from_config(app.config),
        blobs=blob_store(app),
        province=province,
        clerk=make.user("vanthu", roles=[Role.CLERK], unit=province, full_name="Trần Thị Thư"),
        chairman=make.user("chutich", unit=province, full_name="Lê Văn Chủ", title="Chủ tịch"),
        vice=make.user("phochutich", unit=province, full_name="Võ Thị Phó", title="Phó Chủ tịch"),
        other_clerk=make.user("vanthu.syt", roles=[Role.CLERK], unit=other),
        outsider=make.user("bacsi", unit=other, full_name="Ngô Văn Ngoài", title="Bác sĩ"),
        auditor=make.user("kiemtoan", roles=[Role.AUDITOR], unit=province),
        admin=make.user("quantri", roles=[Role.ADMIN], unit=province),
    )
    if with_pki:
        issuance.init_pki(db, office.settings, root_passphrase=ROOT_PASSPHRASE, seal_pin=SEAL_PIN)
        issuance.issue_official(db, office.settings, office.chairman, CHAIRMAN_PIN, actor=None)
        issuance.issue_official(db, office.settings, office.vice, VICE_PIN, actor=None)
        for official in (office.chairman, office.vice):
            pdf_signing.set_signature_image(db, official, signature_png())
        db.commit()
    return office


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path
