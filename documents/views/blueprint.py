"""The documents blueprint and what all its pages share.

Loading a document (one place decides 403 or 404), reading choices from forms, staging uploads.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, current_app
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from accounts import auth
from accounts.models import Role, User
from core import jobs
from core.db import get_session
from core.storage import StagedBlobs, blob_store
from documents import access, drafting, errors, originals
from documents.convert import PdfConverter
from documents.models import Document

bp = Blueprint("documents", __name__)
signed_in = auth.login_required
clerks = auth.roles_required(Role.CLERK)
drafters = auth.roles_required(Role.CLERK, Role.OFFICIAL)
register_readers = auth.roles_required(Role.CLERK, Role.AUDITOR)


def settings(app: Flask | None = None) -> drafting.Settings:
    config = (app or current_app).config
    return drafting.Settings(
        place=config["DOCUMENT_PLACE"], max_upload_bytes=config["MAX_UPLOAD_MB"] * 1024 * 1024
    )


def converter(app: Flask | None = None) -> PdfConverter:
    """LibreOffice as configured (VANTHU_SOFFICE); a job passes its app."""
    config = (app or current_app).config
    return PdfConverter(
        soffice=config["SOFFICE"], timeout_seconds=float(config["CONVERT_TIMEOUT_SECONDS"])
    )


def converting() -> originals.Converting:
    """Conversions as this app runs them: its LibreOffice, settings and job queue."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return originals.Converting(converter(), settings(), functools.partial(jobs.enqueue, app=app))


def load(document_id: int, manage: bool = False) -> Document:
    """The document if the signed-in user may see it (or manage it); 404 or 403 otherwise."""
    return access.get_document(get_session(), auth.signed_in_user(), document_id, manage=manage)


def choice(enum_cls: Any, value: str | None, default: Any = None) -> Any:
    try:
        return enum_cls(value) if value else default
    except ValueError:
        raise errors.InvalidDocument(_l("A chosen value is not valid.")) from None


def ids(values: Iterable[str] | None) -> list[int]:
    return [int(v) for v in values or [] if v.isdigit()]


def user_choices(users: Iterable[User], blank: bool = False) -> list[SelectChoice]:
    first = [SelectChoice("", "—")] if blank else []
    return first + [
        SelectChoice(str(u.id), f"{u.full_name} — {u.title}, {u.unit.name}") for u in users
    ]


def stage() -> StagedBlobs:
    return StagedBlobs(blob_store(current_app))
