"""The flows around a received document: returning it, confirming a recall, linking a reply.

Their panels on the document, inbox and register pages come from the template helpers that
`init_app` of the documents views registers (`document_flows`, `inbox_flows`, `recall_marks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from accounts import auth
from accounts.models import Role, User
from core import mail
from core.db import get_session
from documents import access, errors, recalls, replies, returns
from documents.forms import ReasonForm, UploadForm
from documents.models import (
    Circulation,
    Direction,
    Document,
    ReceiptReturn,
    Status,
    UnitReceipt,
)
from documents.views.blueprint import bp, clerks, load, settings, signed_in, stage
from documents.views.steps import inline_errors


def _mail() -> dict[str, Any]:
    return {
        "email": mail.get_mailer() is not None,
        "site_url": current_app.config.get("PUBLIC_URL"),
    }


@bp.post("/documents/<int:document_id>/return")
@clerks
@inline_errors
def return_to_sender(document_id: int) -> ResponseReturnValue:
    document = load(document_id)
    db = get_session()
    reason = ReasonForm().reason.data or ""
    returns.return_to_sender(db, auth.signed_in_user(), document, reason, **_mail())
    db.commit()
    flash(gettext("The document is returned to its sender."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/correct")
@clerks
@inline_errors
def correct_returned(document_id: int) -> ResponseReturnValue:
    """The issuing unit's clerk uploads the corrected file of a returned document."""
    document = load(document_id, manage=True)
    form = UploadForm()
    if not form.validate_on_submit():
        raise errors.InvalidDocument(_l("Choose a file."))
    db = get_session()
    with stage() as staged:
        version = returns.correct(
            db, staged, auth.signed_in_user(), document, form.file.data.read(),
            form.file.data.filename or "", settings(),
        )  # fmt: skip
        db.commit()
    flash(
        gettext(
            "Version %(n)d is stored. Submit it for signing; once sealed, send it again.",
            n=version.number,
        ),
        "success",
    )
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/send-again")
@clerks
@inline_errors
def send_again(document_id: int) -> ResponseReturnValue:
    """The corrected, sealed version to a unit that returned the document."""
    document = load(document_id, manage=True)
    unit = request.form.get("unit", "")
    if not unit.isdigit():
        raise errors.RecipientNotFound(_l("Choose the unit to send the corrected document to."))
    db = get_session()
    returns.send_again(db, auth.signed_in_user(), document, [int(unit)])
    db.commit()
    flash(gettext("The corrected document is sent again."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/confirm-recall")
@clerks
@inline_errors
def confirm_recall(document_id: int) -> ResponseReturnValue:
    document = load(document_id)
    db = get_session()
    recalls.confirm(db, auth.signed_in_user(), document, **_mail())
    db.commit()
    flash(gettext("The sender is told that your unit removed the recalled document."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/replies")
@signed_in
@inline_errors
def link_reply(document_id: int) -> ResponseReturnValue:
    document = load(document_id, manage=True)
    answered = request.form.get("answers", "")
    if not answered.isdigit():
        raise errors.InvalidDocument(_l("Choose the document this one answers."))
    db = get_session()
    replies.link(db, auth.signed_in_user(), document, int(answered))
    db.commit()
    flash(gettext("The reply is linked to the document it answers."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@dataclass
class DocumentFlows:
    """What the document page shows about returns, recalls and replies to its viewer."""

    returns: list[ReceiptReturn] = field(default_factory=list)
    may_return: bool = False
    #: For the issuing unit's clerks: upload a corrected version of a returned document.
    may_correct: bool = False
    #: The units that returned it, to which the sealed corrected version may be sent now.
    may_send_again: list[ReceiptReturn] = field(default_factory=list)
    #: Version number of each version id, for "version n returned, version m sent again".
    version_numbers: dict[int, int] = field(default_factory=dict)
    #: The version each re-sending sent, by circulation id.
    resent: dict[int, Circulation] = field(default_factory=dict)
    #: The viewer's unit returned it: nothing to acknowledge.
    returned_here: bool = False
    recall_status: list[recalls.UnitRecall] = field(default_factory=list)
    may_confirm_recall: bool = False
    answers: list[Document] = field(default_factory=list)
    replies: list[Document] = field(default_factory=list)
    answerable: list[Document] = field(default_factory=list)


def document_flows(document: Document) -> DocumentFlows:
    db, user = get_session(), auth.signed_in_user()
    flows = DocumentFlows()
    sender = access.can_manage(user, document) or user.has_role(Role.AUDITOR)
    receipt = _own_receipt(db, user, document)
    all_returns = returns.returns_of(db, document)
    flows.returns = [r for r in all_returns if sender or r.unit_id == user.unit_id]
    flows.returned_here = any(
        r.unit_id == user.unit_id and r.resent_circulation_id is None for r in all_returns
    )
    if flows.returns:
        flows.version_numbers = {v.id: v.number for v in document.versions}
        flows.resent = returns.resendings(db, flows.returns)
    open_returns = [r for r in all_returns if r.resent_circulation_id is None]
    if open_returns and user.has_role(Role.CLERK) and access.can_manage(user, document):
        flows.may_correct = document.status is Status.ISSUED
        flows.may_send_again = [
            r
            for r in open_returns
            if document.is_sealed and r.version_id != document.current_version_id
        ]
    flows.may_return = bool(
        receipt is not None
        and receipt.acknowledged_at is None
        and document.status is Status.ISSUED
        and not flows.returned_here
    )
    if document.status is Status.RECALLED:
        status = recalls.recall_status(db, document)
        flows.recall_status = (
            status if sender else [s for s in status if receipt and s.unit.id == receipt.unit_id]
        )
        flows.may_confirm_recall = receipt is not None and not any(
            s.confirmed for s in status if s.unit.id == receipt.unit_id
        )
    if document.direction is Direction.OUTGOING:
        flows.answers = replies.answered_by(db, document, viewer=user)
        if access.can_manage(user, document) and document.status is not Status.RECALLED:
            linked = {d.id for d in flows.answers}
            flows.answerable = [d for d in replies.answerable(db, user) if d.id not in linked]
    flows.replies = replies.replies_to(db, document, viewer=user)
    return flows


def _own_receipt(db: Any, user: User, document: Document) -> UnitReceipt | None:
    """The receipt of the clerk's unit for a document sent to it through VanThu."""
    if not user.has_role(Role.CLERK):
        return None
    receipt: UnitReceipt | None = db.scalar(
        sa.select(UnitReceipt).where(
            UnitReceipt.document_id == document.id,
            UnitReceipt.unit_id == user.unit_id,
            UnitReceipt.circulation_id.is_not(None),
        )
    )
    return receipt


def inbox_flows() -> list[Document]:
    """The recalled documents the signed-in clerk's unit still has to confirm."""
    return recalls.waiting_for(get_session(), auth.signed_in_user())


def recall_marks(documents: Iterable[Document | None]) -> dict[int, recalls.RecallMark]:
    return recalls.register_marks(get_session(), documents)


def return_marks(documents: Iterable[Document | None]) -> dict[int, list[returns.ReturnMark]]:
    return returns.register_marks(get_session(), documents)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "document_flows": document_flows,
        "inbox_flows": inbox_flows,
        "recall_marks": recall_marks,
        "return_marks": return_marks,
    }
