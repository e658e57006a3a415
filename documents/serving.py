"""Sending stored files: the headers every file response carries, and the file route's fast path.

When a province opens its meeting packs at once, nearly every request is a signed-in reader
downloading a version they may open. Flask's request machinery (request and app contexts,
routing, the session object, response objects, after-request hooks) then costs more than the
checks and the receipt themselves. `FileFastPath` answers exactly that case below Flask, with the
same checks, the same receipt and audit event and the same response; anything else, or anything
it is unsure of, goes to the ordinary route (`documents.views.version_file`), which answers it
with the ordinary code: sign-in redirects, refusals and their audit records, recalled documents.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any, BinaryIO
from urllib.parse import quote

from flask import Flask
from werkzeug.http import parse_cookie
from werkzeug.sansio.response import get_content_type

from accounts.auth import settled_account_id
from audit.sequencer import sequence_committed_events
from core.db import direct_statements, group_committer
from core.security import missing_headers
from core.sessions import RememberingCookieSessions
from core.storage import BlobCorrupted, BlobMissing, blob_store
from documents import access, services
from documents.access import OpenedVersion

logger = logging.getLogger(__name__)

#: Types a browser shows in place; anything else is always a download.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
#: Our bytes are never a page of this site: no scripts even if a browser sniffs. PDF is exempt,
#: as Chromium's PDF viewer needs its own policy.
FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'"

#: The file route, ``/documents/<int:document_id>/v/<int:number>/file``, with ids written the
#: usual way (other spellings are left to Flask's routing).
_FILE_PATH = re.compile(r"/documents/([1-9][0-9]{0,17})/v/([1-9][0-9]{0,17})/file\Z")
_DOWNLOAD = "download=1"
#: How many versions a process remembers before starting afresh.
VERSIONS_KEPT = 100_000


def file_headers(
    sha256: str, mime: str, file_name: str, size: int, download: bool
) -> list[tuple[str, str]]:
    """A stored file's response headers, whichever path sends it."""
    disposition = "attachment" if download or mime not in INLINE_TYPES else "inline"
    headers = [
        ("Content-Type", get_content_type(mime, "utf-8")),
        ("Content-Length", str(size)),
        (
            "Content-Disposition",
            f'{disposition}; filename="{file_name.encode("ascii", "replace").decode()}"; '
            f"filename*=UTF-8''{quote(file_name)}",
        ),
        ("Cache-Control", "private, no-store"),
        ("ETag", f'"{sha256}"'),
    ]
    if mime != "application/pdf":
        headers.append(("Content-Security-Policy", FILE_POLICY))
    return headers


class FileFastPath:
    """WSGI middleware in front of the app: serves a signed-in reader's allowed file itself.

    It answers only a GET of the file route, plain or ``?download=1``, with a validly signed
    session cookie that Flask-Login would accept unchanged, of an active
    account allowed to open that version of a document that is not recalled, whose blob is
    intact; a download's receipt must commit. Then it sends what the route would send. Every
    other request, and any of these when one step fails, is passed to Flask untouched.
    ``FILE_FAST_PATH`` (``VANTHU_FILE_FAST_PATH``) off turns it off.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app
        #: Requests answered here: tests check which path answered.
        self.served = 0
        self._counting = threading.Lock()
        #: (document id, number) -> the version as some reader opened it. A version's bytes,
        #: type and name never change, so a download need not read them again; who may open
        #: it and whether it was recalled are checked on every request.
        self._versions: dict[tuple[int, int], OpenedVersion] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            ready = self._open(environ)
        except Exception:
            # Flask's route meets the same trouble and answers it properly (error page, log).
            logger.warning("file fast path failed; the ordinary route answers", exc_info=True)
            ready = None
        if ready is None:
            return self.wsgi_app(environ, start_response)
        # From here on the receipt is stored: this request is answered here, come what may.
        with self._counting:
            self.served += 1
        opened, download, handle, size = ready
        if download:
            try:
                sequence_committed_events(self.app)
            except Exception:  # the events stay queued for the next pass, as after any request
                logger.exception("audit log: could not ask for sequencing after a download")
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

    def _open(self, environ: dict[str, Any]) -> tuple[OpenedVersion, bool, BinaryIO, int] | None:
        """The version, whether it is a download, and its blob open; None to let Flask answer.
        A download's receipt is committed once this returns."""
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        query = environ.get("QUERY_STRING", "")
        if query not in ("", _DOWNLOAD):
            return None
        match = _FILE_PATH.match(environ.get("PATH_INFO", ""))
        if match is None:
            return None
        app = self.app
        if not app.config["FILE_FAST_PATH"]:
            return None
        user_id = self._account_id(environ)
        if user_id is None:
            return None
        key = (int(match[1]), int(match[2]))
        download = query == _DOWNLOAD
        statements = direct_statements(app)
        # PostgreSQL checks and records a download in one statement, given the version's bytes.
        checked_when_recorded = download and statements.engine.dialect.name == "postgresql"
        opened = self._versions.get(key) if checked_when_recorded else None
        if opened is None:
            try:
                opened = access.open_version(statements, user_id, *key)
            except access.SignedOut:
                return None
            if opened is None or opened.recalled:
                return None
            if checked_when_recorded:
                self._remember(key, opened)
        try:
            handle, size = blob_store(app).open_verified(opened.sha256)
        except (BlobMissing, BlobCorrupted):
            return None
        try:
            if checked_when_recorded:
                if not services.record_open_if_allowed(statements, user_id, opened):
                    self._versions.pop(key, None)
                    handle.close()
                    return None
            elif download:
                services.record_open(group_committer(app), user_id, opened)
        except BaseException:
            handle.close()
            raise
        return opened, download, handle, size

    def _remember(self, key: tuple[int, int], opened: OpenedVersion) -> None:
        if len(self._versions) >= VERSIONS_KEPT:
            self._versions.clear()
        self._versions[key] = opened

    def _account_id(self, environ: dict[str, Any]) -> int | None:
        app = self.app
        interface = app.session_interface
        if not isinstance(interface, RememberingCookieSessions):
            return None
        cookie = parse_cookie(environ.get("HTTP_COOKIE")).get(interface.get_cookie_name(app))
        if not cookie:
            return None
        contents = interface.verified_contents(app, cookie)
        if contents is None:
            return None
        return settled_account_id(app, contents, environ)


def _chunks(handle: Any) -> Iterable[bytes]:
    with handle:
        while block := handle.read(8192):
            yield block
