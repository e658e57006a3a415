"""The inbox, notifications and search: what a person finds waiting for them."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from accounts import auth
from accounts.models import Role
from core.db import get_session, utcnow
from documents import inbox as inboxes
from documents import search as searching
from documents.views.blueprint import bp, signed_in


@bp.get("/inbox")
@signed_in
def inbox() -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    entries = inboxes.inbox(db, user, unread_only=request.args.get("unread") == "1")
    pending = inboxes.unit_receipts_pending(db, user) if user.has_role(Role.CLERK) else []
    return render_template(
        "documents/inbox.html",
        entries=entries,
        pending=pending,
        notifications=inboxes.notifications_for(db, user),
    )


@bp.get("/search")
@signed_in
def search() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()[:200]
    results = searching.search(get_session(), auth.signed_in_user(), query) if query else []
    return render_template("documents/search.html", query=query, results=results)


@bp.post("/notifications/read")
@signed_in
def notifications_read() -> ResponseReturnValue:
    import sqlalchemy as sa

    from documents.models import Notification

    db, user = get_session(), auth.signed_in_user()
    db.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.commit()
    return redirect(url_for("documents.inbox"))
