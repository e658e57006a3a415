"""What the signing flow asks of people in the bell, and when it stops asking.

An official is asked to sign, the submitting clerk to seal: each notification is tied to the
document and cleared (`accounts.notification_subjects.clear`) in the transaction that signs,
seals, declines, withdraws or supersedes, so none outlives the action it asked for.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts import notifications
from accounts.models import User
from accounts.notification_subjects import clear
from core.errors import N_
from documents import notices
from documents.models import Document

SIGN = "sign"
SEAL = "seal"


def _tell(
    session: Session,
    user_id: int,
    document: Document,
    kind: str,
    message: tuple[str, str],
    action: str | None,
    params: dict[str, str] | None = None,
) -> None:
    user = session.get(User, user_id)
    if user is None:
        return
    notifications.notify(
        session,
        [user],
        kind,
        *message,
        notices.link(document),
        email=False,
        params={**notices.about(document), **(params or {})},
        subject=notices.subject(document),
        action=action,
    )


def ask_to_sign(session: Session, user_id: int, document: Document) -> None:
    _tell(
        session,
        user_id,
        document,
        "signing_requested",
        (N_("Waiting for your signature: %(number)s"), N_("Subject: %(subject)s")),
        SIGN,
    )


def ask_to_seal(session: Session, user_id: int, document: Document) -> None:
    _tell(
        session,
        user_id,
        document,
        "signing_to_seal",
        (N_("Signed, waiting for the seal: %(number)s"), N_("Subject: %(subject)s")),
        SEAL,
    )


def tell_declined(
    session: Session, user_id: int, document: Document, number: str, reason: str
) -> None:
    """Tell the clerk; ``number`` is the one the request reserved, void now."""
    _tell(
        session,
        user_id,
        document,
        "signing_declined",
        (N_("Signing declined: %(number)s"), N_("Subject: %(subject)s. Reason: %(reason)s")),
        None,
        {"reason": reason, "number": number},
    )


def settle(session: Session, document: Document, *actions: str) -> None:
    """Nobody is asked any more to do ``actions`` (default: sign and seal) on ``document``."""
    clear(session, notices.KIND, document.id, actions or (SIGN, SEAL))
