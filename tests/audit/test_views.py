"""The log over HTTP: public checkpoints and proofs, receipts for auditors and actors, and the
auditors' pages (browse, entry checked in place, checkpoint history, check a receipt).
"""

from __future__ import annotations

import base64
import io
import json

import pytest
import sqlalchemy as sa

from accounts.models import Role
from audit import record_event
from audit.config import log_settings
from audit.log import integrate
from audit.models import AuditEvent, AuditLeaf, PendingEvent
from audit.offline.merkle import leaf_hash, verify_consistency, verify_inclusion
from audit.offline.note import parse_verifier_key, verify_checkpoint
from audit.offline.receipt import parse_receipt, verify_receipt
from tests.audit.log_scenarios import login, office, open_a_circulated_document
from tests.conftest import count_statements


@pytest.fixture
def settings(app):
    with app.app_context():
        return log_settings()


@pytest.fixture
def people(make):
    unit = make.unit()
    return {
        "auditor": make.user("kiemtoan", roles=[Role.AUDITOR], unit=unit),
        "reader": make.user("docgia", unit=unit, full_name="Trần Thị Bình"),
        "other": make.user("khac", unit=unit),
    }


def seq_of(db, action, actor_id):
    return db.scalar(
        sa.select(AuditLeaf.seq)
        .join(AuditEvent, AuditEvent.id == AuditLeaf.event_id)
        .where(AuditEvent.action == action, AuditEvent.actor_id == actor_id)
        .order_by(AuditLeaf.seq)
    )


def unb64(text):
    return base64.b64decode(text)


def test_a_request_that_recorded_events_sequences_them_before_it_returns(client, db, people):
    login(client, people["reader"])
    assert db.scalar(sa.select(sa.func.count()).select_from(PendingEvent)) == 0
    assert seq_of(db, "accounts:session:login", people["reader"].id) is not None


def test_checkpoint_and_key_are_public_and_verify(client, people):
    login(client, people["reader"])
    client.post("/logout")
    vkey = client.get("/log/key")
    assert vkey.status_code == 200 and vkey.mimetype == "text/plain"
    verifier = parse_verifier_key(vkey.get_data(as_text=True))
    note = client.get("/log/checkpoint")
    assert note.status_code == 200 and note.mimetype == "text/plain"
    checkpoint = verify_checkpoint(note.get_data(as_text=True), verifier)
    assert checkpoint.origin == "cantho.gov.vn/vanthu/log"
    assert checkpoint.size >= 2  # the login and the logout
    same = client.get(f"/log/checkpoints/{checkpoint.size}").get_data(as_text=True)
    assert same == note.get_data(as_text=True)


def test_consistency_proofs_between_checkpoints_verify(client, db, settings):
    sizes = []
    for batch in (3, 4, 6):
        for _ in range(batch):
            record_event(db, "tests:thing:happen", actor=None)
        db.commit()
        sizes.append(integrate(db, settings).size)
    first, last = sizes[0], sizes[-1]
    answer = client.get(f"/log/consistency?from={first}&to={last}").get_json()
    old = verify_checkpoint(client.get(f"/log/checkpoints/{first}").data, settings.verifier)
    new = verify_checkpoint(answer["checkpoint"], settings.verifier)
    assert (answer["from"], answer["to"], new.size) == (first, last, last)
    verify_consistency(first, last, [unb64(h) for h in answer["proof"]], old.root, new.root)
    witness = client.get(f"/log/witness?from={first}").get_json()
    assert witness["size"] == last and witness["consistency"] == answer["proof"]


@pytest.mark.parametrize(
    ("query", "status"),
    [("from=abc", 400), ("from=-1", 400), ("from=999", 400), ("from=1&to=999", 404)],
)
def test_bad_proof_requests_get_a_clear_json_error(client, db, settings, query, status):
    record_event(db, "tests:thing:happen", actor=None)
    db.commit()
    integrate(db, settings)
    response = client.get(f"/log/consistency?{query}")
    assert response.status_code == status
    assert response.is_json and response.get_json()["message"]


def test_auditors_get_inclusion_proofs_that_verify(client, db, people, settings):
    login(client, people["reader"])
    login(client, people["auditor"])
    seq = seq_of(db, "accounts:session:login", people["reader"].id)
    answer = client.get(f"/log/entries/{seq}").get_json()
    signed = verify_checkpoint(answer["checkpoint"], settings.verifier)
    leaf = answer["leaf"].encode()
    assert json.loads(leaf)["seq"] == seq
    verify_inclusion(
        leaf_hash(leaf), seq, signed.size, [unb64(h) for h in answer["proof"]], signed.root
    )
    older = client.get(f"/log/entries/0?size={signed.size}").get_json()
    assert older["size"] == signed.size
    login(client, people["reader"])
    assert client.get(f"/log/entries/{seq}").status_code == 403


