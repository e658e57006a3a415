"""Pages every visitor may reach: the language switch, a health check for load balancers, the
favicon and the organisation's emblem shown in the top bar."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    request,
    send_file,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.db import get_session
from core.i18n import LANGUAGES
from core.security import is_safe_next

bp = Blueprint("core", __name__)


#: The emblem may be a PNG, JPEG or SVG file; anything else is not served.
EMBLEM_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["organisation_emblem"] = organisation_emblem


def organisation_emblem() -> Path | None:
    """The emblem file set with VANTHU_EMBLEM, when it exists and is of a type we serve."""
    configured = current_app.config.get("EMBLEM_FILE")
    if not configured:
        return None
    path = Path(configured)
    return path if path.suffix.lower() in EMBLEM_TYPES and path.is_file() else None


@bp.get("/emblem")
def emblem() -> ResponseReturnValue:
    path = organisation_emblem()
    if path is None:
        abort(404)
    return send_file(path, mimetype=EMBLEM_TYPES[path.suffix.lower()], max_age=3600)


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico whatever the page says; answer with the icon, not a 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


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
