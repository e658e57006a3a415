"""The notes shared with a meeting (góp ý), as the `notes/` section of its archive.

Registered by the app factory with `meetings.archive.add_section`. Only shared notes go in:
private ones stay their author's. Each note names the exact version it was written on and the
one it stands on now, by SHA-256, so that the archive's manifest vouches for what it quotes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from documents.models import DocumentVersion
from meetings import agenda
from meetings.models import MaterialVersion, Meeting, MeetingNote

FILE_NAME = "shared.json"


def section(session: Session, meeting: Meeting) -> list[tuple[str, bytes]]:
    """``notes/shared.json``: every note shared with ``meeting``, in the order shared."""
    shared = list(
        session.scalars(
            sa.select(MeetingNote)
            .where(MeetingNote.meeting_id == meeting.id, MeetingNote.shared_at.is_not(None))
            .order_by(MeetingNote.shared_at, MeetingNote.id)
        )
    )
    numbers = {
        p.item.id: p.number for p in agenda.layout(meeting, agenda.items_of(session, meeting))
    }
    documents = _versions(
        session,
        DocumentVersion,
        DocumentVersion.document_id,
        [v for n in shared for v in (n.version_id, n.placed_version_id)],
    )
    materials = _versions(
        session,
        MaterialVersion,
        MaterialVersion.material_id,
        [v for n in shared for v in (n.material_version_id, n.placed_material_version_id)],
    )
    notes = []
    for note in shared:
        if note.version_id is not None:
            written, placed = documents[note.version_id], documents.get(note.placed_version_id)
            kind = "document"
        else:
            assert note.material_version_id is not None
            written = materials[note.material_version_id]
            placed = materials.get(note.placed_material_version_id)
            kind = "material"
        notes.append(
            {
                "id": note.id,
                "item_id": note.item_id,
                "item": numbers.get(note.item_id or 0),
                "author": {"id": note.author_id, "name": note.author.full_name},
                "kind": note.kind.value,
                "text": note.text,
                "quote": note.quote,
                "written_on": {"kind": kind, **written, "page": note.page},
                "placement": note.placement.value,
                "placed_on": None
                if placed is None or note.placed_page is None
                else {"kind": kind, **placed, "page": note.placed_page},
                "shared_at": _iso(note.shared_at),
                "created_at": _iso(note.created_at),
                "updated_at": _iso(note.updated_at),
            }
        )
    body = {"meeting": meeting.id, "notes": notes}
    text = json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return [(FILE_NAME, text.encode("utf-8"))]


def _versions(
    session: Session,
    model: type[DocumentVersion] | type[MaterialVersion],
    owner: Any,
    ids: Iterable[int | None],
) -> dict[int | None, dict[str, Any]]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    key = "document_id" if model is DocumentVersion else "material_id"
    return {
        version_id: {key: owner_id, "version": number, "sha256": sha256}
        for version_id, owner_id, number, sha256 in session.execute(
            sa.select(model.id, owner, model.number, model.sha256).where(model.id.in_(wanted))
        )
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
