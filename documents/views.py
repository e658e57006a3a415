"""Document pages: drafting, reading, numbering, circulation, inbox, registers and search.

Views parse the request, call one service and render; `_load` decides 403 or 404 for all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, BinaryIO

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.wsgi import wrap_file
from wtforms.fields.choices import SelectChoice

from accounts import auth
from accounts.models import Role, User
from audit.sequencer import events_committed_elsewhere
from core import navigation
from core.clock import local_time, today_local
from core.db import get_session, group_committer, utcnow
from core.storage import StagedBlobs, blob_store
from documents import access, errors, render, services, serving
from documents.decree30 import Authority, Confidentiality, DocType, Urgency
from documents.forms import (
    AssignForm,
    CirculateForm,
    DraftForm,
    IncomingForm,
    ProgressForm,
    ReasonForm,
    UploadForm,
)
from documents.models import AssignmentState, Document, NumberSeries, Status

bp = Blueprint("documents", __name__)
signed_in = auth.login_required
clerks = auth.roles_required(Role.CLERK)
drafters = auth.roles_required(Role.CLERK, Role.OFFICIAL)
register_readers = auth.roles_required(Role.CLERK, Role.AUDITOR)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.wsgi_app = serving.FileFastPath(app)  # type: ignore[method-assign]
    navigation.add_entry(app, "documents.inbox", _l("Inbox"), lambda user: True)
    navigation.add_entry(
        app,
        "documents.index",
        _l("Documents"),
        lambda user: user.has_role(Role.CLERK, Role.OFFICIAL),
    )
    navigation.add_entry(
        app, "documents.tasks", _l("Tasks"), lambda user: user.has_role(Role.CLERK, Role.OFFICIAL)
    )
    navigation.add_entry(
        app,
        "documents.outgoing_register",
        _l("Registers"),
        lambda user: user.has_role(Role.CLERK, Role.AUDITOR),
    )
    navigation.add_entry(app, "documents.search", _l("Search"), lambda user: True)


def settings() -> services.Settings:
    config = current_app.config
    return services.Settings(
        place=config["DOCUMENT_PLACE"], max_upload_bytes=config["MAX_UPLOAD_MB"] * 1024 * 1024
    )


def _load(document_id: int, manage: bool = False) -> Document:
    return access.get_document(get_session(), auth.signed_in_user(), document_id, manage=manage)


def _enum(enum_cls: Any, value: str | None, default: Any = None) -> Any:
    try:
        return enum_cls(value) if value else default
    except ValueError:
        raise errors.InvalidDocument(_l("A chosen value is not valid.")) from None


def _ids(values: Iterable[str] | None) -> list[int]:
    return [int(v) for v in values or [] if v.isdigit()]


def _user_choices(users: Iterable[User], blank: bool = False) -> list[SelectChoice]:
    first = [SelectChoice("", "—")] if blank else []
    return first + [
        SelectChoice(str(u.id), f"{u.full_name} — {u.title}, {u.unit.name}") for u in users
    ]


def _stage() -> StagedBlobs:
    return StagedBlobs(blob_store(current_app))


# --- lists ---------------------------------------------------------------------------------------


@bp.get("/inbox")
@signed_in
def inbox() -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    entries = services.inbox(db, user, unread_only=request.args.get("unread") == "1")
    pending = services.unit_receipts_pending(db, user) if user.has_role(Role.CLERK) else []
    return render_template(
        "documents/inbox.html",
        entries=entries,
        pending=pending,
        notifications=services.notifications_for(db, user),
    )


@bp.get("/documents")
@drafters
def index() -> ResponseReturnValue:
    import sqlalchemy as sa

    db, user = get_session(), auth.signed_in_user()
    documents = list(
        db.scalars(
            sa.select(Document)
            .where(
                access.visible_to(user),
                sa.or_(Document.created_by_id == user.id, Document.unit_id == user.unit_id),
            )
            .order_by(Document.created_at.desc())
            .limit(100)
        )
    )
    return render_template("documents/index.html", documents=documents)


@bp.get("/search")
@signed_in
def search() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()[:200]
    results = services.search(get_session(), auth.signed_in_user(), query) if query else []
    return render_template("documents/search.html", query=query, results=results)


# --- drafting and files --------------------------------------------------------------------------


@bp.route("/documents/new", methods=["GET", "POST"])
@drafters
def new() -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    form = DraftForm()
    _, users = services.recipients_choice(db)
    form.signer_id.choices = _user_choices([u for u in users if u.has_role(Role.OFFICIAL)], True)
    form.named_users.choices = _user_choices(users)
    if not form.validate_on_submit():
        return render_template("documents/new.html", form=form), 400 if form.errors else 200
    data = services.DraftData(
        doc_type=_enum(DocType, form.doc_type.data),
        subject=form.subject.data or "",
        content=form.content.data or "",
        signer_title=form.signer_title.data or "",
        signer_id=int(form.signer_id.data) if (form.signer_id.data or "").isdigit() else None,
        signer_authority=_enum(Authority, form.signer_authority.data),
        signer_on_behalf_of=form.signer_on_behalf_of.data or "",
        recipients=form.recipients.data or "",
        drafter_abbr=form.drafter_abbr.data or "",
        urgency=_enum(Urgency, form.urgency.data, Urgency.THUONG),
        confidentiality=_enum(Confidentiality, form.confidentiality.data, Confidentiality.THUONG),
        due_on=form.due_on.data,
        named_user_ids=_ids(form.named_users.data),
    )
    with _stage() as staged:
        document = services.create_draft(db, staged, user, data, settings())
        db.commit()
    flash(
        gettext(
            "The draft is ready. Download it, edit it in your word processor and upload "
            "the next version."
        ),
        "success",
    )
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/documents/<int:document_id>")
@signed_in
def show(document_id: int) -> ResponseReturnValue:
    document = _load(document_id)
    user = auth.signed_in_user()
    return render_template(
        "documents/show.html",
        document=document,
        manage=access.can_manage(user, document),
        upload_form=UploadForm(),
        reason_form=ReasonForm(),
        action_form=ReasonForm(),
        is_clerk=user.has_role(Role.CLERK),
    )


@bp.post("/documents/<int:document_id>/versions")
@signed_in
def upload_version(document_id: int) -> ResponseReturnValue:
    document = _load(document_id, manage=True)
    form = UploadForm()
    if not form.validate_on_submit():
        raise errors.InvalidDocument(_l("Choose a file."))
    data = form.file.data.read()
    db = get_session()
    with _stage() as staged:
        version = services.upload_version(
            db,
            staged,
            auth.signed_in_user(),
            document,
            data,
            form.file.data.filename or "",
            settings(),
            form.note.data or "",
        )
        db.commit()
    flash(gettext("Version %(n)d is stored.", n=version.number), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/attachments")
@signed_in
def upload_attachment(document_id: int) -> ResponseReturnValue:
    document = _load(document_id, manage=True)
    form = UploadForm()
    if not form.validate_on_submit():
        raise errors.InvalidDocument(_l("Choose a file."))
    db = get_session()
    with _stage() as staged:
        services.add_attachment(
            db,
            staged,
            auth.signed_in_user(),
            document,
            form.file.data.read(),
            form.file.data.filename or "",
            settings(),
        )
        db.commit()
    flash(gettext("The attachment is stored."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/documents/<int:document_id>/v/<int:number>")
@signed_in
def read(document_id: int, number: int) -> ResponseReturnValue:
    """The reading view: PDF inline, DOCX as sanitised HTML. Opening it is a read receipt."""
    db, user = get_session(), auth.signed_in_user()
    document, version = access.get_version(db, user, document_id, number)
    services.record_open(group_committer(), user.id, access.OpenedVersion.of(document, version))
    events_committed_elsewhere()
    html = None
    if version.kind == "docx":
        html = render.docx_to_html(blob_store(current_app).get(version.sha256))
    return render_template("documents/read.html", document=document, version=version, html=html)


@bp.get("/documents/<int:document_id>/v/<int:number>/file")
@signed_in
def version_file(document_id: int, number: int) -> ResponseReturnValue:
    """The exact stored bytes; a download counts as an opening of this version.

    The hottest route: a signed-in reader's allowed file is mostly sent by
    `serving.FileFastPath` before Flask sees the request; this view answers everything else
    (signing in, refusals, recalled documents) and gives the same response when it does.
    """
    user = auth.signed_in_user()
    document, version = access.get_version(get_session(), user, document_id, number)
    opened = access.OpenedVersion.of(document, version)
    if opened.recalled:
        raise errors.DocumentRecalled.frozen()
    download = request.args.get("download") == "1"
    handle, size = blob_store(current_app).open_verified(opened.sha256)  # no receipt if gone
    if download and request.method == "GET":  # a HEAD sends no bytes: not an opening
        try:
            services.record_open(group_committer(), user.id, opened)
        except BaseException:
            handle.close()
            raise
        events_committed_elsewhere()
    return _respond(handle, size, opened.sha256, opened.mime, opened.file_name, download)


@bp.get("/documents/<int:document_id>/attachments/<int:attachment_id>")
@signed_in
def attachment_file(document_id: int, attachment_id: int) -> ResponseReturnValue:
    document = _load(document_id)
    if document.status is Status.RECALLED:
        raise errors.DocumentRecalled.frozen()
    attachment = services.attachment_of(get_session(), document, attachment_id)
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
        headers=serving.file_headers(sha256, mime, file_name, size, download),
        direct_passthrough=True,
    )


# --- numbering, circulation, receipts ------------------------------------------------------------


@bp.post("/documents/<int:document_id>/issue")
@clerks
def issue(document_id: int) -> ResponseReturnValue:
    document = _load(document_id, manage=True)
    db = get_session()
    with _stage() as staged:
        issued = services.issue(db, staged, auth.signed_in_user(), document, today_local())
        db.commit()
    flash(gettext("Numbered and registered as %(number)s.", number=issued.number_symbol), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/void-number")
@clerks
def void_number(document_id: int) -> ResponseReturnValue:
    document = _load(document_id, manage=True)
    form = ReasonForm()
    db = get_session()
    services.void_number(db, auth.signed_in_user(), document, form.reason.data or "")
    db.commit()
    flash(gettext("The number is recorded as void."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.route("/documents/<int:document_id>/circulate", methods=["GET", "POST"])
@clerks
def circulate(document_id: int) -> ResponseReturnValue:
    document = _load(document_id, manage=True)
    db = get_session()
    form = CirculateForm()
    units, users = services.recipients_choice(db)
    form.units.choices = [SelectChoice(str(u.id), u.name) for u in units]
    form.users.choices = _user_choices(users)
    if not form.validate_on_submit():
        return render_template("documents/circulate.html", form=form, document=document)
    result = services.circulate(
        db,
        auth.signed_in_user(),
        document,
        unit_ids=_ids(form.units.data),
        user_ids=_ids(form.users.data),
        message=form.message.data or "",
    )
    db.commit()
    flash(gettext("Sent to %(n)d people.", n=result.delivered), "success")
    return redirect(url_for("documents.receipts", document_id=document.id))


@bp.post("/documents/<int:document_id>/acknowledge")
@clerks
def acknowledge(document_id: int) -> ResponseReturnValue:
    document = _load(document_id)
    db = get_session()
    receipt = services.acknowledge(db, auth.signed_in_user(), document, today_local())
    db.commit()
    flash(
        gettext("Receipt acknowledged; incoming number %(n)d.", n=receipt.incoming_number or 0),
        "success",
    )
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/recall")
@clerks
def recall(document_id: int) -> ResponseReturnValue:
    document = _load(document_id, manage=True)
    db = get_session()
    notified = services.recall(db, auth.signed_in_user(), document, ReasonForm().reason.data or "")
    db.commit()
    flash(
        gettext("The document is recalled; %(n)d recipients were notified.", n=notified), "success"
    )
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/documents/<int:document_id>/receipts")
@signed_in
def receipts(document_id: int) -> ResponseReturnValue:
    """The sender's dashboard: who has and has not opened each version."""
    document = _load(document_id)
    user = auth.signed_in_user()
    if not (access.can_manage(user, document) or user.has_role(Role.AUDITOR)):
        raise errors.NotAllowed(_l("Only the sender and auditors see the receipts."))
    report = services.receipt_report(get_session(), document)
    if request.args.get("format") == "csv":
        return _receipts_csv(report)
    return render_template("documents/receipts.html", report=report, document=document)


