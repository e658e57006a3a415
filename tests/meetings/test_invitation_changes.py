"""After publishing: people invited later get the invitation (and the sealed Giấy mời once it
exists); a change of time or place replaces the Giấy mời through signature and seal again; a
meeting called off withdraws a Giấy mời not yet sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from accounts.models import OutgoingMail, UserNotification
from core.storage import StagedBlobs
from documents.models import IssuedNumber, NumberState, Status
from meetings import invitation_letter, invitations, meetings, participants
from meetings.invitation_letter import LetterState
from meetings.models import Meeting
from signing import flow
from signing.models import RequestState, SigningRequest
from tests.conftest import login
from tests.meetings.conftest import (
    SIGNING_CONFIG,
    START,
    add_item,
    current_letter,
    delivered_to,
    invite,
    new_meeting,
    publish,
    sending,
)


@pytest.fixture
def app_config():
    return dict(SIGNING_CONFIG)


@pytest.fixture
def meeting(db, office):
    office.finance_a.email = "a.stc@haugiang.test"
    db.commit()
    found = new_meeting(db, office, room="Phòng họp số 1")
    invite(db, office, found, "home_a", "home_b")
    add_item(db, office, found, "Khai mạc")
    publish(db, office, found)
    return found


_letter = current_letter
_delivered = delivered_to


def _add_late(db, office, meeting, *names):
    with StagedBlobs(office.blobs) as staged:
        participants.add_people(
            db,
            office.clerk,
            meeting,
            user_ids=[office.people[n].id for n in names],
            sending=sending(staged),
        )
        db.commit()


def _invited(db, user):
    return db.scalars(
        sa.select(UserNotification.body).where(
            UserNotification.user_id == user.id, UserNotification.kind == "meeting_invitation"
        )
    ).all()


def _move(db, office, meeting, days=1):
    with StagedBlobs(office.blobs) as staged:
        meetings.edit(
            db,
            office.clerk,
            meeting,
            meetings.MeetingData(
                title=meeting.title,
                kind=meeting.kind,
                starts_at=START + timedelta(days=days),
                ends_at=START + timedelta(days=days, hours=2),
                chair_id=meeting.chair_id,
                secretary_id=meeting.secretary_id,
                room=meeting.room,
            ),
            meeting.version,
            sending=sending(staged),
        )
        db.commit()


def test_someone_invited_before_the_seal_gets_the_calendar_now_and_the_letter_when_sealed(
    db, office, meeting, signing
):
    _add_late(db, office, meeting, "finance_a")
    (body,) = _invited(db, office.finance_a)
    assert "follows" in body
    (letter,) = db.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.user_id == office.finance_a.id)
    ).all()
    assert "METHOD:REQUEST" in letter.calendar
    signing.sign_and_seal(meeting)
    _invitation, document = _letter(db, meeting)
    assert _delivered(db, document) == {office.home_a.id, office.home_b.id, office.finance_a.id}


def test_someone_invited_after_the_seal_gets_the_sealed_letter_at_once(
    db, office, meeting, signing
):
    signing.sign_and_seal(meeting)
    _add_late(db, office, meeting, "finance_a")
    _invitation, document = _letter(db, meeting)
    assert office.finance_a.id in _delivered(db, document)
    assert len(_invited(db, office.finance_a)) == 1
    # Inviting the same people again sends them nothing twice.
    _add_late(db, office, meeting, "finance_a")
    assert len(_invited(db, office.finance_a)) == 1


def test_a_representative_named_after_publishing_is_invited(db, office, meeting, signing):
    signing.sign_and_seal(meeting)
    participation = participants.own(db, office.home_a, meeting)[0]
    with StagedBlobs(office.blobs) as staged:
        participants.send_representative(
            db,
            office.home_a,
            meeting,
            participation.id,
            office.finance_a.id,
            sending=sending(staged),
        )
        db.commit()
    assert office.finance_a.id in _delivered(db, _letter(db, meeting)[1])
    assert len(_invited(db, office.finance_a)) == 1


def test_a_change_after_the_letter_went_out_replaces_it_through_signature_and_seal(
    db, office, meeting, signing
):
    signing.sign_and_seal(meeting)
    _first, original = _letter(db, meeting)
    _move(db, office, meeting)
    invitation, replacement = _letter(db, meeting)
    assert replacement.id != original.id
    assert invitation.replaces_document_id == original.id
    assert replacement.subject.endswith("(thay thế)")
    assert f"thay thế Giấy mời số {original.number_symbol}" in replacement.content_text
    assert replacement.number_symbol == "02/GM-UBND"
    assert invitation_letter.of_meeting(db, meeting).state is LetterState.AWAITING_SIGNATURE
    assert _delivered(db, replacement) == set()
    assert original.status is Status.ISSUED  # what went out stays as it was
    signing.sign_and_seal(meeting)
    invitation, replacement = _letter(db, meeting)
    assert invitation.sent_at is not None
    assert _delivered(db, replacement) == {office.home_a.id, office.home_b.id}
    updated = db.scalars(
        sa.select(UserNotification.user_id).where(UserNotification.kind == "meeting_update")
    ).all()
    assert sorted(updated) == sorted([office.home_a.id, office.home_b.id])


def test_a_change_before_the_letter_went_out_withdraws_it_and_drafts_it_again(
    db, office, meeting, signing
):
    _first, unsent = _letter(db, meeting)
    _move(db, office, meeting)
    invitation, redrafted = _letter(db, meeting)
    assert invitation.replaces_document_id is None
    assert "thay thế" not in redrafted.subject
    assert (
        db.scalar(sa.select(SigningRequest.state).where(SigningRequest.document_id == unsent.id))
        is RequestState.CANCELLED
    )
    void = db.scalars(sa.select(IssuedNumber).where(IssuedNumber.document_id == unsent.id)).one()
    assert void.state is NumberState.VOID
    assert redrafted.number_symbol == "02/GM-UBND"  # a void number is never used again
    assert "Thời gian: 08:00 11/12/2026" in redrafted.content_text
    signing.sign_and_seal(meeting)
    assert _delivered(db, _letter(db, meeting)[1]) == {office.home_a.id, office.home_b.id}
    assert _delivered(db, unsent) == set()


def test_calling_the_meeting_off_withdraws_a_letter_not_yet_sent(db, office, meeting):
    _first, unsent = _letter(db, meeting)
    with StagedBlobs(office.blobs) as staged:
        meetings.cancel(db, office.clerk, meeting, sending(staged))
        db.commit()
    db.expire_all()
    assert flow.active_request(db, unsent) is None
    assert unsent.number_symbol is None
    assert invitation_letter.of_meeting(db, meeting).state is LetterState.STOPPED


def test_the_demo_meeting_has_a_sealed_giay_moi_sent_to_its_participants(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    (meeting,) = db.scalars(sa.select(Meeting)).all()
    found = invitation_letter.of_meeting(db, meeting)
    assert found.state is LetterState.SENT
    assert found.document.status is Status.ISSUED and found.invitation.sealed
    invited = {person.id for person in invitations.people(db, meeting)}
    assert invited and _delivered(db, found.document) == invited


def test_the_secretary_chooses_who_signs_when_publishing_and_the_chair_may_not_publish(
    client, db, office
):
    draft = new_meeting(db, office)
    invite(db, office, draft, "home_a")
    url = f"/meetings/{draft.id}/status"
    login(client, office.chairman)
    refused = client.post(url, data={"to": "published", "signer_id": office.chairman.id})
    assert refused.status_code == 403
    assert "thư ký cuộc họp" in refused.get_data(as_text=True)
    login(client, office.clerk)
    page = client.get(f"/meetings/{draft.id}/manage").get_data(as_text=True)
    assert 'data-testid="invitation-signer"' in page
    answer = client.post(url, data={"to": "published", "signer_id": office.finance_a.id})
    assert answer.status_code == 302
    _invitation, document = _letter(db, draft)
    assert document.signer_id == office.finance_a.id


def test_a_declined_giay_moi_is_prepared_again_by_the_secretary(client, db, office, meeting):
    declined = _letter(db, meeting)[1]
    declined_number, declined_year = declined.number_symbol, declined.issued_on.year
    request = flow.active_request(db, declined)
    flow.decline(db, office.chairman, request, "Sai địa điểm")
    db.commit()
    assert invitation_letter.of_meeting(db, meeting).state is LetterState.STOPPED
    url = f"/meetings/{meeting.id}/invitation/again"
    login(client, office.home_a)
    assert client.post(url).status_code == 403
    login(client, office.clerk)
    page = client.get(f"/meetings/{meeting.id}/manage").get_data(as_text=True)
    assert 'data-testid="invitation-again"' in page
    assert client.post(url).status_code == 302
    found = invitation_letter.of_meeting(db, meeting)
    # The page's app converts it first; this module's queue has no worker, so it waits there.
    assert found.state is LetterState.CONVERTING
    # A new number (the next one, or 01 of a new year's series); the declined one's is void.
    rows = db.execute(
        sa.select(IssuedNumber.year, IssuedNumber.number_symbol, IssuedNumber.state).order_by(
            IssuedNumber.id
        )
    ).all()
    assert [(r.year, r.number_symbol) for r in rows if r.state is NumberState.VOID] == [
        (declined_year, declined_number)
    ]
    reserved = [(r.year, r.number_symbol) for r in rows if r.state is NumberState.RESERVED]
    assert reserved == [(found.document.issued_on.year, found.document.number_symbol)]
    assert reserved[0] != (declined_year, declined_number)
    assert client.post(url).status_code == 409  # on its way again: nothing to redo
