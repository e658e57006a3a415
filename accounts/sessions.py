"""Whether a signed-in session may still act: the one check every request goes through.

A session carries its account's session generation from sign-in, when it started and when it
was last seen; raising the generation on the server ends every session of the account at once.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from accounts.errors import SessionEnded
from accounts.models import User
from audit import record_event
from core.db import utcnow
from core.errors import N_

#: The browser's fingerprint (`accounts.auth.session_identifier`), which Flask-Login's
#: `login_user` writes under this key of its own.
BROWSER = "_id"
#: Our keys in the session, next to Flask-Login's.
GENERATION = "_vt_generation"
STARTED = "_vt_started"
SEEN = "_vt_seen"
#: The last-seen time is rewritten at most this often (seconds): each rewrite is a new cookie,
#: and opening files is the hottest path there is.
SEEN_EVERY = 60
ENDED = N_("Your session has ended. Please sign in again.")


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SessionPolicy:
        return cls(
            idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            lifetime=timedelta(hours=config["SESSION_MAX_HOURS"]),
        )


def _seconds(now: datetime | None) -> int:
    return int((now or utcnow()).timestamp())


def start(session: MutableMapping[str, Any], user: User, now: datetime | None = None) -> None:
    """Stamp a session that has just signed in as ``user``."""
    moment = _seconds(now)
    session[GENERATION] = user.session_generation
    session[STARTED] = session[SEEN] = moment


def check(
    contents: Mapping[str, Any],
    generation: int | None,
    policy: SessionPolicy,
    *,
    browser: str,
    now: datetime | None = None,
) -> None:
    """Raise `SessionEnded` unless a session holding ``contents``, brought by the browser whose
    fingerprint is ``browser``, may still act for its account, whose current session
    generation is ``generation`` (None: it may not sign in at all).

    A cookie brought by another browser or address than the one that signed in is refused (it
    was copied). A session without our stamps (from before they existed, or rebuilt by
    Flask-Login from a remember-me cookie) is refused like a revoked one.
    """
    moment = _seconds(now)
    if contents.get(BROWSER) != browser:
        raise SessionEnded(ENDED, reason="moved")
    stamped, started, seen = contents.get(GENERATION), contents.get(STARTED), contents.get(SEEN)
    if generation is None or stamped != generation:
        raise SessionEnded(ENDED, reason="revoked")
    if not isinstance(started, int) or not isinstance(seen, int):
        raise SessionEnded(ENDED, reason="revoked")
    if moment - started >= policy.lifetime.total_seconds():
        raise SessionEnded(ENDED, reason="expired")
    if moment - seen >= policy.idle.total_seconds():
        raise SessionEnded(ENDED, reason="idle")


def seen_is_due(contents: Mapping[str, Any], now: datetime | None = None) -> bool:
    """Whether `keep_alive` would write a new last-seen time (and so a new cookie)."""
    seen = contents.get(SEEN)
    return not isinstance(seen, int) or _seconds(now) - seen >= SEEN_EVERY


def keep_alive(session: MutableMapping[str, Any], now: datetime | None = None) -> None:
    """Note that a valid session was used, to the minute."""
    if seen_is_due(session, now):
        session[SEEN] = _seconds(now)


def forget(session: MutableMapping[str, Any]) -> None:
    """Drop our stamps from a session that has ended."""
    for key in (GENERATION, STARTED, SEEN):
        session.pop(key, None)


def end_sessions(user: User) -> None:
    """End every session of ``user``: their cookies no longer match the server.

    The database adds one (``SET session_generation = session_generation + 1``), so two
    concurrent revocations never write the same number and a session stamped between them
    cannot survive the second.
    """
    user.session_generation = User.session_generation + 1


def end_everywhere(session: Session, actor: User, user: User) -> None:
    """Sign ``user`` out on every device, at their own or an administrator's request."""
    end_sessions(user)
    record_event(
        session, "accounts:session:ended_everywhere", actor=actor, subject={"user": user.id}
    )
