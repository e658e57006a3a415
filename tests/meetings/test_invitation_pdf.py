"""The Giấy mời goes out as a PDF original where LibreOffice is installed: publishing queues its
conversion, the job submits the PDF for signature (PAdES), the seal is added to it, and the
sealed PDF is what is circulated. Without LibreOffice it is signed detached; the page says so."""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import jobs
from core.db import get_engine
from core.jobs import Job
from core.storage import StagedBlobs
from documents import originals
from documents.conversion_models import ConversionState, PdfConversion
from documents.convert import PdfConverter
from documents.models import Status
from meetings import invitation_letter, meetings
from meetings.invitation_letter import LetterState
from signing import flow, pdf_signing, trust
from signing.crypto import pades
from signing.models import SigningRequest
from tests.conftest import login
from tests.factories import documents_settings
from tests.meetings.conftest import (
    SIGNING_CONFIG,
    START,
    add_item,
    current_letter,
    delivered_to,
    invite,
    new_meeting,
    sending,
)
from tests.signing.pades_testkit import nss_db, pdfsig, signature_png


@pytest.fixture
def app_config():
    return {**SIGNING_CONFIG, "JOBS_IMMEDIATE": True}


def _converting(app) -> originals.Converting:
    config = app.config
    converter = PdfConverter(config["SOFFICE"], float(config["CONVERT_TIMEOUT_SECONDS"]))
    enqueue = functools.partial(jobs.enqueue, app=app)
    return originals.Converting(converter, documents_settings(), enqueue)


def _meeting(db, office):
    meeting = new_meeting(db, office, room="Phòng họp số 1")
    invite(db, office, meeting, "home_a", "home_b")
    add_item(db, office, meeting, "Khai mạc")
    return meeting


def _publish(app, db, office, meeting):
    with StagedBlobs(office.blobs) as staged:
        meetings.publish(
            db, office.clerk, meeting, replace(sending(staged), converting=_converting(app))
        )
        db.commit()


def _request(db, document) -> SigningRequest | None:
    db.expire_all()
    return db.scalar(sa.select(SigningRequest).where(SigningRequest.document_id == document.id))


def test_the_giay_moi_is_signed_and_sealed_inside_its_pdf_and_that_pdf_goes_out(
    app, client, db, office, signing, tmp_path
):
    pdf_signing.set_signature_image(db, office.chairman, signature_png())
    db.commit()
    meeting = _meeting(db, office)
    _publish(app, db, office, meeting)
    _invitation, document = current_letter(db, meeting)
    request = _request(db, document)
    assert request is not None and request.pades and request.version.kind == "pdf"
    assert "01/GM-UBND" in request.version.text
    assert invitation_letter.of_meeting(db, meeting).state is LetterState.AWAITING_SIGNATURE
    signing.sign_and_seal(meeting)
    invitation, document = current_letter(db, meeting)
    request = _request(db, document)
    assert document.status is Status.ISSUED and invitation.sent_at is not None
    assert delivered_to(db, document) == {office.home_a.id, office.home_b.id}
    sealed = tmp_path / "giay-moi.pdf"
    sealed.write_bytes(office.blobs.get(request.original_sha256))
    roots = trust.trust_material(db, signing.settings).roots
    code, entries, output = pdfsig(sealed, nssdir=nss_db(tmp_path / "nss", roots))
    assert code == 0, output
    assert [e.field for e in entries] == [pades.OFFICIAL_FIELD, pades.SEAL_FIELD], output
    assert all(e.valid and e.trusted for e in entries), output
    # A participant opens the signed and sealed PDF they were sent.
    login(client, office.home_a)
    opened = client.get(f"/signing/requests/{request.id}/original.pdf")
    assert opened.status_code == 200 and opened.data == sealed.read_bytes()


def test_while_the_pdf_is_made_the_meeting_page_says_so_then_it_goes_for_signature(
    app, client, db, office, signing
):
    app.config["JOBS_IMMEDIATE"] = False  # a queue without a worker: the job waits
    meeting = _meeting(db, office)
    _publish(app, db, office, meeting)
    _invitation, document = current_letter(db, meeting)
    assert _request(db, document) is None
    assert invitation_letter.of_meeting(db, meeting).state is LetterState.CONVERTING
    assert document.number_symbol == "01/GM-UBND"  # reserved at publishing
    login(client, office.clerk)
    page = client.get(f"/meetings/{meeting.id}/manage").get_data(as_text=True)
    assert 'data-state="converting"' in page and "Đang tạo bản PDF" in page
    job_id = db.scalar(sa.select(Job.id).where(Job.kind == "signing.submit_original"))
    with sa.orm.Session(get_engine(app), expire_on_commit=False) as session:
        jobs._queue(app).execute(session, job_id)
    request = _request(db, document)
    assert request is not None and request.pades
    assert invitation_letter.of_meeting(db, meeting).state is LetterState.AWAITING_SIGNATURE


def test_a_change_of_time_during_the_conversion_withdraws_it(app, db, office, signing):
    app.config["JOBS_IMMEDIATE"] = False
    meeting = _meeting(db, office)
    _publish(app, db, office, meeting)
    _invitation, first = current_letter(db, meeting)
    data = meetings.MeetingData(
        title=meeting.title, kind=meeting.kind, starts_at=START + timedelta(days=1),
        ends_at=START + timedelta(days=1, hours=4), chair_id=meeting.chair_id,
        secretary_id=meeting.secretary_id, room=meeting.room,
    )  # fmt: skip
    with StagedBlobs(office.blobs) as staged:
        meetings.edit(
            db, office.clerk, meeting, data, meeting.version,
            sending=replace(sending(staged), converting=_converting(app)),
        )  # fmt: skip
        db.commit()
    states = db.scalars(sa.select(PdfConversion.state).order_by(PdfConversion.id)).all()
    assert states == [ConversionState.CANCELLED, ConversionState.PENDING]
    first_job = db.scalar(sa.select(Job.id).order_by(Job.id).limit(1))
    with sa.orm.Session(get_engine(app), expire_on_commit=False) as session:
        jobs._queue(app).execute(session, first_job)  # the withdrawn one does nothing
    db.expire_all()
    assert _request(db, first) is None
    assert db.get(type(first), first.id).number is None


def test_without_libreoffice_the_giay_moi_is_signed_detached_and_the_page_says_so(
    app, client, db, office, signing
):
    app.config["SOFFICE"] = "/nonexistent/soffice"
    meeting = _meeting(db, office)
    _publish(app, db, office, meeting)
    _invitation, document = current_letter(db, meeting)
    request = flow.active_request(db, document)
    assert request is not None and not request.pades and request.version.kind == "docx"
    login(client, office.clerk)
    page = client.get(f"/meetings/{meeting.id}/manage").get_data(as_text=True)
    assert 'data-testid="invitation-detached"' in page
