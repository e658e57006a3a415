"""Public pages answer 429 after too many requests from one address, and only for that address."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PUBLIC_RATE_LIMIT": "3 per minute"}


def _get(client: Any, path: str, address: str) -> Any:
    return client.get(path, environ_overrides={"REMOTE_ADDR": address})


@pytest.mark.parametrize("path", ["/log/key", "/verify/AAAAA-AAAAA"])
def test_the_fourth_public_request_from_one_address_is_refused(client, path):
    answers = [_get(client, path, "203.0.113.7").status_code for _ in range(4)]
    assert 429 not in answers[:3]
    assert answers[3] == 429
    assert _get(client, path, "198.51.100.20").status_code != 429


def test_the_refusal_says_why_in_the_users_language(client):
    for _ in range(3):
        _get(client, "/verify/AAAAA-AAAAA", "203.0.113.7")
    page = client.get(
        "/verify/AAAAA-AAAAA",
        environ_overrides={"REMOTE_ADDR": "203.0.113.7"},
        headers={"Accept": "text/html", "Accept-Language": "vi"},
    )
    assert page.status_code == 429
    assert "quá nhiều yêu cầu" in page.get_data(as_text=True).lower()
    assert int(page.headers["Retry-After"]) > 0


def test_the_limit_is_shared_by_every_public_page(client):
    for path in ("/log/key", "/log/checkpoint", "/verify/AAAAA-AAAAA"):
        assert _get(client, path, "203.0.113.7").status_code != 429
    assert _get(client, "/log/key", "203.0.113.7").status_code == 429
