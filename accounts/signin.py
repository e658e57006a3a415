"""Signing in: checking a password, and slowing down whoever keeps guessing.

Failures are counted per account and client address, so that guessing from one place earns a
growing delay for that place only, and per address across accounts. No Flask here.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts import errors
from accounts.models import LoginFailure, LoginThrottle, User
from accounts.passwords import check_password
from accounts.sessions import end_sessions
from audit import record_event
from core.db import utcnow
from core.errors import N_

#: Failures to one account from one address are forgotten after a quiet day.
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class LoginPolicy:
    #: Failures from one address to one account before each further one earns a delay.
    max_failures: int = 5
    #: The longest that delay grows (it doubles from one minute).
    lock_minutes: int = 15
    max_failures_per_address: int = 30
    address_window_minutes: int = 15
    hash_profile: str = "default"

    def delay(self, failures: int) -> timedelta | None:
        """How long an address waits after its ``failures``-th wrong password to an account."""
        if failures < self.max_failures:
            return None
        doublings = min(failures - self.max_failures, 16)
        return timedelta(minutes=min(self.lock_minutes, 2**doublings))


def address_key(address: str | None, secret: str) -> str:
    """A keyed hash of a client address: lets us count failures without storing the address."""
    return hashlib.blake2b((address or "").encode(), key=secret.encode()[:64]).hexdigest()[:64]


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    address: str,
    policy: LoginPolicy,
    now: datetime | None = None,
) -> User:
    """Return the user whose credentials these are, or raise and record why not.

    ``address`` is the client's `address_key`. The caller commits in both cases: failure
    counters and audit events must survive a refusal.
    """
    now = now or utcnow()
    _refuse_a_guessing_address(session, address, policy, now)
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    throttle = None
    if user is not None:
        throttle = session.scalar(
            sa.select(LoginThrottle).where(
                LoginThrottle.user_id == user.id, LoginThrottle.address_key == address
            )
        )
    if user is not None and throttle is not None and _waiting(throttle, now):
        assert throttle.locked_until is not None
        record_event(session, "accounts:session:refused_locked", actor=user)
        wait = math.ceil((throttle.locked_until - now).total_seconds())
        raise errors.AccountLocked(
            N_(
                "Too many failed sign-ins to this account from your address. Try again in "
                "%(minutes)d minutes, or ask an administrator to unlock the account."
            ),
            retry_after=wait,
            minutes=math.ceil(wait / 60),
        )

    stored = user.password_hash if user is not None else None
    if not check_password(stored, password, policy.hash_profile):
        session.add(LoginFailure(address_key=address, at=now))
        if user is None:
            record_event(
                session, "accounts:session:login_failed", actor=None, details={"reason": "unknown"}
            )
        else:
            _count_failure(session, user, throttle, address, policy, now)
        raise errors.InvalidCredentials(N_("Wrong username or password."))

    assert user is not None  # a password can only match a stored hash
    if not user.active:
        record_event(session, "accounts:session:refused_inactive", actor=user)
        raise errors.AccountInactive(N_("This account has been deactivated."))
    if throttle is not None:
        session.delete(throttle)
    record_event(session, "accounts:session:login", actor=user)
    return user


def _refuse_a_guessing_address(
    session: Session, address: str, policy: LoginPolicy, now: datetime
) -> None:
    window_start = now - timedelta(minutes=policy.address_window_minutes)
    recent = session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address_key == address, LoginFailure.at >= window_start)
    )
    if (recent or 0) >= policy.max_failures_per_address:
        record_event(session, "accounts:session:throttled", actor=None, details={})
        raise errors.AddressThrottled(
            N_("Too many failed sign-ins from this network. Please wait a few minutes."),
            retry_after=policy.address_window_minutes * 60,
        )


def _waiting(throttle: LoginThrottle, now: datetime) -> bool:
    return throttle.locked_until is not None and throttle.locked_until > now


def _count_failure(
    session: Session,
    user: User,
    throttle: LoginThrottle | None,
    address: str,
    policy: LoginPolicy,
    now: datetime,
) -> None:
    if throttle is None:
        throttle = LoginThrottle(user_id=user.id, address_key=address, failures=0)
        session.add(throttle)
    elif now - throttle.last_failed_at > FORGET_AFTER:
        throttle.failures = 0
    throttle.failures += 1
    throttle.last_failed_at = now
    record_event(
        session,
        "accounts:session:login_failed",
        actor=user,
        details={"reason": "password", "failures": throttle.failures},
    )
    delay = policy.delay(throttle.failures)
    if delay is not None:
        throttle.locked_until = now + delay
        # Someone is guessing: whatever they may have taken before stops working.
        end_sessions(user)
        record_event(
            session,
            "accounts:user:locked",
            actor=None,
            subject={"user": user.id},
            details={"minutes": int(delay.total_seconds() // 60)},
        )


def unlock_user(session: Session, admin: User, user: User) -> None:
    """Lift every delay on ``user``'s account now, as an administrator."""
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.user_id == user.id))
    record_event(session, "accounts:user:unlocked", actor=admin, subject={"user": user.id})


def locked_user_ids(
    session: Session, user_ids: Collection[int], now: datetime | None = None
) -> set[int]:
    """Which of ``user_ids`` some address must wait to sign in as (one query)."""
    if not user_ids:
        return set()
    return set(
        session.scalars(
            sa.select(LoginThrottle.user_id)
            .where(
                LoginThrottle.user_id.in_(user_ids), LoginThrottle.locked_until > (now or utcnow())
            )
            .distinct()
        )
    )
