"""Demonstration meeting: tomorrow's published People's Committee meeting with a nested agenda,
the issued công văn and meeting materials on its items, participants from two departments and a
ward's People's Committee, its
Giấy mời signed by the chairman, sealed and sent, and the chair's shared note on a material
corrected after it was written."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from accounts.demo import organisation
from accounts.models import Unit, User
from core import mail
from core.clock import VIETNAM, today_local
from core.db import utcnow
from core.storage import StagedBlobs, blob_store
from documents import drafting
from documents.models import Document, Status
from meetings import (
    agenda,
    attachments,
    calendar,
    invitations,
    meetings,
    note_text,
    notes,
    participants,
)
from meetings.models import Invitation, ItemKind, Meeting, MeetingKind, NoteKind
from signing import demo as signing_demo
from signing import flow


def load(session: Session, app: Flask) -> list[tuple[str, str, str]]:
    """Create the demo meeting once; it needs the demo province and documents."""
    if session.scalar(sa.select(Meeting.id).limit(1)) is not None:
        return []
    clerk = session.scalar(sa.select(User).where(User.username == "vanthu"))
    chairman = session.scalar(sa.select(User).where(User.username == "chutich"))
    letter = session.scalar(
        sa.select(Document).where(Document.status == Status.ISSUED).order_by(Document.id)
    )
    if clerk is None or chairman is None:
        return []
    org = organisation(app)
    starts = datetime.combine(today_local() + timedelta(days=1), time(8, 0), VIETNAM)
    (meeting,) = meetings.create(
        session,
        clerk,
        meetings.MeetingData(
            title=f"Phiên họp thường kỳ {org.short_name} tháng này",
            kind=MeetingKind.PEOPLES_COMMITTEE,
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            chair_id=chairman.id,
            secretary_id=clerk.id,
            room=f"Phòng họp số 1, trụ sở {org.short_name}",
        ),
    )
    invited = ["SNV", "STC", *(c.code for c in org.communes[:1])]
    departments = list(
        session.scalars(sa.select(Unit.id).where(Unit.code.in_(invited)).order_by(Unit.id))
    )
    participants.add_people(session, clerk, meeting, unit_ids=departments)
    max_bytes = app.config["MAX_UPLOAD_MB"] << 20

    def item(title: str, minutes: int, parent: int | None = None, **kw: object) -> int:
        data = agenda.ItemData(title=title, duration_minutes=minutes, **kw)  # type: ignore[arg-type]
        added = agenda.add_item(
            session, clerk, meeting, data, expected_version=meeting.version, parent_id=parent
        )
        return added.id

    with StagedBlobs(blob_store(app)) as staged:
        item("Khai mạc, thông qua chương trình", 10, presenter_name=f"Chủ tịch {org.short_name}")
        report = item("Tình hình kinh tế - xã hội", 30, presenter_name="Sở Tài chính")
        budget = item("Dự toán ngân sách", 20, report, presenter_name="Sở Tài chính")
        reform = item(
            "Cải cách hành chính, văn bản điện tử",
            20,
            report,
            presenter_name=org.communes[0].name if org.communes else "",
        )
        item("Công tác cán bộ", 30, kind=ItemKind.INTERNAL)
        item("Nội dung chuẩn bị của chủ trì", 10, kind=ItemKind.HIDDEN)
        if letter is not None:
            attachments.attach_document(
                session, clerk, meeting, reform, letter.id, None, expected_version=meeting.version
            )
        attachment = attachments.add_material(
            session,
            staged,
            clerk,
            meeting,
            budget,
            title="Báo cáo dự toán ngân sách (dự thảo)",
            data=_pdf("Du toan ngan sach - du thao lan 1"),
            file_name="du-toan.pdf",
            max_bytes=max_bytes,
            expected_version=meeting.version,
        )
        meetings.publish(session, clerk, meeting, _sending(app, staged))
        # The chairman signs the Giấy mời and the clerk seals it: it goes to the participants.
        giay_moi = session.get_one(Invitation, meeting.id)
        request = flow.active_request(session, session.get_one(Document, giay_moi.document_id))
        if request is not None:
            signing_demo.sign_and_seal(session, app, staged, request)
        # The chair notes something on the first draft and shares it; the corrected upload
        # below carries the note onto its changed words.
        note = notes.write(
            session,
            staged.store,
            chairman,
            meeting,
            budget,
            attachment.id,
            version=1,
            selection=note_text.Selection(page=1, quote="Du toan ngan sach - du thao lan 1"),
            kind=NoteKind.NOTE,
            text="Đề nghị Sở Tài chính giải trình các khoản tăng so với năm trước.",
        )
        notes.share(session, chairman, meeting, note.id, shared=True)
        # Corrected after publishing: the item shows as changed to everyone who looked.
        attachments.replace_material(
            session,
            staged,
            clerk,
            meeting,
            attachment.id,
            data=_pdf("Du toan ngan sach - du thao lan 2"),
            file_name="du-toan.pdf",
            max_bytes=max_bytes,
            expected_version=meeting.version,
        )
        session.flush()
    return []


def _sending(app: Flask, staged: StagedBlobs) -> invitations.Sending:
    config = app.config
    return invitations.Sending(
        blobs=staged,
        documents=drafting.Settings(
            place=config["DOCUMENT_PLACE"], max_upload_bytes=config["MAX_UPLOAD_MB"] << 20
        ),
        site=calendar.site_from_config(config),
        email=mail.get_mailer(app) is not None,
        today=today_local(),
        now=utcnow(),
    )


def _pdf(text: str) -> bytes:
    """A one-page PDF saying ``text`` (ASCII), built here so the demo needs no files."""
    stream = b"BT /F1 18 Tf 72 760 Td (" + text.encode("ascii") + b") Tj ET"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 " + str(len(bodies) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += b"trailer\n<< /Size " + str(len(bodies) + 1).encode() + b" /Root 1 0 R >>\n"
    out += b"startxref\n" + str(table).encode() + b"\n%%EOF\n"
    return bytes(out)
