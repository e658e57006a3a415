"""Reading: the reading view, a version's file and an attachment; an opening is a receipt."""

from __future__ import annotations

from typing import BinaryIO
from urllib.parse import quote

from flask import Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.sansio.response import get_content_type
from werkzeug.wsgi import wrap_file

from accounts import auth
from audit.sequencer import events_committed_elsewhere
from core.db import get_session, group_committer
from core.storage import blob_store
from documents import access, drafting, errors, reading, render
from documents.models import Status
from documents.views.blueprint import bp, load, signed_in

#: Types a browser shows in place; anything else is always a download.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
#: Our bytes are never a page of this site: no scripts even if a browser sniffs. PDF is exempt,
#: as Chromium's PDF viewer needs its own policy.
FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


@bp.get("/documents/<int:document_id>/v/<int:number>")
@signed_in
def read(document_id: int, number: int) -> ResponseReturnValue:
    """The reading view: PDF inline, DOCX as sanitised HTML. Opening it is a read receipt."""
    db, user = get_session(), auth.signed_in_user()
    document, version = access.get_version(db, user, document_id, number)
    reading.record_open(group_committer(), user.id, access.OpenedVersion.of(document, version))
    events_committed_elsewhere()
    html = None
    if version.kind == "docx":
        html = render.docx_to_html(blob_store(current_app).get(version.sha256))
    return render_template("documents/read.html", document=document, version=version, html=html)


@bp.get("/documents/<int:document_id>/v/<int:number>/file")
@signed_in
def version_file(document_id: int, number: int) -> ResponseReturnValue:
    """The exact stored bytes; a download counts as an opening of this version."""
    user = auth.signed_in_user()
    document, version = access.get_version(get_session(), user, document_id, number)
    opened = access.OpenedVersion.of(document, version)
    if opened.recalled:
        raise errors.DocumentRecalled.frozen()
    download = request.args.get("download") == "1"
    handle, size = blob_store(current_app).open_verified(opened.sha256)  # no receipt if gone
    if download and request.method == "GET":  # a HEAD sends no bytes: not an opening
        try:
            reading.record_open(group_committer(), user.id, opened)
        except BaseException:
            handle.close()
            raise
        events_committed_elsewhere()
    return _respond(handle, size, opened.sha256, opened.mime, opened.file_name, download)


@bp.get("/documents/<int:document_id>/attachments/<int:attachment_id>")
@signed_in
def attachment_file(document_id: int, attachment_id: int) -> ResponseReturnValue:
    document = load(document_id)
    if document.status is Status.RECALLED:
        raise errors.DocumentRecalled.frozen()
    attachment = drafting.attachment_of(get_session(), document, attachment_id)
    return _send(attachment.sha256, attachment.mime, attachment.file_name, True)


def _send(sha256: str, mime: str, file_name: str, download: bool) -> Response:
    handle, size = blob_store(current_app).open_verified(sha256)
    return _respond(handle, size, sha256, mime, file_name, download)


def _respond(
    handle: BinaryIO, size: int, sha256: str, mime: str, file_name: str, download: bool
) -> Response:
    """Stream a stored file, checked against its name, by the server's sendfile where it can."""
    return Response(
        wrap_file(request.environ, handle),
        headers=file_headers(sha256, mime, file_name, size, download),
        direct_passthrough=True,
    )


def file_headers(
    sha256: str, mime: str, file_name: str, size: int, download: bool
) -> list[tuple[str, str]]:
    """A stored file's response headers: its type, size, name, and that it is never cached."""
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
