"""The document page's stepper and what its actions share: errors shown on the page itself.

`inline_errors` wraps every action posted from the document page (here and in signing), so a
step out of order, a missing signer or bad input re-renders the page with the message beside the
stepper and a 4xx status, never the full-page error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from accounts import auth
from accounts.models import Role, User
from core.db import get_session
from core.errors import VanThuError
from documents import access, assignments, circulation, incoming, originals, steps
from documents.forms import ReasonForm, UploadForm
from documents.models import Direction, Document
from documents.views.blueprint import converter, load

LABELS = {
    steps.Step.DRAFTED: _l("Draft"),
    steps.Step.NUMBERED: _l("Number reserved"),
    steps.Step.FINAL_TEXT: _l("Final text with the number"),
    steps.Step.SUBMITTED: _l("Submitted for signing"),
    steps.Step.SIGNED: _l("Signed"),
    steps.Step.SEALED: _l("Sealed"),
    steps.Step.DISPATCHED: _l("Sent"),
}

MARKS = {"done": _l("done"), "current": _l("current step"), "todo": _l("to do")}

#: Errors the page shows itself; a denial (401, 403, 404) or a server error keeps its own page.
_PASSED_ON = (401, 403, 404)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["step_label"] = LABELS.__getitem__
    app.jinja_env.globals["step_mark"] = MARKS.__getitem__


def progress(document: Document) -> steps.Progress:
    return steps.progress(get_session(), auth.signed_in_user(), document)


def hint(now: steps.Progress) -> str:
    return gettext(now.hint, **now.hint_data) if now.hint else ""


def require(document: Document, action: steps.Action) -> None:
    """Refuse ``action`` unless it is next for the signed-in user; irreversible ones need their
    confirmation box (``confirm=yes``)."""
    steps.require(get_session(), auth.signed_in_user(), document, action)
    if document.direction is Direction.OUTGOING:
        # Submitting a template not numbered yet reserves its number: confirmed as the number.
        numbers = action is steps.Action.SUBMIT and document.number_symbol is None
        steps.require_confirmation(steps.Action.RESERVE_NUMBER if numbers else action, confirmed())


def confirmed() -> bool:
    """Whether the form's confirmation box of an irreversible step was ticked."""
    return request.form.get("confirm") == "yes"


def inline_errors(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Answer a domain error of an action on a document with its page, the message inline."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        try:
            return view(*args, **kwargs)
        except VanThuError as error:
            if error.audited or error.status in _PASSED_ON or error.status >= 500:
                raise
            get_session().rollback()
            message = gettext(error.template, **error.data)
            return document_page(kwargs["document_id"], error=message), error.status

    return wrapper


def document_page(document_id: int, error: str = "") -> str:
    """The document's page; ``error`` is shown beside the stepper (an action just failed)."""
    document = load(document_id)
    user, db = auth.signed_in_user(), get_session()
    now = progress(document)
    return render_template(
        "documents/show.html",
        document=document,
        versions=access.versions_open_to(db, user, document),
        manage=access.can_manage(user, document),
        upload_form=UploadForm(),
        reason_form=ReasonForm(),
        action_form=ReasonForm(),
        is_clerk=user.has_role(Role.CLERK),
        to_acknowledge=incoming.awaits_acknowledgement(db, user, document),
        can_convert=converter().available,
        conversion=originals.conversion_status(db, document),
        may_assign=assignments.may_assign(user),
        progress=now,
        officials=_officials() if steps.Action.CHOOSE_SIGNER in now.actions else [],
        step_error=error,
    )


def _officials() -> list[User]:
    """Who may be named to sign: active officials, for the stepper's "choose the signer"."""
    _, users = circulation.recipients_choice(get_session())
    return [user for user in users if user.has_role(Role.OFFICIAL)]
