"""`vanthu mail send` and `vanthu mail status` with e-mail on, against a real SMTP server."""

from __future__ import annotations

import pytest

from accounts.notification_views import notify_from_app
from accounts.notifications import outbox_counts

TITLE = "Welcome, %(name)s"


@pytest.fixture
def app_config(mail_server):
    return {
        "SMTP_URL": f"smtp://127.0.0.1:{mail_server.port}",
        "MAIL_FROM": "VanThu <vanthu@haugiang.gov.vn>",
        "PUBLIC_URL": "https://vanthu.haugiang.gov.vn/",
    }


def test_mail_send_delivers_what_the_app_queued_with_links_to_the_public_address(
    app, db, make, runner, mail_server
):
    person = make.user(email="an.nv@haugiang.gov.vn")
    with app.app_context():
        result = notify_from_app(
            db,
            [person],
            "test_reminder",
            TITLE,
            link="/notifications",
            actor=person,
            params={"name": "An"},
        )
    db.commit()
    assert (result.emails_queued, result.email_enabled) == (1, True)
    status = runner.invoke(args=["mail", "status"])
    assert status.output.splitlines() == [
        f"e-mail: on, through smtp://127.0.0.1:{mail_server.port}",
        "outbox: 1 pending, 0 sending, 0 sent, 0 failed",
    ]
    sent = runner.invoke(args=["mail", "send"])
    assert sent.exit_code == 0, sent.output
    assert sent.output == "1 sent, 0 to retry, 0 failed\n"
    [received] = mail_server.received
    assert received.recipients == ["an.nv@haugiang.gov.vn"]
    assert "https://vanthu.haugiang.gov.vn/notifications" in received.text
    assert list(outbox_counts(db).values()) == [0, 0, 1, 0]
