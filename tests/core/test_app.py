"""The factory's configuration, security headers, errors and the language switch."""

from __future__ import annotations

import pytest

from core.app import create_app
from core.config import from_environment
from core.security import is_safe_next


def test_production_defaults_secure_cookies_and_a_generated_secret(tmp_path, monkeypatch):
    for name in (
        "VANTHU_SECRET_KEY",
        "VANTHU_COOKIE_SECURE",
        "VANTHU_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    config = from_environment(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'vanthu.sqlite3'}"
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == config["SECRET_KEY"]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert from_environment(tmp_path)["SECRET_KEY"] == config["SECRET_KEY"]


def test_environment_variables_override_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("VANTHU_SECRET_KEY", "from-env")
    monkeypatch.setenv("VANTHU_DATABASE_URL", "postgresql+psycopg://db/vanthu")
    monkeypatch.setenv("VANTHU_BLOB_DIR", "/srv/blobs")
    monkeypatch.setenv("VANTHU_MAX_UPLOAD_MB", "7")
    config = from_environment(tmp_path)
    assert config["SECRET_KEY"] == "from-env"
    assert config["DATABASE_URL"] == "postgresql+psycopg://db/vanthu"
    assert config["BLOB_DIR"] == "/srv/blobs"
    assert config["MAX_UPLOAD_MB"] == 7
    assert not (tmp_path / "secret_key").exists()


def test_every_page_carries_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_load_nothing_from_another_origin(client):
    page = client.get("/login").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    assert "<script>" not in page and " style=" not in page


def test_errors_are_html_for_browsers_and_json_for_programs(client):
    html = client.get("/no-such-page")
    assert html.status_code == 404 and html.mimetype == "text/html"
    assert "không tồn tại" in html.get_data(as_text=True)
    as_json = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.is_json
    assert as_json.json["message"]


def test_health_check_answers_when_the_database_does(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_language_choice_is_remembered_in_the_session(client):
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)
    response = client.post("/language", data={"language": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in to VanThu" in page


def test_language_choice_is_stored_on_the_account(client, auth, make, db):
    user = make.user("an.nv")
    auth.login("an.nv")
    client.post("/language", data={"language": "en"})
    db.refresh(user)
    assert user.locale == "en"
    auth.logout()
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
    fresh = client.application.test_client()
    fresh.post("/login", data={"username": "an.nv", "password": "correct horse battery"})
    assert 'lang="en"' in fresh.get("/").get_data(as_text=True)


def test_unknown_language_is_refused(client):
    assert client.post("/language", data={"language": "fr"}).status_code == 400


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/documents/1", True),
        ("/", True),
        ("//evil", False),
        ("https://evil", False),
        ("/\\evil", False),
        ("", False),
        (None, False),
        ("/a\nb", False),
        ("evil", False),
    ],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


def test_oversized_request_gets_413_with_a_clear_message(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "MB" in response.get_data(as_text=True)


def test_create_app_reads_the_instance_dir(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("VANTHU_INSTANCE_DIR", str(tmp_path / "inst"))
    monkeypatch.delenv("VANTHU_SECRET_KEY", raising=False)
    app = create_app({"DATABASE_URL": database_url})
    assert app.instance_path == str((tmp_path / "inst").resolve())
    assert (tmp_path / "inst" / "secret_key").exists()
