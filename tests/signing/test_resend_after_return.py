"""A returned document corrected, signed and sealed again, and sent again to the unit that
returned it (Decree 30, Art. 21): the whole round through the real keys, and its refusals."""

from __future__ import annotations

import io

import docx
import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.storage import StagedBlobs
from documents import access, circulation, errors, incoming, returns
from documents.models import (
    Circulation,
    Delivery,
    Document,
    DocumentVersion,
    ReceiptReturn,
    Status,
    UnitReceipt,
)
from tests.factories import documents_settings
from tests.signing.flow_testkit import TODAY, Office

REASON = "Thiếu phụ lục kèm theo"


def _sent_and_returned(office: Office) -> Document:
    document, _ = office.signed_and_sealed()
    circulation.circulate(office.db, office.clerk, document, unit_ids=[office.other_clerk.unit_id])
    office.db.commit()
    returns.return_to_sender(office.db, office.other_clerk, document, REASON)
    office.db.commit()
    return document


def _corrected_file(office: Office, document: Document, extra: str = "Phụ lục: danh mục") -> bytes:
    """The issued DOCX with a paragraph added: the same number, a corrected content."""
    version = office.db.get(DocumentVersion, document.current_version_id)
    word = docx.Document(io.BytesIO(office.blobs.get(version.sha256)))
    word.add_paragraph(extra)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _correct(office: Office, document: Document, data: bytes, user=None) -> DocumentVersion:
    with StagedBlobs(office.blobs) as staged:
        version = returns.correct(
            office.db, staged, user or office.clerk, document, data, "sua.docx",
            documents_settings(),
        )  # fmt: skip
        office.db.commit()
    return version


def test_a_returned_document_is_corrected_signed_again_and_sent_to_the_unit_that_returned_it(
    office,
):
    db = office.db
    unit_id = office.other_clerk.unit_id
    document = _sent_and_returned(office)
    returned_version, number = document.current_version_id, document.number_symbol

    corrected = _correct(office, document, _corrected_file(office, document))
    assert document.current_version_id == corrected.id and not document.is_sealed
    with pytest.raises(errors.NotSealed):
        returns.send_again(db, office.clerk, document, [unit_id])

    request = office.submit(document)
    assert request.version_id == corrected.id
    office.sign(request)
    office.seal(request)
    db.refresh(document)
    assert document.is_sealed and document.sealed_version_id == corrected.id
    assert (document.status, document.number_symbol) == (Status.ISSUED, number)

    resending = returns.send_again(db, office.clerk, document, [unit_id])
    db.commit()
    assert resending.circulation.version_id == corrected.id

    # The return stays on record, linked to the sending that answered it.
    (returned,) = db.scalars(sa.select(ReceiptReturn)).all()
    assert (returned.version_id, returned.resent_circulation_id) == (
        returned_version,
        resending.circulation.id,
    )
    # The unit's receipt and its people's inbox entries are bound to the corrected version.
    receipt = db.scalar(sa.select(UnitReceipt).where(UnitReceipt.unit_id == unit_id))
    assert receipt.circulation_id == resending.circulation.id
    delivered = db.scalars(
        sa.select(Circulation.version_id)
        .join(Delivery, Delivery.circulation_id == Circulation.id)
        .where(Delivery.user_id == office.outsider.id)
    ).all()
    assert delivered == [corrected.id]
    assert access.can_open(db, office.outsider, corrected)
    assert returns.open_returns(db, document) == []

    # The unit registers what it was sent now: the corrected version.
    registered = incoming.acknowledge(db, office.other_clerk, document, TODAY)
    db.commit()
    assert registered.incoming_number == 1
    events = {
        e.action
        for e in db.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like("documents:return:%"))
        )
    }
    assert events == {
        "documents:return:correct",
        "documents:return:sealed",
        "documents:return:resend",
    }


def test_the_corrected_version_can_be_returned_again_but_never_sent_twice(office):
    db = office.db
    unit_id = office.other_clerk.unit_id
    document = _sent_and_returned(office)
    _correct(office, document, _corrected_file(office, document))
    request = office.submit(document)
    office.sign(request)
    office.seal(request)
    returns.send_again(db, office.clerk, document, [unit_id])
    db.commit()
    with pytest.raises(errors.WrongState, match="returned the document"):
        returns.send_again(db, office.clerk, document, [unit_id])
    again = returns.return_to_sender(db, office.other_clerk, document, "Vẫn thiếu trang 2")
    db.commit()
    assert again.version_id == document.current_version_id
    assert len(returns.open_returns(db, document)) == 1


def test_the_version_that_was_returned_is_not_sent_again(office):
    document = _sent_and_returned(office)
    with pytest.raises(errors.WrongState, match="version the unit returned"):
        returns.send_again(office.db, office.clerk, document, [office.other_clerk.unit_id])
    assert office.db.scalar(sa.select(sa.func.count()).select_from(Circulation)) == 1


def test_another_unit_neither_corrects_nor_sends_it_again(office):
    document = _sent_and_returned(office)
    data = _corrected_file(office, document)
    for someone in (office.other_clerk, office.outsider, office.chairman):
        with pytest.raises(errors.NotAllowed):
            _correct(office, document, data, user=someone)
        with pytest.raises(errors.NotAllowed):
            returns.send_again(office.db, someone, document, [office.other_clerk.unit_id])
    assert office.db.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 2


def test_a_document_nobody_returned_is_not_corrected_nor_sent_again_this_way(office):
    document, _ = office.signed_and_sealed()
    circulation.circulate(office.db, office.clerk, document, unit_ids=[office.other_clerk.unit_id])
    office.db.commit()
    with pytest.raises(errors.WrongState, match="Only a document a unit returned"):
        _correct(office, document, _corrected_file(office, document))
    with pytest.raises(errors.WrongState, match="returned the document"):
        returns.send_again(office.db, office.clerk, document, [office.other_clerk.unit_id])


def test_a_corrected_file_must_still_show_the_number(office):
    document = _sent_and_returned(office)
    before = document.current_version_id
    blank = docx.Document()
    blank.add_paragraph("Một văn bản khác")
    out = io.BytesIO()
    blank.save(out)
    with pytest.raises(errors.InvalidDocument, match="number and symbol") as refused:
        _correct(office, document, out.getvalue())
    assert refused.value.status == 400
    office.db.rollback()
    assert office.db.get(Document, document.id).current_version_id == before
