"""Who is signed in, and the decorator that lets only some roles through.

Anonymous users are sent to the login page; a signed-in user without the role gets 403, which the
error handler records in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import Flask, g, session
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


def session_account_id() -> int | None:
    """The account id the session is signed in as, without loading the account.

    For the hottest pages, which check in their own single query that the account is still
    active. Flask-Login's session protection applies exactly as for `current_user`.
    """
    if "_login_user" in g:
        user = g._login_user
        return int(user.id) if user.is_authenticated else None
    if login_manager._session_protection_failed():  # the check current_user makes
        return None
    raw = session.get("_user_id")
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


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
