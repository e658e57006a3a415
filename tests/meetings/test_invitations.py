"""Publishing sends the Giấy mời (numbered, issued, circulated with its deliveries) and the
calendar invitation, all in one transaction or not at all; changes and cancellation follow."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

import pytest
import sqlalchemy as sa

from accounts.models import OutgoingMail, UserNotification
from core.mail import Letter, build_message, parse_sender
from core.storage import StagedBlobs
from documents import errors as document_errors
from documents.decree30 import DocType
from documents.models import Delivery, Document, IssuedNumber, Status
from meetings import invitations, meetings
from meetings.errors import WrongState
from meetings.models import Invitation, Meeting, MeetingStatus
from tests.meetings.conftest import START, add_item, invite, new_meeting, publish, sending


def _people(db, office):
    office.home_a.email = "a.snv@haugiang.test"
    db.commit()
    meeting = new_meeting(db, office, room="Phòng họp số 1")
    invite(db, office, meeting, "home_a", "home_b")
    add_item(db, office, meeting, "Khai mạc")
    return meeting


def test_publishing_issues_a_numbered_giay_moi_delivered_to_each_participant(db, office):
    meeting = _people(db, office)
    publish(db, office, meeting)
    invitation = db.get(Invitation, meeting.id)
    document = db.get(Document, invitation.document_id)
    assert document.doc_type is DocType.GIAY_MOI
    assert document.status is Status.ISSUED
    assert document.number_symbol == "01/GM-UBND"
    assert document.subject == f"Mời dự {meeting.title}"
    assert "Khai mạc" in document.content_text
    assert document.signer_name == office.chairman.full_name
    delivered = set(
        db.scalars(sa.select(Delivery.user_id).where(Delivery.document_id == document.id))
    )
    assert delivered == {office.home_a.id, office.home_b.id}
    assert invitation.sealed is False


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

    monkeypatch.setattr(invitations.circulation, "circulate", refuse)
    with pytest.raises(document_errors.RecipientNotFound):
        publish(db, office, meeting)
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


def test_the_pages_show_the_giay_moi_and_that_it_is_unsealed(client, db, office):
    from tests.conftest import login

    meeting = _people(db, office)
    publish(db, office, meeting)
    login(client, office.home_a)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "01/GM-UBND" in page
    assert 'data-testid="invitation-unsealed"' in page
