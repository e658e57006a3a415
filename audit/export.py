"""`vanthu audit export`: the log as an offline bundle (entries.jsonl, checkpoints/, log.vkey).

Entries stream from the database to the file, so a million of them need no more memory than ten.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from audit.config import LogSettings
from audit.errors import LogInconsistent
from audit.log import integrate
from audit.models import AuditCheckpoint, AuditLeaf
from audit.offline.bundle import write_bundle
from audit.proofs import get_checkpoint

STREAM_ROWS = 1000


@dataclass(frozen=True)
class Export:
    path: Path
    entries: int
    checkpoints: int
    #: Why the log refused to sequence or sign before exporting, if it did (LogInconsistent).
    refusal: str | None = None


def export_bundle(session: Session, settings: LogSettings, directory: str | Path) -> Export:
    """Sequence what is queued, sign a checkpoint covering it all, and write the bundle.

    The export stops at that checkpoint's size, so entries appended meanwhile by other
    processes cannot end up in the bundle without a checkpoint that covers them. A log that
    refuses to sign (its stored tree was altered) is still exported as it stands, with the
    refusal reported, so that an auditor can examine it.
    """
    refusal = None
    try:
        integrate(session, settings, force_checkpoint=True)
    except LogInconsistent as e:
        refusal = e.message
    size = get_checkpoint(session).size
    count = session.scalar(
        sa.select(sa.func.count()).select_from(AuditCheckpoint).where(AuditCheckpoint.size <= size)
    )

    def notes() -> Iterator[str]:
        query = (
            sa.select(AuditCheckpoint.note)
            .where(AuditCheckpoint.size <= size)
            .order_by(AuditCheckpoint.size)
            .execution_options(yield_per=STREAM_ROWS)
        )
        yield from session.scalars(query)

    def leaves() -> Iterator[bytes]:
        query = (
            sa.select(AuditLeaf.leaf)
            .where(AuditLeaf.seq < size)
            .order_by(AuditLeaf.seq)
            .execution_options(yield_per=STREAM_ROWS)
        )
        for leaf in session.scalars(query):
            yield bytes(leaf)

    path = write_bundle(directory, leaves(), notes(), settings.vkey)
    session.rollback()
    return Export(path, size, count or 0, refusal)
