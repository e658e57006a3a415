"""Audit log pages and endpoints: public checkpoints and proofs under /log/, auditors' pages.

Every read sequences queued events first; a request that recorded events sequences them after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from accounts import auth
from accounts.models import Role
from audit import browse, labels, proofs
from audit.cli import audit_group
from audit.config import log_settings
from audit.errors import AuditError, BadLogRequest, LogInconsistent, ReceiptNotYours
from audit.forms import ReceiptCheckForm
from audit.log import integrate
from audit.offline.note import b64
from core import navigation, ratelimit
from core.clock import VIETNAM
from core.db import get_session
from core.errors import N_, BadInput
from core.forms import parse_date

logger = logging.getLogger(__name__)
bp = Blueprint("audit", __name__)
auditors = auth.roles_required(Role.AUDITOR)
MAX_RECEIPT_BYTES = 1 << 16


def init_app(app: Flask) -> None:
    """Register the blueprint, the CLI group and the menu entry."""
    app.register_blueprint(bp)
    app.cli.add_command(audit_group)
    navigation.add_entry(app, "audit.events", _l("Audit log"), lambda u: u.has_role(Role.AUDITOR))
    app.jinja_env.globals["log_receipt_url"] = receipt_url
    app.jinja_env.globals["may_take_log_receipt"] = may_take_receipt
    app.jinja_env.filters["b64"] = b64
    app.jinja_env.filters["event_label"] = labels.label


def _refresh(*, wait: bool = True, force: bool = False, covering: int | None = None) -> str | None:
    """Sequence queued events before reading the log; the refusal message if it refuses."""
    try:
        integrate(
            get_session(), log_settings(), wait=wait, force_checkpoint=force, covering=covering
        )
    except LogInconsistent as e:
        logger.error("audit log refuses to sign: %s", e.message)
        return e.message
    return None


def _text(body: str, download: str | None = None) -> Response:
    response = Response(body, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-cache"  # checkpoints move on: always revalidate
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


def _size_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if not raw:
        return None
    if not raw.isdigit():
        raise BadLogRequest(N_("%(name)s must be a tree size (0, 1, 2 ...)."), name=name)
    return int(raw)


# --- public: what a witness or any verifier needs -------------------------------------------------


@bp.get("/log/checkpoint")
@ratelimit.public
def checkpoint() -> ResponseReturnValue:
    """The latest signed checkpoint (C2SP tlog-checkpoint), as text."""
    _refresh(wait=False)
    return _text(proofs.get_checkpoint(get_session()).note)


@bp.get("/log/checkpoints/<int:size>")
@ratelimit.public
def checkpoint_at(size: int) -> ResponseReturnValue:
    return _text(proofs.get_checkpoint(get_session(), size).note)


@bp.get("/log/key")
@ratelimit.public
def key() -> ResponseReturnValue:
    """The log's verifier key (C2SP vkey): all anyone needs to check checkpoints and receipts."""
    return _text(log_settings().vkey + "\n")


@bp.get("/log/consistency")
@ratelimit.public
def consistency() -> ResponseReturnValue:
    """Consistency proof from size ``from`` to the checkpoint ``to`` (default: the latest)."""
    _refresh(wait=False)
    first = _size_arg("from") or 0
    return jsonify(proofs.consistency(get_session(), first, _size_arg("to")).to_json())


@bp.get("/log/witness")
@ratelimit.public
def witness() -> ResponseReturnValue:
    """The latest checkpoint, with a consistency proof from the size a witness saw last.

    A log smaller than what the witness saw still answers with its checkpoint: signed
    evidence that it shrank, which the witness reports.
    """
    _refresh(wait=False)
    seen = _size_arg("from") or 0
    session = get_session()
    latest = proofs.get_checkpoint(session)
    fits = seen <= latest.size
    proof = proofs.consistency(session, seen, latest.size).to_json()["proof"] if fits else []
    return jsonify(
        {"checkpoint": latest.note, "size": latest.size, "from": seen, "consistency": proof}
    )


