"""A meeting's calendar file, parsed back with icalendar: a stable UID, a SEQUENCE that grows
with each change of time or place, METHOD:CANCEL once cancelled, the attendees."""

from __future__ import annotations

from datetime import timedelta

import icalendar

from core.storage import StagedBlobs
from meetings import calendar, meetings
from meetings.models import Meeting
from tests.meetings.conftest import (
    NOW,
    SITE,
    START,
    add_item,
    invite,
    new_meeting,
    publish,
    sending,
)


def _ics(db, meeting) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(calendar.meeting_file(db, meeting, SITE, NOW))


def _event(cal) -> icalendar.Event:
    (event,) = cal.walk("VEVENT")
    return event


def _edit(db, office, meeting, **changes):
    fields = {
        "title": meeting.title,
        "kind": meeting.kind,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "chair_id": meeting.chair_id,
        "secretary_id": meeting.secretary_id,
        "room": meeting.room,
        "online_link": meeting.online_link,
    }
    fields.update(changes)
    with StagedBlobs(office.blobs) as staged:
        meetings.edit(
            db,
            office.clerk,
            meeting,
            meetings.MeetingData(**fields),
            meeting.version,
            sending=sending(staged),
        )
        db.commit()


def _published(db, office):
    office.home_a.email = "a.snv@haugiang.test"
    office.chairman.email = "chutich@haugiang.test"
    office.clerk.email = "vanthu@haugiang.test"
    db.commit()
    meeting = new_meeting(db, office, room="Phòng họp số 1")
    invite(db, office, meeting, "home_a", "home_b")
    add_item(db, office, meeting, "Khai mạc")
    publish(db, office, meeting)
    return meeting


def test_the_invitation_says_who_when_where_and_links_the_pack(db, office):
    meeting = _published(db, office)
    cal = _ics(db, meeting)
    assert cal["METHOD"] == "REQUEST"
    event = _event(cal)
    assert event["UID"] == calendar.uid(SITE, meeting.id)
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(hours=4)
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["SUMMARY"]) == meeting.title
    assert str(event["LOCATION"]) == "Phòng họp số 1"
    assert f"https://vanthu.test/meetings/{meeting.id}" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == "mailto:vanthu@haugiang.test"
    attendees = {str(a): a.params["ROLE"] for a in event["ATTENDEE"]}
    # home_b has no address: a calendar can only invite people it can write to.
    assert attendees == {
        "mailto:chutich@haugiang.test": "CHAIR",
        "mailto:a.snv@haugiang.test": "REQ-PARTICIPANT",
    }
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -SITE.alarm_before


def test_the_uid_stays_and_the_sequence_grows_with_time_and_place_then_cancel(db, office):
    meeting = _published(db, office)
    uid = _event(_ics(db, meeting))["UID"]
    _edit(db, office, meeting, title="Phiên họp (tên mới)")  # the title: no new sequence
    assert _event(_ics(db, meeting))["SEQUENCE"] == 0
    _edit(db, office, meeting, starts_at=START + timedelta(hours=1))
    event = _event(_ics(db, meeting))
    assert (event["UID"], event["SEQUENCE"]) == (uid, 1)
    assert event.decoded("DTSTART") == START + timedelta(hours=1)
    _edit(db, office, meeting, room="Phòng họp số 2")
    assert _event(_ics(db, meeting))["SEQUENCE"] == 2
    with StagedBlobs(office.blobs) as staged:
        meetings.cancel(db, office.clerk, meeting, sending(staged))
        db.commit()
    cal = _ics(db, meeting)
    event = _event(cal)
    assert cal["METHOD"] == "CANCEL"
    assert (event["UID"], event["SEQUENCE"], event["STATUS"]) == (uid, 3, "CANCELLED")
    assert not event.walk("VALARM")


def test_uids_differ_between_meetings_and_between_installations(db, office):
    other_site = calendar.Site(origin="cantho.gov.vn/vanthu/log")
    assert calendar.uid(SITE, 1) != calendar.uid(SITE, 2)
    assert calendar.uid(SITE, 1) != calendar.uid(other_site, 1)
    assert calendar.uid(SITE, 1) == calendar.uid(
        calendar.Site(origin=SITE.origin, public_url="https://elsewhere.test"), 1
    )


def test_the_ics_route_answers_a_participant_and_refuses_others(client, db, office):
    from tests.conftest import login

    meeting = _published(db, office)
    login(client, office.home_a)
    response = client.get(f"/meetings/{meeting.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "method=REQUEST" in response.headers["Content-Type"]
    event = _event(icalendar.Calendar.from_ical(response.data))
    assert event["UID"] == calendar.uid(
        calendar.Site(origin="cantho.gov.vn/vanthu/log"), meeting.id
    )
    login(client, office.outsider)
    assert client.get(f"/meetings/{meeting.id}.ics").status_code == 404
    draft = new_meeting(db, office, title="Chưa phát hành")
    invite(db, office, draft, "home_a")
    login(client, office.home_a)  # invited, but a draft is not shown to participants yet
    assert client.get(f"/meetings/{draft.id}.ics").status_code == 404
    assert db.get(Meeting, meeting.id).cancelled_at is None
