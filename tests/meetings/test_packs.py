"""The pack: what each participant sees and may open, what is withheld, what changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from documents import circulation
from documents.decree30 import Confidentiality
from meetings import agenda, packs
from meetings.models import ItemKind, Participant
from tests.conftest import count_statements, login
from tests.documents.office_testkit import draft
from tests.meetings.conftest import (
    START,
    add_item,
    attach,
    invite,
    issued_document,
    new_meeting,
    publish,
    upload,
)


def test_a_document_the_participant_may_not_open_is_withheld_never_named(
    app, client, db, blobs, office
):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "Nhân sự")
    attach(db, office, meeting, item, draft(db, blobs, office.clerk, subject="Về việc công khai"))
    secret = draft(
        db, blobs, office.clerk, subject="Về việc bí mật", confidentiality=Confidentiality.MAT
    )
    attach(db, office, meeting, item, secret)
    publish(db, office, meeting)
    pack = packs.build(db, office.home_a, meeting)
    (entry,) = pack.items
    assert [d.title for d in entry.documents] == ["Về việc công khai"]
    assert entry.withheld == 1
    login(client, office.home_a)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Nhân sự" in page and "Về việc công khai" in page
    assert "Về việc bí mật" not in page
    assert 'data-testid="withheld"' in page
    assert packs.build(db, office.clerk, meeting).items[0].withheld == 0  # its drafter


def test_changed_since_you_last_looked_is_per_participant_and_item(db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a", "home_b")
    first = add_item(db, office, meeting, "first")
    second = add_item(db, office, meeting, "second")
    publish(db, office, meeting)
    for item in (first, second):
        packs.mark_looked(db, office.home_a, item)
    db.commit()
    upload(db, blobs, office, meeting, first)
    late = add_item(db, office, meeting, "late")
    marks = {
        e.item.title: (e.new, e.changed) for e in packs.build(db, office.home_a, meeting).items
    }
    assert marks == {
        "first": (False, True),
        "second": (False, False),
        "late": (True, False),
    }
    assert late.late
    assert all(e.new for e in packs.build(db, office.home_b, meeting).items)
    packs.mark_looked(db, office.home_a, first)
    db.commit()
    assert not packs.build(db, office.home_a, meeting).items[0].changed


def test_a_recalled_document_shows_as_recalled_and_is_gone_when_opened(
    app, client, db, blobs, office
):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "item")
    document = issued_document(db, blobs, office)
    attachment = attach(db, office, meeting, item, document)
    publish(db, office, meeting)
    circulation.circulate(db, office.clerk, document, user_ids=[office.home_b.id])
    circulation.recall(db, office.clerk, document, "Sai sót")
    db.commit()
    (entry,) = packs.build(db, office.home_a, meeting).items
    assert [d.recalled for d in entry.documents] == [True]
    assert packs.build(db, office.home_a, meeting).unread == 0
    login(client, office.home_a)
    url = f"/meetings/{meeting.id}/items/{item.id}/documents/{attachment.id}"
    assert client.get(url).status_code == 410


def build_agenda(db, blobs, office, meeting, count):
    for n in range(count):
        item = add_item(db, office, meeting, f"item {n}", kind=ItemKind.NORMAL)
        upload(db, blobs, office, meeting, item, f"material {n}", title=f"material {n}")
        attach(db, office, meeting, item, draft(db, blobs, office.clerk, subject=f"doc {n}"))
    secret = add_item(db, office, meeting, "internal", kind=ItemKind.INTERNAL)
    add_item(db, office, meeting, "under", parent=secret)


@pytest.mark.parametrize("path", ["/meetings/{id}", "/"])
def test_the_pack_costs_the_same_statements_for_2_and_20_items(
    app, client, db, blobs, office, make, path
):
    counts = []
    for size in (2, 20):
        meeting = new_meeting(db, office, title=f"size {size}")
        invite(db, office, meeting, "home_a")
        build_agenda(db, blobs, office, meeting, size)
        publish(db, office, meeting)
        login(client, office.home_a)
        url = path.format(id=meeting.id)
        client.get(url)  # warm: the first request of a session loads more
        with count_statements(app) as statements:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_home_page_lists_todays_and_coming_meetings_with_their_unread_packs(db, blobs, office):
    today = new_meeting(db, office, title="today")
    invite(db, office, today, "home_a")
    item = add_item(db, office, today, "item")
    upload(db, blobs, office, today, item)
    publish(db, office, today)
    later = new_meeting(db, office, title="later")
    later_start = START + timedelta(days=3)
    later.starts_at, later.ends_at = later_start, later_start + timedelta(hours=1)
    invite(db, office, later, "home_a")
    publish(db, office, later)
    new_meeting(db, office, title="draft")  # a draft: its secretary's only
    now = START - timedelta(hours=1)
    seen = {
        u.meeting.title: (u.today, u.documents, u.unread)
        for u in packs.upcoming(db, office.home_a, now)
    }
    assert seen == {"today": (True, 1, 1), "later": (False, 0, 0)}
    titles = [u.meeting.title for u in packs.upcoming(db, office.clerk, now)]
    assert titles == ["today", "draft", "later"]
    assert packs.upcoming(db, office.home_a, START + timedelta(days=5)) == []


def test_a_participants_own_receipts_make_the_pack_read(app, client, db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "item")
    attachment = upload(db, blobs, office, meeting, item)
    publish(db, office, meeting)
    assert packs.build(db, office.home_a, meeting).unread == 1
    login(client, office.home_a)
    client.get(f"/meetings/{meeting.id}/items/{item.id}/documents/{attachment.id}")
    db.expire_all()
    assert packs.build(db, office.home_a, meeting).unread == 0
    assert packs.build(db, office.clerk, meeting).unread == 1


def test_a_hidden_items_documents_stay_out_of_participants_packs(db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    hidden = add_item(db, office, meeting, "hidden", kind=ItemKind.HIDDEN)
    upload(db, blobs, office, meeting, hidden)
    publish(db, office, meeting)
    assert packs.build(db, office.home_a, meeting).items == []
    row = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_a.id))
    assert row is not None
    assert len(packs.build(db, office.chairman, meeting).items) == 1
    assert agenda.layout(meeting, agenda.items_of(db, meeting))[0].number == ""
