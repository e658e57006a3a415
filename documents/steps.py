"""Where an outgoing document is on its way to being sent, and what may be done next, by whom.

The one rule of the order of steps: the document page's stepper shows it and every action's POST
asks `require` (so a step out of order is refused with the message the page shows).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import Role, User
from core.errors import N_
from documents import access, drafting, errors, originals, returns
from documents.models import Circulation, Direction, Document, DocumentVersion, Status


class Step(enum.StrEnum):
    """The milestones of an outgoing document, in order (Decree 30: number, sign, seal, send)."""

    DRAFTED = "drafted"
    NUMBERED = "numbered"  # số, ngày reserved
    FINAL_TEXT = "final_text"  # the file to sign shows the number
    SUBMITTED = "submitted"  # trình ký
    SIGNED = "signed"
    SEALED = "sealed"  # đóng dấu: issued
    DISPATCHED = "dispatched"  # phát hành: sent to its recipients


ORDER = tuple(Step)


class Action(enum.StrEnum):
    RESERVE_NUMBER = "reserve_number"
    UPLOAD_FINAL = "upload_final"
    CHOOSE_SIGNER = "choose_signer"
    SUBMIT = "submit"
    SIGN = "sign"
    SEAL = "seal"
    DISPATCH = "dispatch"


#: Steps that cannot be taken back: the page asks for a confirmation, the server checks it.
IRREVERSIBLE = frozenset({Action.RESERVE_NUMBER, Action.SEAL, Action.DISPATCH})

#: Why an action is refused while the document waits at each step (None: every step is done).
_WAITING: dict[Step | None, str] = {
    Step.NUMBERED: N_("Reserve the number first."),
    Step.FINAL_TEXT: N_(
        "Upload the final file showing the number %(number)s first, then submit it for signing."
    ),
    Step.SUBMITTED: N_("The next step is to submit the document for signing."),
    Step.SIGNED: N_("The document is waiting for the officials' signatures."),
    Step.SEALED: N_("The document is signed and waiting for the organisation's seal."),
    Step.DISPATCHED: N_("The document is sealed: the next step is to send it."),
    None: N_("This document is already issued and sent."),
}


@dataclass(frozen=True)
class SigningState:
    """What the signing domain knows of a document (documents never imports signing)."""

    #: Whose turn it is to sign, or None when no request waits for a signature.
    request_id: int | None = None
    turn_of: int | None = None
    awaiting_seal: bool = False


SigningProbe = Callable[[Session, Document], SigningState]
_probe: list[SigningProbe] = []


def register_signing(probe: SigningProbe) -> None:
    """The app factory hands over signing's view of a document's request (one, replaced)."""
    _probe[:] = [probe]


@dataclass(frozen=True)
class Progress:
    """A document's steps as one user sees them."""

    #: The step being worked on now; None once every step is done (or for no stepper at all).
    current: Step | None
    #: The actions this user may take now, the next step first.
    actions: tuple[Action, ...] = ()
    #: Why the next step cannot be taken yet, or why this user has nothing to do; "" if none.
    hint: str = ""
    hint_data: dict[str, object] = field(default_factory=dict)
    #: Shown only for outgoing documents that are not recalled.
    shown: bool = True
    #: The signing request the next action (sign, seal) opens.
    request_id: int | None = None

    def state_of(self, step: Step) -> str:
        """ "done", "current" or "todo", for the stepper's marks."""
        if self.current is None:
            return "done"
        here = ORDER.index(self.current)
        position = ORDER.index(step)
        return "done" if position < here else "current" if position == here else "todo"

    @property
    def steps(self) -> list[tuple[Step, str]]:
        return [(step, self.state_of(step)) for step in ORDER]


def progress(session: Session, user: User, document: Document) -> Progress:
    """The current step and this user's next valid actions."""
    if document.direction is not Direction.OUTGOING or document.status is Status.RECALLED:
        return Progress(current=None, shown=False)
    clerk = user.has_role(Role.CLERK) and access.can_manage(user, document)
    signing = _probe[0](session, document) if _probe else SigningState()
    if signing.awaiting_seal:
        return _for(Step.SEALED, clerk, Action.SEAL, request_id=signing.request_id)
    if signing.turn_of is not None:
        turn = signing.turn_of == user.id
        return _for(Step.SIGNED, turn, Action.SIGN, request_id=signing.request_id)
    if document.status is Status.ISSUED:
        if returns.awaiting_signature(session, document):
            return _for(Step.SUBMITTED, clerk, Action.SUBMIT)
        sent = session.scalar(
            sa.select(Circulation.id).where(Circulation.document_id == document.id).limit(1)
        )
        step = None if sent else Step.DISPATCHED
        return _for(step, clerk and document.is_sealed, Action.DISPATCH)
    return _draft(session, document, clerk)


def _draft(session: Session, document: Document, clerk: bool) -> Progress:
    current = session.get(DocumentVersion, document.current_version_id or 0)
    template = current is not None and current.note == drafting.TEMPLATE_NOTE
    number = document.number_symbol or ""
    if not number and not template:
        return _for(Step.NUMBERED, clerk, Action.RESERVE_NUMBER)
    conversion = originals.conversion_status(session, document)
    if conversion is not None and conversion.pending:  # its job may submit it by itself
        return Progress(
            current=Step.FINAL_TEXT, hint=N_("The PDF original is being made; wait for it.")
        )
    final = template or (current is not None and drafting.shows_number(current.text, number))
    if not final:
        return _for(Step.FINAL_TEXT, clerk, Action.UPLOAD_FINAL, number=number)
    actions: tuple[Action, ...]
    if number:
        step, actions = Step.SUBMITTED, (Action.SUBMIT,)
    else:  # a template: numbered now, to edit it in Word, or laid out again on submission
        step, actions = Step.NUMBERED, (Action.RESERVE_NUMBER, Action.SUBMIT)
    if document.signer_id is None:
        return Progress(
            current=step,
            actions=(*actions[:-1], Action.CHOOSE_SIGNER) if clerk else (),
            hint=N_("Choose the official who signs the document before submitting it for signing."),
        )
    if not clerk:
        return Progress(current=step, hint=_WAITING[step])
    return Progress(current=step, actions=actions)


def _for(
    step: Step | None, allowed: bool, action: Action, request_id: int | None = None, **data: object
) -> Progress:
    if allowed:
        return Progress(current=step, actions=(action,), hint_data=data, request_id=request_id)
    return Progress(current=step, hint=_WAITING[step], hint_data=data, request_id=request_id)


def require(session: Session, user: User, document: Document, action: Action) -> None:
    """Refuse an action that is not among this user's next valid actions, saying what is next."""
    now = progress(session, user, document)
    if action in now.actions or not now.shown:
        return  # recalled and incoming documents are refused by their own services
    message = now.hint or _WAITING[now.current]
    data = now.hint_data or {"number": document.number_symbol or ""}
    raise errors.OutOfOrder(message, document=document.id, **data)


def require_confirmation(action: Action, confirmed: bool) -> None:
    """An irreversible step needs its box ticked ("Tôi đã kiểm tra ..."); nothing is stored."""
    if action in IRREVERSIBLE and not confirmed:
        raise errors.NotConfirmed(N_("Tick the box to confirm this step: it cannot be undone."))
