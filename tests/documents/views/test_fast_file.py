"""The file route's fast path: it answers a signed-in reader's allowed file exactly as the
route would, and leaves every other request to the route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Blueprint

from accounts.models import User
from audit.models import AuditEvent, AuditLeaf
from core.app import create_app
from documents.models import Document
from documents.views.fast_file import FileFastPath, UnknownHook
from tests.conftest import login, make_test_config
from tests.documents.pages_testkit import build_office, receipts_of, sent_to_home

MOMENT = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = MOMENT

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """A still clock for the sessions, so that no cookie falls due for rewriting by itself."""
    clock = Clock()
    monkeypatch.setattr("accounts.sessions.utcnow", clock)
    return clock


@pytest.fixture
def office(make):
    return build_office(make)


@pytest.fixture
def sent(client, db, office, pdf_of):
    """An issued document whose version 3 was sent to the reader's unit (1 and 2: drafts)."""
    return sent_to_home(client, db, office, pdf_of)


def served(app) -> int:
    fast_path: FileFastPath = app.extensions["vanthu.file_fast_path"]
    return fast_path.served


def opening_events(db, user):
    return db.scalars(
        sa.select(AuditEvent.details)
        .where(AuditEvent.action == "documents:version:open", AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.id)
    ).all()


@pytest.mark.parametrize(("query", "how"), [("", "file"), ("?download=1", "download")])
def test_an_allowed_file_is_answered_below_flask_as_the_route_answers_it(
    app, client, db, office, sent, query, how
):
    login(client, office["reader"])
    url = f"/documents/{sent.id}/v/3/file{query}"
    before = served(app)
    fast = client.get(url)
    assert served(app) == before + 1
    app.config["FILE_FAST_PATH"] = False
    route = client.get(url)
    assert served(app) == before + 1
    assert fast.status_code == route.status_code == 200
    assert fast.data == route.data and fast.data.startswith(b"%PDF")
    assert dict(fast.headers) == dict(route.headers)
    assert receipts_of(db, office["reader"]) == 2
    assert [event["how"] for event in opening_events(db, office["reader"])] == [how, how]


def test_its_events_join_the_log(app, client, db, office, sent):
    login(client, office["reader"])
    leaves = db.scalar(sa.select(sa.func.count()).select_from(AuditLeaf))
    before = served(app)
    assert client.get(f"/documents/{sent.id}/v/3/file?download=1").status_code == 200
    assert served(app) == before + 1
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditLeaf)) == leaves + 1


def revoke(app, client, db, office):
    """The reader signs out on another device: every session of theirs ends."""
    other = app.test_client()
    login(other, office["reader"])
    other.post("/logout")


def deactivate(app, client, db, office):
    db.execute(sa.update(User).where(User.id == office["reader"].id).values(active=False))
    db.commit()


def recall(app, client, db, office):
    document = db.scalars(sa.select(Document).order_by(Document.id.desc())).first()
    login(client, office["clerk"])
    assert client.post(f"/documents/{document.id}/recall", data={"reason": "Sai"}).status_code
    login(client, office["reader"])


@pytest.mark.parametrize(
    ("change", "path", "method", "environ", "status"),
    [
        (None, "/v/1/file", "GET", {}, 403),  # a draft before the version sent
        (None, "/v/9/file", "GET", {}, 404),
        (None, "/v/3/file", "HEAD", {}, 200),  # sends no bytes: not counted
        (None, "/v/3/file?opened=forged", "GET", {}, 200),  # the reading page's pass
        (None, "/v/3/file", "GET", {"REMOTE_ADDR": "10.9.9.9"}, 302),  # a copied cookie
        (revoke, "/v/3/file", "GET", {}, 302),
        (deactivate, "/v/3/file", "GET", {}, 302),
        (recall, "/v/3/file", "GET", {}, 410),
    ],
    ids=["draft", "no-version", "head", "pass", "copied", "revoked", "inactive", "recalled"],
)
def test_everything_else_is_left_to_the_route(
    app, client, db, office, sent, change, path, method, environ, status
):
    login(client, office["reader"])
    if change is not None:
        change(app, client, db, office)
    before = served(app)
    response = client.open(f"/documents/{sent.id}{path}", method=method, environ_base=environ)
    assert response.status_code == status
    assert served(app) == before


def test_a_signed_out_visitor_is_sent_to_sign_in_by_the_route(app, client, sent):
    client.post("/logout")
    response = client.get(f"/documents/{sent.id}/v/3/file")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_cookie_due_for_rewriting_goes_to_the_route_once(app, client, db, office, sent, clock):
    login(client, office["reader"])
    url = f"/documents/{sent.id}/v/3/file"
    clock.now += timedelta(minutes=2)
    before = served(app)
    first = client.get(url)
    assert first.status_code == 200 and "Set-Cookie" in first.headers
    assert served(app) == before  # the route wrote the new last-seen time
    second = client.get(url)
    assert second.status_code == 200 and "Set-Cookie" not in second.headers
    assert served(app) == before + 1
    assert receipts_of(db, office["reader"]) == 2


def test_the_ordinary_route_answers_everything_when_it_is_off(app, client, office, sent):
    app.config["FILE_FAST_PATH"] = False
    login(client, office["reader"])
    assert client.get(f"/documents/{sent.id}/v/3/file").status_code == 200
    assert served(app) == 0


def test_an_unknown_request_hook_stops_it_from_being_installed(database_url, tmp_path):
    app = create_app(make_test_config(database_url, tmp_path))
    FileFastPath(app, app.wsgi_app)  # every hook known

    @app.before_request
    def audit_every_request() -> None:
        return None

    with pytest.raises(UnknownHook, match="audit_every_request"):
        FileFastPath(app, app.wsgi_app)


def test_a_hook_of_the_documents_pages_counts_but_not_another_blueprints(database_url, tmp_path):
    other = Blueprint("elsewhere", __name__)
    other.before_request(lambda: None)
    app = create_app(make_test_config(database_url, tmp_path))
    app.register_blueprint(other)
    FileFastPath(app, app.wsgi_app)
    app.before_request_funcs.setdefault("documents", []).append(lambda: None)
    with pytest.raises(UnknownHook):
        FileFastPath(app, app.wsgi_app)
