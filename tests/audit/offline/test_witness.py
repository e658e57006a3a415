"""The witness hook: a third party follows the log over HTTP and notices rewritten history."""

from __future__ import annotations

import io
import json
import threading
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from audit import record_event
from audit.config import log_settings
from audit.errors import WitnessUnusable
from audit.log import integrate
from audit.offline import witness
from core import cli

LOG = "http://vanthu.test/log"


@pytest.fixture
def settings(app):
    with app.app_context():
        return log_settings()


@pytest.fixture
def grow(db, settings):
    def grow(count):
        for i in range(count):
            record_event(db, "tests:thing:happen", actor=i, subject={"n": i})
        db.commit()
        return integrate(db, settings).size

    return grow


@pytest.fixture
def fetch(client):
    """The witness's HTTP GET, answered by the app in-process."""

    def fetch(url):
        parts = urlsplit(url)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if response.status_code != 200:
            raise WitnessUnusable(f"{url} answered {response.status_code}")
        return response.data

    return fetch


def run(state, fetch, *extra):
    out = io.StringIO()
    code = witness.main([LOG, "--state", str(state), *extra], out=out, fetch=fetch)
    return code, out.getvalue()


def test_the_witness_pins_the_key_then_follows_the_log_as_it_grows(tmp_path, grow, fetch, settings):
    state = tmp_path / "witness.json"
    grow(3)
    assert run(state, fetch) == (0, f"consistent: {settings.origin} at size 3 (was 0)\n")
    saved = json.loads(state.read_text())
    assert saved["vkey"] == settings.vkey and saved["size"] == 3
    for batch in (1, 4, 9):
        grow(batch)
        code, out = run(state, fetch)
        assert code == 0, out
    assert json.loads(state.read_text())["size"] == 17
    assert run(state, fetch)[0] == 0  # nothing new is fine too


def test_a_log_that_rewrote_its_history_raises_the_alarm(tmp_path, db, grow, fetch):
    state = tmp_path / "witness.json"
    grow(5)
    assert run(state, fetch)[0] == 0
    before = state.read_text()
    # The operator wipes the log and rebuilds it from other events, signing with the same key.
    for table in ("audit_checkpoints", "audit_nodes", "audit_leaves"):
        db.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names
    db.commit()
    grow(8)
    code, out = run(state, fetch)
    assert code == 1
    assert out.startswith("ALARM: the log rewrote history")
    assert state.read_text() == before  # the evidence is kept


def test_a_log_that_shrank_raises_the_alarm(tmp_path, db, grow, fetch, settings):
    state = tmp_path / "witness.json"
    grow(6)
    assert run(state, fetch)[0] == 0
    for table in ("audit_checkpoints", "audit_nodes", "audit_leaves"):
        db.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names
    db.commit()
    grow(2)
    code, out = run(state, fetch)
    assert code == 1 and "shrank from 6 to 2" in out


def test_the_pinned_key_wins_over_a_new_one(tmp_path, grow, fetch, settings):
    state = tmp_path / "witness.json"
    grow(2)
    assert run(state, fetch, "--vkey", settings.vkey)[0] == 0
    other = "other.example/log+0a0b0c0d+AQ" + "A" * 42 + "="
    code, out = run(state, fetch, "--vkey", other)
    assert code == 2 and "differs from the key pinned" in out


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (b"not json", "not a witness update"),
        (b'{"checkpoint": "x\\n", "from": 0, "consistency": []}', "does not verify"),
    ],
)
def test_answers_that_check_nothing_are_unusable(tmp_path, grow, fetch, settings, answer, reason):
    grow(1)

    def lying(url):
        return answer if "/witness" in url else fetch(url)

    code, out = run(tmp_path / "w.json", lying)
    assert code == 2 and reason in out


def test_an_unreadable_state_file_is_unusable(tmp_path, grow, fetch):
    state = tmp_path / "w.json"
    state.write_text("{")
    assert run(state, fetch)[0] == 2


def test_the_witness_command_over_real_http_on_loopback(app, tmp_path, grow, settings):
    grow(4)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        state = tmp_path / "w.json"
        with pytest.raises(SystemExit) as exited:
            cli.main(["audit", "witness", url, "--state", str(state)])
        assert exited.value.code == 0
        grow(3)
        with pytest.raises(SystemExit) as exited:
            cli.main(["audit", "witness", url + "/log/", "--state", str(state)])
        assert exited.value.code == 0
        assert json.loads(state.read_text())["size"] == 7
    finally:
        server.shutdown()
        thread.join()
    with pytest.raises(SystemExit) as exited:  # nobody listens any more
        cli.main(["audit", "witness", url, "--state", str(state)])
    assert exited.value.code == 2
