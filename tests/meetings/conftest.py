"""What the meetings tests share: an office, a meeting with its people, documents to attach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.storage import StagedBlobs, blob_store
from documents import drafting
from documents.models import Delivery, Document
from meetings import (
    agenda,
    attachments,
    calendar,
    conclusions,
    invitations,
    meetings,
    participants,
)
from meetings.conclusions import ConclusionData
from meetings.models import (
    AgendaItem,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingStatus,
    ParticipantRole,
)
from signing import flow, issuance, sealing
from signing.settings import from_config as signing_settings
from tests.documents.conftest import build_pdf
from tests.documents.office_testkit import build_people, issued
from tests.factories import documents_settings

#: 08:00 in Vietnam on a fixed day: no test depends on today's date.
START = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)


@pytest.fixture
def blobs(app):
    return blob_store(app)


@dataclass
class Office:
    people: dict
    home: object
    finance: object
    blobs: object = None

    def __getattr__(self, name):
        return self.people[name]


@pytest.fixture
def office(make, blobs):
    _province, home, finance, people = build_people(make)
    return Office(people, home, finance, blobs)


def new_meeting(db, office, **changes) -> Meeting:
    data = meetings.MeetingData(
        title=changes.pop("title", "Phiên họp thường kỳ tháng 12"),
        kind=MeetingKind.PEOPLES_COMMITTEE,
        starts_at=START,
        ends_at=START + timedelta(hours=4),
        chair_id=office.chairman.id,
        secretary_id=office.clerk.id,
        **changes,
    )
    (meeting,) = meetings.create(db, office.clerk, data)
    db.commit()
    return meeting


def add_item(db, office, meeting, title, parent=None, **data) -> AgendaItem:
    item = agenda.add_item(
        db,
        office.clerk,
        meeting,
        agenda.ItemData(title=title, **data),
        expected_version=meeting.version,
        parent_id=parent.id if parent is not None else None,
    )
    db.commit()
    return item


def invite(db, office, meeting, *names, role=ParticipantRole.MEMBER):
    participants.add_people(
        db, office.clerk, meeting, user_ids=[office.people[n].id for n in names], role=role
    )
    db.commit()


#: The day invitations are issued in the tests, and the moment they are sent: fixed.
TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SITE = calendar.Site(origin="haugiang.gov.vn/vanthu/log", public_url="https://vanthu.test")


def sending(staged, *, email=True, now=NOW) -> invitations.Sending:
    return invitations.Sending(
        blobs=staged,
        documents=documents_settings(),
        site=SITE,
        email=email,
        today=TODAY,
        now=now,
    )


def publish(db, office, meeting, **options):
    with StagedBlobs(office.blobs) as staged:
        meetings.publish(db, office.clerk, meeting, sending(staged, **options))
        db.commit()


def attach(db, office, meeting, item, document, number=None):
    attachment = attachments.attach_document(
        db, office.clerk, meeting, item.id, document.id, number, expected_version=meeting.version
    )
    db.commit()
    return attachment


def upload(db, blobs, office, meeting, item, text="Bao cao", title="Báo cáo"):
    with StagedBlobs(blobs) as staged:
        attachment = attachments.add_material(
            db,
            staged,
            office.clerk,
            meeting,
            item.id,
            title=title,
            data=build_pdf(text),
            file_name="bao-cao.pdf",
            max_bytes=1 << 20,
            expected_version=meeting.version,
        )
        db.commit()
    return attachment


def issued_document(db, blobs, office, **changes):
    """An issued công văn of the province's clerk, sent to nobody."""
    return issued(db, blobs, office.clerk, **changes)


def new_version(db, blobs, office, document, text):
    """A draft's new version (issued documents take none): for replacing a version."""
    with StagedBlobs(blobs) as staged:
        version = drafting.add_version(
            db, staged, office.clerk, document, build_pdf(text), "v.pdf", ""
        )
        db.commit()
    return version


def current_letter(db, meeting):
    """The meeting's invitation row and its Giấy mời, as stored now."""
    db.expire_all()
    invitation = db.get(Invitation, meeting.id)
    return invitation, db.get(Document, invitation.document_id)


def delivered_to(db, document):
    """Who has the document in their inbox."""
    return set(db.scalars(sa.select(Delivery.user_id).where(Delivery.document_id == document.id)))


#: Signing in the meetings tests: a small PKI, the chairman's key, fast key encryption.
SIGNING_CONFIG = {"SIGNING_KDF_ROUNDS": 1000}
SEAL_PIN = "482915"
SIGNER_PIN = "730164"


@dataclass
class Signing:
    """The office's CA and seal, and officials with keys: signs and seals a meeting's Giấy mời
    as the signer and the clerk would (each step commits like a request)."""

    db: object
    office: Office
    settings: object

    def give_key(self, user) -> None:
        issuance.issue_official(self.db, self.settings, user, SIGNER_PIN, actor=None)
        self.db.commit()

    def request(self, meeting):
        letter = self.db.get(Invitation, meeting.id)
        return flow.active_request(self.db, self.db.get(Document, letter.document_id))

    def sign(self, meeting, signer=None):
        request = self.request(meeting)
        flow.sign(
            self.db,
            self.office.blobs,
            self.settings,
            signer or self.office.chairman,
            request,
            SIGNER_PIN,
            request.sha256,
        )
        self.db.commit()
        return request

    def seal(self, meeting, clerk=None):
        request = self.request(meeting)
        with StagedBlobs(self.office.blobs) as staged:
            sealing.seal(
                self.db,
                staged,
                self.settings,
                clerk or self.office.clerk,
                request,
                SEAL_PIN,
                request.sha256,
                today=TODAY,
            )
            self.db.commit()
        return request

    def sign_and_seal(self, meeting, signer=None):
        self.sign(meeting, signer)
        return self.seal(meeting)


@pytest.fixture
def signing(app, db, office) -> Signing:
    """Needs SIGNING_CONFIG as the module's app_config (keys at full cost take seconds)."""
    settings = signing_settings(app.config)
    issuance.init_pki(db, settings, root_passphrase="a long root passphrase", seal_pin=SEAL_PIN)
    db.commit()
    found = Signing(db, office, settings)
    found.give_key(office.chairman)
    return found


@pytest.fixture
def held(db, office):
    """A published meeting in progress with two items and two members (SIGNING_CONFIG needed)."""
    meeting = new_meeting(db, office, room="Phòng họp số 1")
    invite(db, office, meeting, "home_a", "home_b")
    first = add_item(db, office, meeting, "Báo cáo kinh tế xã hội")
    second = add_item(db, office, meeting, "Kế hoạch đầu tư công")
    publish(db, office, meeting)
    meetings.change_status(db, office.clerk, meeting, MeetingStatus.IN_PROGRESS)
    db.commit()
    return meeting, first, second


def conclude(db, office, meeting, item, text, version=0, **data):
    row = conclusions.conclude(
        db, office.clerk, meeting, item.id, ConclusionData(text=text, **data),
        expected_version=version,
    )  # fmt: skip
    db.commit()
    return row
