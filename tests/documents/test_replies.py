"""A reply links to the document it answers, on both pages and for the incoming register."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts.models import Role
from audit.models import AuditEvent
from core.storage import StagedBlobs
from documents import circulation, errors, incoming, replies
from documents.decree30 import DocType
from documents.models import DocumentReply
from tests.conftest import login
from tests.documents.office_testkit import TODAY, build_people, draft, issued
from tests.factories import documents_settings


@pytest.fixture
def office(make):
    return build_people(make)


def received(db, blobs, clerk, pdf, number="12/BNV-VP"):
    data = incoming.IncomingData(
        issuer_name="Bộ Nội vụ",
        number_symbol=number,
        issued_on=TODAY,
        doc_type=DocType.CONG_VAN,
        subject="Về việc báo cáo biên chế",
    )
    with StagedBlobs(blobs) as staged:
        receipt = incoming.register_incoming(
            db, staged, clerk, data, pdf, "cv.pdf", documents_settings(), today=TODAY
        )
        db.commit()
    return receipt.document


def test_a_reply_links_to_the_incoming_document_it_answers(db, blobs, office, pdf_of):
    _, _, _, people = office
    question = received(db, blobs, people["clerk"], pdf_of("cong van"))
    assert replies.reply_of(db, question) is None
    answer = draft(db, blobs, people["clerk"], subject="Về việc báo cáo biên chế năm 2026")
    replies.link(db, people["clerk"], answer, question.id)
    db.commit()
    assert replies.reply_of(db, question) == answer
    assert replies.answered_by(db, answer) == [question]
    assert replies.replies_to(db, question) == [answer]
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "documents:reply:link"))
    assert event is not None and event.subject == {"document": answer.id, "answers": question.id}
    with pytest.raises(errors.WrongState):
        replies.link(db, people["clerk"], answer, question.id)


def test_reply_of_prefers_the_issued_reply_and_hides_what_the_viewer_may_not_see(
    db, blobs, office, pdf_of
):
    _, _, _, people = office
    question = received(db, blobs, people["clerk"], pdf_of("cong van"))
    first_draft = draft(db, blobs, people["clerk"])
    final = issued(db, blobs, people["clerk"])
    replies.link(db, people["clerk"], first_draft, question.id)
    replies.link(db, people["clerk"], final, question.id)
    db.commit()
    assert replies.reply_of(db, question) == final
    assert replies.reply_of(db, question, viewer=people["home_a"]) is None
    assert replies.replies_of(db, [question.id]) == {question.id: final}


@pytest.mark.parametrize(
    "case", ["not_manager", "other_units_incoming", "answers_outgoing", "self"]
)
def test_wrong_links_are_refused(db, blobs, office, pdf_of, case, make):
    _, _, _, people = office
    question = received(db, blobs, people["clerk"], pdf_of("cong van"))
    answer = draft(db, blobs, people["clerk"])
    actor, target = people["clerk"], question.id
    if case == "not_manager":
        actor = people["home_a"]
    elif case == "other_units_incoming":
        target = received(db, blobs, people["home_clerk"], pdf_of("khac"), "3/BTC-NS").id
    elif case == "answers_outgoing":
        target = issued(db, blobs, people["clerk"]).id
    else:
        target = answer.id
    with pytest.raises((errors.NotAllowed, errors.InvalidDocument, errors.DocumentNotFound)):
        replies.link(db, actor, answer, target)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(DocumentReply)) == 0


def test_both_pages_show_the_link(client, db, blobs, office, pdf_of):
    _, _, _, people = office
    question = received(db, blobs, people["clerk"], pdf_of("cong van"))
    answer = draft(db, blobs, people["clerk"], subject="Về việc trả lời Bộ Nội vụ")
    login(client, people["home_a"])
    response = client.post(f"/documents/{answer.id}/replies", data={"answers": str(question.id)})
    assert response.status_code in (403, 404)
    login(client, people["clerk"])
    bad = client.post(f"/documents/{answer.id}/replies", data={"answers": "x"})
    assert bad.status_code == 400
    response = client.post(f"/documents/{answer.id}/replies", data={"answers": str(question.id)})
    assert response.status_code == 302
    assert "12/BNV-VP" in client.get(f"/documents/{answer.id}").get_data(as_text=True)
    page = client.get(f"/documents/{question.id}").get_data(as_text=True)
    assert 'data-testid="replies"' in page and "Về việc trả lời Bộ Nội vụ" in page


def test_each_receiving_unit_has_its_own_reply(db, blobs, office, make):
    _, home, finance, people = office
    finance_clerk = make.user("vanthu.stc", roles=[Role.CLERK], unit=finance)
    question = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], question, unit_ids=[home.id, finance.id])
    db.commit()
    with pytest.raises(errors.InvalidDocument):  # not yet registered by the unit
        replies.link(db, people["home_clerk"], draft(db, blobs, people["home_clerk"]), question.id)
    db.rollback()
    for clerk in (people["home_clerk"], finance_clerk):
        incoming.acknowledge(db, clerk, question, TODAY)
    db.commit()
    answer = draft(db, blobs, people["home_clerk"])
    replies.link(db, people["home_clerk"], answer, question.id)
    db.commit()
    assert replies.reply_of(db, question, unit_id=home.id) == answer
    assert replies.reply_of(db, question, unit_id=finance.id) is None
    assert replies.replies_of(db, [question.id], unit_id=finance.id) == {}
