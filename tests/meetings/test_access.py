"""The one rule: who sees a meeting, an item, and opens the versions on it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents import access as document_access
from documents.decree30 import Confidentiality
from documents.models import DocumentVersion
from meetings import access, agenda, participants
from meetings.errors import ItemNotFound, MeetingNotFound
from meetings.models import ItemKind, Participant, ParticipantRole
from tests.documents.office_testkit import draft
from tests.meetings.conftest import (
    add_item,
    attach,
    invite,
    issued_document,
    new_meeting,
    publish,
)


def sees(db, user, meeting):
    try:
        access.get_meeting(db, user, meeting.id)
    except MeetingNotFound:
        return False
    return True


def items_seen(db, user, meeting, items):
    seen = set()
    for item in items:
        try:
            access.get_item(db, user, meeting, item.id)
        except (ItemNotFound, MeetingNotFound):
            continue
        seen.add(item.title)
    return seen


def test_a_draft_is_seen_by_its_chair_and_secretary_only(db, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    assert sees(db, office.clerk, meeting) and sees(db, office.chairman, meeting)
    assert not sees(db, office.home_a, meeting)
    publish(db, office, meeting)
    assert sees(db, office.home_a, meeting)
    assert not sees(db, office.home_b, meeting)
    assert not sees(db, office.auditor, meeting)


def test_item_types_and_access_lists_narrow_what_each_participant_sees(db, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a", "home_b")
    invite(db, office, meeting, "finance_a", role=ParticipantRole.GUEST)
    opening = add_item(db, office, meeting, "open")
    internal = add_item(db, office, meeting, "internal", kind=ItemKind.INTERNAL)
    hidden = add_item(db, office, meeting, "hidden", kind=ItemKind.HIDDEN)
    under_hidden = add_item(db, office, meeting, "under hidden", parent=hidden)
    listed = add_item(db, office, meeting, "listed")
    under_listed = add_item(db, office, meeting, "under listed", parent=listed)
    home_a = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_a.id))
    agenda.set_access_list(
        db, office.clerk, meeting, listed.id, [home_a.id], expected_version=meeting.version
    )
    db.commit()
    publish(db, office, meeting)
    items = [opening, internal, hidden, under_hidden, listed, under_listed]
    everything = {i.title for i in items}
    assert items_seen(db, office.clerk, meeting, items) == everything
    assert items_seen(db, office.chairman, meeting, items) == everything
    assert items_seen(db, office.home_a, meeting, items) == {
        "open",
        "internal",
        "listed",
        "under listed",
    }
    assert items_seen(db, office.home_b, meeting, items) == {"open", "internal"}
    assert items_seen(db, office.finance_a, meeting, items) == {"open"}
    assert items_seen(db, office.outsider, meeting, items) == set()


def test_a_participant_removed_after_publishing_loses_access_at_once(db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "Báo cáo")
    document = issued_document(db, blobs, office)
    attach(db, office, meeting, item, document)
    publish(db, office, meeting)
    version = db.get(DocumentVersion, document.current_version_id)
    assert document_access.can_open(db, office.home_a, version)
    row = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_a.id))
    participants.remove(db, office.clerk, meeting, row.id)
    db.commit()
    assert not sees(db, office.home_a, meeting)
    assert not document_access.can_open(db, office.home_a, version)
    with pytest.raises(MeetingNotFound):
        access.get_item(db, office.home_a, access.get_meeting(db, office.clerk, meeting.id), 0)


def test_a_representative_sees_what_the_participant_sees_until_replaced(db, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    internal = add_item(db, office, meeting, "internal", kind=ItemKind.INTERNAL)
    publish(db, office, meeting)
    row = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_a.id))
    participants.send_representative(db, office.home_a, meeting, row.id, office.home_b.id)
    db.commit()
    assert items_seen(db, office.home_b, meeting, [internal]) == {"internal"}
    participants.send_representative(db, office.home_a, meeting, row.id, None)
    db.commit()
    assert not sees(db, office.home_b, meeting)


def test_only_the_participant_or_a_manager_names_a_representative(db, office):
    from meetings.errors import NotAllowed

    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a", "home_b")
    publish(db, office, meeting)
    row = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_a.id))
    with pytest.raises(NotAllowed):
        participants.send_representative(db, office.home_b, meeting, row.id, office.home_b.id)


def test_the_meeting_opens_exactly_the_attached_version_to_those_who_see_its_item(
    db, blobs, office
):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    invite(db, office, meeting, "finance_a", role=ParticipantRole.OBSERVER)
    public = add_item(db, office, meeting, "public")
    internal = add_item(db, office, meeting, "internal", kind=ItemKind.INTERNAL)
    document = draft(db, blobs, office.clerk)
    from tests.meetings.conftest import new_version

    new_version(db, blobs, office, document, "second")
    first, second = db.scalars(
        sa.select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.number)
    ).all()
    attach(db, office, meeting, public, document, number=1)
    other = draft(db, blobs, office.clerk, subject="Về việc nội bộ")
    attach(db, office, meeting, internal, other)
    other_version = db.get(DocumentVersion, other.current_version_id)
    assert not document_access.can_open(db, office.home_a, first)  # a draft: not yet
    publish(db, office, meeting)
    assert document_access.can_open(db, office.home_a, first)
    assert not document_access.can_open(db, office.home_a, second)  # not on the agenda
    assert document_access.can_open(db, office.home_a, other_version)
    assert document_access.can_open(db, office.finance_a, first)
    assert not document_access.can_open(db, office.finance_a, other_version)  # members only
    assert not document_access.can_open(db, office.outsider, first)


def test_a_confidential_document_is_never_opened_by_the_meeting(db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "secret")
    secret = draft(db, blobs, office.clerk, confidentiality=Confidentiality.MAT)
    attach(db, office, meeting, item, secret)
    publish(db, office, meeting)
    version = db.get(DocumentVersion, secret.current_version_id)
    assert not document_access.can_open(db, office.home_a, version)
    assert document_access.can_open(db, office.clerk, version)  # its drafter, as before


def test_participants_see_every_status_but_draft():
    from meetings.models import SHOWN_TO_PARTICIPANTS, MeetingStatus

    assert set(SHOWN_TO_PARTICIPANTS) == set(MeetingStatus) - {MeetingStatus.DRAFT}
