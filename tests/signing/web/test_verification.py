"""A signed document's bundle and printable copy open the version as every other path does."""

from __future__ import annotations

import sqlalchemy as sa

from audit.models import AuditEvent
from documents import circulation
from documents.models import ReadReceipt
from tests.signing.flow_testkit import Office


def openings(db, user):
    """(version, how) of each counted opening by ``user``, and their receipts' total count."""
    events = db.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "documents:version:open", AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.id)
    ).all()
    times = db.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ReadReceipt.times_opened), 0)).where(
            ReadReceipt.user_id == user.id
        )
    )
    return [(e.subject["version"], e.details["how"]) for e in events], times


def test_the_bundle_and_the_printable_copy_are_openings(client, auth, office: Office, db):
    document, request = office.signed_and_sealed()
    sealed = request.version.number
    assert auth.login(office.auditor.username).status_code == 302
    assert client.get(f"/signing/documents/{document.id}/bundle.zip").status_code == 200
    assert client.get(f"/signing/documents/{document.id}/v/1/print").status_code == 200
    assert openings(db, office.auditor) == ([(sealed, "bundle"), (1, "print")], 2)


def test_a_recalled_document_has_no_bundle_nor_printable_copy(client, auth, office: Office, db):
    document, request = office.signed_and_sealed()
    circulation.recall(office.db, office.clerk, document, "Sai thẩm quyền")
    db.commit()
    assert auth.login(office.auditor.username).status_code == 302
    bundle = client.get(f"/signing/documents/{document.id}/bundle.zip")
    assert bundle.status_code == 410 and bundle.mimetype != "application/zip"
    for number in range(1, request.version.number + 1):
        printed = client.get(f"/signing/documents/{document.id}/v/{number}/print")
        assert printed.status_code == 410, number
        assert document.subject not in printed.get_data(as_text=True)
    assert openings(db, office.auditor) == ([], 0)
    exports = sa.select(sa.func.count()).where(AuditEvent.action == "signing:bundle:export")
    assert db.scalar(exports) == 0
