"""Pages of PDF originals signed inside the file (PAdES): an official's signature image, the
signed and sealed original and its sealed attachments, all opened through documents.reading.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask import Response, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from accounts import auth
from core.db import get_session
from documents import access, reading
from signing import flow, pdf_signing
from signing.models import SigningRequest
from signing.web.blueprint import blobs, bp, officials, read_upload, signed_in
from signing.web.forms import SignatureImageForm


def _form_errors(form: Any) -> ResponseReturnValue:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")
    return redirect(url_for("signing.my_key"))


def _load_request(request_id: int) -> SigningRequest:
    """The request, if its document is visible to the user (the rule of documents.access)."""
    db = get_session()
    request = flow.get_request(db, request_id)
    access.check(db, auth.signed_in_user(), request.document)
    return request


@bp.post("/signing/key/image")
@officials
def signature_image() -> ResponseReturnValue:
    """The official's signature image, shown where they sign a PDF."""
    form = SignatureImageForm()
    if not form.validate_on_submit():
        return _form_errors(form)
    db = get_session()
    pdf_signing.set_signature_image(db, auth.signed_in_user(), read_upload(form.file))
    db.commit()
    flash(gettext("Your signature image is saved."), "success")
    return redirect(url_for("signing.my_key"))


@bp.get("/signing/key/image.png")
@officials
def signature_image_file() -> ResponseReturnValue:
    image = pdf_signing.signature_image(get_session(), auth.signed_in_user())
    if image is None:
        abort(404)
    return Response(image.png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


@bp.get("/signing/requests/<int:request_id>/original.pdf")
@signed_in
def original(request_id: int) -> ResponseReturnValue:
    """The signed and sealed PDF: the document's electronic original, opened like any version."""
    request = _load_request(request_id)
    digest = request.original_sha256
    if digest is None:
        abort(404)

    def prepare(document: Any, version: Any) -> bytes:
        return blobs().get(digest)

    data = reading.open_version(
        get_session(),
        auth.signed_in_user(),
        request.document_id,
        request.version.number,
        how=reading.How.DOWNLOAD,
        prepare=prepare,
        details={"original": digest},
    )
    get_session().commit()
    name = (request.number_symbol or f"van-ban-{request.document_id}").replace("/", "-")
    return _pdf(data, name)


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name(name)}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


def ascii_name(name: str) -> str:
    """An ASCII file name for the header (Đ and the diacritics dropped): 01-QD-UBND."""
    folded = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c in "-_.")) or "van-ban"


@bp.get("/signing/requests/<int:request_id>/attachments/<int:attachment_id>.pdf")
@signed_in
def sealed_attachment(request_id: int, attachment_id: int) -> ResponseReturnValue:
    """An attachment as sent with the original: its PDF with the seal alone."""
    request = _load_request(request_id)
    row = pdf_signing.sealed_attachment(get_session(), request, attachment_id)
    if row is None:
        abort(404)
    digest = row.sha256

    def prepare(document: Any, version: Any) -> bytes:
        return blobs().get(digest)

    data = reading.open_attachment(
        get_session(), auth.signed_in_user(), request.document_id, attachment_id, prepare=prepare
    )
    get_session().commit()
    return _pdf(data, f"{request.number_symbol}-phu-luc-{attachment_id}")
