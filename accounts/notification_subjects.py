"""What a notification is about: naming it in each language, clearing the notifications that asked
for an action once it is done, and hiding the title of one whose subject a reader may no longer
open.

Clearing is one rule for every domain: the service that completes (or makes moot) an action calls
`clear` in its own transaction, so the bell never shows "waiting for your signature" beside a
signed document. Domains say who may open their subjects with `register`, wired by the app
factory; a notification about a kind nobody registered is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User, UserNotification
from core.db import utcnow
from core.errors import N_
from core.i18n import translate

#: Shown for the ``number`` parameter of a document that has no number yet.
UNNUMBERED = N_("not yet numbered")
#: How much of a subject (trích yếu) a notification repeats.
SUBJECT_LENGTH = 90

#: Given a reader and subject ids of one kind, the ids they may open.
AccessCheck = Callable[[Session, User, Collection[int]], set[int]]

_checks: dict[str, AccessCheck] = {}


def register(kind: str, check: AccessCheck) -> None:
    """Let the list ask ``check`` whether a reader may still open a subject of ``kind``."""
    _checks[kind] = check


def shorten(text: str, length: int = SUBJECT_LENGTH) -> str:
    """``text`` on one line, cut at a word with an ellipsis when longer than ``length``."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0] + "…"


def localized_params(params: Mapping[str, str], locale: str) -> dict[str, str]:
    """``params`` as a reader of ``locale`` sees them: an empty number reads "not yet numbered"."""
    values = dict(params)
    if "number" in values and not values["number"]:
        values["number"] = translate(UNNUMBERED, locale)
    return values


def render(note: UserNotification, locale: str) -> tuple[str, str]:
    """The title and body of ``note`` in ``locale``."""
    values = localized_params(note.params or {}, locale)
    title = translate(note.title, locale, values)
    return title, translate(note.body, locale, values) if note.body else ""


def clear(
    session: Session,
    kind: str,
    subject_id: int,
    actions: Iterable[str],
    *,
    users: Iterable[int] | None = None,
) -> int:
    """Mark done every live notification asking for one of ``actions`` on the subject (only
    ``users``' when given): the action was done by someone entitled or became moot. Returns how
    many were cleared."""
    conditions = [
        UserNotification.subject_kind == kind,
        UserNotification.subject_id == subject_id,
        UserNotification.action.in_(list(actions)),
        UserNotification.done_at.is_(None),
    ]
    if users is not None:
        conditions.append(UserNotification.user_id.in_(list(users)))
    result = session.execute(
        sa.update(UserNotification)
        .where(*conditions)
        .values(done_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Listed:
    """A notification as its reader's list shows it; ``hidden`` when they may no longer open
    its subject, so neither its title nor its link is shown."""

    note: UserNotification
    title: str
    body: str
    hidden: bool

    @property
    def done(self) -> bool:
        return self.note.done_at is not None


def listing(
    session: Session, user: User, notes: list[UserNotification], locale: str
) -> list[Listed]:
    """``notes`` of ``user`` in ``locale``, each subject's access checked once per kind."""
    wanted: dict[str, set[int]] = {}
    for note in notes:
        if note.subject_kind in _checks and note.subject_id is not None:
            wanted.setdefault(note.subject_kind, set()).add(note.subject_id)
    allowed = {kind: _checks[kind](session, user, ids) for kind, ids in wanted.items()}
    listed = []
    for note in notes:
        hidden = note.subject_kind in allowed and note.subject_id not in allowed[note.subject_kind]
        title, body = ("", "") if hidden else render(note, locale)
        listed.append(Listed(note, title, body, hidden))
    return listed
