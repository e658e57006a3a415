"""What waits for signing: the official's documents to sign, the clerk's to seal (home and menu)."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from accounts.models import Role, User
from core import navigation
from core.db import get_session
from signing import queues
from signing.models import SigningRequest


def _item(request: SigningRequest) -> navigation.WaitingItem:
    return navigation.WaitingItem(
        title=request.document.subject,
        url=url_for("signing.request_page", request_id=request.id),
        note=request.number_symbol or "",
    )


def init_app(app: Flask) -> None:
    navigation.add_waiting(
        app,
        navigation.WaitingEntry(
            key="to-sign",
            label=_l("Waiting for your signature"),
            endpoint="signing.queue",
            visible=lambda user: user.has_role(Role.OFFICIAL),
            items=lambda user: [_item(r) for r in queues.to_sign(get_session(), user)],
            count=lambda user: queues.count_to_sign(get_session(), user),
        ),
    )
    navigation.add_waiting(
        app,
        navigation.WaitingEntry(
            key="to-seal",
            label=_l("Signed, waiting for the seal"),
            endpoint="signing.queue",
            visible=_clerk,
            items=lambda user: [_item(r) for r in queues.to_seal(get_session(), user)],
            count=lambda user: queues.count_to_seal(get_session(), user),
        ),
    )


def _clerk(user: User) -> bool:
    return user.has_role(Role.CLERK)
