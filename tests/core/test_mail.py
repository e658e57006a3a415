"""E-mail through a real SMTP server on 127.0.0.1: settings, encoding, protection and refusals."""

from __future__ import annotations

import socket
import ssl

import pytest

from core import mail
from core.config import ConfigurationError, from_environment
from core.mail import Letter, Mailer, MailError, SmtpSettings, parse_sender, parse_smtp_url
from tests.mailserver import MailServer, self_signed_certificate, server_tls_context

SENDER = "Văn phòng UBND tỉnh <vanthu@haugiang.gov.vn>"
LETTER = Letter(
    to_address="an.nv@haugiang.gov.vn",
    to_name="Nguyễn Văn Ấn",
    subject="Nhắc đọc tài liệu họp / Reminder to read the meeting pack",
    text="Kính gửi đồng chí: tài liệu phiên họp đã sẵn sàng.\n",
    message_id="<vanthu.mail.7@haugiang.gov.vn>",
)


def plain_mailer(port: int, **settings: object) -> Mailer:
    smtp = SmtpSettings(host="127.0.0.1", port=port, security="plain", timeout=10, **settings)
    return Mailer(smtp, parse_sender(SENDER))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "security", "port", "username", "password"),
    [
        ("smtp://mail.haugiang.gov.vn", "plain", 25, None, None),
        ("smtps://vanthu:secret@mail.haugiang.gov.vn", "tls", 465, "vanthu", "secret"),
        ("smtp+starttls://vanthu@mail.haugiang.gov.vn", "starttls", 587, "vanthu", None),
        ("SMTP+STARTTLS://v%40t:p%3Aw@mail:2525", "starttls", 2525, "v@t", "p:w"),
    ],
)
def test_the_smtp_url_names_server_protection_and_credentials(
    url, security, port, username, password
):
    settings = parse_smtp_url(url)
    assert (settings.security, settings.port, settings.username, settings.password) == (
        security,
        port,
        username,
        password,
    )
    assert "secret" not in settings.describe() and "secret" not in repr(settings)


def test_a_password_from_a_file_replaces_the_one_in_the_url(tmp_path, monkeypatch):
    secret = tmp_path / "smtp_password"
    secret.write_text("mat-khau-thu\n", encoding="utf-8")
    monkeypatch.setenv("VANTHU_SMTP_URL", "smtp+starttls://vanthu:old@mail.haugiang.gov.vn")
    monkeypatch.setenv("VANTHU_SMTP_PASSWORD_FILE", str(secret))
    monkeypatch.setenv("VANTHU_MAIL_FROM", SENDER)
    mailer = mail.mailer_from_config(from_environment(tmp_path))
    assert mailer is not None
    assert mailer.settings.password == "mat-khau-thu"
    assert mailer.sender.display_name == "Văn phòng UBND tỉnh"


def test_an_empty_password_file_is_refused(tmp_path, monkeypatch):
    secret = tmp_path / "smtp_password"
    secret.write_text("\n")
    monkeypatch.setenv("VANTHU_SMTP_PASSWORD_FILE", str(secret))
    with pytest.raises(ConfigurationError, match="smtp_password is empty"):
        from_environment(tmp_path)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://user:hunter2@mail", "must start with"),
        ("smtp://:hunter2@", "names no host"),
        ("smtp://:hunter2@mail", "password but no user"),
        ("smtp://user:hunter2@mail:port", "not a URL"),
    ],
)
def test_a_bad_smtp_url_is_refused_without_repeating_the_password(url, problem):
    with pytest.raises(ConfigurationError, match=problem) as refused:
        parse_smtp_url(url)
    assert "hunter2" not in str(refused.value)


def test_a_password_smtplib_cannot_send_is_refused_when_read():
    with pytest.raises(ConfigurationError, match="must be ASCII"):
        parse_smtp_url("smtp://vanthu@mail", password="mật khẩu")


def test_without_an_smtp_url_mail_is_off_and_with_one_a_sender_is_needed():
    assert mail.mailer_from_config({"SMTP_URL": None, "MAIL_FROM": SENDER}) is None
    with pytest.raises(ConfigurationError, match="VANTHU_MAIL_FROM"):
        mail.mailer_from_config({"SMTP_URL": "smtp://mail"})
    with pytest.raises(ConfigurationError, match="VANTHU_MAIL_FROM"):
        mail.mailer_from_config({"SMTP_URL": "smtp://mail", "MAIL_FROM": "not an address"})