# --- receipts: auditors, and each person for what they did ----------------------------------------


@bp.get("/log/entries/<int:seq>/receipt")
@ratelimit.public
@auth.login_required
def receipt(seq: int) -> ResponseReturnValue:
    """The tlog-proof of one entry, for auditors and for the person who acted in it."""
    _check_receipt_access(proofs.actor_of(get_session(), seq))
    _refresh(covering=seq)
    return _receipt(seq)


@bp.get("/log/receipt")
@ratelimit.public
@auth.login_required
def find_receipt() -> ResponseReturnValue:
    """The receipt of the first event of ``type`` by ``actor`` with ``subject.KEY=VALUE`` params.

    Lets a page that knows what happened (who opened which version) offer its receipt.
    """
    actor = request.args.get("actor", "")
    action = request.args.get("type", "")
    if not actor.isdigit() or not action:
        raise BadLogRequest(N_("Say which event: its type and its actor."))
    _check_receipt_access(int(actor))
    _refresh(force=True)  # the event may still be queued, and in no checkpoint yet
    subject = {
        name.removeprefix("subject."): value
        for name, value in request.args.items()
        if name.startswith("subject.")
    }
    return _receipt(proofs.first_event_seq(get_session(), action, int(actor), subject))


def _receipt(seq: int) -> Response:
    proof = proofs.inclusion(get_session(), seq)
    try:
        proof.verify(log_settings())
    except AuditError as e:  # never hand out a receipt that would not verify
        raise LogInconsistent(
            N_("The log cannot prove entry %(seq)d: its stored tree was altered."), seq=seq
        ) from e
    return _text(proof.receipt(), download=f"vanthu-log-{seq}.tlog-proof")


def may_take_receipt(actor_id: int | None) -> bool:
    """Auditors take any entry's receipt; everyone else those of their own actions."""
    user = auth.signed_in_user()
    return user.has_role(Role.AUDITOR) or (actor_id is not None and actor_id == user.id)


def _check_receipt_access(actor_id: int | None) -> None:
    if not may_take_receipt(actor_id):
        raise ReceiptNotYours(N_("Only auditors and the person who acted may take this receipt."))


# --- auditors ------------------------------------------------------------------------------------


@bp.get("/log/entries/<int:seq>")
@ratelimit.public
@auditors
def entry_proof(seq: int) -> ResponseReturnValue:
    """Entry ``seq`` with its inclusion proof in the checkpoint ``size`` (default: latest)."""
    size = _size_arg("size")
    _refresh(covering=seq if size is None else None)
    return jsonify(proofs.inclusion(get_session(), seq, size).to_json())


@bp.get("/audit")
@auditors
def events() -> ResponseReturnValue:
    refusal = _refresh()
    session = get_session()
    args = request.args
    filters = {
        k: args.get(k, "") for k in ("person", "document", "meeting", "type", "since", "until")
    }
    context = {
        "filters": filters,
        "refusal": refusal,
        "type_groups": labels.groups(),
        "known_types": labels.LABELS.keys() | labels.DOMAINS.keys(),
    }
    try:
        since, until = _local_day(filters["since"], 0), _local_day(filters["until"], 1)
    except ValueError:  # said beside the dates, with the filter as typed, to correct
        empty = browse.EventPage([], 1, False)
        return render_template("audit/events.html", page=empty, date_error=True, **context), 400
    person = filters["person"].strip()[:100]
    actor_id = browse.person_id(session, person) if person else None
    if person and actor_id is None:
        actor_id = -1  # an unknown username matches nothing rather than everything
    wanted = browse.EventFilter(
        actor_id=actor_id,
        documents=_documents_arg(session, filters["document"]),
        meeting=_int_arg("meeting"),
        action_prefix=filters["type"].strip()[:96],
        since=since,
        until=until,
    )
    page = browse.list_events(session, wanted, _int_arg("page") or 1)
    return render_template("audit/events.html", page=page, **context)


