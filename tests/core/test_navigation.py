"""The top bar: menus grouped by what people do, the organisation's name, emblem and favicon."""

from __future__ import annotations

import re

import pytest

from accounts.models import Role
from tests.conftest import login


def menu_of(html: str, key: str) -> str | None:
    match = re.search(rf'<(details|a)[^>]*data-testid="nav-{key}">(.*?)</\1>', html, re.S)
    return match.group(2) if match else None


def test_a_clerks_menu_groups_the_document_pages(client, make):
    clerk = make.user("vanthu", roles={Role.CLERK})
    login(client, clerk)
    html = client.get("/").get_data(as_text=True)
    documents = menu_of(html, "documents")
    assert documents is not None
    for page in ("/inbox", "/documents", "/search"):
        assert f'href="{page}' in documents
    assert menu_of(html, "admin") is None
    assert menu_of(html, "audit.events") is None


def test_an_admin_has_the_administration_menu_and_an_auditor_the_log(client, make):
    admin = make.user("quantri", roles={Role.ADMIN})
    login(client, admin)
    administration = menu_of(client.get("/").get_data(as_text=True), "admin")
    assert administration is not None and 'href="/admin/units"' in administration

    auditor = make.user("kiemtoan", roles={Role.AUDITOR})
    login(client, auditor)
    html = client.get("/").get_data(as_text=True)
    assert menu_of(html, "admin") is None
    assert menu_of(html, "audit.events") is not None


def test_the_favicon_is_served_instead_of_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_the_organisation_name_is_in_the_top_bar(client, app):
    html = client.get("/login").get_data(as_text=True)
    assert f'data-testid="organisation">{app.config["ORGANISATION_NAME"]}<' in html


@pytest.fixture
def app_config(tmp_path):
    emblem = tmp_path / "emblem.png"
    emblem.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    return {"EMBLEM_FILE": str(emblem)}


def test_a_configured_emblem_is_shown_and_served(client, app):
    html = client.get("/login").get_data(as_text=True)
    assert 'class="emblem" src="/emblem"' in html
    served = client.get("/emblem")
    assert served.status_code == 200 and served.mimetype == "image/png"


def test_no_emblem_unless_configured_with_a_known_type(client, app, tmp_path):
    script = tmp_path / "emblem.html"
    script.write_text("<script>alert(1)</script>")
    app.config["EMBLEM_FILE"] = str(script)
    assert client.get("/emblem").status_code == 404
    assert 'class="emblem"' not in client.get("/login").get_data(as_text=True)
