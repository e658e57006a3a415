"""Things people do in the app, driven over HTTP, so audit tests can see them in the log."""

from __future__ import annotations

from accounts.models import Role
from tests.conftest import login
from tests.documents.conftest import build_pdf
from tests.documents.pages_testkit import sent_to_home


def office(make):
    province = make.unit("UBND thành phố Cần Thơ", abbreviation="UBND")
    home = make.unit("Sở Nội vụ", parent=province, abbreviation="SNV")
    return {
        "home": home,
        "clerk": make.user("vanthu", roles=[Role.CLERK], unit=province),
        "reader": make.user("a.snv", unit=home),
        "auditor": make.user("kiemtoan", roles=[Role.AUDITOR], unit=province),
    }


def open_a_circulated_document(client, db, people):
    """The clerk drafts, numbers, uploads and sends a document; the reader opens version 3."""
    document = sent_to_home(client, db, people, build_pdf)
    login(client, people["reader"])
    assert client.get(f"/documents/{document.id}/v/3").status_code == 200
    return document


def record_and_integrate(url: str, signer_key: str, origin: str, count: int, tag: str) -> None:
    """One writer of a busy office: record an event, commit, sequence, ``count`` times.

    Top-level so that it runs in a separate process too; every other call waits for the lock
    and every other one gives up if someone else is integrating, as requests do.
    """
    from sqlalchemy.orm import Session

    from audit import record_event
    from audit.config import LogSettings
    from audit.log import integrate
    from audit.offline.note import parse_signer_key
    from core.db import make_engine

    engine = make_engine(url)
    settings = LogSettings(origin, parse_signer_key(signer_key), 0)
    try:
        with Session(engine) as session:
            for i in range(count):
                record_event(session, "tests:load:event", actor=None, subject={"w": tag, "n": i})
                session.commit()
                integrate(session, settings, wait=i % 2 == 0)
    finally:
        engine.dispose()
