"""Every event type the code records has a label an auditor reads, in both languages, and the
auditor's pages show the label first, the code under details, and filter by label."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from accounts.models import Role
from audit import labels, record_event
from audit.services import ACTION_PATTERN
from tests.audit.log_scenarios import login

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("accounts", "audit", "core", "documents", "meetings", "signing")
#: Types built at run time (f"meetings:speakers:{action}"): what each prefix is completed with.
#: A new f-string type fails the test below until it is listed here, and so labelled.
BUILT = {
    "meetings:speakers:": {"ask", "withdraw", "move", "start", "stop"},
    "meetings:minutes:": {"draft", "upload", "submit"},
    "meetings:invitation:": {"submit", "late", "update", "cancel"},
    "meetings:meeting:": {"start", "close", "archive"},
}


def _recorded_types() -> tuple[set[str], set[str]]:
    """The literal event types in the sources, and the prefixes of those built by f-strings."""
    literal, built = set(), set()
    for package in DOMAINS:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if ACTION_PATTERN.fullmatch(node.value):
                        literal.add(node.value)
                elif isinstance(node, ast.JoinedStr) and node.values:
                    head = node.values[0]
                    if isinstance(head, ast.Constant) and ACTION_PATTERN.fullmatch(
                        f"{head.value}x"
                    ):
                        built.add(str(head.value))
    return literal, built


def test_every_event_type_the_code_records_has_a_label():
    literal, built = _recorded_types()
    assert len(literal) > 100  # the scan found the calls (it would pass vacuously otherwise)
    assert built == set(BUILT)
    expanded = {prefix + end for prefix, ends in BUILT.items() for end in ends}
    assert sorted((literal | expanded) - labels.LABELS.keys()) == []
    assert {code.split(":")[0] for code in labels.LABELS} == set(labels.DOMAINS)


def test_every_label_is_translated(app):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        from flask_babel import force_locale

        with force_locale("vi"):
            untranslated = [
                code
                for code, text in labels.LABELS.items()
                if str(text) == text._args[0]  # the msgid itself: not translated
            ]
            assert untranslated == []
            assert labels.label("signing:seal:create") == "Đóng dấu (chữ ký số của cơ quan)"
    assert labels.label("tests:thing:happen") == "tests:thing:happen"  # no label: the code


@pytest.fixture
def auditor(make):
    return make.user("kiemtoan", roles=[Role.AUDITOR], unit=make.unit())


def test_the_log_shows_the_label_with_the_code_under_details(client, db, auditor):
    record_event(db, "signing:seal:create", actor=auditor, subject={"document": 1})
    db.commit()
    login(client, auditor)
    page = client.get("/audit?type=signing:seal:create").get_data(as_text=True)
    row = page.split('data-testid="event-')[1]
    assert "Đóng dấu (chữ ký số của cơ quan)" in row
    assert "<summary>Chi tiết</summary><code>signing:seal:create</code>" in row
    entry = page.split('href="/audit/entries/')[1].split('"')[0]
    shown = client.get(f"/audit/entries/{entry}").get_data(as_text=True)
    assert "Đóng dấu (chữ ký số của cơ quan)" in shown
    assert "<code>signing:seal:create</code></details>" in shown


def test_the_type_filter_is_a_list_of_labels_grouped_by_domain(client, db, auditor):
    login(client, auditor)
    page = client.get("/audit?type=signing:seal:create").get_data(as_text=True)
    select = page.split('<select name="type"')[1].split("</select>")[0]
    assert '<optgroup label="Chữ ký số">' in select
    assert '<option value="signing:seal:create" selected>Đóng dấu (chữ ký số của cơ quan)' in select
    assert '<option value="documents">' in select  # a whole domain
    assert 'name="type" value=' not in page  # no free code box
