"""Administrators manage units and users, and onboard officials from CSV."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from accounts.models import Role, Unit, UnitKind, User
from audit.models import AuditEvent


@pytest.fixture
def admin(make, auth):
    user = make.user("admin", roles=[Role.ADMIN])
    auth.login("admin")
    return user


def test_admin_builds_the_unit_tree(client, admin, db):
    client.post(
        "/admin/units/new",
        data={"code": "HG", "name": "UBND tỉnh", "abbreviation": "UBND", "parent_id": ""},
    )
    province = db.scalar(sa.select(Unit).where(Unit.code == "HG"))
    client.post(
        "/admin/units/new",
        data={
            "code": "SNV",
            "name": "Sở Nội vụ",
            "abbreviation": "SNV",
            "parent_id": str(province.id),
        },
    )
    department = db.scalar(sa.select(Unit).where(Unit.code == "SNV"))
    client.post(
        "/admin/units/new",
        data={
            "code": "SNV-CCHC",
            "name": "Phòng CCHC",
            "abbreviation": "CCHC",
            "parent_id": str(department.id),
        },
    )
    division = db.scalar(sa.select(Unit).where(Unit.code == "SNV-CCHC"))
    assert (province.kind, department.kind, division.kind) == (
        UnitKind.PROVINCE,
        UnitKind.DEPARTMENT,
        UnitKind.DIVISION,
    )
    page = client.get("/admin/units").get_data(as_text=True)
    assert page.index("UBND tỉnh") < page.index("Sở Nội vụ") < page.index("Phòng CCHC")
    refused = client.post(
        "/admin/units/new",
        data={"code": "X", "name": "Tổ", "abbreviation": "T", "parent_id": str(division.id)},
    )
    assert refused.status_code == 400
    assert "Phòng không thể chứa đơn vị khác" in refused.get_data(as_text=True)


def test_a_unit_cannot_move_inside_itself(client, admin, make, db):
    parent = make.unit("Tỉnh")
    child = make.unit("Sở", parent=parent)
    response = client.post(
        f"/admin/units/{parent.id}",
        data={
            "code": parent.code,
            "name": "Tỉnh",
            "abbreviation": "UBND",
            "parent_id": str(child.id),
        },
    )
    assert response.status_code == 400
    db.refresh(parent)
    assert parent.parent_id is None


def test_the_organisation_code_is_set_per_unit_and_checked(client, admin, make, db):
    unit = make.unit("Tỉnh")
    data = {"code": unit.code, "name": "Tỉnh", "abbreviation": "UBND", "parent_id": ""}
    saved = client.post(f"/admin/units/{unit.id}", data={**data, "organ_id": "000.00.00.h29"})
    assert saved.status_code == 302
    db.refresh(unit)
    assert unit.organ_id == "000.00.00.H29"
    refused = client.post(f"/admin/units/{unit.id}", data={**data, "organ_id": "H29 tỉnh"})
    assert refused.status_code == 400
    assert "mã định danh" in refused.get_data(as_text=True).lower() or "OrganId" in (
        refused.get_data(as_text=True)
    )
    db.refresh(unit)
    assert unit.organ_id == "000.00.00.H29"
    cleared = client.post(f"/admin/units/{unit.id}", data={**data, "organ_id": ""})
    assert cleared.status_code == 302
    db.refresh(unit)
    assert unit.organ_id is None  # takes its parent's again


def test_admin_creates_and_edits_a_user(client, admin, make, db):
    unit = make.unit()
    response = client.post(
        "/admin/users/new",
        data={
            "username": "Lan.TT",
            "full_name": "Trần Thị Lan",
            "title": "Chuyên viên",
            "unit_id": str(unit.id),
            "email": "lan@haugiang.gov.vn",
            "roles": ["official", "clerk"],
            "active": "y",
            "password": "a long enough password",
        },
    )
    assert response.status_code == 302
    user = db.scalar(sa.select(User).where(User.username == "lan.tt"))
    assert user.roles == {Role.OFFICIAL, Role.CLERK}
    client.post(
        f"/admin/users/{user.id}",
        data={
            "username": "lan.tt",
            "full_name": "Trần Thị Lan",
            "unit_id": str(unit.id),
            "roles": ["official"],
        },
    )
    db.refresh(user)
    assert user.roles == {Role.OFFICIAL} and not user.active
    events = [e.action for e in db.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert events[-2:] == ["accounts:user:create", "accounts:user:update"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "a b", "Tên đăng nhập gồm"),
        ("email", "not-an-email", "thư điện tử không hợp lệ"),
        ("password", "short", "ít nhất 10 ký tự"),
    ],
)
def test_bad_user_data_is_refused_and_nothing_is_stored(
    client, admin, make, db, field, value, message
):
    unit = make.unit()
    data = {
        "username": "lan.tt",
        "full_name": "Trần Thị Lan",
        "unit_id": str(unit.id),
        "roles": ["official"],
        field: value,
    }
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 1  # only the admin


def test_duplicate_username_is_a_conflict(client, admin, make):
    unit = make.unit()
    response = client.post(
        "/admin/users/new", data={"username": "admin", "full_name": "X", "unit_id": str(unit.id)}
    )
    assert response.status_code == 409


def csv_upload(client, text, name="users.csv"):
    return client.post(
        "/admin/users/import",
        data={"file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


HEADER = "username,full_name,title,unit_code,email,phone,roles\n"


def import_problems(page: str) -> dict[int, list[str]]:
    """The import's error list, by CSV line: each line's own messages, not the whole page's."""
    errors = page.split('data-testid="import-errors"', 1)[1].split("</ul>", 1)[0]
    problems: dict[int, list[str]] = {}
    for line, message in re.findall(r"<li>Dòng (\d+): (.*?)</li>", errors):
        problems.setdefault(int(line), []).append(message)
    return problems


