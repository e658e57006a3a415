"""The ``minutes/`` section of a meeting's archive: the record, the conclusions, the signed minutes.

Registered with `archive.add_section` by the app factory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.storage import BlobStore
from documents.models import DocumentVersion
from meetings import conclusions
from meetings.minutes import of_meeting
from meetings.models import Meeting
from meetings.room.models import MeetingMinutes, MinutesKind
from meetings.room.record import record_parts
from signing.models import RequestState, Signature, SigningRequest


def archive_section(store: BlobStore) -> Any:
    """The ``minutes/`` section of the meeting archive: the record (every part, as JSON), the
    conclusions, and each sealed minutes file with its signatures."""

    def section(session: Session, meeting: Meeting) -> list[tuple[str, bytes]]:
        files = [
            ("record.json", _json({"meeting": meeting.id, "parts": _record(session, meeting)})),
            ("conclusions.json", _json(_conclusions(session, meeting))),
        ]
        for kind, row in sorted(of_meeting(session, meeting).items()):
            files += _signed_files(session, store, kind, row)
        return files

    return section


def _record(session: Session, meeting: Meeting) -> list[dict[str, Any]]:
    return [
        {
            "item_id": part.item_id,
            "order": part.order,
            "heading": part.heading,
            "paragraphs": list(part.paragraphs),
            "table": [list(row) for row in part.table],
            "data": part.data,
        }
        for part in record_parts(session, meeting)
    ]


def _conclusions(session: Session, meeting: Meeting) -> dict[str, Any]:
    rows = sorted(conclusions.of_meeting(session, meeting).values(), key=lambda c: c.id)
    return {
        "meeting": meeting.id,
        "conclusions": [
            {
                "item_id": c.item_id,
                "text": c.text,
                "version": c.version,
                "owner_user_id": c.owner_user_id,
                "owner_unit_id": c.owner_unit_id,
                "due_on": c.due_on.isoformat() if c.due_on else None,
                "assignment_id": c.assignment_id,
                "updated_at": c.updated_at.isoformat(),
            }
            for c in rows
        ],
    }


def _signed_files(
    session: Session, store: BlobStore, kind: MinutesKind, row: MeetingMinutes
) -> list[tuple[str, bytes]]:
    request = session.scalar(
        sa.select(SigningRequest)
        .where(
            SigningRequest.document_id == row.document_id,
            SigningRequest.state == RequestState.SEALED,
        )
        .order_by(SigningRequest.id.desc())
        .limit(1)
    )
    if request is None:
        return []
    version = session.get_one(DocumentVersion, request.version_id)
    name = f"{kind.value}-{request.number_symbol.replace('/', '-')}"
    if request.original_sha256:  # a PAdES original: the signatures are inside the PDF
        return [(f"{name}.pdf", store.get(request.original_sha256))]
    extension = version.file_name.rsplit(".", 1)[-1] if "." in version.file_name else "bin"
    files = [(f"{name}.{extension}", store.get(version.sha256))]
    signatures: Sequence[Signature] = sorted(request.signatures, key=lambda s: s.position)
    files += [(f"{name}.{s.position}-{s.role.value}.p7s", s.p7s) for s in signatures]
    return files


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
