"""Written consultation: sent with exact versions and a notice, answered once (signed answers
verified by openssl), reminded once per lead, summarised by the job, late answers refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.serialization import Encoding

from accounts.models import OutgoingMail, UserNotification
from audit.models import AuditEvent
from documents import access as documents_access
from documents.models import Document, DocumentVersion
from meetings.errors import AlreadyVoted, BadPoll, NotAllowed, PollNotFound, PollNotOpen
from meetings.room import consultation as service
from meetings.room import polls
from meetings.room.models import AnswerSignature, Consultation, PollKind, PollStatus
from signing import authority
from tests.meetings.conftest import SIGNER_PIN, SIGNING_CONFIG, issued_document
from tests.signing.signing_testkit import openssl_verify

SENT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
QUESTION = polls.Question("Đồng ý điều chỉnh kế hoạch vốn?", PollKind.YES_NO_ABSTAIN)


@pytest.fixture
def app_config():
    return SIGNING_CONFIG


@pytest.fixture
def document(db, blobs, office):
    return issued_document(db, blobs, office)


@pytest.fixture
def sent(db, office, document):
    found = service.send(
        db,
        office.clerk,
        service.Request(
            title="Xin ý kiến về kế hoạch vốn",
            body="Đề nghị các thành viên cho ý kiến.",
            question=QUESTION,
            deadline=DEADLINE,
            member_ids=[office.chairman.id, office.home_a.id, office.home_b.id],
            version_ids=[document.current_version_id],
        ),
        now=SENT,
        email=True,
    )
    db.commit()
    return found


def yes(consultation):
    return consultation.poll.options[0]


def test_sending_notifies_each_member_in_vanthu_and_by_mail(db, office, sent, document):
    notified = set(
        db.scalars(
            sa.select(UserNotification.user_id).where(UserNotification.kind == "consultation_sent")
        )
    )
    assert notified == {office.chairman.id, office.home_a.id, office.home_b.id}
    mails = db.scalar(
        sa.select(sa.func.count())
        .select_from(OutgoingMail)
        .where(OutgoingMail.kind == "consultation_sent")
    )
    assert mails == sum(1 for p in (office.chairman, office.home_a, office.home_b) if p.email)
    assert [v.id for v in service.documents_of(db, sent)] == [document.current_version_id]


def test_a_member_opens_the_exact_version_sent_through_the_grant(db, office, sent, document):
    def may_open(user):
        return db.scalar(
            sa.select(documents_access.may_open(user))
            .select_from(DocumentVersion)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(DocumentVersion.id == document.current_version_id)
        )

    assert may_open(office.home_a) is True
    assert not may_open(office.finance_a)


def test_an_answer_is_counted_once_and_only_members_answer(db, office, sent):
    service.answer(db, office.home_a, sent.id, yes(sent).id, now=SENT)
    db.commit()
    with pytest.raises(AlreadyVoted):
        service.answer(db, office.home_a, sent.id, yes(sent).id, now=SENT)
    db.rollback()
    with pytest.raises(PollNotFound):
        service.answer(db, office.finance_a, sent.id, yes(sent).id, now=SENT)
    assert polls.ballots_cast(db, sent.poll_id) == 1


def test_a_late_answer_is_refused_and_nothing_is_stored(db, office, sent):
    with pytest.raises(PollNotOpen):
        service.answer(db, office.home_a, sent.id, yes(sent).id, now=DEADLINE)
    db.rollback()
    assert polls.ballots_cast(db, sent.poll_id) == 0


def test_bad_requests_send_nothing(db, office, document):
    def request(**changes):
        data = {
            "title": "Xin ý kiến",
            "body": "",
            "question": QUESTION,
            "deadline": DEADLINE,
            "member_ids": [office.home_a.id],
        }
        return service.Request(**{**data, **changes})

    for bad in (request(deadline=SENT), request(member_ids=[]), request(version_ids=[987654])):
        with pytest.raises(BadPoll):
            service.send(db, office.clerk, bad, now=SENT, email=False)
        db.rollback()
    with pytest.raises(NotAllowed):
        service.send(db, office.home_a, request(), now=SENT, email=False)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Consultation)) == 0


def test_a_signed_answer_verifies_with_openssl_over_its_statement(
    db, office, sent, signing, tmp_path
):
    settings = signing.settings
    signer = service.signer_for(db, settings, office.chairman, SIGNER_PIN)
    ballot = service.answer(db, office.chairman, sent.id, yes(sent).id, now=SENT, signer=signer)
    db.commit()
    stored = db.get(AnswerSignature, ballot.id)
    assert '"label":"Tán thành"' in stored.statement
    assert f'"username":"{office.chairman.username}"' in stored.statement
    ca_pem = b"".join(c.public_bytes(Encoding.PEM) for c in authority.ca_chain(db))
    checked = openssl_verify(stored.cms_der, stored.statement.encode(), ca_pem, tmp_path)
    assert checked.returncode == 0, checked.stderr
    forged = stored.statement.replace("Tán thành", "Không tán thành").encode()
    assert openssl_verify(stored.cms_der, forged, ca_pem, tmp_path).returncode != 0


def test_reminders_go_once_per_lead_to_those_who_have_not_answered(db, office, sent):
    service.answer(db, office.home_a, sent.id, yes(sent).id, now=SENT)
    db.commit()
    day_before = DEADLINE - timedelta(hours=20)
    assert service.remind_due(db, day_before, email=False) == 2
    db.commit()
    assert service.remind_due(db, day_before + timedelta(minutes=5), email=False) == 0
    assert service.remind_due(db, DEADLINE - timedelta(hours=1), email=False) == 2
    assert service.remind_due(db, SENT, email=False) == 0
    reminded = set(
        db.scalars(
            sa.select(UserNotification.user_id).where(
                UserNotification.kind == "consultation_reminder"
            )
        )
    )
    assert reminded == {office.chairman.id, office.home_b.id}


def live_asks(db, user):
    db.expire_all()
    return db.scalars(
        sa.select(UserNotification).where(
            UserNotification.user_id == user.id,
            UserNotification.action == "answer",
            UserNotification.done_at.is_(None),
        )
    ).all()


def test_the_request_to_answer_is_done_on_answering_and_moot_once_summarised(db, office, sent):
    service.answer(db, office.home_a, sent.id, yes(sent).id, now=SENT)
    db.commit()
    assert live_asks(db, office.home_a) == []
    assert len(live_asks(db, office.chairman)) == 1
    service.remind_due(db, DEADLINE - timedelta(hours=1), email=False)
    db.commit()
    [asked] = live_asks(db, office.chairman)  # the reminder refreshed it: still one
    assert asked.kind == "consultation_reminder"
    service.summarise_due(db, DEADLINE, email=False)
    db.commit()
    assert live_asks(db, office.chairman) == [] and live_asks(db, office.home_b) == []


def test_the_summary_is_made_at_the_deadline_once(db, office, sent):
    service.answer(db, office.home_a, sent.id, yes(sent).id, now=SENT)
    service.answer(db, office.home_b, sent.id, yes(sent).id, now=SENT)
    db.commit()
    assert service.summarise_due(db, DEADLINE - timedelta(minutes=1), email=False) == 0
    assert service.summarise_due(db, DEADLINE, email=False) == 1
    db.commit()
    assert service.summarise_due(db, DEADLINE + timedelta(hours=1), email=False) == 0
    db.refresh(sent)
    assert sent.poll.status is PollStatus.CLOSED
    assert sent.summary["answered"] == 2 and sent.summary["passed"] is True
    assert [m["answer"] for m in sent.summary["members"] if m["id"] == office.chairman.id] == [None]
    actions = set(
        db.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("%consult%")))
    )
    assert actions == {
        "meetings:consultation:send",
        "meetings:consultation:answer",
        "meetings:consultation:summarise",
    }
