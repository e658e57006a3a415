"""A person's private calendar feed: an address with a secret token that calendar apps subscribe
to, listing the meetings the person may see.

The token is shown once, when it is made; only its SHA-256 is stored, so a copy of the database
does not give anyone's feed away. Making a new one revokes the old; revoking ends it at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.db import utcnow
from meetings import access
from meetings.models import CalendarFeed, Meeting, MeetingStatus

#: What a token looks like (secrets.token_urlsafe(32)); anything else is not looked up.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
#: How far back the feed reaches, and how many meetings it lists at most.
PAST = timedelta(days=180)
MOST = 500


def _digest(token: str) -> str:
    # The token holds 256 random bits: a fast hash is enough, nothing to guess from it.
    return hashlib.sha256(token.encode()).hexdigest()


def active(session: Session, user: User) -> CalendarFeed | None:
    """The user's feed that works now, if any."""
    return session.scalar(
        sa.select(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
        .limit(1)
    )


def create(session: Session, user: User) -> str:
    """A new feed for ``user`` (any older one stops working); returns the token, to show once."""
    revoked = _revoke_all(session, user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_sha256=_digest(token))
    session.add(feed)
    session.flush()
    record_event(
        session,
        "meetings:calendar_feed:create",
        actor=user,
        subject={"user": user.id, "feed": feed.id},
        details={"replaced": revoked},
    )
    return token


def revoke(session: Session, user: User) -> int:
    """Stop the user's feed; returns how many addresses stopped working (0 or 1)."""
    revoked = _revoke_all(session, user)
    if revoked:
        record_event(
            session,
            "meetings:calendar_feed:revoke",
            actor=user,
            subject={"user": user.id},
            details={"feeds": revoked},
        )
    return len(revoked)


def _revoke_all(session: Session, user: User) -> list[int]:
    ids = list(
        session.scalars(
            sa.select(CalendarFeed.id).where(
                CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)
            )
        )
    )
    if ids:
        session.execute(
            sa.update(CalendarFeed)
            .where(CalendarFeed.id.in_(ids))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return sorted(ids)


def owner(session: Session, token: str) -> User | None:
    """Whose feed ``token`` opens: None if malformed, unknown, revoked, or the person left."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    return session.scalar(
        sa.select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(
            CalendarFeed.token_sha256 == _digest(token),
            CalendarFeed.revoked_at.is_(None),
            User.active,
        )
    )


def meetings_for(session: Session, user: User, now: datetime) -> list[Meeting]:
    """The meetings in the feed: those ``user`` may see (the meetings' one rule), drafts left
    out, from half a year back."""
    return list(
        session.scalars(
            sa.select(Meeting)
            .where(
                access.meeting_visible_to(user),
                Meeting.status != MeetingStatus.DRAFT,
                Meeting.ends_at >= now - PAST,
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(MOST)
        )
    )
