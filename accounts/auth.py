"""Who is signed in, and the decorator that lets only some roles through.

Anonymous users are sent to the login page; a signed-in user without the role gets 403, which the
error handler records in the audit log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import Flask, current_app, flash, request, session
from flask_babel import gettext
from flask_login import LoginManager, current_user, login_user
from sqlalchemy.orm import joinedload

from accounts import sessions
from accounts.errors import PermissionDenied, SessionEnded
from accounts.models import Role, User
from core.db import get_session

login_manager = LoginManager()
F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # The browser's fingerprint is compared by `accounts.sessions.check`, the one session check
    # (which the file route's fast path calls too), not by Flask-Login's own protection.
    login_manager.session_protection = None
    # The login page itself says why the user is there; no flashed message needed.
    login_manager.login_message = ""
    login_manager.user_loader(_load_user)
    # Flask-Login would read X-Forwarded-For itself, which any client may write.
    login_manager._session_identifier_generator = lambda: session_identifier(request.environ)


#: Built once: the user with unit and roles in one round trip, on every request.
_USER_BY_ID = (
    sa.select(User)
    .options(joinedload(User.role_rows))
    .where(User.id == sa.bindparam("user_id"), User.active)
)


def _load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the account, if this session may still act for it."""
    if not user_id.isdigit():
        return None
    result = get_session().scalars(_USER_BY_ID, {"user_id": int(user_id)})
    user = result.unique().one_or_none()
    policy = sessions.SessionPolicy.from_config(current_app.config)
    try:
        generation = user.session_generation if user else None
        sessions.check(session, generation, policy, browser=session_identifier(request.environ))
    except SessionEnded as ended:
        sessions.forget(session)
        session.pop("_user_id", None)  # anonymous from now on, not checked again
        flash(gettext(ended.template), "info")
        return None
    sessions.keep_alive(session)
    return user


def sign_in(user: User) -> None:
    """Start a session for ``user``, who has just proved who they are."""
    login_user(user)
    sessions.start(session, user)


def signed_in_user() -> User:
    """The signed-in user, typed; call it only behind a login check."""
    user = current_user._get_current_object()
    assert isinstance(user, User)
    return user


def session_identifier(environ: Mapping[str, Any]) -> str:
    """The fingerprint of a browser that Flask-Login's session protection compares: the client
    address as the trusted proxies give it (never a header a client may write) and the user
    agent. ``environ`` is a request's, after `core.security`'s proxy fix."""
    address = environ.get("REMOTE_ADDR")
    agent = environ.get("HTTP_USER_AGENT")
    return hashlib.sha512(f"{address}|{agent}".encode()).hexdigest()


def login_required(view: F) -> F:
    """Any signed-in user."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Only signed-in users holding one of ``roles``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                raise PermissionDenied("You do not have permission to open this page.")
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def record_denial(error: Exception) -> None:
    """Write a refused request to the audit log: who, which page, never what they typed."""
    from flask import request

    from audit import record_event

    actor = current_user.get_id() if current_user.is_authenticated else None
    record_event(
        get_session(),
        getattr(error, "audit_action", "accounts:access:denied"),
        actor=int(actor) if actor else None,
        subject={"endpoint": request.endpoint or "", "method": request.method},
        details={"code": getattr(error, "code", "forbidden")},
    )
