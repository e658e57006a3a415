"""The registers' pages and CSV show only what their viewer may open (finding: secrets leaked)."""

from __future__ import annotations

import csv
import io

import pytest

from accounts.models import Role
from documents.decree30 import Confidentiality
from tests.conftest import login
from tests.documents.office_testkit import TODAY, issued
from tests.documents.pages_testkit import build_office

SECRET = "Về việc kỷ luật cán bộ"
BODY = "Đề nghị các đơn vị thực hiện."  # the body text of every test document


@pytest.fixture
def office(make, db, blobs):
    people = build_office(make)
    people["other_clerk"] = make.user("vanthu2", roles=[Role.CLERK], unit=people["province"])
    people["secret"] = issued(
        db,
        blobs,
        people["clerk"],
        subject=SECRET,
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["chairman"].id],
    )
    return people


def register(client, query=""):
    url = f"/registers/outgoing?series=confidential&year={TODAY.year}" + query
    page = client.get(url).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(client.get(url + "&format=csv").text.lstrip("\ufeff"))))
    return page, rows


@pytest.mark.parametrize("query", ["", "&q=ky+luat", "&q=de+nghi", "&q=01", "&type=cong_van"])
def test_an_auditor_finds_no_trace_of_a_secret_in_the_register(client, office, query):
    login(client, office["auditor"])
    page, rows = register(client, query)
    assert SECRET not in page and office["secret"].number_symbol not in page
    assert rows == []


def test_another_clerk_of_the_unit_keeps_a_masked_row_with_number_and_date_only(client, office):
    login(client, office["other_clerk"])
    page, rows = register(client)
    assert SECRET not in page and 'data-testid="masked"' in page
    assert [(r["Số, ký hiệu"], r["Ngày, tháng"], r["Trích yếu"], r["Loại"]) for r in rows] == [
        (office["secret"].number_symbol, "2026-11-26", "Văn bản mật", "")
    ]
    assert "Văn bản mật" in page


@pytest.mark.parametrize("query", ["&q=ky+luat", "&q=de+nghi"], ids=["subject", "body"])
def test_the_text_filter_cannot_probe_a_masked_subject_or_any_body(client, office, query):
    login(client, office["other_clerk"])
    _, rows = register(client, query)
    assert rows == []
    _, by_number = register(client, "&q=" + office["secret"].number_symbol)
    assert len(by_number) == 1


def test_the_text_filter_matches_subject_and_number_never_the_body(client, office):
    login(client, office["clerk"])  # the drafter may open it
    assert [r["Trích yếu"] for r in register(client, "&q=ky+luat")[1]] == [SECRET]
    assert register(client, "&q=de+nghi")[1] == []
    page, rows = register(client)
    assert SECRET in page and [r["Trích yếu"] for r in rows] == [SECRET]
