"""Flask's signed-cookie sessions, remembering the cookies already verified.

Every request would otherwise check the cookie's signature, decompress it and parse it again,
and during a province-wide opening the same few thousand cookies arrive again and again. A
cookie that verified once is the same bytes and the same session: its contents are kept, and
only its age is checked again. Each request gets its own copy to change.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

#: How many verified cookies a process remembers before starting afresh.
COOKIES_KEPT = 50_000


class RememberingCookieSessions(SecureCookieSessionInterface):
    def __init__(self) -> None:
        #: cookie value -> (its session's contents, when it was signed).
        self._verified: dict[str, tuple[dict[str, Any], float]] = {}
        self._serializer: tuple[Any, URLSafeTimedSerializer | None] = (None, None)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built once per secret key instead of twice per request."""
        secret, serializer = self._serializer
        if secret is not app.secret_key:
            serializer = super().get_signing_serializer(app)
            self._serializer = (app.secret_key, serializer)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_signing_serializer(app) is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        contents = self.verified_contents(app, value)
        return self.session_class(copy.deepcopy(contents) if contents is not None else None)

    def verified_contents(self, app: Flask, value: str) -> dict[str, Any] | None:
        """The contents of the session cookie ``value``, or None if it is forged or expired.

        The dict is shared by every request that brings this cookie: read it, never change it.
        """
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        max_age = app.permanent_session_lifetime.total_seconds()
        known = self._verified.get(value)
        if known is not None:
            contents, signed_at = known
            return contents if time.time() - signed_at <= max_age else None
        try:
            contents, signed = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return None
        if len(self._verified) >= COOKIES_KEPT:
            self._verified.clear()
        self._verified[value] = (contents, signed.timestamp())
        return contents


def init_app(app: Flask) -> None:
    app.session_interface = RememberingCookieSessions()
