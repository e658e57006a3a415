"""Every event the other modules record lands in the log, as a leaf of the same type."""

from __future__ import annotations

import json

import sqlalchemy as sa

from audit.models import AuditEvent, AuditLeaf, PendingEvent
from tests.audit.log_scenarios import login, office, open_a_circulated_document
from tests.conftest import TEST_PASSWORD


def test_every_recorded_event_of_the_app_becomes_a_leaf_of_its_type(client, db, make):
    people = office(make)
    client.post("/login", data={"username": "vanthu", "password": "wrong " + TEST_PASSWORD})
    document = open_a_circulated_document(client, db, people)
    assert client.get("/admin/users").status_code == 403  # a refusal is an event too
    login(client, people["auditor"])
    assert client.get("/audit").status_code == 200  # reading the log sequences what is queued

    assert db.scalar(sa.select(sa.func.count()).select_from(PendingEvent)) == 0
    rows = db.execute(
        sa.select(AuditEvent, AuditLeaf.leaf)
        .outerjoin(AuditLeaf, AuditLeaf.event_id == AuditEvent.id)
        .order_by(AuditEvent.id)
    ).all()
    assert all(leaf is not None for _, leaf in rows)
    logged = {json.loads(leaf)["type"] for _, leaf in rows}
    assert {event.action for event, _ in rows} == logged
    assert {
        "accounts:session:login_failed",
        "accounts:session:login",
        "accounts:session:logout",
        "documents:document:create",
        "documents:document:issue",
        "documents:version:upload",
        "documents:document:circulate",
        "documents:version:open",
        "accounts:access:denied",
    } <= logged
    opened = next(
        json.loads(leaf) for event, leaf in rows if event.action == "documents:version:open"
    )
    assert opened["actor"] == str(people["reader"].id)
    assert opened["subject"]["document"] == document.id
    for _, leaf in rows:  # people are named by account id only
        text = leaf.decode()
        assert "a.snv" not in text and people["reader"].full_name not in text
