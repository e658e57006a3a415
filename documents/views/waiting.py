"""What waits in documents: unread documents, receipts the unit owes, tasks to handle."""

from __future__ import annotations

from datetime import date

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from accounts.models import Role, User
from core import navigation
from core.db import get_session
from documents import assignments, inbox
from documents.models import Document


def _document(document: Document, due: date | None = None) -> navigation.WaitingItem:
    return navigation.WaitingItem(
        title=document.subject,
        url=url_for("documents.show", document_id=document.id),
        note=document.number_symbol or "",
        due=due,
    )


def _unread(user: User) -> list[navigation.WaitingItem]:
    entries = inbox.inbox(get_session(), user, unread_only=True)
    return [_document(entry.document) for entry in entries]


def _to_acknowledge(user: User) -> list[navigation.WaitingItem]:
    receipts = inbox.unit_receipts_pending(get_session(), user)
    return [_document(receipt.document) for receipt in receipts]


def _to_handle(user: User) -> list[navigation.WaitingItem]:
    tasks = assignments.to_handle(get_session(), user)
    return [_document(task.document, due=task.deadline) for task in tasks]


def init_app(app: Flask) -> None:
    navigation.add_waiting(
        app,
        navigation.WaitingEntry(
            key="to-handle",
            label=_l("To handle"),
            endpoint="documents.tasks",
            visible=lambda user: user.has_role(Role.CLERK, Role.OFFICIAL),
            items=_to_handle,
            count=lambda user: len(assignments.to_handle(get_session(), user)),
        ),
    )
    navigation.add_waiting(
        app,
        navigation.WaitingEntry(
            key="to-acknowledge",
            label=_l("To acknowledge for your unit"),
            endpoint="documents.inbox",
            visible=lambda user: user.has_role(Role.CLERK),
            items=_to_acknowledge,
            count=lambda user: inbox.count_unit_receipts_pending(get_session(), user),
        ),
    )
    navigation.add_waiting(
        app,
        navigation.WaitingEntry(
            key="unread",
            label=_l("Unread documents"),
            endpoint="documents.inbox",
            visible=lambda user: True,
            items=_unread,
            count=lambda user: inbox.count_unread(get_session(), user),
        ),
    )
