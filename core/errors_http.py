"""Turn every error into one kind of answer: an HTML page for people, JSON for programs.

Services raise typed errors; nothing else in the code base builds an error response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from core.db import get_session
from core.errors import N_, VanThuError

logger = logging.getLogger(__name__)

DenialRecorder = Callable[[VanThuError], None]

_HTTP_MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Please sign in."),
    403: N_("You do not have permission to do this."),
    404: N_("This page does not exist, or you may not see it."),
    405: N_("This action is not allowed here."),
    413: N_("The file is larger than the allowed maximum of %(limit)s MB."),
    429: N_("Too many attempts. Please wait and try again."),
    500: N_("Something went wrong on our side. The error has been logged."),
}


def init_app(app: Flask, on_denied: DenialRecorder | None = None) -> None:
    """Register the handlers; ``on_denied`` records refusals (the audit log, wired by the app)."""

    @app.errorhandler(VanThuError)
    def _domain_error(error: VanThuError) -> Response:
        session = get_session()
        session.rollback()
        if error.audited and on_denied is not None:
            on_denied(error)
            session.commit()
        return _answer(error.status, gettext(error.template, **error.data), error.diagnostics())

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status == 400 and error.description and "CSRF" in error.description:
            message = gettext("This form has expired. Please reload the page and try again.")
        else:
            template = _HTTP_MESSAGES.get(status, error.name)
            message = gettext(template, limit=app.config.get("MAX_UPLOAD_MB"))
        return _answer(status, message, {"error": error.name.lower().replace(" ", "_")})

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.endpoint)
        get_session().rollback()
        return _answer(500, gettext(_HTTP_MESSAGES[500]), {"error": "internal_error"})


def wants_json() -> bool:
    if request.is_json or request.path.startswith(("/api/", "/log/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _answer(status: int, message: str, diagnostics: dict[str, object]) -> Response:
    if wants_json():
        body = {**diagnostics, "message": message}
        response = jsonify(body)
    else:
        response = Response(
            render_template("error.html", status=status, message=message), mimetype="text/html"
        )
    response.status_code = status
    retry_after = diagnostics.get("retry_after")
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response
