"""The home page puts what waits for each person first, and it goes once the work is done."""

from __future__ import annotations

import re

from tests.conftest import login


def waiting_card(html: str, key: str) -> str:
    match = re.search(rf'data-testid="waiting-{key}">(.*?)</article>', html, re.S)
    assert match, f"no {key} card"
    return match.group(1)


def count_in(card: str) -> int:
    match = re.search(r'data-testid="waiting-count">(\d+)<', card)
    assert match
    return int(match.group(1))


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_official_sees_the_document_to_sign_until_signing_it(client, office):
    document = office.draft(subject="Kế hoạch chuyển đổi số năm 2027")
    request = office.submit(document)
    login(client, office.chairman)
    card = waiting_card(home(client), "to-sign")
    assert count_in(card) == 1
    assert "Kế hoạch chuyển đổi số năm 2027" in card
    assert f"/signing/requests/{request.id}" in card

    office.sign(request)
    card = waiting_card(home(client), "to-sign")
    assert count_in(card) == 0
    assert "Kế hoạch chuyển đổi số năm 2027" not in card


def test_the_clerk_sees_what_to_seal_and_the_menu_counts_it(client, office):
    document = office.draft(subject="Quy chế văn thư điện tử")
    request = office.submit(document)
    office.sign(request)
    login(client, office.clerk)
    html = home(client)
    card = waiting_card(html, "to-seal")
    assert count_in(card) == 1 and "Quy chế văn thư điện tử" in card
    signing_menu = re.search(r'data-testid="nav-signing">(.*?)</details>', html, re.S)
    assert signing_menu and '<span class="badge">1</span>' in signing_menu.group(1)
    assert 'data-testid="waiting-to-sign"' not in html  # a clerk signs nothing

    office.seal(request)
    html = home(client)
    assert count_in(waiting_card(html, "to-seal")) == 0
    menu = re.search(r'data-testid="nav-signing">(.*?)</details>', html, re.S)
    assert menu and "badge" not in menu.group(1)


def test_an_official_without_work_is_told_nothing_waits(client, office):
    login(client, office.vice)
    card = waiting_card(home(client), "to-sign")
    assert count_in(card) == 0
    assert "Không có việc đang chờ." in card
