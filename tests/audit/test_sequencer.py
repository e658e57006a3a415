"""The background sequencer: a request only wakes it, and it turns queued events into leaves."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent, AuditLeaf


@pytest.fixture
def app_config():
    return {"LOG_SEQUENCE_IN_BACKGROUND": True, "LOG_CHECKPOINT_SECONDS": 0}


def test_a_request_wakes_the_sequencer_and_its_events_become_leaves(app, client, make, db):
    make.user("an.nv")
    sequencer = app.extensions["vanthu.audit.sequencer"]
    before = sequencer.passes
    assert (
        client.post(
            "/login", data={"username": "an.nv", "password": "correct horse battery"}
        ).status_code
        == 302
    )
    assert sequencer.wait_for_pass(before, timeout=30)
    logged = (
        db.execute(
            sa.select(AuditEvent.action).join(AuditLeaf, AuditLeaf.event_id == AuditEvent.id)
        )
        .scalars()
        .all()
    )
    assert "accounts:session:login" in logged


def test_the_public_checkpoint_covers_what_the_thread_sequenced(app, client, make):
    make.user("an.nv")
    sequencer = app.extensions["vanthu.audit.sequencer"]
    before = sequencer.passes
    client.post("/login", data={"username": "an.nv", "password": "correct horse battery"})
    assert sequencer.wait_for_pass(before, timeout=30)
    lines = client.get("/log/checkpoint").get_data(as_text=True).splitlines()
    assert int(lines[1]) >= 1
