"""Pack readiness: who opened which exact version, who opened nothing, and reminding them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from accounts.models import OutgoingMail, UserNotification
from accounts.notifications import send_pending
from audit.models import AuditEvent
from core.mail import get_mailer
from documents import reading
from documents.decree30 import Confidentiality
from meetings import attachments, opening, readiness
from meetings.models import ItemDocument, ItemKind, Meeting, ParticipantRole
from meetings.readiness import Opened
from tests.conftest import count_statements, login
from tests.documents.office_testkit import draft
from tests.meetings.conftest import (
    add_item,
    attach,
    invite,
    new_meeting,
    new_version,
    publish,
    upload,
)


def read(db, user, meeting: Meeting, attachment: ItemDocument) -> None:
    """``user`` opens one document of the pack, as the pack's file route does."""
    opening.open_attachment(
        db,
        user,
        meeting.id,
        attachment.item_id,
        attachment.id,
        how=reading.How.FILE,
        prepare_document=lambda _d, _v: None,
        prepare_material=lambda _v: None,
    )
    db.commit()


@dataclass
class Small:
    meeting: Meeting
    budget: ItemDocument  # a draft on item 1
    report: ItemDocument  # a meeting material on item 1
    staff: ItemDocument  # a draft on the internal item 2
    secret: ItemDocument  # a confidential draft on item 1: withheld from every participant
    first: object
    internal: object


@pytest.fixture
def small(db, blobs, office) -> Small:
    """Two items (the second internal); home_a and home_b members, finance_a a guest."""
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a", "home_b")
    invite(db, office, meeting, "finance_a", role=ParticipantRole.GUEST)
    first = add_item(db, office, meeting, "Ngân sách")
    internal = add_item(db, office, meeting, "Nhân sự", kind=ItemKind.INTERNAL)
    budget = attach(db, office, meeting, first, draft(db, blobs, office.clerk, subject="Dự toán"))
    report = upload(db, blobs, office, meeting, first)
    secret_document = draft(
        db, blobs, office.clerk, subject="Về việc bí mật", confidentiality=Confidentiality.MAT
    )
    secret = attach(db, office, meeting, first, secret_document)
    staff = attach(
        db, office, meeting, internal, draft(db, blobs, office.clerk, subject="Biên chế")
    )
    publish(db, office, meeting)
    return Small(meeting, budget, report, staff, secret, first, internal)


def test_readiness_counts_each_participant_and_item_from_their_receipts(db, office, small):
    read(db, office.home_a, small.meeting, small.budget)
    read(db, office.home_a, small.meeting, small.report)
    read(db, office.home_a, small.meeting, small.report)  # twice is still one version opened

    report = readiness.report(db, office.clerk, small.meeting)
    rows = {r.participant.user_id: r for r in report.participants}
    home_a, home_b, guest = (
        rows[office.home_a.id],
        rows[office.home_b.id],
        rows[office.finance_a.id],
    )
    assert (home_a.opened, home_a.total) == (2, 3)  # the secret draft is no one's to open
    assert home_a.documents == {
        small.budget.id: Opened.THIS_VERSION,
        small.report.id: Opened.THIS_VERSION,
        small.staff.id: Opened.NOT_YET,
    }
    assert home_a.cells[small.first.id] == readiness.Cell(True, 2, 2)
    assert home_a.cells[small.internal.id] == readiness.Cell(True, 1, 0)
    assert (guest.opened, guest.total) == (0, 2)
    assert guest.cells[small.internal.id] == readiness.Cell(False)  # members only
    assert (home_b.opened, home_b.total) == (0, 3)
    assert {r.participant.user_id for r in report.not_started} == {
        office.home_b.id,
        office.finance_a.id,
    }
    assert (report.opened, report.expected, report.ready) == (2, 8, 0)
    first, internal = report.items
    assert (first.opened, first.expected) == (2, 6)
    assert (internal.opened, internal.expected) == (0, 2)
    assert small.secret.id not in {d.document.attachment_id for d in first.documents if d.readers}


def test_a_reader_of_a_replaced_version_has_opened_an_earlier_one(db, blobs, office, small):
    read(db, office.home_a, small.meeting, small.budget)
    assert small.budget.document_id is not None
    document = db.get(ItemDocument, small.budget.id).document_id
    from documents.models import Document

    new_version(db, blobs, office, db.get(Document, document), "Du toan sua doi")
    attachments.replace_document_version(
        db,
        office.clerk,
        small.meeting,
        small.budget.id,
        None,
        expected_version=small.meeting.version,
        store=blobs,
    )
    db.commit()
    report = readiness.report(db, office.clerk, small.meeting)
    home_a = next(r for r in report.participants if r.participant.user_id == office.home_a.id)
    assert home_a.documents[small.budget.id] is Opened.EARLIER
    assert home_a.opened == 0 and home_a.opened_anything
    assert office.home_a.id not in {r.participant.user_id for r in report.not_started}


def test_a_representative_reading_counts_for_the_invitation(db, office, small):
    from meetings import participants

    invitation = next(
        p for p in participants.listing(db, small.meeting) if p.user_id == office.home_b.id
    )
    participants.send_representative(
        db, office.home_b, small.meeting, invitation.id, office.home_clerk.id
    )
    db.commit()
    read(db, office.home_clerk, small.meeting, small.budget)
    db.expire_all()
    report = readiness.report(db, office.clerk, small.meeting)
    row = next(r for r in report.participants if r.participant.id == invitation.id)
    assert row.documents[small.budget.id] is Opened.THIS_VERSION


