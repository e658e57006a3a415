"""Where each journey starts when it is not the demo's own state: the demo moved on by the
services to where the journey before it ends, so that each test runs alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from accounts.models import User
from core.clock import today_local
from core.storage import StagedBlobs, blob_store
from documents import assignments, drafting, incoming
from documents.decree30 import DocType
from documents.models import Document
from signing import flow
from signing.models import SigningRequest
from signing.settings import from_config

LETTER = "Về việc triển khai ký số văn bản trên thiết bị di động"
#: How long the ward's report is given to handle.
HANDLE_WITHIN = dt.timedelta(days=7)


def user(db: Any, username: str) -> User:
    return db.scalars(sa.select(User).where(User.username == username)).one()


def submitted_letter(app: Any, db: Any) -> SigningRequest:
    """Where the clerk's journey ends: a công văn drafted and submitted to the chairman."""
    clerk, chairman = user(db, "vanthu"), user(db, "chutich")
    settings = drafting.Settings(
        place=app.config["DOCUMENT_PLACE"], max_upload_bytes=app.config["MAX_UPLOAD_MB"] << 20
    )
    with app.app_context(), StagedBlobs(blob_store(app)) as staged:
        document = drafting.create_draft(
            db,
            staged,
            clerk,
            drafting.DraftData(
                doc_type=DocType.CONG_VAN,
                subject=LETTER,
                content="Đề nghị các đơn vị ký số văn bản trên máy tính bảng và điện thoại.",
                signer_id=chairman.id,
                signer_title="Chủ tịch",
                drafter_abbr="VP",
            ),
            settings,
        )
        request = flow.submit(db, staged, clerk, document, [chairman.id], today=today_local())
        db.commit()
    return request


def signed_letter(app: Any, db: Any, chairman_pin: str) -> SigningRequest:
    """Where the official's journey ends: the letter signed, waiting for the seal."""
    request = submitted_letter(app, db)
    with app.app_context():
        flow.sign(
            db,
            blob_store(app),
            from_config(app.config),
            user(db, "chutich"),
            request,
            chairman_pin,
            request.sha256,
        )
        db.commit()
    return request


def ward_report(db: Any) -> Document:
    """The ward's report that the demo leaves waiting in the city clerk's incoming documents."""
    return db.scalars(
        sa.select(Document).where(Document.doc_type == DocType.BAO_CAO).order_by(Document.id)
    ).first()


def assigned_report(app: Any, db: Any) -> Document:
    """Where the receiving clerk's journey ends: the ward's report acknowledged by the city's
    clerk and given to the chairman to handle within a week."""
    clerk, chairman = user(db, "vanthu"), user(db, "chutich")
    report = ward_report(db)
    with app.app_context():
        incoming.acknowledge(db, clerk, report, today_local())
        assignments.assign(
            db,
            clerk,
            report,
            lead_id=chairman.id,
            deadline=today_local() + HANDLE_WITHIN,
            instructions="Tổng hợp, báo cáo kết quả.",
            today=today_local(),
        )
        db.commit()
    return report
