"""Every route, every role: anonymous users go to the login page, others get only what they may.

New routes must be listed here; `test_every_route_is_classified` fails otherwise.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts.models import Role
from audit.models import AuditEvent

#: Routes anyone may open without signing in.
PUBLIC = {"static", "core.set_language", "core.health", "accounts.login", "accounts.activate"}
PUBLIC |= {"core.favicon", "core.emblem"}  # the top bar's pictures, on the login page too
#: What a witness or any verifier of the audit log needs: signed checkpoints, key, proofs.
PUBLIC |= {"audit.checkpoint", "audit.checkpoint_at", "audit.key", "audit.consistency"}
PUBLIC |= {"audit.witness"}
#: Routes any signed-in user may open; those about one document then check that document
#: (tests/documents/test_views.py tests those refusals).
ANY_USER = {
    "accounts.home",
    "accounts.logout",
    "accounts.end_my_sessions",
    # One's own notifications; another's is not found (tests/accounts/test_notification_views.py).
    "notifications.index",
    "notifications.read",
    "notifications.read_all",
    "documents.inbox",
    "documents.search",
    "documents.notifications_read",
    "documents.show",
    "documents.read",
    "documents.version_file",
    "documents.reading_position",
    "documents.attachment_file",
    "documents.receipts",
    "documents.upload_version",
    "documents.upload_attachment",
    "documents.choose_signer",  # manage the draft: tests/documents/views/test_steps.py
    "documents.pdf_original_status",  # manage the document: tests/documents/views
    "documents.link_reply",  # manage the reply (checked by the service): tests/documents
    # Annex VI metadata of a document its reader may see (tests/documents/views/test_annex.py).
    "documents.document_metadata",
    # Receipts of log entries: auditors, or the person who acted (tests/audit checks the rest).
    "audit.receipt",
    "audit.find_receipt",
}
CLERK_OR_OFFICIAL = {Role.CLERK, Role.OFFICIAL}
#: endpoint -> roles allowed; every other signed-in role must be refused.
RESTRICTED: dict[str, set[Role]] = {
    "accounts.units": {Role.ADMIN},
    "accounts.edit_unit": {Role.ADMIN},
    "accounts.users": {Role.ADMIN},
    "accounts.edit_user": {Role.ADMIN},
    "accounts.unlock_user": {Role.ADMIN},
    "accounts.end_user_sessions": {Role.ADMIN},
    "accounts.new_activation": {Role.ADMIN},
    "accounts.import_users": {Role.ADMIN},
    "accounts.import_template": {Role.ADMIN},
    "documents.index": CLERK_OR_OFFICIAL,
    "documents.new": CLERK_OR_OFFICIAL,
    "documents.assign": CLERK_OR_OFFICIAL,
    "documents.tasks": CLERK_OR_OFFICIAL,
    "documents.progress": CLERK_OR_OFFICIAL,
    "documents.void_number": {Role.CLERK},
    "documents.pdf_original": {Role.CLERK},
    "documents.circulate": {Role.CLERK},
    "documents.acknowledge": {Role.CLERK},
    "documents.recall": {Role.CLERK},
    "documents.return_to_sender": {Role.CLERK},
    "documents.confirm_recall": {Role.CLERK},
    # The issuing unit's clerks, checked per document (tests/documents/views/test_resend.py).
    "documents.correct_returned": {Role.CLERK},
    "documents.send_again": {Role.CLERK},
    "documents.register_incoming": {Role.CLERK},
    "documents.outgoing_register": {Role.CLERK, Role.AUDITOR},
    "documents.incoming_register": {Role.CLERK, Role.AUDITOR},
    # The unit's clerks, further checked per document (tests/documents/views/test_annex.py).
    "documents.register_fields_page": {Role.CLERK},
    "audit.events": {Role.AUDITOR},
    "audit.entry": {Role.AUDITOR},
    "audit.entry_proof": {Role.AUDITOR},
    "audit.checkpoints": {Role.AUDITOR},
    "audit.check_receipt": {Role.AUDITOR},
}


#: Signing: the published CRL and chain, and the page behind a printed verification code.
PUBLIC |= {"signing.crl", "signing.chain", "signing.public_verify"}
#: Signing pages about one request or document check it (tests/signing/web/test_views.py).
ANY_USER |= {
    "signing.request_page",
    "signing.document",
    "signing.bundle",
    "signing.printable",
    # The signed PDF original and its sealed attachments: documents.reading decides
    # (tests/signing/test_pades_flow.py).
    "signing.original",
    "signing.sealed_attachment",
}
SIGNERS = {Role.CLERK, Role.OFFICIAL}
#: Meeting pages check the meeting: its chair and secretary manage, participants read
#: (tests/meetings/test_views.py tests those refusals).
ANY_USER |= {
    "meetings.index",
    "meetings.pack",
    "meetings.item",
    "meetings.attachment_file",
    "meetings.representative",
    "meetings.edit",
    "meetings.manage",
    "meetings.change_status",
    "meetings.add_item",
    "meetings.manage_item",
    "meetings.edit_item",
    "meetings.move_item",
    "meetings.delete_item",
    "meetings.item_access",
    "meetings.attach",
    "meetings.upload_material",
    "meetings.replace",
    "meetings.detach",
    "meetings.add_people",
    "meetings.add_guest",
    "meetings.remove_participant",
    "meetings.series",
    # Readiness and reminders: chair and secretary; whole-pack zips: their owner; archives:
    # chair, secretary and auditors (tests/meetings/test_readiness.py, test_pack_download.py,
    # test_archive.py test the refusals).
    "meetings.readiness",
    "meetings.remind",
    "meetings.start_download",
    "meetings.download",
    "meetings.download_status",
    "meetings.download_file",
    "meetings.build_archive",
    "meetings.archive_page",
    "meetings.archive_status",
    "meetings.archive_file",
    "meetings.cancel",
    # The Giấy mời prepared again: chair and secretary (tests/meetings/test_invitation_changes.py).
    "meetings.invitation_again",
    "meetings.meeting_ics",
    # One's own calendar feed address (tests/meetings/test_feeds.py).
    "meetings.my_calendar",
    "meetings.new_feed",
    "meetings.revoke_feed",
    # The room's minutes panel: participants read it, chair and secretary write conclusions and
    # draft, download, upload and submit the minutes (tests/meetings/test_minutes_views.py).
    "meetings.minutes_panel",
    "meetings.conclude",
    "meetings.draft_minutes",
    "meetings.minutes_file",
    "meetings.upload_minutes",
    "meetings.submit_minutes",
    # Notes: tests/meetings/test_note_views.py tests their refusals.
    "meetings.read",
    "meetings.write_note",
    "meetings.my_notes",
    "meetings.note",
    "meetings.edit_note",
    "meetings.share_note",
    "meetings.unshare_note",
    "meetings.delete_note",
    "meetings.export_notes",
    # The room's attendance and speakers panels and their actions: participants, chair and
    # secretary (tests/meetings/room/test_room_views.py tests the refusals).
    "meetings.attendance_panel",
    "meetings.check_in",
    "meetings.mark_attendance",
    "meetings.leave_meeting",
    "meetings.speakers_panel",
    "meetings.ask_to_speak",
    "meetings.speaker_action",
    "meetings.speaking_time",
    "meetings.declare_conflict",
    # The meeting room and its live stream: participants follow, the chair and secretary run it
    # (tests/meetings/room/test_current.py and test_stream.py test the refusals).
    "meetings.room",
    "meetings.room_agenda",
    "meetings.room_item",
    "meetings.room_stream",
    "meetings.set_current_item",
    "meetings.start_meeting",
    # The room's votes: tests/meetings/room/test_vote_views.py tests their refusals.
    "meetings.votes_panel",
    "meetings.open_vote",
    "meetings.cast_ballot",
    "meetings.close_vote",
    "meetings.publish_vote",
    # Written consultations: their sender and members only (test_consultation_views.py).
    "meetings.consultations",
    "meetings.consultation",
    "meetings.answer_consultation",
}
#: A calendar app fetches the feed without a session: its secret token is the key, an unknown
#: or revoked one is not found (tests/meetings/test_feeds.py).
PUBLIC |= {"calendar_feed.feed"}
RESTRICTED["meetings.new"] = {Role.CLERK}
RESTRICTED["meetings.new_consultation"] = {Role.CLERK}
RESTRICTED |= {
    "signing.queue": SIGNERS,
    "signing.submit": {Role.CLERK},
    "signing.reserve": {Role.CLERK},
    "signing.sign": {Role.OFFICIAL},
    "signing.decline": {Role.OFFICIAL},
    "signing.seal": {Role.CLERK},
    "signing.cancel": {Role.CLERK},
    "signing.my_key": {Role.OFFICIAL},
    "signing.enrol": {Role.OFFICIAL},
    "signing.change_pin": {Role.OFFICIAL},
    "signing.import_p12": {Role.OFFICIAL},
    "signing.signature_image": {Role.OFFICIAL},
    "signing.signature_image_file": {Role.OFFICIAL},
    "signing.admin_pki": {Role.ADMIN},
    "signing.admin_authorise": {Role.ADMIN},
    "signing.admin_revoke": {Role.ADMIN},
    "signing.admin_unblock": {Role.ADMIN},
    "signing.admin_crl": {Role.ADMIN},
    "signing.admin_trust": {Role.ADMIN},
    "signing.audit_index": {Role.AUDITOR, Role.CLERK},
    "signing.audit_bundle": {Role.AUDITOR, Role.CLERK},
    "signing.audit_signature": {Role.AUDITOR, Role.CLERK},
    "signing.audit_job_start": {Role.AUDITOR},
    "signing.audit_job": {Role.AUDITOR},
    "signing.audit_job_progress": {Role.AUDITOR},
    "signing.audit_job_csv": {Role.AUDITOR},
    "signing.pdf_job_start": {Role.AUDITOR},
    "signing.pdf_job": {Role.AUDITOR},
    "signing.pdf_job_progress": {Role.AUDITOR},
    "signing.pdf_job_csv": {Role.AUDITOR},
}


def concrete_requests(app):
    """(endpoint, method, url) for each rule, with ids of an existing row filled in."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "1")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_route_is_classified(app):
    endpoints = {endpoint for endpoint, _, _ in concrete_requests(app)}
    unclassified = endpoints - PUBLIC - ANY_USER - set(RESTRICTED)
    assert unclassified == set(), "classify these routes in tests/test_authorization.py"