def test_csv_import_creates_every_user_with_an_activation_code(client, admin, make, db):
    unit = make.unit()
    text = HEADER + "".join(
        f"can.bo{i},Nguyễn Văn {i},Chuyên viên,{unit.code},cb{i}@hg.gov.vn,0290 3870 {i:03d},"
        "official\n"
        for i in range(200)
    )
    response = csv_upload(client, text)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<code>") == 200
    assert 'data-testid="print-codes"' in page  # shown once: printed before leaving
    code = page.split("<code>")[1].split("</code>")[0]
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 201
    client.post("/logout")
    assert (
        client.post(
            "/activate", data={"username": "can.bo0", "code": code, "password": "my own password"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/login", data={"username": "can.bo0", "password": "my own password"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/activate", data={"username": "can.bo0", "code": code, "password": "another password"}
        ).status_code
        == 401
    )


def test_the_import_page_lists_the_role_codes(client, admin):
    page = client.get("/admin/users/import").get_data(as_text=True)
    codes = re.search(r'data-testid="role-codes">(.*?)</details>', page, re.S)
    assert codes is not None
    for role in Role:
        assert f"<code>{role.value}</code>" in codes.group(1)


def test_csv_import_reports_every_bad_line_and_imports_nothing(client, admin, make, db):
    unit = make.unit()
    text = HEADER + (
        f"good.one,Lê Văn A,,{unit.code},,,official\n"
        f"Bad Name,Lê Văn B,,{unit.code},,,official\n"
        "no.unit,Lê Văn C,,NOPE,,,official\n"
        f"bad.role,Lê Văn D,,{unit.code},,,wizard\n"
        f"good.one,Lê Văn E,,{unit.code},,,official\n"
        f"admin,Lê Văn F,,{unit.code},x@y,,official\n"
    )
    response = csv_upload(client, text)
    assert response.status_code == 400
    problems = import_problems(response.get_data(as_text=True))
    for line, words in [
        (3, "Tên đăng nhập gồm"),
        (4, "NOPE"),
        (5, "wizard"),
        (6, "dòng 2"),
        (7, "đã tồn tại"),
        (7, "thư điện tử"),
    ]:
        assert any(words in problem for problem in problems[line]), (line, words, problems)
    assert sorted(problems) == [3, 4, 5, 6, 7]  # the good line 2 is not reported
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_csv_import_refuses_a_file_without_the_columns(client, admin):
    response = csv_upload(client, "name,email\nx,y\n")
    assert response.status_code == 400
    assert "Thiếu các cột" in response.get_data(as_text=True)


def test_csv_import_refuses_a_file_that_is_not_utf8(client, admin):
    response = client.post(
        "/admin/users/import",
        data={"file": (io.BytesIO("username\nNguyễn".encode("utf-16")), "u.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)


def test_user_list_issues_a_constant_number_of_queries(app, client, admin, make):
    from tests.conftest import count_statements

    unit = make.unit()
    with count_statements(app) as few:
        client.get("/admin/users")
    for i in range(30):
        make.user(f"extra{i}", unit=unit, roles=[Role.OFFICIAL, Role.CLERK])
    with count_statements(app) as many:
        page = client.get("/admin/users").get_data(as_text=True)
    assert "extra29" in page
    assert len(many) == len(few)


def test_admin_sets_the_name_documents_print_in_their_header(client, admin, db):
    data = {"code": "CT", "name": "UBND TP Cần Thơ", "abbreviation": "UBND", "parent_id": ""}
    client.post("/admin/units/new", data=data)
    unit = db.scalar(sa.select(Unit).where(Unit.code == "CT"))
    assert unit.header_name == ""
    form = client.get(f"/admin/units/{unit.id}").get_data(as_text=True)
    assert 'name="header_name"' in form
    data["header_name"] = "Ủy ban nhân dân  thành phố Cần Thơ"
    assert client.post(f"/admin/units/{unit.id}", data=data).status_code == 302
    db.refresh(unit)
    assert unit.header_name == "Ủy ban nhân dân thành phố Cần Thơ"


def test_the_import_template_is_headed_in_vietnamese_and_imports_as_it_is(client, admin, make, db):
    unit = make.unit()
    template = client.get("/admin/users/import/template.csv")
    assert template.mimetype == "text/csv"
    text = template.get_data(as_text=True)
    assert (
        text == "\ufeffTên đăng nhập,Họ và tên,Chức vụ,Mã đơn vị,Thư điện tử,Điện thoại,Vai trò\r\n"
    )
    filled = text + f"le.van.a,Lê Văn A,Chuyên viên,{unit.code},,,official\n"
    assert csv_upload(client, filled).status_code == 200
    created = db.scalar(sa.select(User).where(User.username == "le.van.a"))
    assert created is not None and created.full_name == "Lê Văn A" and created.unit_id == unit.id