def test_a_person_takes_the_receipt_of_their_own_event_and_no_one_elses(client, db, people):
    login(client, people["other"])
    login(client, people["reader"])
    own = seq_of(db, "accounts:session:login", people["reader"].id)
    theirs = seq_of(db, "accounts:session:login", people["other"].id)
    response = client.get(f"/log/entries/{own}/receipt")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    receipt = parse_receipt(text)
    leaf = bytes(db.get(AuditLeaf, own).leaf)
    assert receipt.index == own and receipt.extra == leaf  # self-contained
    vkey = client.get("/log/key").get_data(as_text=True)
    verify_receipt(text, leaf, vkey, origin="cantho.gov.vn/vanthu/log")
    denied_before = _denials(db)
    assert client.get(f"/log/entries/{theirs}/receipt").status_code == 403
    assert _denials(db) == denied_before + 1


def _denials(db):
    query = sa.select(sa.func.count()).where(AuditEvent.action == "accounts:access:denied")
    return db.scalar(query)


def test_the_receipts_dashboard_links_each_opening_to_its_log_receipt(client, db, make, settings):
    people = office(make)
    document = open_a_circulated_document(client, db, people)
    login(client, people["clerk"])
    page = client.get(f"/documents/{document.id}/receipts").get_data(as_text=True)
    assert "log-receipt-" not in page  # the sender is neither an auditor nor the reader
    login(client, people["auditor"])
    page = client.get(f"/documents/{document.id}/receipts").get_data(as_text=True)
    testid = f'data-testid="log-receipt-{people["reader"].username}-v3"'
    assert testid in page
    link = page.split(testid)[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    text = client.get(link).get_data(as_text=True)
    receipt = parse_receipt(text)
    opened = json.loads(receipt.extra)
    assert opened["type"] == "documents:version:open"
    assert opened["actor"] == str(people["reader"].id)
    assert opened["subject"]["document"] == document.id and opened["subject"]["version"] == 3
    verify_receipt(text, receipt.extra, settings.vkey)
    login(client, people["reader"])
    assert client.get(link).status_code == 200  # their own opening
    login(client, people["clerk"])
    assert client.get(link).status_code == 403


def test_auditors_filter_events_by_person_type_document_and_time(client, db, people, settings):
    reader, other = people["reader"], people["other"]
    record_event(db, "documents:version:open", actor=reader, subject={"document": 7, "version": 1})
    record_event(db, "documents:version:open", actor=other, subject={"document": 8, "version": 1})
    record_event(db, "meetings:meeting:open", actor=other, subject={"meeting": 3})
    db.commit()
    login(client, people["auditor"])

    def shown(query):
        page = client.get(f"/audit?{query}")
        assert page.status_code == 200, page.get_data(as_text=True)
        rows = page.get_data(as_text=True).split('data-testid="event-')[1:]
        return [row.split("<code>")[1].split("</code>")[0] for row in rows]

    assert shown("person=docgia") == ["documents:version:open"]
    assert shown(f"person={other.id}&type=documents") == ["documents:version:open"]
    assert shown("document=8") == ["documents:version:open"]
    assert shown("meeting=3") == ["meetings:meeting:open"]
    assert shown("type=meetings:meeting:open") == ["meetings:meeting:open"]
    assert shown("person=nobody") == []
    assert shown("since=2000-01-01&until=2000-01-02") == []
    assert len(shown("since=2000-01-01")) >= 3
    page = client.get("/audit?person=docgia").get_data(as_text=True)
    assert f'Trần Thị Bình <span class="hint">#{reader.id}</span>' in page
    assert shown("document=x") == []  # no document has that number/symbol
    assert client.get("/audit?since=yesterday").status_code == 400


def test_the_event_list_costs_the_same_queries_for_few_and_many(app, client, db, people):
    login(client, people["auditor"])
    record_event(db, "tests:thing:happen", actor=people["reader"])
    db.commit()
    client.get("/audit")  # a tree of 2: its head is read with as many queries as any larger one
    with count_statements(app) as few:
        assert client.get("/audit").status_code == 200
    for i in range(70):
        record_event(db, "tests:thing:happen", actor=people["reader"], subject={"n": i})
    db.commit()
    client.get("/audit")  # sequences the 70 queued events
    with count_statements(app) as many:
        page = client.get("/audit").get_data(as_text=True)
    assert 'data-testid="next-page"' in page
    assert len(many) == len(few)
    assert client.get("/audit?page=2").status_code == 200


def test_an_entry_page_checks_its_proof_in_place(client, db, people):
    login(client, people["reader"])
    login(client, people["auditor"])
    seq = seq_of(db, "accounts:session:login", people["reader"].id)
    page = client.get(f"/audit/entries/{seq}").get_data(as_text=True)
    assert '<p class="ok" data-testid="proof-result">' in page
    assert 'data-testid="row-differs"' not in page
    db.execute(
        sa.text("UPDATE audit_events SET actor_id = :a WHERE action = 'accounts:session:login'"),
        {"a": people["other"].id},
    )
    db.execute(
        sa.text("UPDATE audit_leaves SET leaf = :leaf WHERE seq = :seq"),
        {
            "leaf": bytes(db.get(AuditLeaf, seq).leaf).replace(b'"actor":"', b'"actor":"9'),
            "seq": seq,
        },
    )
    db.commit()
    page = client.get(f"/audit/entries/{seq}").get_data(as_text=True)
    assert '<p class="bad" data-testid="proof-result">' in page
    assert "does not lead to the tree head" in page
    assert 'data-testid="row-differs"' in page
    assert client.get("/audit/entries/9999").status_code == 404


def test_checkpoint_history_lists_every_signed_size(client, db, people, settings):
    login(client, people["auditor"])
    page = client.get("/audit/checkpoints").get_data(as_text=True)
    assert settings.vkey in page
    assert "/log/checkpoints/" in page


def test_check_a_receipt_pasted_or_uploaded(client, db, people):
    login(client, people["reader"])
    seq = seq_of(db, "accounts:session:login", people["reader"].id)
    text = client.get(f"/log/entries/{seq}/receipt").get_data(as_text=True)
    login(client, people["auditor"])
    page = client.post("/audit/receipts/check", data={"text": text})
    assert page.status_code == 200
    result = page.get_data(as_text=True).split('data-testid="receipt-result"')[1]
    assert '<p class="ok">' in result and f"/audit/entries/{seq}" in result
    uploaded = client.post(
        "/audit/receipts/check",
        data={"file": (io.BytesIO(text.encode()), "r.tlog-proof")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200

    lines = text.split("\n")
    assert lines[1].startswith("extra ")  # the entry's bytes: claim another entry
    lines[1] = "extra " + base64.b64encode(b'{"type":"accounts:session:logout"}').decode()
    forged = client.post("/audit/receipts/check", data={"text": "\n".join(lines)})
    assert forged.status_code == 422
    result = forged.get_data(as_text=True).split('data-testid="receipt-result"')[1]
    assert '<p class="bad">' in result

    for garbage in ("hello", "c2sp.org/tlog-proof@v1\nindex x\n\nnote\n"):
        bad = client.post("/audit/receipts/check", data={"text": garbage})
        assert bad.status_code == 400
        assert 'data-testid="receipt-error"' in bad.get_data(as_text=True)
    assert client.post("/audit/receipts/check", data={"text": ""}).status_code == 400


def test_a_genuine_receipt_shows_that_the_stored_entry_was_changed_since(client, db, people):
    login(client, people["reader"])
    seq = seq_of(db, "accounts:session:login", people["reader"].id)
    text = client.get(f"/log/entries/{seq}/receipt").get_data(as_text=True)
    leaf = bytes(db.get(AuditLeaf, seq).leaf)
    db.execute(
        sa.text("UPDATE audit_leaves SET leaf = :leaf WHERE seq = :seq"),
        {"leaf": leaf.replace(b"accounts:session:login", b"accounts:session:logout"), "seq": seq},
    )
    db.commit()
    login(client, people["auditor"])
    checked = client.post("/audit/receipts/check", data={"text": text})
    assert checked.status_code == 422
    assert "the receipt is genuine, but this log&#39;s entry" in checked.get_data(as_text=True)


def test_the_date_filter_reads_dd_mm_yyyy_and_says_beside_it_when_a_date_is_wrong(
    client, db, people
):
    record_event(db, "documents:version:open", actor=people["reader"], subject={"document": 7})
    db.commit()
    login(client, people["auditor"])
    page = client.get("/audit?since=01/01/2000").get_data(as_text=True)
    assert 'data-testid="event-' in page and 'placeholder="dd/mm/yyyy"' in page
    assert 'data-testid="event-' not in client.get("/audit?until=31/12/1999").get_data(True)
    wrong = client.get("/audit?since=29/02/2027")
    assert wrong.status_code == 400
    page = wrong.get_data(as_text=True)
    assert 'data-testid="date-error"' in page and 'value="29/02/2027"' in page
    assert '<form method="get" class="search audit-filter">' in page  # the page, not an error page
