"""Behind a reverse proxy: which address is the client's, throttling, and HTTPS.

Forwarded headers count only through the configured number of trusted proxies
(``TRUSTED_PROXIES``); with none, anyone could write them.
"""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.conftest import TEST_PASSWORD
from tests.conftest import sign_in as login_form

PROXY = "10.0.0.1"
ATTACKER = "203.0.113.66"
OWNER = "203.0.113.7"
ONE_PROXY = [{"TRUSTED_PROXIES": 1}]


def sign_in(client, username, password=TEST_PASSWORD, address=OWNER, forwarded=None):
    environ = {"REMOTE_ADDR": address}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    return login_form(client, username, password, environ_base=environ)


@pytest.fixture
def owner(make):
    return make.user("an.nv")


def test_a_forged_forwarded_for_does_not_end_a_session(client, owner):
    environ = {"REMOTE_ADDR": OWNER, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert sign_in(client, "an.nv", forwarded="198.51.100.1").status_code == 302
    environ["HTTP_X_FORWARDED_FOR"] = "198.51.100.2"
    assert client.get("/", environ_base=environ).status_code == 200


@pytest.mark.parametrize("app_config", ONE_PROXY)
def test_with_one_trusted_proxy_the_client_is_the_forwarded_address(client, owner, app_config):
    assert sign_in(client, "an.nv", address=PROXY, forwarded=OWNER).status_code == 302
    same_client = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"198.51.100.9, {OWNER}"}
    assert client.get("/", environ_base=same_client).status_code == 200
    other_client = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ATTACKER}
    response = client.get("/", environ_base=other_client)
    assert response.status_code == 302  # strong session protection: another browser


@pytest.mark.parametrize(
    "app_config", [{"TRUSTED_PROXIES": 1, "LOGIN_MAX_FAILURES_PER_ADDRESS": 30}]
)
def test_varied_forwarded_headers_from_one_address_do_not_lock_others_out(
    app, client, make, owner, app_config
):
    for n in range(30):
        forwarded = f"198.51.100.{n}, {ATTACKER}"  # the proxy appends the real address
        response = sign_in(client, f"guess{n}", "wrong", address=PROXY, forwarded=forwarded)
        assert response.status_code == 401
    refused = sign_in(client, "guess", "wrong", address=PROXY, forwarded=f"1.2.3.4, {ATTACKER}")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    owners = app.test_client()
    assert sign_in(owners, "an.nv", address=PROXY, forwarded=OWNER).status_code == 302


def test_without_trusted_proxies_forwarded_for_gives_no_fresh_address(app, client, make):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        sign_in(client, f"guess{n}", "wrong", address=ATTACKER, forwarded=f"198.51.100.{n}")
    response = sign_in(client, "guess", "wrong", address=ATTACKER, forwarded="198.51.100.77")
    assert response.status_code == 429


def test_wrong_passwords_from_an_attacker_do_not_stop_the_owner(app, owner):
    attacker = app.test_client()
    for _ in range(5):
        assert sign_in(attacker, "an.nv", "wrong password", address=ATTACKER).status_code == 401
    refused = sign_in(attacker, "an.nv", address=ATTACKER)
    assert refused.status_code == 429
    assert sign_in(app.test_client(), "an.nv", address=OWNER).status_code == 302


def test_the_delay_grows_with_each_failure_after_the_limit(app, owner, clock):
    attacker = app.test_client()
    for _ in range(5):
        sign_in(attacker, "an.nv", "wrong password", address=ATTACKER)
    delays = []
    for _ in range(4):
        refused = sign_in(attacker, "an.nv", "wrong password", address=ATTACKER)
        assert refused.status_code == 429
        delays.append(int(refused.headers["Retry-After"]))
        clock.advance(seconds=delays[-1])
        assert sign_in(attacker, "an.nv", "wrong password", address=ATTACKER).status_code == 401
    assert delays == [60, 120, 240, 480]
    refused = sign_in(attacker, "an.nv", "wrong password", address=ATTACKER)
    assert int(refused.headers["Retry-After"]) == 15 * 60  # LOGIN_LOCK_MINUTES caps it


def test_the_refusal_says_why_in_vietnamese_and_english(app, owner):
    attacker = app.test_client()
    for _ in range(5):
        sign_in(attacker, "an.nv", "wrong password", address=ATTACKER)
    page = sign_in(attacker, "an.nv", address=ATTACKER).get_data(as_text=True)
    assert "Đăng nhập sai quá nhiều lần" in page
    attacker.post("/language", data={"language": "en", "next": "/login"})
    page = sign_in(attacker, "an.nv", address=ATTACKER).get_data(as_text=True)
    assert "Too many failed sign-ins" in page


def test_an_administrator_lifts_the_delay(app, owner, make):
    make.user("admin", roles=[Role.ADMIN])
    attacker = app.test_client()
    for _ in range(5):
        sign_in(attacker, "an.nv", "wrong password", address=ATTACKER)
    admin = app.test_client()
    assert (
        admin.post("/login", data={"username": "admin", "password": TEST_PASSWORD}).status_code
        == 302
    )
    users = admin.get("/admin/users").get_data(as_text=True)
    assert "Đang bị khóa" in users
    # Issue 14 §9: the user's own page says it too, beside the button that unlocks it.
    assert 'data-testid="account-locked"' in admin.get(f"/admin/users/{owner.id}").text
    assert admin.post(f"/admin/users/{owner.id}/unlock").status_code == 302
    assert 'data-testid="account-locked"' not in admin.get(f"/admin/users/{owner.id}").text
    assert sign_in(attacker, "an.nv", address=ATTACKER).status_code == 302


@pytest.mark.parametrize(
    ("app_config", "scheme", "forwarded_proto", "hsts"),
    [
        ({}, "https", None, True),
        ({}, "http", None, False),
        ({}, "http", "https", False),
        ({"TRUSTED_PROXIES": 1}, "http", "https", True),
        ({"TRUSTED_PROXIES": 1}, "http", "http", False),
    ],
    ids=["https", "http", "forged-proto", "trusted-proxy-https", "trusted-proxy-http"],
)
def test_strict_transport_security_when_served_over_https(
    client, app_config, scheme, forwarded_proto, hsts
):
    environ = {"HTTP_X_FORWARDED_PROTO": forwarded_proto} if forwarded_proto else {}
    response = client.get("/login", base_url=f"{scheme}://localhost", environ_base=environ)
    assert ("Strict-Transport-Security" in response.headers) is hsts
