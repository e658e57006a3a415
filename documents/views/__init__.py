"""Document pages, one module per page group; `init_app` registers them and their menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from accounts.models import Role
from core import navigation
from documents.views import (
    annex,
    assignments,
    circulation,
    drafting,
    flows,
    inbox,
    originals,
    reading,
    registers,
    steps,
    waiting,
)
from documents.views.blueprint import bp

#: Importing a page module registers its routes on ``bp``.
PAGES = (annex, assignments, circulation, drafting, flows, inbox, originals, reading, registers)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    assignments.init_app(app)
    waiting.init_app(app)
    steps.init_app(app)
    originals.register_jobs(app)
    navigation.add_entry(app, "documents.inbox", _l("Inbox"), lambda user: True, "documents")
    navigation.add_entry(
        app,
        "documents.index",
        _l("Documents"),
        lambda user: user.has_role(Role.CLERK, Role.OFFICIAL),
        "documents",
    )
    navigation.add_entry(
        app,
        "documents.tasks",
        _l("Tasks"),
        lambda user: user.has_role(Role.CLERK, Role.OFFICIAL),
        "documents",
    )
    navigation.add_entry(
        app,
        "documents.outgoing_register",
        _l("Registers"),
        lambda user: user.has_role(Role.CLERK, Role.AUDITOR),
        "documents",
    )
    navigation.add_entry(app, "documents.search", _l("Search"), lambda user: True, "documents")
