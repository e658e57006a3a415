"""Publishing submits the Giấy mời for signature and sends the calendar invitation, all in one
transaction or not at all; the Giấy mời goes out (circulated, with its deliveries) only once signed
and sealed. People invited later, changes and cancellation follow."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from accounts.models import OutgoingMail, UserNotification
from audit.models import AuditEvent
from core.mail import Letter, build_message, parse_sender
from core.storage import StagedBlobs
from documents import errors as document_errors
from documents.decree30 import DocType
from documents.models import Document, IssuedNumber, Status
from meetings import invitation_letter, invitations, meetings
from meetings.errors import NotAllowed, WrongState
from meetings.invitation_letter import LetterState
from meetings.models import Invitation, Meeting, MeetingStatus
from signing import flow
from signing.errors import InvalidSigningRequest
from signing.models import RequestState, Signature
from tests.meetings.conftest import (
    SIGNING_CONFIG,
    START,
    add_item,
    current_letter,
    delivered_to,
    invite,
    issued_document,
    new_meeting,
    publish,
    sending,
)


def _people(db, office):
    office.home_a.email = "a.snv@haugiang.test"
    db.commit()
    meeting = new_meeting(db, office, room="Phòng họp số 1")
    invite(db, office, meeting, "home_a", "home_b")
    add_item(db, office, meeting, "Khai mạc")
    return meeting


@pytest.fixture
def app_config():
    return dict(SIGNING_CONFIG)


_letter = current_letter
_delivered = delivered_to


def test_publishing_submits_the_giay_moi_to_the_chair_and_sends_nothing_unsigned(db, office):
    meeting = _people(db, office)
    publish(db, office, meeting)
    invitation, document = _letter(db, meeting)
    assert document.doc_type is DocType.GIAY_MOI
    assert document.status is Status.DRAFT
    assert document.number_symbol == "01/GM-UBND"  # reserved at submission
    assert document.subject == f"Mời dự {meeting.title}"
    assert "Khai mạc" in document.content_text
    assert document.signer_name == office.chairman.full_name
    request = flow.active_request(db, document)
    assert request.state is RequestState.PENDING
    assert [step.user_id for step in request.steps] == [office.chairman.id]
    assert _delivered(db, document) == set()
    assert invitation.sealed is False and invitation.sent_at is None
    assert invitation_letter.of_meeting(db, meeting).state is LetterState.AWAITING_SIGNATURE


def test_the_sealed_giay_moi_is_circulated_to_each_participant(db, office, signing):
    meeting = _people(db, office)
    publish(db, office, meeting)
    signing.sign(meeting)
    _invitation, document = _letter(db, meeting)
    assert invitation_letter.of_meeting(db, meeting).state is LetterState.AWAITING_SEAL
    assert _delivered(db, document) == set()
    signing.seal(meeting)
    invitation, document = _letter(db, meeting)
    assert document.status is Status.ISSUED
    assert document.number_symbol == "01/GM-UBND"
    assert invitation.sealed is True and invitation.sent_at is not None
    assert _delivered(db, document) == {office.home_a.id, office.home_b.id}
    roles = db.scalars(sa.select(Signature.role).where(Signature.document_id == document.id)).all()
    assert sorted(r.value for r in roles) == ["official", "seal"]
    assert invitation_letter.of_meeting(db, meeting).state is LetterState.SENT
    sent = db.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "meetings:invitation:send")
    ).one()
    assert sent["people"] == 2 and sent["sealed"] is True


def test_a_designated_signer_signs_instead_of_the_chair(db, office, signing):
    meeting = _people(db, office)
    signing.give_key(office.finance_a)
    with StagedBlobs(office.blobs) as staged:
        meetings.publish(db, office.clerk, meeting, sending(staged), signer_id=office.finance_a.id)
        db.commit()
    _invitation, document = _letter(db, meeting)
    assert document.signer_id == office.finance_a.id
    assert [s.user_id for s in flow.active_request(db, document).steps] == [office.finance_a.id]
    signing.sign_and_seal(meeting, office.finance_a)
    assert _delivered(db, _letter(db, meeting)[1]) == {office.home_a.id, office.home_b.id}


def test_a_signer_who_is_not_an_official_is_refused_and_nothing_is_kept(db, office):
    meeting = _people(db, office)
    before = _blob_files(office)
    refused = pytest.raises(InvalidSigningRequest, match="active official")
    with refused, StagedBlobs(office.blobs) as staged:
        meetings.publish(db, office.clerk, meeting, sending(staged), signer_id=office.auditor.id)
    _nothing_stored(db, meeting.id, before, office)


def test_a_seal_on_another_document_sends_no_invitation(db, office, signing):
    meeting = _people(db, office)
    publish(db, office, meeting)
    other = issued_document(db, office.blobs, office)
    sealed = db.scalar(sa.select(sa.func.count(AuditEvent.id)))
    invitations.sealed(db, office.clerk, SimpleNamespace(document_id=other.id))
    assert db.scalar(sa.select(sa.func.count(AuditEvent.id))) == sealed
    assert _letter(db, meeting)[0].sent_at is None


def test_hidden_and_internal_items_stay_out_of_the_giay_moi(db, office):
    from meetings.models import ItemKind

    meeting = _people(db, office)
    add_item(db, office, meeting, "Nhân sự mật", kind=ItemKind.HIDDEN)
    add_item(db, office, meeting, "Nội bộ", kind=ItemKind.INTERNAL)
    publish(db, office, meeting)
    document = db.get(Document, db.get(Invitation, meeting.id).document_id)
    assert "Nhân sự mật" not in document.content_text
    assert "Nội bộ" not in document.content_text


def test_participants_are_notified_and_those_with_an_address_get_the_ics(db, office):
    meeting = _people(db, office)
    publish(db, office, meeting)
    notes = db.scalars(
        sa.select(UserNotification.user_id).where(UserNotification.kind == "meeting_invitation")
    ).all()
    assert sorted(notes) == sorted([office.home_a.id, office.home_b.id])
    (letter,) = db.scalars(sa.select(OutgoingMail)).all()
    assert letter.user_id == office.home_a.id
    assert "METHOD:REQUEST" in letter.calendar
    message = message_from_bytes(
        build_message(
            parse_sender("VanThu <vanthu@haugiang.test>"),
            Letter(
                letter.to_address,
                letter.to_name,
                letter.subject,
                letter.text,
                calendar=letter.calendar,
            ),
        ).as_bytes()
    )
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invite.ics"
    assert b"BEGIN:VEVENT" in part.get_payload(decode=True)


def test_a_change_of_time_sends_an_update_and_cancelling_a_cancel(db, office):
    meeting = _people(db, office)
    publish(db, office, meeting)
    with StagedBlobs(office.blobs) as staged:
        meetings.edit(
            db,
            office.clerk,
            meeting,
            meetings.MeetingData(
                title=meeting.title,
                kind=meeting.kind,
                starts_at=START + timedelta(days=1),
                ends_at=START + timedelta(days=1, hours=2),
                chair_id=meeting.chair_id,
                secretary_id=meeting.secretary_id,
                room=meeting.room,
            ),
            meeting.version,
            sending=sending(staged),
        )
        meetings.cancel(db, office.clerk, meeting, sending(staged))
        db.commit()
    letters = db.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [m.kind for m in letters] == ["meeting_invitation", "meeting_update", "meeting_cancel"]
    assert "SEQUENCE:1" in letters[1].calendar and "METHOD:REQUEST" in letters[1].calendar
    assert "SEQUENCE:2" in letters[2].calendar and "METHOD:CANCEL" in letters[2].calendar
    with pytest.raises(WrongState, match="cancelled"):
        meetings.change_status(db, office.clerk, meeting, MeetingStatus.IN_PROGRESS)


def _nothing_stored(db, meeting_id, blobs_before, office):
    db.rollback()
    assert db.get(Meeting, meeting_id).status is MeetingStatus.DRAFT
    assert db.scalar(sa.select(sa.func.count(Invitation.meeting_id))) == 0
    assert db.scalar(sa.select(sa.func.count(Document.id))) == 0
    assert db.scalar(sa.select(sa.func.count(IssuedNumber.id))) == 0
    assert db.scalar(sa.select(sa.func.count(UserNotification.id))) == 0
    assert db.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 0
    assert _blob_files(office) == blobs_before


def _blob_files(office):
    return sorted(p.name for p in office.blobs.root.rglob("*") if p.is_file())


def test_a_failure_half_way_through_publishing_leaves_nothing(db, office, monkeypatch):
    meeting = _people(db, office)
    before = _blob_files(office)

    def refuse(*_args, **_kwargs):
        raise document_errors.RecipientNotFound("Some of the chosen recipients do not exist.")

    monkeypatch.setattr(invitations.notifications, "notify", refuse)
    with pytest.raises(document_errors.RecipientNotFound):
        publish(db, office, meeting)
    _nothing_stored(db, meeting.id, before, office)


def test_a_secretary_who_is_not_a_clerk_cannot_submit_the_giay_moi(db, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    meeting.secretary_id = office.home_b.id
    db.commit()
    before = _blob_files(office)
    with pytest.raises(NotAllowed, match="only clerks"), StagedBlobs(office.blobs) as staged:
        meetings.publish(db, office.home_b, meeting, sending(staged))
    _nothing_stored(db, meeting.id, before, office)


def test_publishing_when_nobody_invited_can_receive_it_is_refused_clearly(db, office):
    meeting = _people(db, office)
    before = _blob_files(office)
    office.home_a.active = False
    office.home_b.active = False
    db.commit()
    with pytest.raises(WrongState, match="None of the invited people"):
        publish(db, office, meeting)
    _nothing_stored(db, meeting.id, before, office)


def test_the_pages_show_where_the_giay_moi_is(client, db, office, signing):
    from tests.conftest import login

    meeting = _people(db, office)
    publish(db, office, meeting)

    def state(user):
        login(client, user)
        page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
        assert "01/GM-UBND" in page
        return page.split('data-testid="invitation-state" data-state="')[1].split('"')[0]

    assert state(office.home_a) == "awaiting_signature"
    signing.sign(meeting)
    assert state(office.clerk) == "awaiting_seal"
    signing.seal(meeting)
    assert state(office.home_a) == "sent"