def test_the_page_shows_the_chart_and_the_grid_to_the_secretary(client, db, office, small):
    read(db, office.home_a, small.meeting, small.budget)
    login(client, office.clerk)
    page = client.get(f"/meetings/{small.meeting.id}/readiness")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="readiness-chart"' in html and "<svg" in html
    assert "<script" not in html.split("</main>")[0].split("<main")[1]  # no inline script
    assert 'data-testid="participants-count">3<' in html
    assert 'data-testid="not-started-count">2<' in html
    assert "Về việc bí mật" in html  # the secretary sees the whole agenda


def test_the_page_costs_the_same_statements_for_a_small_and_a_large_meeting(
    app, client, db, blobs, office, make, small
):
    login(client, office.clerk)
    url = f"/meetings/{small.meeting.id}/readiness"
    client.get(url)  # warm: the session's own first queries
    with count_statements(app) as few:
        assert client.get(url).status_code == 200
    meeting = small.meeting
    more = [make.user(f"nguoi{n}", unit=office.home) for n in range(6)]
    from meetings import participants

    participants.add_people(db, office.clerk, meeting, user_ids=[u.id for u in more])
    db.commit()
    for n in range(4):
        item = add_item(db, office, meeting, f"Nội dung {n}", parent=small.first if n % 2 else None)
        attach(db, office, meeting, item, draft(db, blobs, office.clerk, subject=f"Tờ trình {n}"))
        upload(db, blobs, office, meeting, item, f"Bao cao {n}", title=f"Báo cáo {n}")
    db.refresh(meeting)
    for person in more[:3]:
        read(db, person, meeting, small.budget)
    with count_statements(app) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_only_the_chair_and_the_secretary_see_readiness(client, db, office, small):
    url = f"/meetings/{small.meeting.id}/readiness"
    # Publishing notified the participants of the invitation; a refused reminder adds nothing.
    invited = db.scalar(sa.select(sa.func.count()).select_from(UserNotification))
    login(client, office.home_a)  # a participant
    assert client.get(url).status_code == 403
    assert client.post(url + "/remind").status_code == 403
    login(client, office.outsider)  # not invited: the meeting does not exist for them
    assert client.get(url).status_code == 404
    assert client.post(url + "/remind").status_code == 404
    login(client, office.chairman)
    assert client.get(url).status_code == 200
    assert db.scalar(sa.select(sa.func.count()).select_from(UserNotification)) == invited


class TestReminders:
    @pytest.fixture
    def app_config(self, mail_server):
        return {
            "SMTP_URL": f"smtp://127.0.0.1:{mail_server.port}",
            "MAIL_FROM": "VanThu <vanthu@haugiang.gov.vn>",
            "PUBLIC_URL": "https://vanthu.haugiang.gov.vn",
        }

    def test_one_press_reminds_each_person_who_opened_nothing_once(
        self, app, client, db, office, small, mail_server
    ):
        office.home_b.email = "b.snv@haugiang.gov.vn"
        office.home_a.email = "a.snv@haugiang.gov.vn"  # has read: never reminded
        db.commit()  # finance_a has no address: reminded in VanThu only
        read(db, office.home_a, small.meeting, small.report)
        login(client, office.clerk)
        response = client.post(f"/meetings/{small.meeting.id}/readiness/remind")
        assert response.status_code == 302

        notes = db.scalars(
            sa.select(UserNotification)
            .where(UserNotification.kind == readiness.REMINDER_KIND)  # not the invitations
            .order_by(UserNotification.id)
        ).all()
        assert sorted(n.user_id for n in notes) == sorted([office.home_b.id, office.finance_a.id])
        assert {n.link for n in notes} == {f"/meetings/{small.meeting.id}"}
        [letter] = db.scalars(
            sa.select(OutgoingMail).where(OutgoingMail.kind == readiness.REMINDER_KIND)
        ).all()
        assert letter.user_id == office.home_b.id
        report = send_pending(db, get_mailer(app))
        assert report.sent == 1
        [received] = mail_server.received
        assert received.recipients == ["b.snv@haugiang.gov.vn"]
        assert small.meeting.title in received.text
        assert f"https://vanthu.haugiang.gov.vn/meetings/{small.meeting.id}" in received.text

        [event] = db.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "meetings:readiness:remind")
        ).all()
        assert event.actor_id == office.clerk.id
        assert event.details["people"] == sorted([office.home_b.id, office.finance_a.id])
        assert "@" not in str(event.details) + str(event.subject)

    def test_the_reminder_is_done_once_the_person_opens_an_item_of_the_pack(
        self, client, db, office, small
    ):
        login(client, office.clerk)
        assert client.post(f"/meetings/{small.meeting.id}/readiness/remind").status_code == 302
        assert client.post(f"/meetings/{small.meeting.id}/readiness/remind").status_code == 302
        live = sa.select(UserNotification.user_id).where(
            UserNotification.kind == readiness.REMINDER_KIND, UserNotification.done_at.is_(None)
        )
        people = sorted([office.home_a.id, office.home_b.id, office.finance_a.id])
        assert sorted(db.scalars(live)) == people  # reminded twice: one live reminder each
        login(client, office.home_b)
        url = f"/meetings/{small.meeting.id}/items/{small.first.id}"
        assert client.get(url).status_code == 200
        db.expire_all()
        assert office.home_b.id not in db.scalars(live).all()
        assert office.home_a.id in db.scalars(live).all()  # only the reader's own is done

    def test_nobody_to_remind_is_said_and_nothing_is_sent(self, client, db, office, small):
        for person in (office.home_a, office.home_b, office.finance_a):
            read(db, person, small.meeting, small.budget)
        login(client, office.clerk)
        response = client.post(f"/meetings/{small.meeting.id}/readiness/remind")
        assert response.status_code == 409
        reminders = sa.select(sa.func.count()).where(
            UserNotification.kind == readiness.REMINDER_KIND
        )
        assert db.scalar(reminders) == 0
