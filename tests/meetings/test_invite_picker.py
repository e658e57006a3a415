"""Inviting people to a meeting through the one picker: the tree on the secretary's page, the
units and people it posts, and a wrong id refused on the form (400) with nobody invited."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from meetings.models import Participant
from tests.conftest import login
from tests.meetings.conftest import new_meeting


def invited(db, meeting):
    return set(
        db.scalars(sa.select(Participant.user_id).where(Participant.meeting_id == meeting.id))
    )


def test_the_manage_page_offers_units_and_people_in_the_picker(client, db, office):
    meeting = new_meeting(db, office)
    login(client, office.clerk)
    page = client.get(f"/meetings/{meeting.id}/manage").get_data(as_text=True)
    assert f'name="unit_ids" value="{office.home.id}"' in page
    assert f'name="user_ids" value="{office.home_a.id}"' in page
    assert re.search(r"<fieldset class=\"picker\" id=\"invitees\"", page)


def test_units_and_people_chosen_are_invited(client, db, office):
    meeting = new_meeting(db, office)
    login(client, office.clerk)
    form = {"unit_ids": [str(office.home.id)], "user_ids": [str(office.finance_a.id)]}
    response = client.post(f"/meetings/{meeting.id}/participants", data={**form, "role": "member"})
    assert response.status_code == 302
    home = {u.id for u in office.people.values() if u.unit_id == office.home.id}
    assert home | {office.finance_a.id} <= invited(db, meeting)


@pytest.mark.parametrize("field", ["unit_ids", "user_ids"])
def test_a_wrong_id_is_refused_on_the_form_and_nobody_is_invited(client, db, office, field):
    meeting = new_meeting(db, office)
    before = invited(db, meeting)
    login(client, office.clerk)
    response = client.post(
        f"/meetings/{meeting.id}/participants",
        data={field: ["999999"], "role": "member"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "không được chọn ở đây" in page and 'id="invitees"' in page
    assert invited(db, meeting) == before
