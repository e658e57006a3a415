"""Pages every visitor may reach: the language switch and a health check for load balancers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.db import get_session
from core.i18n import LANGUAGES
from core.security import is_safe_next

bp = Blueprint("core", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    choice = request.form.get("language", "")
    if choice not in LANGUAGES:
        abort(400)
    session["locale"] = choice
    if current_user.is_authenticated:
        current_user.locale = choice
        get_session().commit()
    target = request.form.get("next")
    return redirect(target if target and is_safe_next(target) else url_for("accounts.home"))


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """Answer 200 only when the database answers: what a load balancer needs to know."""
    get_session().execute(sa.text("SELECT 1"))
    return {"status": "ok"}
