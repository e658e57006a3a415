"""documents/steps.py: where a document is and what each person may do next, at every step."""

from __future__ import annotations

from typing import Any

import pytest

from core.storage import StagedBlobs
from documents import circulation, drafting, errors, numbering, steps
from documents.conversion_models import ConversionState, PdfConversion
from documents.decree30 import DocType
from documents.models import Direction, Status
from documents.steps import Action, Step
from tests.factories import documents_settings
from tests.signing.flow_testkit import FAST_CONFIG, TODAY, Office, build_office


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_CONFIG)


@pytest.fixture
def office(app: Any, db: Any, make: Any) -> Office:
    return build_office(app, db, make)


def at(office: Office, user: Any, document: Any) -> steps.Progress:
    office.db.refresh(document)
    return steps.progress(office.db, user, document)


def upload(office: Office, document: Any, pdf: bytes) -> None:
    with StagedBlobs(office.blobs) as staged:
        drafting.upload_version(
            office.db, staged, office.clerk, document, pdf, "cv.pdf", documents_settings()
        )
        office.db.commit()


def test_an_uploaded_draft_goes_number_then_final_text_then_submission(office, pdf_of):
    document = office.draft(doc_type=DocType.CONG_VAN, drafter_abbr="VP")
    upload(office, document, pdf_of("Du thao chua co so"))

    now = at(office, office.clerk, document)
    assert (now.current, now.actions) == (Step.NUMBERED, (Action.RESERVE_NUMBER,))
    assert now.state_of(Step.DRAFTED) == "done" and now.state_of(Step.SIGNED) == "todo"
    with pytest.raises(errors.OutOfOrder, match="Reserve the number first"):
        steps.require(office.db, office.clerk, document, Action.SUBMIT)

    numbering.reserve_number(office.db, office.clerk, document, TODAY)
    office.db.commit()
    now = at(office, office.clerk, document)
    assert (now.current, now.actions) == (Step.FINAL_TEXT, (Action.UPLOAD_FINAL,))
    with pytest.raises(
        errors.OutOfOrder, match="Upload the final file showing the number 01/UBND-VP"
    ):
        steps.require(office.db, office.clerk, document, Action.SUBMIT)
    with pytest.raises(errors.OutOfOrder):  # a number is reserved once
        steps.require(office.db, office.clerk, document, Action.RESERVE_NUMBER)

    upload(office, document, pdf_of(f"Ban chinh thuc so {document.number_symbol}"))
    now = at(office, office.clerk, document)
    assert (now.current, now.actions) == (Step.SUBMITTED, (Action.SUBMIT,))
    steps.require(office.db, office.clerk, document, Action.SUBMIT)


def test_a_template_draft_may_be_numbered_now_or_on_submission(office):
    document = office.draft()
    now = at(office, office.clerk, document)
    assert (now.current, now.actions) == (Step.NUMBERED, (Action.RESERVE_NUMBER, Action.SUBMIT))
    assert at(office, office.chairman, document).actions == ()  # an official does not number


def test_without_a_signer_submission_is_refused_with_the_reason(office):
    document = office.draft(signer_id=None)
    now = at(office, office.clerk, document)
    assert Action.SUBMIT not in now.actions
    assert now.actions[-1] is Action.CHOOSE_SIGNER  # the step that unblocks it, on the page
    assert "Choose the official who signs" in now.hint
    with pytest.raises(errors.OutOfOrder, match="Choose the official who signs"):
        steps.require(office.db, office.clerk, document, Action.SUBMIT)
    assert at(office, office.chairman, document).actions == ()  # the clerk's step, not theirs


def test_signing_offers_the_official_whose_turn_it_is_then_the_seal_to_the_clerk(office):
    document = office.draft()
    request = office.submit(document, [office.vice, office.chairman])

    for user in (office.clerk, office.chairman):  # the vice-chairman signs first
        now = at(office, user, document)
        assert (now.current, now.actions) == (Step.SIGNED, ())
        assert "waiting for the officials' signatures" in now.hint
    now = at(office, office.vice, document)
    assert (now.current, now.actions, now.request_id) == (Step.SIGNED, (Action.SIGN,), request.id)
    with pytest.raises(errors.OutOfOrder, match="waiting for the officials"):
        steps.require(office.db, office.clerk, document, Action.SEAL)

    office.sign(request, office.vice, pin="915372")
    assert at(office, office.chairman, document).actions == (Action.SIGN,)
    office.sign(request)
    assert at(office, office.clerk, document).actions == (Action.SEAL,)
    assert at(office, office.chairman, document).current is Step.SEALED
    assert at(office, office.other_clerk, document).actions == ()  # another unit's clerk


def test_sealed_then_sent(office):
    document, _request = office.signed_and_sealed()
    now = at(office, office.clerk, document)
    assert (now.current, now.actions) == (Step.DISPATCHED, (Action.DISPATCH,))
    with pytest.raises(errors.OutOfOrder, match="sealed: the next step is to send it"):
        steps.require(office.db, office.clerk, document, Action.SUBMIT)

    circulation.circulate(office.db, office.clerk, document, user_ids=[office.outsider.id])
    office.db.commit()
    now = at(office, office.clerk, document)
    assert now.current is None and all(state == "done" for _s, state in now.steps)
    assert now.actions == (Action.DISPATCH,)  # to more recipients
    assert at(office, office.auditor, document).actions == ()


def test_recalled_and_incoming_documents_have_no_steps(office):
    document, _request = office.signed_and_sealed()
    circulation.circulate(office.db, office.clerk, document, user_ids=[office.outsider.id])
    circulation.recall(office.db, office.clerk, document, "Sai thẩm quyền")
    office.db.commit()
    assert document.status is Status.RECALLED
    assert not at(office, office.clerk, document).shown
    document.direction = Direction.INCOMING
    assert not steps.progress(office.db, office.clerk, document).shown


def test_irreversible_steps_need_their_confirmation():
    for action in (Action.RESERVE_NUMBER, Action.SEAL, Action.DISPATCH):
        with pytest.raises(errors.NotConfirmed):
            steps.require_confirmation(action, confirmed=False)
        steps.require_confirmation(action, confirmed=True)
    steps.require_confirmation(Action.SUBMIT, confirmed=False)  # withdrawn if need be


def test_while_the_pdf_original_is_made_nothing_is_offered(office):
    document = office.draft()
    numbering.reserve_number(office.db, office.clerk, document, TODAY)
    office.db.add(
        PdfConversion(
            document_id=document.id,
            requested_by_id=office.clerk.id,
            state=ConversionState.PENDING,
            job_kind="documents.pdf_original",
        )
    )
    office.db.commit()
    now = at(office, office.clerk, document)
    assert (now.current, now.actions) == (Step.FINAL_TEXT, ())
    with pytest.raises(errors.OutOfOrder, match="PDF original is being made"):
        steps.require(office.db, office.clerk, document, Action.SUBMIT)
