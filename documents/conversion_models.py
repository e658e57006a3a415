"""A Word file's conversion into its PDF original, as a clerk requested it (run by a job).

Split from `documents.models` by task; `documents.originals` keeps its requests.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, enum_column, intpk
from documents.models import DocumentVersion


class ConversionState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PdfConversion(Base):
    """A clerk's request to turn a document's final Word file into its PDF original, run by a
    background job; what follows once the PDF exists (a submission for signature) rides along."""

    __tablename__ = "pdf_conversions"
    __table_args__ = (
        # One waiting conversion per document: a second click finds the first, never a twin.
        sa.UniqueConstraint("document_id", "pending", name="uq_pdf_conversions_pending"),
    )

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[ConversionState] = mapped_column(enum_column(ConversionState))
    #: True while queued or running, NULL once ended: NULLs never collide in the unique key.
    pending: Mapped[bool | None] = mapped_column(default=True)
    #: The job kind that runs it (the plain conversion, or conversion then submission).
    job_kind: Mapped[str] = mapped_column(sa.String(64))
    #: The job once a worker took it up.
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id"))
    #: What the job does after the conversion (opaque here, e.g. the officials who sign).
    follow_up: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: The PDF version it made.
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document_versions.id"))
    #: Why it failed: the message's English msgid and its values, translated on the page.
    error_code: Mapped[str | None] = mapped_column(sa.String(64))
    error: Mapped[str | None] = mapped_column(sa.String(500))
    error_data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[created_at]
    finished_at: Mapped[datetime | None]

    version: Mapped[DocumentVersion | None] = relationship()
