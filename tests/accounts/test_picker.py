"""The recipient picker's tree and the checking of what it posts (accounts/picker.py)."""

from __future__ import annotations

import pytest

from accounts.errors import BadPick
from accounts.models import UnitKind
from accounts.picker import build, fold
from tests.conftest import count_statements


@pytest.fixture
def city(make):
    """Names chosen so that creation order, id order and name order all differ."""
    province = make.unit("UBND thành phố Cần Thơ")
    division = make.unit("Phòng Quản lý ngân sách", parent=None)  # re-parented below
    ward = make.unit("UBND phường Ninh Kiều", parent=province)
    finance = make.unit("Sở Tài chính", parent=province)
    home = make.unit("Sở Nội vụ", parent=province)
    division.parent, division.kind = finance, UnitKind.DIVISION
    make.session.commit()
    people = {
        "b": make.user("b", unit=finance, full_name="Trần Văn Bình"),
        "a": make.user("a", unit=finance, full_name="Lê Thị An"),
        "gone": make.user("gone", unit=finance, full_name="Đã Nghỉ", active=False),
        "wardsman": make.user("w", unit=ward, full_name="Phạm Văn Đức"),
    }
    return {
        "province": province,
        "division": division,
        "ward": ward,
        "finance": finance,
        "home": home,
        **people,
    }


def test_fold_drops_accents_case_and_extra_spaces():
    assert fold("  Sở Tài  chính ") == "so tai chinh"
    assert fold("Đặng Đức") == "dang duc"


def test_parents_come_before_children_and_siblings_by_name(db, city):
    tree = build(db)
    assert [(u.name, u.depth) for u in tree.units] == [
        ("UBND thành phố Cần Thơ", 0),
        ("Sở Nội vụ", 1),
        ("Sở Tài chính", 1),
        ("Phòng Quản lý ngân sách", 2),
        ("UBND phường Ninh Kiều", 1),
    ]
    finance = next(u for u in tree.units if u.id == city["finance"].id)
    assert finance.descendant_ids == [city["division"].id]


def test_active_people_sit_under_their_unit_by_name(db, city):
    tree = build(db)
    finance = next(u for u in tree.units if u.id == city["finance"].id)
    assert [p.name for p in finance.people] == ["Lê Thị An", "Trần Văn Bình"]
    assert city["gone"].id not in {p.id for p in tree.people}


def test_groups_gather_departments_wards_and_divisions(db, city):
    groups = {g.key: g.unit_ids for g in build(db).groups}
    assert groups == {
        "departments": (city["home"].id, city["finance"].id),
        "communes": (city["ward"].id,),
        "divisions": (city["division"].id,),
    }
    assert build(db, units_allowed=False).groups == []


def test_the_tree_takes_two_queries_however_many_units(app, db, city):
    with count_statements(app) as statements:
        build(db)
    assert len(statements) == 2


def test_parse_returns_the_chosen_ids_once_each(db, city):
    picked = build(db).parse(
        [str(city["finance"].id), str(city["finance"].id), ""], [str(city["a"].id)]
    )
    assert picked.unit_ids == [city["finance"].id]
    assert picked.user_ids == [city["a"].id]


@pytest.mark.parametrize(
    ("units", "users", "kind"),
    [
        (["999999"], [], "unit"),
        (["x1"], [], "unit"),
        ([], ["999999"], "person"),
        ([], ["gone"], "person"),
    ],
)
def test_parse_refuses_what_was_not_offered(db, city, units, users, kind):
    users = [str(city["gone"].id) if u == "gone" else u for u in users]
    with pytest.raises(BadPick) as refused:
        build(db).parse(units, users)
    assert refused.value.status == 400 and refused.value.data["kind"] == kind


def test_units_cannot_be_chosen_when_the_picker_offers_people_only(db, city):
    tree = build(db, units_allowed=False)
    with pytest.raises(BadPick):
        tree.parse([str(city["home"].id)], [])
    assert tree.parse([], [str(city["a"].id)]).user_ids == [city["a"].id]
