"""Zips built in the background: a participant's whole pack, a closed meeting's archive. Each
has a page showing the job's progress (polled as JSON by meetings-job.mjs) and its file."""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from werkzeug.wsgi import wrap_file

from accounts import auth
from accounts.models import User
from core import jobs
from core.db import get_session
from core.errors import N_
from core.storage import blob_store
from documents.views.reading import file_headers
from meetings import archive, pack_download
from meetings.errors import ArchiveNotFound, BadMeeting, MeetingNotFound
from meetings.forms import ActionForm
from meetings.models import Meeting
from meetings.views.blueprint import bp, load, signed_in


def register_jobs(app: Flask) -> None:
    jobs.register(app, pack_download.KIND, run_pack_zip)
    jobs.register(app, archive.KIND, run_archive)


# --- the whole pack ------------------------------------------------------------------------------


@bp.post("/<int:meeting_id>/download")
@signed_in
def start_download(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    _check_form()
    payload = pack_download.payload(db, user, meeting)
    db.rollback()  # only reads: the job's own session does the rest
    job_id = jobs.enqueue(pack_download.KIND, user, payload)
    return redirect(url_for("meetings.download", meeting_id=meeting.id, job_id=job_id))


@bp.get("/<int:meeting_id>/downloads/<int:job_id>")
@signed_in
def download(meeting_id: int, job_id: int) -> ResponseReturnValue:
    found = _download(meeting_id, job_id)
    return render_template("meetings/download.html", meeting_id=meeting_id, download=found)


@bp.get("/<int:meeting_id>/downloads/<int:job_id>/status")
@signed_in
def download_status(meeting_id: int, job_id: int) -> ResponseReturnValue:
    found = _download(meeting_id, job_id)
    return jsonify(_status(found.job, ready=found.ready))


@bp.get("/<int:meeting_id>/downloads/<int:job_id>/file")
@signed_in
def download_file(meeting_id: int, job_id: int) -> ResponseReturnValue:
    """The zip, for the person who asked for it (its files were counted as they were put in)."""
    found = _download(meeting_id, job_id)
    if not found.ready:
        raise MeetingNotFound(N_("This download is not ready yet."), meeting=meeting_id)
    return _send_zip(found.sha256, found.file_name)


def run_pack_zip(run: jobs.JobRun) -> dict[str, Any]:
    """The whole-pack job: the owner's pack, each file opened as they would open it."""
    user = run.session.get_one(User, run.job.owner_id)
    return pack_download.build(
        run.session, blob_store(run.app), user, int(run.payload["meeting"]), run.progress
    )


def _download(meeting_id: int, job_id: int) -> pack_download.Download:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)  # still invited: a removed participant loses the zip too
    return pack_download.get_download(db, user, meeting, job_id)


# --- the archive ---------------------------------------------------------------------------------


def start_archive(meeting: Meeting, user: User) -> None:
    """Queue the build of ``meeting``'s archive (asked for and committed by the caller)."""
    db = get_session()
    job_id = jobs.enqueue(archive.KIND, user, {"meeting": meeting.id})
    archive.started(db, meeting, job_id)
    db.commit()


@bp.post("/<int:meeting_id>/archive")
@signed_in
def build_archive(meeting_id: int) -> ResponseReturnValue:
    """Build the archive of a closed meeting (again, if an earlier build failed)."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    _check_form()
    archive.ask(db, user, meeting)
    db.commit()
    start_archive(meeting, user)
    flash(gettext("The archive is being built."), "success")
    return redirect(url_for("meetings.archive_page", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>/archive")
@signed_in
def archive_page(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = archive.keeper_meeting(db, user, meeting_id)
    return render_template(
        "meetings/archive.html",
        meeting=meeting,
        found=archive.state(db, user, meeting),
        action_form=ActionForm(),
    )


@bp.get("/<int:meeting_id>/archive/status")
@signed_in
def archive_status(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = archive.keeper_meeting(db, user, meeting_id)
    found = archive.state(db, user, meeting)
    if found.job is None:
        raise ArchiveNotFound(N_("This meeting’s archive has not been built yet."))
    return jsonify(_status(found.job, ready=found.built))


@bp.get("/<int:meeting_id>/archive/file")
@signed_in
def archive_file(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = archive.keeper_meeting(db, user, meeting_id)
    row = archive.downloaded(db, user, meeting)
    db.commit()
    assert row.sha256 is not None
    return _send_zip(row.sha256, archive.file_name(meeting))


def run_archive(run: jobs.JobRun) -> dict[str, Any]:
    """The archive job: built, stored, its hash audited and the meeting archived, at once."""

    def render(described: dict[str, Any]) -> str:
        with force_locale("vi"):
            return render_template("meetings/archive_agenda.html", agenda=described)

    result = archive.build(
        run.session,
        blob_store(run.app),
        int(run.payload["meeting"]),
        run.job.owner_id,
        render,
        run.progress,
    )
    run.session.commit()
    return result


# --- shared --------------------------------------------------------------------------------------


def _check_form() -> None:
    if not ActionForm().validate_on_submit():
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))


def _status(job: jobs.Job, *, ready: bool) -> dict[str, Any]:
    return {
        "state": job.state.value,
        "done": job.done,
        "total": job.total,
        "ready": ready,
        "error": gettext(job.error) if job.error else None,
    }


def _send_zip(sha256: str, file_name: str) -> Response:
    handle, size = blob_store(current_app).open_verified(sha256)
    return Response(
        wrap_file(request.environ, handle),
        headers=file_headers(sha256, "application/zip", file_name, size, True),
        direct_passthrough=True,
    )
