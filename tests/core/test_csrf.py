"""Every form that changes something refuses a request without its CSRF token."""

from __future__ import annotations

import pytest

from accounts.models import Role


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or set()):
            yield rule


def test_every_post_route_requires_a_csrf_token(app, client, make, auth):
    admin = make.user("admin", roles=list(Role))
    rules = list(post_rules(app))
    assert len(rules) >= 8
    with client.session_transaction() as session:
        session["_user_id"] = str(admin.id)
        session["_fresh"] = True
    for rule in rules:
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", str(admin.id)).replace(f"<{argument}>", "x")
        response = client.post(url, data={})
        assert response.status_code == 400, url
        assert "hết hạn" in response.get_data(as_text=True), url


def test_login_form_works_with_its_token(client, make):
    make.user("an.nv")
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"username": "an.nv", "password": "correct horse battery", "csrf_token": token},
    )
    assert response.status_code == 302
