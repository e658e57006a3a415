"""Meeting pages: the secretary's (preparing a meeting) and the participant's (reading the pack)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from core import navigation
from meetings.views import (
    attachments,
    attendance,
    calendar_pages,
    consultation,
    downloads,
    minutes,
    notes,
    participant,
    readiness,
    room,
    secretary,
    speakers,
    votes,
)
from meetings.views.blueprint import bp

#: Importing a page module registers its routes on ``bp``.
PAGES = (
    participant,
    secretary,
    attachments,
    readiness,
    downloads,
    calendar_pages,
    notes,
    room,
    attendance,
    speakers,
    minutes,
    votes,
    consultation,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    navigation.add_entry(app, "meetings.index", _l("Meetings"), lambda user: True, group="meetings")
    navigation.add_home_panel(app, "meetings/_home.html", participant.home_panel)
    downloads.register_jobs(app)
    calendar_pages.init_app(app)
    consultation.init_app(app)
