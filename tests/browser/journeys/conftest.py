"""The demo organisation (`vanthu demo`) in a live server, and the journeys' browser pages.

Each journey starts from the demo's own state or from it moved on by the services to where the
journey before it ends (a letter submitted, signed, a report assigned): each test runs alone.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
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
from tests.browser.journeys.journey import Journey
from tests.browser.pagecheck import axe_script

LETTER = "Về việc triển khai ký số văn bản trên thiết bị di động"


@pytest.fixture
def app_config() -> dict[str, Any]:
    config: dict[str, Any] = {
        "WTF_CSRF_ENABLED": True,
        "SIGNING_KDF_ROUNDS": 1000,
        "JOBS_IMMEDIATE": True,
    }
    if shutil.which("soffice") is None:
        config["SOFFICE"] = "/nonexistent/soffice"  # the DOCX path: detached signatures
    return config


@dataclass(frozen=True)
class Demo:
    """The demo's random passwords and PINs, as `vanthu demo` prints them."""

    passwords: dict[str, str]
    pins: dict[str, str]


@pytest.fixture
def demo(runner: Any) -> Demo:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    passwords, pins = {}, {}
    for line in result.output.splitlines():
        words = line.split()
        if line.startswith("demo login:"):
            passwords[words[3]] = words[4]
        elif line.startswith(("demo signing PIN:", "demo seal PIN:")):
            pins[words[4]] = words[5]
    return Demo(passwords, pins)


@pytest.fixture
def start_journey(
    browser: Any, live_server: str, demo: Demo
) -> Iterator[Callable[[str, tuple[int, int]], Journey]]:
    """A new browser page at one size; its context may inject axe-core past the CSP."""
    contexts = []
    axe = axe_script()

    def start(role: str, size: tuple[int, int]) -> Journey:
        width, height = size
        context = browser.new_context(
            base_url=live_server,
            viewport={"width": width, "height": height},
            bypass_csp=True,
            locale="vi-VN",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return Journey(page, role, size, axe)

    yield start
    for context in contexts:
        context.close()


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


def signed_letter(app: Any, db: Any, demo: Demo) -> SigningRequest:
    """Where the official's journey ends: the letter signed, waiting for the seal."""
    request = submitted_letter(app, db)
    with app.app_context():
        flow.sign(
            db,
            blob_store(app),
            from_config(app.config),
            user(db, "chutich"),
            request,
            demo.pins["chutich"],
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
            deadline=today_local() + dt.timedelta(days=7),
            instructions="Tổng hợp, báo cáo kết quả.",
            today=today_local(),
        )
        db.commit()
    return report
