"""Reading: the reading view, a version's file and an attachment; an opening is a receipt."""

from __future__ import annotations

from typing import BinaryIO
from urllib.parse import quote

from flask import Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.sansio.response import get_content_type
from werkzeug.wsgi import wrap_file

from accounts import auth
from core.db import get_session
from core.storage import blob_store
from documents import drafting, positions, reading, render
from documents.models import Document, DocumentVersion
from documents.views.blueprint import bp, signed_in

#: Types a browser shows in place; anything else is always a download.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
#: Our bytes are never a page of this site: no scripts even if a browser sniffs. PDF is exempt,
#: as Chromium's PDF viewer needs its own policy.
FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


@bp.get("/documents/<int:document_id>/v/<int:number>")
@signed_in
def read(document_id: int, number: int) -> ResponseReturnValue:
    """The reading view: PDF inline, DOCX as sanitised HTML. Opening it is a read receipt.

    The PDF it embeds is fetched with a short-lived pass, so the page and its file count once.
    """
    user = auth.signed_in_user()

    def page(document: Document, version: DocumentVersion) -> str:
        html = None
        if version.kind == "docx":
            html = render.docx_to_html(blob_store(current_app).get(version.sha256))
        opened = reading.file_pass(_secret(), user.id, document_id, number)
        return render_template(
            "documents/read.html", document=document, version=version, html=html, opened=opened
        )

    how = reading.How.READ
    return reading.open_version(get_session(), user, document_id, number, how=how, prepare=page)


@bp.get("/documents/<int:document_id>/v/<int:number>/file")
@signed_in
def version_file(document_id: int, number: int) -> ResponseReturnValue:
    """The exact stored bytes; every response that sends them is an opening of this version."""
    user = auth.signed_in_user()
    download = request.args.get("download") == "1"
    counted_by_page = not download and reading.already_counted(
        _secret(), request.args.get("opened"), user.id, document_id, number
    )

    def send(_document: Document, version: DocumentVersion) -> Response:
        return _send(version.sha256, version.mime, version.file_name, download)

    return reading.open_version(
        get_session(),
        user,
        document_id,
        number,
        how=reading.How.DOWNLOAD if download else reading.How.FILE,
        prepare=send,
        count=request.method == "GET" and not counted_by_page,  # a HEAD sends no bytes
    )


@bp.route("/documents/<int:document_id>/v/<int:number>/position", methods=["GET", "POST"])
@signed_in
def reading_position(document_id: int, number: int) -> ResponseReturnValue:
    """The page the reader reached in this version: fetched when the reader opens, sent as
    pages turn (JSON ``{"page": n}``, the CSRF token in the X-CSRFToken header)."""
    user = auth.signed_in_user()
    db = get_session()
    if request.method == "GET":
        return jsonify(page=positions.remembered_page(db, user, document_id, number))
    body = request.get_json(silent=True)
    page = body.get("page") if isinstance(body, dict) else None
    positions.remember_page(db, user, document_id, number, page)
    db.commit()
    return jsonify(page=page)


@bp.get("/documents/<int:document_id>/attachments/<int:attachment_id>")
@signed_in
def attachment_file(document_id: int, attachment_id: int) -> ResponseReturnValue:
    """An attachment's bytes, always as a download; an opening of the document."""
    db = get_session()

    def send(document: Document, _version: DocumentVersion) -> Response:
        attachment = drafting.attachment_of(db, document, attachment_id)
        return _send(attachment.sha256, attachment.mime, attachment.file_name, True)

    return reading.open_attachment(
        db,
        auth.signed_in_user(),
        document_id,
        attachment_id,
        prepare=send,
        count=request.method == "GET",
    )


def _secret() -> str:
    secret: str = current_app.config["SECRET_KEY"]
    return secret


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
