"""The application factory: configuration, extensions and every domain's blueprint.

The only module of `core` that knows the domains; each domain registers itself here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from core import (
    db,
    errors_http,
    i18n,
    jobs,
    mail,
    navigation,
    ratelimit,
    security,
    sessions,
    vendor,
)
from core.config import PROJECT_ROOT, from_environment, instance_path
from core.storage import BlobStore


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(instance_path().resolve()),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "core" / "static"),
    )
    app.config.from_mapping(from_environment(Path(app.instance_path)))
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.extensions["vanthu.blobs"] = BlobStore(app.config["BLOB_DIR"])

    db.init_app(app)
    jobs.init_app(app)
    security.init_app(app)
    vendor.init_app(app)  # after security: its worker policy replaces the pages' one
    ratelimit.init_app(app)
    sessions.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    mail.init_app(app)

    from accounts import auth, notification_subjects, notification_views, notifications
    from accounts import cli as accounts_cli
    from accounts import demo as accounts_demo
    from accounts import views as accounts_views
    from audit import config as audit_config
    from audit import sequencer as audit_sequencer
    from audit import views as audit_views
    from core import commands
    from core import views as core_views
    from documents import access as documents_access
    from documents import demo as documents_demo
    from documents import lookup as document_lookup
    from documents import notices as document_notices
    from documents import steps as document_steps
    from documents import views as documents_views
    from documents.views.fast_file import FileFastPath
    from meetings import access as meetings_access
    from meetings import archive, invitations, minutes, minutes_archive, note_archive
    from meetings import demo as meetings_demo
    from meetings import views as meetings_views
    from meetings.room import consultation, votes
    from signing import demo as signing_demo
    from signing import queues as signing_queues
    from signing import sealing
    from signing.web import views as signing_views

    errors_http.init_app(app, on_denied=auth.record_denial)
    accounts_views.init_app(app)
    notification_views.init_app(app)
    app.cli.add_command(accounts_cli.mail_group)
    core_views.init_app(app)
    documents_views.init_app(app)
    signing_views.init_app(app)
    meetings_views.init_app(app)
    # A meeting lets its participants open the versions on its agenda (meetings/access.py).
    documents_access.register_grant("meetings", meetings_access.document_grant)
    # A written consultation lets its members open the exact versions sent with it.
    documents_access.register_grant("consultations", consultation.document_grant)
    # A notification about a document or a meeting hides its title from who may no longer see it.
    notification_subjects.register(document_notices.KIND, document_notices.visible)
    notification_subjects.register(
        document_notices.ASSIGNMENT, document_notices.visible_assignments
    )
    notification_subjects.register("meeting", meetings_access.visible_meetings)
    # A sealed Giấy mời goes to the meeting's people (signing knows nothing of meetings).
    sealing.on_sealed("meetings", invitations.sealed)
    # A document's steps know where its signing request is (documents knows nothing of signing).
    document_steps.register_signing(signing_queues.signing_state)
    # Sealed minutes go to the meeting's people, and their conclusions become tasks.
    sealing.on_sealed("meeting_minutes", minutes.sealed)
    # Notes shared with a meeting go into its archive, under notes/.
    archive.add_section("notes", note_archive.section)
    # The record, the conclusions and the signed minutes, under minutes/.
    archive.add_section("minutes", minutes_archive.archive_section(app.extensions["vanthu.blobs"]))
    # Each vote's result, under votes/: names for a named vote, counts only for a secret one.
    archive.add_section("votes", votes.archive_section)
    # The outbox is sent by the queue every minute (and by `vanthu mail send`).

    def send_mail(app: Flask, session: Session) -> None:
        notifications.send_due(mail.get_mailer(app), session)

    every = jobs.crontab(minute=f"*/{notifications.SEND_EVERY_MINUTES}")
    jobs.periodic(app, "mail_outbox", every, send_mail)
    audit_config.init_app(app)
    audit_views.init_app(app)
    # The log's filter finds documents by number/symbol as people name them.
    audit_views.set_document_lookup(app, document_lookup.document_ids)
    audit_sequencer.init_app(app)
    commands.init_app(
        app,
        demo_loaders=[
            accounts_demo.load,
            documents_demo.load,
            signing_demo.load,
            meetings_demo.load,
        ],
        demo_notes=[signing_demo.pin_lines],
    )
    # The WSGI layers, innermost first: the file route's fast path (after every hook is
    # registered: it checks it skips none it does not know), then the proxy fix outside all.
    fast_path = app.extensions["vanthu.file_fast_path"] = FileFastPath(app, app.wsgi_app)
    app.wsgi_app = fast_path  # type: ignore[method-assign]
    security.trust_proxies(app)
    return app


MODEL_MODULES = (
    "core.jobs",
    "accounts.models",
    "audit.models",
    "documents.models",
    "documents.assignment_models",
    "documents.conversion_models",
    "signing.models",
    "meetings.models",
    "meetings.room.models",
)


def import_models() -> None:
    """Import every domain's models so that `Base.metadata` knows all tables (for Alembic)."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