def _receipts_csv(report: services.ReceiptReport) -> Response:
    header = ["user_id", "full_name", "title", "via_unit", "delivered_at"]
    for version in report.versions:
        n = version.number
        header += [f"v{n}_sha256", f"v{n}_first_opened", f"v{n}_last_opened", f"v{n}_times"]
    rows = []
    for r in report.recipients:
        row: list[Any] = [
            r.user.id,
            r.user.full_name,
            r.user.title,
            r.via_unit,
            local_time(r.delivered_at),
        ]
        for version in report.versions:
            receipt = r.opened.get(version.number)
            row += [
                version.sha256,
                local_time(receipt.first_opened_at) if receipt else "",
                local_time(receipt.last_opened_at) if receipt else "",
                receipt.times_opened if receipt else 0,
            ]
        rows.append(row)
    return _csv_response(f"receipts-{report.document.id}.csv", header, rows)


def _csv_response(name: str, header: list[str], rows: Iterable[list[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_csv_safe(v) for v in row] for row in rows)
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_safe(value: Any) -> Any:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# --- assignments ---------------------------------------------------------------------------------


@bp.route("/documents/<int:document_id>/assign", methods=["GET", "POST"])
@drafters
def assign(document_id: int) -> ResponseReturnValue:
    document = _load(document_id)
    db = get_session()
    _, users = services.recipients_choice(db)
    form = AssignForm()
    form.lead.choices = _user_choices(users, True)
    form.cooperators.choices = _user_choices(users)
    if not form.validate_on_submit() or not (form.lead.data or "").isdigit():
        status = 400 if request.method == "POST" else 200
        return render_template("documents/assign.html", form=form, document=document), status
    services.assign(
        db,
        auth.signed_in_user(),
        document,
        lead_id=int(form.lead.data or 0),
        cooperator_ids=_ids(form.cooperators.data),
        deadline=form.deadline.data,
        instructions=form.instructions.data or "",
        today=today_local(),
    )
    db.commit()
    flash(gettext("The document is assigned."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/tasks")
@drafters
def tasks() -> ResponseReturnValue:
    overdue = request.args.get("overdue") == "1"
    today = today_local()
    items = services.assignments_for(
        get_session(), auth.signed_in_user(), overdue_on=today if overdue else None
    )
    return render_template(
        "documents/tasks.html",
        items=items,
        overdue=overdue,
        today=today,
        progress_form=ProgressForm(),
        done=AssignmentState.DONE,
    )


@bp.post("/tasks/<int:assignment_id>/progress")
@drafters
def progress(assignment_id: int) -> ResponseReturnValue:
    db = get_session()
    form = ProgressForm()
    assignment = services.get_assignment(db, assignment_id)
    services.report_progress(
        db,
        auth.signed_in_user(),
        assignment,
        _enum(AssignmentState, form.state.data, AssignmentState.PENDING),
        form.note.data or "",
    )
    db.commit()
    flash(gettext("Progress saved."), "success")
    return redirect(url_for("documents.tasks"))


# --- incoming and registers ----------------------------------------------------------------------


@bp.route("/incoming/new", methods=["GET", "POST"])
@clerks
def register_incoming() -> ResponseReturnValue:
    form = IncomingForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("documents/incoming.html", form=form), status
    db = get_session()
    data = services.IncomingData(
        issuer_name=form.issuer_name.data or "",
        number_symbol=form.number_symbol.data or "",
        issued_on=form.issued_on.data,
        doc_type=_enum(DocType, form.doc_type.data),
        subject=form.subject.data or "",
        urgency=_enum(Urgency, form.urgency.data, Urgency.THUONG),
        confidentiality=_enum(Confidentiality, form.confidentiality.data, Confidentiality.THUONG),
        due_on=form.due_on.data,
    )
    try:
        with _stage() as staged:
            receipt = services.register_incoming(
                db,
                staged,
                auth.signed_in_user(),
                data,
                form.file.data.read(),
                form.file.data.filename or "",
                settings(),
                today=today_local(),
                accept_duplicate=bool(form.accept_duplicate.data),
            )
            db.commit()
    except errors.PossibleDuplicate as duplicate:
        db.rollback()
        return render_template("documents/incoming.html", form=form, duplicate=duplicate), 409
    flash(
        gettext("Registered with incoming number %(n)d.", n=receipt.incoming_number or 0), "success"
    )
    return redirect(url_for("documents.show", document_id=receipt.document_id))


def _register_scope() -> tuple[int, int]:
    user = auth.signed_in_user()
    year = request.args.get("year", type=int) or today_local().year
    unit_id = user.unit_id
    if user.has_role(Role.AUDITOR):
        unit_id = request.args.get("unit", type=int) or unit_id
    return unit_id, year


@bp.get("/registers/outgoing")
@register_readers
def outgoing_register() -> ResponseReturnValue:
    unit_id, year = _register_scope()
    series = _enum(NumberSeries, request.args.get("series"), NumberSeries.REGULAR)
    doc_type = _enum(DocType, request.args.get("type"))
    text = request.args.get("q", "")[:200]
    rows = services.outgoing_register(
        get_session(), unit_id, year, series=series, doc_type=doc_type, text=text
    )
    if request.args.get("format") == "csv":
        return _csv_response(f"so-van-ban-di-{year}.csv", OUTGOING_COLUMNS, _outgoing_rows(rows))
    return render_template(
        "documents/register_outgoing.html",
        rows=rows,
        year=year,
        series=series,
        doc_type=doc_type,
        text=text,
        DocType=DocType,
    )


OUTGOING_COLUMNS = [
    "number_symbol",
    "state",
    "date",
    "type",
    "subject",
    "signer",
    "recipients",
    "void_reason",
]


def _outgoing_rows(rows: Iterable[Any]) -> Iterable[list[Any]]:
    for row in rows:
        document = row.document
        yield [
            row.number_symbol,
            row.state.value,
            document.issued_on.isoformat() if document and document.issued_on else "",
            document.doc_type.label if document else "",
            document.subject if document else "",
            document.signer_name if document else "",
            " | ".join(document.recipients_text.splitlines()) if document else "",
            row.void_reason or "",
        ]


@bp.get("/registers/incoming")
@register_readers
def incoming_register() -> ResponseReturnValue:
    unit_id, year = _register_scope()
    text = request.args.get("q", "")[:200]
    rows = services.incoming_register(get_session(), unit_id, year, text=text)
    if request.args.get("format") == "csv":
        return _csv_response(f"so-van-ban-den-{year}.csv", INCOMING_COLUMNS, _incoming_rows(rows))
    return render_template("documents/register_incoming.html", rows=rows, year=year, text=text)


INCOMING_COLUMNS = [
    "incoming_number",
    "arrival",
    "issuer",
    "number_symbol",
    "date",
    "type",
    "subject",
    "acknowledged_by",
]


def _incoming_rows(rows: Iterable[Any]) -> Iterable[list[Any]]:
    for row in rows:
        document = row.document
        yield [
            row.incoming_number,
            local_time(row.acknowledged_at),
            document.issuer_name or document.unit.name,
            document.number_symbol or "",
            document.issued_on.isoformat() if document.issued_on else "",
            document.doc_type.label,
            document.subject,
            row.acknowledged_by.full_name if row.acknowledged_by else "",
        ]


@bp.post("/notifications/read")
@signed_in
def notifications_read() -> ResponseReturnValue:
    import sqlalchemy as sa

    from documents.models import Notification

    db, user = get_session(), auth.signed_in_user()
    db.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.commit()
    return redirect(url_for("documents.inbox"))