def set_document_lookup(app: Flask, lookup: Callable[[Session, str], list[int]]) -> None:
    """How the filter turns "04/UBND-VP" (or an id) into document ids; the documents domain
    gives it in core/app.py, so that the log knows no domain."""
    app.extensions["vanthu.audit.document_lookup"] = lookup


def _documents_arg(session: Session, raw: str) -> tuple[int, ...] | None:
    raw = raw.strip()[:100]
    if not raw:
        return None
    lookup = current_app.extensions.get("vanthu.audit.document_lookup")
    if lookup is None:
        return (int(raw),) if raw.isdigit() and len(raw) <= 15 else ()
    return tuple(lookup(session, raw))


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 15:
        raise BadInput(N_("%(name)s must be a whole number."), name=name)
    return int(raw)


def _local_day(raw: str, offset_days: int) -> datetime | None:
    """Midnight, Vietnam time, at the start of the given day plus ``offset_days``, as UTC;
    ValueError for a day not written dd/mm/yyyy (or ISO)."""
    if not raw.strip():
        return None
    return datetime.combine(parse_date(raw) + timedelta(days=offset_days), time(), VIETNAM)


@bp.get("/audit/entries/<int:seq>")
@auditors
def entry(seq: int) -> ResponseReturnValue:
    """One entry, its database row, and its inclusion proof checked here and now."""
    refusal = _refresh(covering=seq)
    session = get_session()
    logged = browse.get_entry(session, seq)
    verified, failure = None, None
    try:
        proof = proofs.inclusion(session, seq)
        verified = proof.verify(log_settings())
    except AuditError as e:
        failure = e.message
    return render_template(
        "audit/entry.html", entry=logged, verified=verified, failure=failure, refusal=refusal
    )


@bp.get("/audit/checkpoints")
@auditors
def checkpoints() -> ResponseReturnValue:
    refusal = _refresh()
    page = _int_arg("page") or 1
    rows, has_next = browse.list_checkpoints(get_session(), page)
    return render_template(
        "audit/checkpoints.html",
        rows=rows,
        page=page,
        has_next=has_next,
        vkey=log_settings().vkey,
        refusal=refusal,
    )


@bp.route("/audit/receipts/check", methods=["GET", "POST"])
@auditors
def check_receipt() -> ResponseReturnValue:
    """Paste or upload a tlog-proof; say whether it is a true receipt of this log."""
    form = ReceiptCheckForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("audit/check_receipt.html", form=form), status
    _refresh()
    context: dict[str, Any] = {"form": form}
    status = 200
    session = get_session()
    try:
        checked = proofs.check_receipt(session, _receipt_text(form), log_settings())
        context.update(checked=checked, entry=browse.get_entry(session, checked.seq))
    except BadInput as e:
        context["malformed"], status = gettext(e.template, **e.data), 400
    except AuditError as e:
        context["failure"], status = e.message, 422
    return render_template("audit/check_receipt.html", **context), status


def _receipt_text(form: ReceiptCheckForm) -> str:
    upload = form.file.data
    raw = upload.read(MAX_RECEIPT_BYTES + 1) if upload else (form.text.data or "").encode()
    if not raw.strip():
        raise BadLogRequest(N_("Paste a receipt or choose a receipt file."))
    if len(raw) > MAX_RECEIPT_BYTES:
        raise BadLogRequest(N_("A receipt is a small text file; this one is too large."))
    try:
        return raw.decode("utf-8").strip("\ufeff")
    except UnicodeDecodeError:
        raise BadLogRequest(N_("A receipt is UTF-8 text; this file is not.")) from None


def receipt_url(action: str, actor_id: int, **subject: Any) -> str:
    """Where the receipt of an event is fetched, for pages of other domains (a template global)."""
    params = {f"subject.{k}": v for k, v in subject.items()}
    return url_for("audit.find_receipt", type=action, actor=actor_id, **params)