def test_anonymous_users_are_sent_to_login(app, client, make):
    make.user()  # so that id 1 exists
    for endpoint, method, url in concrete_requests(app):
        if endpoint in PUBLIC:
            continue
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login"), (method, url)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_what_it_may_not_do_and_each_refusal_is_recorded(
    app, client, make, db, role
):
    user = make.user("someone", roles=[role])
    signed_in = client.post(
        "/login", data={"username": "someone", "password": "correct horse battery"}
    )
    assert signed_in.status_code == 302
    refused = 0
    for endpoint, method, url in concrete_requests(app):
        allowed = RESTRICTED.get(endpoint)
        if allowed is None or role in allowed:
            continue
        response = client.open(url, method=method)
        assert response.status_code in (403, 404), (role, method, url, response.status_code)
        refused += 1
    denials = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "accounts:access:denied")
    ).all()
    assert len(denials) == refused
    assert all(d.actor_id == user.id for d in denials)
    assert refused > 0  # every role is refused something: the loop above checked something


def test_admin_opens_every_admin_page(client, make):
    make.user("admin", roles=[Role.ADMIN])
    client.post("/login", data={"username": "admin", "password": "correct horse battery"})
    for url in (
        "/admin/units",
        "/admin/units/new",
        "/admin/users",
        "/admin/users/new",
        "/admin/users/import",
        "/admin/users/1",
        "/admin/units/1",
    ):
        assert client.get(url).status_code == 200, url