def test_the_server_receives_the_letter_with_vietnamese_names_encoded(mail_server):
    with plain_mailer(mail_server.port).connect() as connection:
        connection.send(LETTER)
    [received] = mail_server.received
    assert received.mail_from == "vanthu@haugiang.gov.vn"
    assert received.recipients == ["an.nv@haugiang.gov.vn"]
    message = received.message
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Nguyễn Văn Ấn", "an.nv@haugiang.gov.vn")
    assert message["From"].addresses[0].display_name == "Văn phòng UBND tỉnh"
    assert message["Subject"] == LETTER.subject
    assert message["Message-ID"] == "<vanthu.mail.7@haugiang.gov.vn>"
    assert message.get_content_charset() == "utf-8"
    assert received.text == LETTER.text
    raw_headers = received.raw.split(b"\r\n\r\n", 1)[0]
    assert b"Subject: =?utf-8?" in raw_headers
    assert raw_headers.isascii()  # RFC 2047 words, readable by any mail server


def test_the_mailer_signs_in_with_the_configured_user(tmp_path):
    server = MailServer(with_login=True).start()
    try:
        with plain_mailer(server.port, username="vanthu", password="mat-khau-thu").connect() as c:
            c.send(LETTER)
        assert len(server.received) == 1
        assert server.logins == [("vanthu", "mat-khau-thu")]
        with (
            pytest.raises(MailError) as refused,
            plain_mailer(server.port, username="vanthu", password="wrong").connect(),
        ):
            pass
    finally:
        server.stop()
    assert not refused.value.permanent  # the settings are wrong, not the letters: they wait
    assert "wrong" not in refused.value.reason


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_the_connection_is_encrypted_and_the_server_certificate_checked(tmp_path, security):
    cert_file, key_file = self_signed_certificate(tmp_path)
    tls = server_tls_context(cert_file, key_file)
    if security == "tls":
        server = MailServer(ssl_context=tls)
    else:
        server = MailServer(tls_context=tls, require_starttls=True)
    server.start()
    try:
        smtp = SmtpSettings(host="127.0.0.1", port=server.port, security=security, timeout=10)
        trusting = ssl.create_default_context(cafile=str(cert_file))
        with Mailer(smtp, parse_sender(SENDER), ssl_context=trusting).connect() as connection:
            connection.send(LETTER)
        assert len(server.received) == 1
        with (
            pytest.raises(MailError, match="SSL"),
            Mailer(smtp, parse_sender(SENDER)).connect(),  # the system's CAs do not know it
        ):
            pass
    finally:
        server.stop()
    assert len(server.received) == 1


def test_an_unreachable_server_is_a_failure_worth_retrying():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(MailError) as failed, plain_mailer(port).connect():
        pass
    assert not failed.value.permanent
    assert "ConnectionRefusedError" in failed.value.reason


@pytest.mark.parametrize(
    ("reply", "permanent"), [("550 5.1.1 <{}> unknown", True), ("451 4.3.0 <{}> later", False)]
)
def test_a_refused_recipient_says_whether_to_try_again_without_the_address(
    mail_server, reply, permanent
):
    mail_server.recorder.refuse_recipients = reply.format(LETTER.to_address)
    with plain_mailer(mail_server.port).connect() as connection:
        with pytest.raises(MailError) as refused:
            connection.send(LETTER)
        mail_server.recorder.refuse_recipients = None
        connection.send(LETTER)  # the connection goes on for the next letter
    assert refused.value.permanent is permanent
    assert "@" not in refused.value.reason and reply[:3] in refused.value.reason
    assert len(mail_server.received) == 1


def test_the_app_says_once_whether_mail_is_on(app, runner):
    assert mail.get_mailer(app) is None
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0
    assert result.output.startswith("e-mail: off (VANTHU_SMTP_URL is not set)")
    refused = runner.invoke(args=["mail", "send"])
    assert refused.exit_code == 1 and "VANTHU_SMTP_URL is not set" in refused.output
