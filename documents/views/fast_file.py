"""The file route's fast path: a signed-in reader's allowed file, answered below Flask.

When a province opens its packs at once, nearly every request is a reader fetching a version
they may open, and Flask's machinery (contexts, the ORM user load, hooks, response objects)
costs more than the checks and the receipt. This layer answers only that case, with the same
decisions made by the same functions as the ordinary route:

- the session cookie is read by the app's own session interface (`core.sessions`);
- whether the session may still act is `accounts.sessions.check`, the one session check
  (browser fingerprint, revocation, idle and absolute limits), given the account's row;
- whether the account may open the version is `documents.access`'s one rule, asked in the
  same statement that loads the account (`access.OPENING`);
- the opening is recorded by `documents.reading.record_opening`, as `open_version` records it;
- the headers are the route's own (`file_headers`) plus `core.security`'s.

It never refuses anything: whatever is not a plain success (no session, an ended session, a
cookie that is due to be rewritten, a refusal, a recalled document, a damaged file, any
error) goes to the ordinary route, which answers it with its redirects, refusals and audit
records. It refuses to be installed in front of an app with a request hook it does not know,
since it would skip that hook (see `_KNOWN_HOOKS`). Installed by `core.app` alone;
``VANTHU_FILE_FAST_PATH=0`` turns it off.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from flask import Flask
from werkzeug.http import parse_cookie

from accounts import sessions
from accounts.auth import session_identifier
from accounts.errors import SessionEnded
from audit.sequencer import after_recording
from core import direct
from core.db import get_engine
from core.security import missing_headers
from core.sessions import RememberingCookieSessions
from core.storage import BlobCorrupted, BlobMissing, blob_store
from documents import access, reading
from documents.views.reading import file_headers

logger = logging.getLogger(__name__)

#: ``/documents/<int:document_id>/v/<int:number>/file`` with ids written the usual way (other
#: spellings are left to Flask's routing).
_FILE_PATH = re.compile(r"/documents/([1-9][0-9]{0,17})/v/([1-9][0-9]{0,17})/file\Z")
#: The queries answered here and how each is recorded; any other (the reading page's pass) goes
#: to the route.
_QUERIES = {"": reading.How.FILE, "download=1": reading.How.DOWNLOAD}

#: The hooks of the app this layer knows it may skip, by qualified name, and why.
_KNOWN_HOOKS = {
    # CSRF protection checks unsafe methods only; only GET is answered here.
    "flask_wtf.csrf.CSRFProtect.init_app.<locals>.csrf_protect",
    # The limiter counts only the public pages (`core.ratelimit.public`); the file route is not.
    "flask_limiter._extension.Limiter._check_request_limit",
    # Flask-Limiter's response headers (limited routes only) and the end of its per-request
    # context, which is opened by its before-request check alone.
    "flask_limiter._extension.Limiter.__inject_headers",
    "flask_limiter._extension.Limiter.__release_context",
    # The security headers: added here by the same `missing_headers`.
    "core.security._headers",
    # The pdf.js worker's own policy, for that static file only.
    "core.vendor._worker_policy",
    # Flask-Login's remember-me cookie: a session that has one goes to the route.
    "flask_login.login_manager.LoginManager._update_remember_cookie",
    # The request's ORM session, which this layer never opens.
    "core.db._close_session",
    # Sequencing of recorded events: asked for here by `after_recording`.
    "audit.sequencer._sequence_recorded_events",
}


class UnknownHook(RuntimeError):
    """The app has a request hook the fast path would skip without knowing it may."""


class FileFastPath:
    """WSGI middleware around the app's own WSGI callable (inside any proxy fix)."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        unknown = sorted(_hook_names(app) - _KNOWN_HOOKS)
        if unknown:
            raise UnknownHook(
                "the file fast path would skip these request hooks: "
                + ", ".join(unknown)
                + "; teach documents/views/fast_file.py whether it may, or turn it off"
            )
        self.app = app
        self.wsgi_app = wsgi_app
        #: Requests answered here: tests check which path answered.
        self.served = 0
        self._counting = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            ready = self._open(environ)
        except Exception:
            # The route meets the same trouble and answers it properly (error page, log).
            logger.warning("file fast path failed; the ordinary route answers", exc_info=True)
            ready = None
        if ready is None:
            return self.wsgi_app(environ, start_response)
        # The opening is recorded: this request is answered here, come what may.
        with self._counting:
            self.served += 1
        opened, download, handle, size = ready
        try:
            after_recording(self.app)
        except Exception:  # the events stay queued for the next pass, as after any request
            logger.exception("audit log: could not ask for sequencing after a file")
        headers = file_headers(opened.sha256, opened.mime, opened.file_name, size, download)
        present = {key.lower() for key, _ in headers}
        secure = environ.get("wsgi.url_scheme") == "https"
        headers += missing_headers(present, secure=secure, html=False)
        headers.append(("Vary", "Cookie"))  # as Flask says of every response that read the session
        start_response("200 OK", headers)
        wrapper = environ.get("wsgi.file_wrapper")
        if wrapper is not None:
            return wrapper(handle, 8192)
        return _chunks(handle)

    def _open(
        self, environ: dict[str, Any]
    ) -> tuple[access.OpenedVersion, bool, BinaryIO, int] | None:
        """The version, whether it is a download, and its blob open, with the opening recorded;
        None to let the route answer."""
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        how = _QUERIES.get(environ.get("QUERY_STRING", ""))
        match = _FILE_PATH.match(environ.get("PATH_INFO", ""))
        if how is None or match is None or not self.app.config["FILE_FAST_PATH"]:
            return None
        contents = self._session(environ)
        if contents is None or "_remember" in contents:
            return None
        user_id = contents.get("_user_id")
        if not isinstance(user_id, str) or not user_id.isdigit():
            return None
        if sessions.seen_is_due(contents):
            return None  # the route writes the new cookie
        document_id, number = int(match[1]), int(match[2])
        engine = get_engine(self.app)
        row = direct.for_engine(engine).first(
            access.OPENING,
            {"user_id": int(user_id), "document_id": document_id, "number": number},
        )
        if row is None:
            return None
        opening = access.Opening.of_row(row, document_id, number)
        if not opening.active:
            return None
        policy = sessions.SessionPolicy.from_config(self.app.config)
        try:
            sessions.check(
                contents,
                opening.session_generation,
                policy,
                browser=session_identifier(environ),
            )
        except SessionEnded:
            return None
        if not opening.allowed or opening.version.recalled:
            return None
        try:
            handle, size = blob_store(self.app).open_verified(opening.version.sha256)
        except (BlobMissing, BlobCorrupted):
            return None
        try:
            reading.record_opening(engine, int(user_id), opening.version, how)
        except BaseException:
            handle.close()
            raise
        return opening.version, how is reading.How.DOWNLOAD, handle, size

    def _session(self, environ: dict[str, Any]) -> dict[str, Any] | None:
        """The session cookie's contents, verified by the app's session interface."""
        app = self.app
        interface = app.session_interface
        if not isinstance(interface, RememberingCookieSessions):
            return None
        cookie = parse_cookie(environ.get("HTTP_COOKIE")).get(interface.get_cookie_name(app))
        if not cookie:
            return None
        return interface.verified_contents(app, cookie)


def _hook_names(app: Flask) -> set[str]:
    """The qualified names of every hook that runs around a request to the file route."""
    registries: list[dict[Any, list[Any]]] = [
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
        app.url_value_preprocessors,
    ]
    scopes = (None, "documents")  # the app's own and the file route's blueprint's
    hooks = [f for registry in registries for scope in scopes for f in registry.get(scope, [])]
    hooks += app.teardown_appcontext_funcs
    names = set()
    for hook in hooks:
        function = getattr(hook, "func", hook)  # functools.partial
        names.add(f"{function.__module__}.{function.__qualname__}")
    return names


def _chunks(handle: Any) -> Iterable[bytes]:
    with handle:
        while block := handle.read(8192):
            yield block
