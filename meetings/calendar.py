"""A meeting as an iCalendar event (RFC 5545 and, for e-mailed invitations, RFC 5546), built
with the `icalendar` package.

The event's UID is derived from the meeting's id and this VanThu's identity (its audit log's
origin, which never changes), so a calendar app recognises every later file as the same event.
Its SEQUENCE is the meeting's ``calendar_sequence``, raised by each change a calendar must apply
(time, place, cancellation): an app keeps the copy with the highest one. Times are in UTC.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import icalendar
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from accounts.models import User
from meetings.models import Meeting, Participant, ParticipantRole

PRODID = "-//VanThu//Meetings//VI"
#: What an ATTENDEE's role is called in iCalendar.
ROLES = {
    ParticipantRole.MEMBER: "REQ-PARTICIPANT",
    ParticipantRole.GUEST: "OPT-PARTICIPANT",
    ParticipantRole.OBSERVER: "NON-PARTICIPANT",
}


class Method(enum.StrEnum):
    #: An invitation or an update of it, e-mailed (or downloaded) to be added to a calendar.
    REQUEST = "REQUEST"
    #: The meeting is called off.
    CANCEL = "CANCEL"
    #: A subscribed feed: events as they are, no reply expected.
    PUBLISH = "PUBLISH"


@dataclass(frozen=True)
class Site:
    """What the calendar files say about this VanThu."""

    #: The audit log's origin (VANTHU_LOG_ORIGIN): stable for the life of the installation.
    origin: str
    #: VANTHU_PUBLIC_URL: links in the events start with it (unset: the link is a path).
    public_url: str | None = None
    #: Shown as the organiser when the meeting's secretary has no e-mail address.
    mail_from: str | None = None
    #: When calendar apps remind (VALARM) before the meeting.
    alarm_before: timedelta = timedelta(hours=1)

    def link(self, path: str) -> str:
        return (self.public_url or "").rstrip("/") + path


def site_from_config(config: Mapping[str, object]) -> Site:
    """The site as the app's settings describe it (core/config.py)."""
    hours = config.get("MEETING_REMINDER_HOURS") or (1.0,)
    assert isinstance(hours, tuple)
    return Site(
        origin=str(config["LOG_ORIGIN"]),
        public_url=str(config["PUBLIC_URL"]) if config.get("PUBLIC_URL") else None,
        mail_from=str(config["MAIL_FROM"]) if config.get("MAIL_FROM") else None,
        alarm_before=timedelta(hours=min(hours)),
    )


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    role: str


def uid(site: Site, meeting_id: int) -> str:
    """The event's UID: the same for a meeting as long as this VanThu exists, different between
    two installations."""
    host = site.origin.split("/", 1)[0] or "vanthu"
    digest = hashlib.sha256(site.origin.encode()).hexdigest()[:12]
    return f"meeting-{meeting_id}.{digest}@{host}"


def attendees(session: Session, meetings: Sequence[Meeting]) -> dict[int, list[Attendee]]:
    """Per meeting, the invited people (and those they sent in their place) who have an e-mail
    address, and its chair; one query."""
    found: dict[int, list[Attendee]] = {m.id: [] for m in meetings}
    if not meetings:
        return found
    person = aliased(User)
    rows = session.execute(
        sa.select(Participant.meeting_id, Participant.role, person.full_name, person.email)
        .join(
            person,
            sa.or_(person.id == Participant.user_id, person.id == Participant.representative_id),
        )
        .where(
            Participant.meeting_id.in_([m.id for m in meetings]),
            Participant.removed_at.is_(None),
            person.active,
            person.email.is_not(None),
            person.email != "",
        )
        .order_by(Participant.meeting_id, person.full_name, person.id)
    ).all()
    seen: set[tuple[int, str]] = set()
    for meeting in meetings:
        chair = meeting.chair
        if chair.email:
            found[meeting.id].append(Attendee(chair.full_name, chair.email, "CHAIR"))
            seen.add((meeting.id, chair.email.lower()))
    for meeting_id, role, name, email in rows:
        if not email or (meeting_id, email.lower()) in seen:
            continue
        seen.add((meeting_id, email.lower()))
        found[meeting_id].append(Attendee(name, email, ROLES[ParticipantRole(role)]))
    return found


def event(
    meeting: Meeting, people: Iterable[Attendee], site: Site, now: datetime
) -> icalendar.Event:
    """One meeting as a VEVENT."""
    cancelled = meeting.cancelled_at is not None
    link = site.link(f"/meetings/{meeting.id}")
    item = icalendar.Event()
    item.add("uid", uid(site, meeting.id))
    item.add("sequence", meeting.calendar_sequence)
    item.add("dtstamp", now)
    item.add("dtstart", meeting.starts_at)
    item.add("dtend", meeting.ends_at)
    item.add("summary", meeting.title)
    location = " — ".join(part for part in (meeting.room, meeting.online_link) if part)
    if location:
        item.add("location", location)
    item.add(
        "description",
        f"Tài liệu cuộc họp trên VanThu / The meeting's pack in VanThu: {link}",
    )
    if site.public_url:
        item.add("url", link)
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    item.add("transp", "OPAQUE")
    organiser = _organiser(meeting, site)
    if organiser is not None:
        item.add("organizer", organiser)
    for person in people:
        address = icalendar.vCalAddress(f"mailto:{person.email}")
        address.params["cn"] = icalendar.vText(person.name)
        address.params["role"] = icalendar.vText(person.role)
        address.params["partstat"] = icalendar.vText("NEEDS-ACTION")
        address.params["rsvp"] = icalendar.vText("FALSE")
        item.add("attendee", address, encode=False)
    if not cancelled:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", meeting.title)
        alarm.add("trigger", -site.alarm_before)
        item.add_component(alarm)
    return item


def _organiser(meeting: Meeting, site: Site) -> icalendar.vCalAddress | None:
    secretary = meeting.secretary
    if secretary.email:
        address = icalendar.vCalAddress(f"mailto:{secretary.email}")
        address.params["cn"] = icalendar.vText(secretary.full_name)
        return address
    if site.mail_from:
        from email.utils import parseaddr

        name, email = parseaddr(site.mail_from)
        if "@" in email:
            address = icalendar.vCalAddress(f"mailto:{email}")
            if name:
                address.params["cn"] = icalendar.vText(name)
            return address
    return None


def calendar(
    events: Iterable[icalendar.Event], method: Method, name: str | None = None
) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method.value)
    if name:
        cal.add("x-wr-calname", name)
        # How often a subscribed app should fetch the feed again.
        cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", timedelta(hours=1))
    for item in events:
        cal.add_component(item)
    return cal


def method_for(meeting: Meeting) -> Method:
    return Method.CANCEL if meeting.cancelled_at is not None else Method.REQUEST


def meeting_file(session: Session, meeting: Meeting, site: Site, now: datetime) -> bytes:
    """The .ics of one meeting: an invitation (REQUEST), or its cancellation (CANCEL)."""
    people = attendees(session, [meeting])[meeting.id]
    return calendar([event(meeting, people, site, now)], method_for(meeting)).to_ical()


def feed_file(meetings: Sequence[Meeting], site: Site, now: datetime, name: str) -> bytes:
    """A subscribed calendar: every meeting given, cancelled ones marked so. It lists no
    attendees: a feed's address may travel further than its owner meant."""
    events = [event(m, (), site, now) for m in meetings]
    return calendar(events, Method.PUBLISH, name).to_ical()
