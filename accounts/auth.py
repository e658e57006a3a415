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
from flask import Flask
from flask_login import LoginManager, current_user
from sqlalchemy.orm import joinedload

from accounts.errors import PermissionDenied
from accounts.models import Role, User
from core.db import get_session

login_manager = LoginManager()
F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    # The login page itself says why the user is there; no flashed message needed.
    login_manager.login_message = ""
    login_manager.user_loader(_load_user)


#: Built once: the user with unit and roles in one round trip, on every request.
_USER_BY_ID = (
    sa.select(User)
    .options(joinedload(User.role_rows))
    .where(User.id == sa.bindparam("user_id"), User.active)
)


def _load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    result = get_session().scalars(_USER_BY_ID, {"user_id": int(user_id)})
    return result.unique().one_or_none()


def signed_in_user() -> User:
    """The signed-in user, typed; call it only behind a login check."""
    user = current_user._get_current_object()
    assert isinstance(user, User)
    return user


def settled_account_id(
    app: Flask, contents: Mapping[str, Any], environ: Mapping[str, Any]
) -> int | None:
    """The account a session cookie's ``contents`` is signed in as, when Flask-Login would take
    it as it is: same browser (session protection), nothing to update in the session or its
    cookies. None for every other session, which only Flask-Login may handle.

    For responses made below Flask (`documents.serving`). Whether the account is still active
    is for the caller to check, as Flask-Login's user loader does.
    """
    raw = contents.get("_user_id")
    if not (isinstance(raw, str) and raw.isdigit()):
        return None
    if "_remember" in contents or app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
        return None  # Flask-Login would set or clear the remember-me cookie
    if contents.get("_permanent") and app.config["SESSION_REFRESH_EACH_REQUEST"]:
        return None  # Flask would send the cookie again with a later expiry
    protection = app.config.get("SESSION_PROTECTION", login_manager.session_protection)
    if protection in ("basic", "strong") and contents.get("_id") != session_identifier(environ):
        return None
    return int(raw)


def session_identifier(environ: Mapping[str, Any]) -> str:
    """Flask-Login's fingerprint of the browser (address and user agent) for ``environ``,
    computed as `flask_login.utils._create_identifier` computes it for a request."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
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
