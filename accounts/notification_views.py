"""The bell and the notifications page: each person sees and marks only their own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from accounts import auth, notification_subjects, notifications
from accounts.models import User
from core import mail, navigation
from core.db import get_session
from core.security import is_safe_next

bp = Blueprint("notifications", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    navigation.add_indicator(
        app, "notifications.index", _l("Notifications: %(count)d unread"), _unread
    )


def notify_from_app(
    session: Session,
    users: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    *,
    actor: User | None,
    params: Mapping[str, str] | None = None,
    calendar: str | None = None,
    subject: tuple[str, int] | None = None,
    action: str | None = None,
) -> notifications.Notified:
    """`notifications.notify` as a view or job of this app calls it: e-mail when it is on, links
    after VANTHU_PUBLIC_URL. Never after the request's own address, which a client's Host header
    may have written into a letter to someone else."""
    return notifications.notify(
        session,
        users,
        kind,
        title,
        body,
        link,
        email=mail.get_mailer() is not None,
        params=params,
        actor=actor,
        site_url=current_app.config.get("PUBLIC_URL"),
        calendar=calendar,
        subject=subject,
        action=action,
    )


def _unread(user: User) -> int:
    return notifications.unread_count(get_session(), user)


@bp.get("/notifications")
@auth.login_required
def index() -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    notes = notifications.notifications_of(db, user)
    listed = notification_subjects.listing(db, user, notes, str(get_locale() or "vi"))
    return render_template("accounts/notifications.html", listed=listed)


@bp.post("/notifications/<int:notification_id>/read")
@auth.login_required
def read(notification_id: int) -> ResponseReturnValue:
    """Mark one notification read; with ``go`` set, follow its link too."""
    db = get_session()
    user = auth.signed_in_user()
    note = notifications.mark_read(db, user, notification_id)
    db.commit()
    [listed] = notification_subjects.listing(db, user, [note], "vi")
    if request.form.get("go") and note.link and is_safe_next(note.link) and not listed.hidden:
        return redirect(note.link)
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read")
@auth.login_required
def read_all() -> ResponseReturnValue:
    db = get_session()
    notifications.mark_all_read(db, auth.signed_in_user())
    db.commit()
    return redirect(url_for("notifications.index"))
