"""The meetings blueprint and what its pages share: loading a meeting (one place decides 404 or
403), reading the version a form was drawn from, times as the office enters them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Blueprint, current_app, redirect, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from accounts import auth
from core import mail
from core.clock import VIETNAM, today_local
from core.db import get_session, utcnow
from core.errors import N_
from core.storage import StagedBlobs, blob_store
from documents.views import blueprint as documents_pages
from documents.views.blueprint import settings as documents_settings
from meetings import access, calendar, invitations
from meetings.errors import BadMeeting
from meetings.models import Meeting

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
signed_in = auth.login_required


def load(meeting_id: int, manage: bool = False) -> Meeting:
    """The meeting if the signed-in user may see it (and manage it); 404 or 403 otherwise."""
    return access.get_meeting(get_session(), auth.signed_in_user(), meeting_id, manage=manage)


def expected_version(value: Any) -> int:
    """The meeting version a form was drawn from."""
    if not str(value or "").isdigit():
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))
    return int(value)


def optional_id(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() else None


def ids(values: Any) -> list[int]:
    return [int(v) for v in values or [] if str(v).isdigit()]


def utc(local: datetime | None) -> datetime:
    """A time typed in Vietnam time, as stored."""
    if local is None:
        raise BadMeeting(N_("Please fill in this field."))
    return local.replace(tzinfo=VIETNAM).astimezone(UTC)


def local(moment: datetime) -> datetime:
    return moment.astimezone(VIETNAM).replace(tzinfo=None)


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def stage() -> StagedBlobs:
    return StagedBlobs(blob_store(current_app))


def site() -> calendar.Site:
    return calendar.site_from_config(current_app.config)


def sending(staged: StagedBlobs) -> invitations.Sending:
    """What publishing, changing or cancelling a meeting needs to invite people."""
    return invitations.Sending(
        blobs=staged,
        documents=documents_settings(),
        site=site(),
        email=mail.get_mailer() is not None,
        today=today_local(),
        now=utcnow(),
        converting=documents_pages.converting(),
    )


F = TypeVar("F", bound=FlaskForm)


def back_to_meeting(meeting: Meeting) -> Response:
    return redirect(url_for("meetings.manage", meeting_id=meeting.id))


def valid(form: F) -> F:
    """The submitted form, or a 400 saying what is wrong with it."""
    if not form.validate_on_submit():
        first = next((e for errors in form.errors.values() for e in errors), None)
        if isinstance(first, str) and "CSRF" not in first:
            raise BadMeeting(first)
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))
    return form


def form_version() -> int:
    return expected_version(request.form.get("version"))
