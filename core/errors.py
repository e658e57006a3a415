"""Typed errors shared by every domain package.

A service raises one of these; `core.app` turns it into an HTML page or a JSON body in one place.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a message for translation without translating it here.

    Services have no request and so no locale; the error handler translates the message when it
    answers. `pybabel extract -k N_` finds every marked message.
    """
    return message


class VanThuError(Exception):
    """Base of every error a user may see.

    ``status`` is the HTTP status the error handler answers with; ``message`` is written for a
    clerk, not for a developer. It may hold ``%(name)s`` placeholders filled from ``data``, so
    that the translated sentence gets the same values.
    """

    status: int = 400
    code: str = "error"
    #: Refusals are written to the audit log by the error handler.
    audited: bool = False

    def __init__(self, message: str, **data: Any) -> None:
        self.template = message
        self.data = data
        self.message = _fill(message, data)
        super().__init__(self.message)

    def diagnostics(self) -> dict[str, Any]:
        """A machine-readable description, used by JSON responses and the CLI."""
        return {"error": self.code, "message": self.message, **self.data}


class BadInput(VanThuError):
    """The request or file is not acceptable; nothing was stored."""

    status = 400
    code = "bad_input"


class NotFound(VanThuError):
    status = 404
    code = "not_found"


class Forbidden(VanThuError):
    status = 403
    code = "forbidden"
    audited = True


class Conflict(VanThuError):
    status = 409
    code = "conflict"


class TooLarge(VanThuError):
    status = 413
    code = "too_large"


class TooManyAttempts(VanThuError):
    """Rate limit reached; ``retry_after`` is in seconds."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int, **data: Any) -> None:
        super().__init__(message, retry_after=retry_after, **data)
        self.retry_after = retry_after


def _fill(template: str, data: dict[str, Any]) -> str:
    try:
        return template % data if "%(" in template else template
    except (KeyError, ValueError, TypeError):
        return template
