"""The bell during signing: each notification names the document, there is one per person and
action, and it is done as soon as the action is (or became moot), by whoever did it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from accounts import notifications
from accounts.models import User, UserNotification
from accounts.notification_subjects import render
from signing import flow, notices
from tests.signing.flow_testkit import VICE_PIN, Office


def notes_of(office: Office, user: User) -> list[UserNotification]:
    office.db.expire_all()
    return list(
        office.db.scalars(
            sa.select(UserNotification)
            .where(UserNotification.user_id == user.id)
            .order_by(UserNotification.id)
        )
    )


def live(office: Office, user: User, action: str) -> list[UserNotification]:
    return [n for n in notes_of(office, user) if n.action == action and n.done_at is None]


def test_after_signing_no_waiting_to_sign_notification_stays(office):
    """The reported bug: submitted, withdrawn, submitted again to two officials, then signed;
    two identical "waiting for your signature" notifications stayed, one for a signed document."""
    document = office.draft()
    first = office.submit(document, [office.vice, office.chairman])
    flow.cancel(office.db, office.clerk, first)
    office.db.commit()
    assert live(office, office.vice, notices.SIGN) == []
    request = office.submit(document, [office.vice, office.chairman])
    assert len(live(office, office.vice, notices.SIGN)) == 1
    assert notifications.unread_count(office.db, office.vice) == 1

    office.sign(request, office.vice, VICE_PIN)
    assert live(office, office.vice, notices.SIGN) == []
    assert notifications.unread_count(office.db, office.vice) == 0
    [asked] = live(office, office.chairman, notices.SIGN)
    assert asked.subject_kind == "document" and asked.subject_id == document.id

    office.sign(request)
    assert live(office, office.chairman, notices.SIGN) == []
    assert notifications.unread_count(office.db, office.chairman) == 0
    assert len(live(office, office.clerk, notices.SEAL)) == 1

    office.seal(request)
    assert live(office, office.clerk, notices.SEAL) == []
    assert notifications.unread_count(office.db, office.clerk) == 0
    everyone = office.db.scalars(sa.select(UserNotification)).all()
    assert everyone and all(n.done_at is not None for n in everyone if n.action)


def test_a_decline_clears_the_request_and_tells_the_clerk_which_document(office):
    document = office.draft()
    request = office.submit(document)
    flow.decline(office.db, office.chairman, request, "Cần bổ sung căn cứ pháp lý")
    office.db.commit()
    assert live(office, office.chairman, notices.SIGN) == []
    [told] = notes_of(office, office.clerk)
    assert told.kind == "signing_declined" and told.action is None
    title, body = render(told, "vi")
    # The number reserved at submission, void now, names the document the clerk knew.
    assert title == "Văn bản bị từ chối ký: 01/QĐ-UBND"
    assert "Cần bổ sung căn cứ pháp lý" in body and "Ban hành Quy chế" in body
    assert notifications.unread_count(office.db, office.clerk) == 1


def test_notifications_name_the_document_in_both_languages(office):
    document = office.draft()
    office.submit(document)
    [note] = notes_of(office, office.chairman)
    assert render(note, "vi") == (
        "Văn bản chờ đồng chí ký số: 01/QĐ-UBND",
        "Trích yếu: Ban hành Quy chế làm việc không giấy",
    )
    assert render(note, "en") == (
        "Waiting for your signature: 01/QĐ-UBND",
        "Subject: Ban hành Quy chế làm việc không giấy",
    )
    unnumbered = office.draft(subject="Về việc " + "rất dài " * 30)
    notices.ask_to_sign(office.db, office.vice.id, unnumbered)
    [note] = notes_of(office, office.vice)
    title, body = render(note, "vi")
    assert title == "Văn bản chờ đồng chí ký số: chưa cấp số"
    assert render(note, "en")[0] == "Waiting for your signature: not yet numbered"
    assert body.endswith("…") and len(body) < 120


def test_asking_again_refreshes_the_live_notification_instead_of_adding_one(office):
    document = office.draft()
    notices.ask_to_sign(office.db, office.chairman.id, document)
    [first] = notes_of(office, office.chairman)
    notifications.mark_read(office.db, office.chairman, first.id)
    notices.ask_to_sign(office.db, office.chairman.id, document)
    office.db.commit()
    [again] = notes_of(office, office.chairman)
    assert again.id == first.id and again.read_at is None
    assert notifications.unread_count(office.db, office.chairman) == 1


def test_the_database_refuses_a_second_live_notification_for_one_action(office):
    document = office.draft()
    for _ in range(2):
        office.db.add(
            UserNotification(
                user_id=office.chairman.id,
                kind="signing_requested",
                title="x",
                subject_kind="document",
                subject_id=document.id,
                action=notices.SIGN,
            )
        )
    with pytest.raises(IntegrityError):
        office.db.flush()
    office.db.rollback()
    done = UserNotification(
        user_id=office.chairman.id, kind="k", title="x", subject_kind="document",
        subject_id=document.id, action=notices.SIGN, done_at=document.created_at,
    )  # fmt: skip
    office.db.add(done)
    notices.ask_to_sign(office.db, office.chairman.id, document)
    office.db.commit()
    assert len(notes_of(office, office.chairman)) == 2  # a done one does not count
