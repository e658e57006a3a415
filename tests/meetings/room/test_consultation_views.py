"""The consultation pages: a clerk sends one, members read and answer, others are refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from meetings.room import polls
from meetings.room.models import Consultation
from tests.conftest import login
from tests.meetings.conftest import issued_document


@pytest.fixture
def document(db, blobs, office):
    return issued_document(db, blobs, office)


def send_form(client, office, document, **changes):
    data = {
        "title": "Xin ý kiến về kế hoạch vốn",
        "question": "Đồng ý điều chỉnh?",
        "kind": "yes_no",
        "rule": "half_entitled",
        "deadline": "2099-12-31T17:00",
        "member_ids": [str(office.home_a.id), str(office.home_b.id)],
        "version_ids": str(document.current_version_id),
        **changes,
    }
    return client.post("/meetings/consultations/new", data=data)


@pytest.fixture
def sent(client, db, office, document):
    login(client, office.clerk)
    assert send_form(client, office, document).status_code == 302
    return db.scalars(sa.select(Consultation)).one()


def test_a_member_reads_and_answers_and_sees_their_answer(client, db, office, sent, document):
    login(client, office.home_a)
    assert "Xin ý kiến về kế hoạch vốn" in client.get("/meetings/consultations").get_data(True)
    page = client.get(f"/meetings/consultations/{sent.id}").get_data(as_text=True)
    assert "Đồng ý điều chỉnh?" in page and 'data-testid="answer-form"' in page
    assert f"/documents/{document.id}/v/" in page
    option = sent.poll.options[0].id
    answered = client.post(
        f"/meetings/consultations/{sent.id}/answer", data={"option": str(option)}
    )
    assert answered.status_code == 302
    assert 'data-testid="answered"' in client.get(f"/meetings/consultations/{sent.id}").get_data(
        as_text=True
    )
    again = client.post(f"/meetings/consultations/{sent.id}/answer", data={"option": str(option)})
    assert again.status_code == 409
    assert polls.ballots_cast(db, sent.poll_id) == 1
    opened = client.get(f"/documents/{document.id}/v/{document.versions[-1].number}")
    assert opened.status_code == 200


def test_others_are_refused(client, db, office, sent):
    login(client, office.finance_a)
    assert client.get(f"/meetings/consultations/{sent.id}").status_code == 404
    option = str(sent.poll.options[0].id)
    refused = client.post(f"/meetings/consultations/{sent.id}/answer", data={"option": option})
    assert refused.status_code == 404
    assert client.get("/meetings/consultations/new").status_code == 403
    assert polls.ballots_cast(db, sent.poll_id) == 0


def test_bad_forms_send_nothing(client, db, office, document):
    login(client, office.clerk)
    assert send_form(client, office, document, deadline="2000-01-01T08:00").status_code == 400
    assert send_form(client, office, document, member_ids=[]).status_code == 400
    assert send_form(client, office, document, kind="choice", options="Một").status_code == 400
    assert db.scalar(sa.select(sa.func.count()).select_from(Consultation)) == 0
