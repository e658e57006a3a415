"""The document forms that choose people and units through the one picker: what they show,
what they store, and a wrong id refused on the form (400) with nothing stored."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from documents import circulation
from documents.assignment_models import Assignment
from documents.decree30 import Confidentiality
from documents.models import AccessGrant, Circulation, Document
from tests.conftest import login
from tests.documents.office_testkit import build_people, issued

UNKNOWN = "999999"


@pytest.fixture
def office(make):
    return build_people(make)


def checkboxes(page: str, name: str) -> list[str]:
    return re.findall(rf'<input type="checkbox" name="{name}" value="(\d+)"', page)


def circulations(db, document):
    return db.scalar(sa.select(sa.func.count()).where(Circulation.document_id == document.id))


def test_the_send_page_shows_the_unit_tree_parents_first(client, db, blobs, office):
    province, home, finance, people = office
    document = issued(db, blobs, people["clerk"])
    login(client, people["clerk"])
    page = client.get(f"/documents/{document.id}/circulate").get_data(as_text=True)
    outsider_unit = people["outsider"].unit_id
    # Names in order: Khác, Sở Nội vụ, Sở Tài chính under the province.
    assert checkboxes(page, "units") == [
        str(i) for i in (province.id, outsider_unit, home.id, finance.id)
    ]
    assert str(people["home_a"].id) in checkboxes(page, "users")
    assert "Tất cả Sở" in page and "data-picker-search" in page


def test_sending_through_the_picker_stores_units_and_people(client, db, blobs, office):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    login(client, people["clerk"])
    sent = client.post(
        f"/documents/{document.id}/circulate",
        data={"units": [str(home.id)], "users": [str(people["finance_a"].id)], "confirm": "yes"},
    )
    assert sent.status_code == 302
    assert circulations(db, document) == 1


@pytest.mark.parametrize(
    "data",
    [{"units": [UNKNOWN]}, {"users": [UNKNOWN]}, {"users": ["abc"]}],
    ids=["unknown unit", "unknown person", "not a number"],
)
def test_a_wrong_recipient_is_refused_on_the_form(client, db, blobs, office, data):
    people = office[3]
    document = issued(db, blobs, people["clerk"])
    login(client, people["clerk"])
    refused = client.post(
        f"/documents/{document.id}/circulate", data={**data, "message": "Gửi lại"}
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "không tồn tại hoặc không được chọn ở đây" in page and 'role="alert"' in page
    assert "Gửi lại" in page  # what was typed is kept
    assert circulations(db, document) == 0


def test_a_confidential_document_offers_and_accepts_people_only(client, db, blobs, office):
    _, home, _, people = office
    document = issued(
        db,
        blobs,
        people["clerk"],
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["home_a"].id],
    )
    login(client, people["clerk"])
    page = client.get(f"/documents/{document.id}/circulate").get_data(as_text=True)
    assert checkboxes(page, "units") == [] and checkboxes(page, "users")
    refused = client.post(f"/documents/{document.id}/circulate", data={"units": [str(home.id)]})
    assert refused.status_code == 400 and circulations(db, document) == 0


def test_confidential_readers_are_chosen_in_the_picker(client, db, office):
    _, _, _, people = office
    login(client, people["clerk"])
    form = {
        "doc_type": "cong_van",
        "subject": "Về việc bảo vệ bí mật",
        "content": "Đề nghị thực hiện.",
        "drafter_abbr": "VP",
        "urgency": "thuong",
        "confidentiality": "mat",
        "signer_authority": "",
        "signer_id": "",
    }
    page = client.get("/documents/new").get_data(as_text=True)
    assert checkboxes(page, "named_users") and not checkboxes(page, "units")
    refused = client.post("/documents/new", data={**form, "named_users": [UNKNOWN]})
    assert refused.status_code == 400
    assert db.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    chosen = str(people["home_a"].id)
    created = client.post("/documents/new", data={**form, "named_users": [chosen]})
    assert created.status_code == 302, re.findall(r'class="error"[^<]*>([^<]*)', created.text)
    assert list(db.scalars(sa.select(AccessGrant.user_id))) == [people["home_a"].id]


@pytest.mark.parametrize(
    "bad",
    [{"cooperating_units": [UNKNOWN]}, {"cooperators": [UNKNOWN]}, {"lead": UNKNOWN}],
    ids=["cooperating unit", "cooperator", "lead"],
)
def test_assignment_refuses_a_wrong_choice_on_the_form(client, db, blobs, office, bad):
    _, home, finance, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id, finance.id])
    db.commit()
    login(client, people["home_clerk"])
    form = {"lead_unit": str(home.id), **bad}
    refused = client.post(f"/documents/{document.id}/assign", data=form)
    assert refused.status_code == 400
    assert "không được chọn ở đây" in refused.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0
    good = {"lead_unit": str(home.id), "cooperating_units": [str(finance.id)]}
    assert client.post(f"/documents/{document.id}/assign", data=good).status_code == 302
    assignment = db.scalar(sa.select(Assignment))
    assert [u.unit_id for u in assignment.cooperating_units] == [finance.id]
