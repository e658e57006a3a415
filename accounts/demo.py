"""Demonstration data: a province with its units, about sixty officials, clerks and an auditor.

Loaded once by `vanthu demo`; the demo passwords are random, kept in the instance folder only.
"""

from __future__ import annotations

import os
import random
import secrets
import unicodedata
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from accounts.models import Role, Unit, UnitKind, User, UserRole
from accounts.passwords import hash_password

PROVINCE = ("HG", "UBND tỉnh Hậu Giang", "UBND")
DEPARTMENTS = [
    (
        "VP",
        "Văn phòng UBND tỉnh",
        "VP",
        [("VP-HCTC", "Phòng Hành chính - Tổ chức", "HCTC"), ("VP-TH", "Phòng Tổng hợp", "TH")],
    ),
    (
        "SNV",
        "Sở Nội vụ",
        "SNV",
        [
            ("SNV-CCHC", "Phòng Cải cách hành chính", "CCHC"),
            ("SNV-TCBC", "Phòng Tổ chức - Biên chế", "TCBC"),
        ],
    ),
    (
        "STC",
        "Sở Tài chính",
        "STC",
        [
            ("STC-NS", "Phòng Quản lý ngân sách", "QLNS"),
            ("STC-TCDN", "Phòng Tài chính doanh nghiệp", "TCDN"),
        ],
    ),
    (
        "SKHDT",
        "Sở Kế hoạch và Đầu tư",
        "SKHĐT",
        [("SKHDT-TH", "Phòng Tổng hợp, Quy hoạch", "THQH")],
    ),
    (
        "STTTT",
        "Sở Thông tin và Truyền thông",
        "STTTT",
        [("STTTT-CNTT", "Phòng Công nghệ thông tin", "CNTT")],
    ),
    ("SYT", "Sở Y tế", "SYT", [("SYT-NVY", "Phòng Nghiệp vụ Y", "NVY")]),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "SGDĐT", [("SGDDT-TCCB", "Phòng Tổ chức cán bộ", "TCCB")]),
]
FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Hoàng",
    "Võ",
    "Phan",
    "Trương",
    "Bùi",
    "Đặng",
    "Đỗ",
    "Ngô",
    "Hồ",
    "Dương",
    "Lý",
]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hoàng", "Quốc", "Thu", "Hữu", "Kim", "Đức"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phúc",
    "Quân",
    "Tâm",
    "Thảo",
    "Trung",
    "Tuấn",
    "Vy",
    "Yến",
    "Sơn",
    "Thắng",
]
DEPARTMENT_TITLES = ["Giám đốc", "Phó Giám đốc", "Phó Giám đốc"]
DIVISION_TITLES = ["Trưởng phòng", "Phó Trưởng phòng", "Chuyên viên chính", "Chuyên viên"]
#: Who heads a unit, and so assigns what it receives.
LEADER_TITLES = frozenset({"Chủ tịch", "Giám đốc", "Trưởng phòng"})
LOGIN_FILE = "demo_logins.txt"


def load(session: Session, app: Flask) -> list[tuple[str, str, str]]:
    """Create the demo province unless it exists; return (role, username, password) logins."""
    login_file = Path(app.instance_path) / LOGIN_FILE
    if session.scalar(sa.select(Unit.id).where(Unit.code == PROVINCE[0])) is not None:
        return _read_logins(login_file)
    profile = app.config["PASSWORD_HASH_PROFILE"]
    rng = random.Random(2020)  # noqa: S311 - names only; the same people on every machine
    province = Unit(
        code=PROVINCE[0], name=PROVINCE[1], abbreviation=PROVINCE[2], kind=UnitKind.PROVINCE
    )
    session.add(province)
    people: list[User] = []
    namer = _Namer(rng)
    people.append(namer.person("Chủ tịch", province))
    people.extend(namer.person("Phó Chủ tịch", province) for _ in range(2))
    for code, name, abbreviation, divisions in DEPARTMENTS:
        department = Unit(
            code=code,
            name=name,
            abbreviation=abbreviation,
            kind=UnitKind.DEPARTMENT,
            parent=province,
        )
        people.extend(namer.person(title, department) for title in DEPARTMENT_TITLES)
        for div_code, div_name, div_abbreviation in divisions:
            division = Unit(
                code=div_code,
                name=div_name,
                abbreviation=div_abbreviation,
                kind=UnitKind.DIVISION,
                parent=department,
            )
            people.extend(namer.person(title, division) for title in DIVISION_TITLES)
    for person in people:
        heads = person.title in LEADER_TITLES
        person.role_rows = [UserRole(role=Role.OFFICIAL)] + heads * [UserRole(role=Role.LEADER)]

    office = province  # the province's clerks sit in the provincial office
    clerks = [namer.person("Văn thư", office, username="vanthu")]
    clerks += [
        namer.person("Văn thư", unit, username=f"vanthu.{unit.code.lower()}")
        for unit in _departments(province)
    ]
    for clerk in clerks:
        clerk.role_rows = [UserRole(role=Role.CLERK)]
    auditor = namer.person("Thanh tra viên", province, username="kiemtoan")
    auditor.role_rows = [UserRole(role=Role.AUDITOR)]
    admin = namer.person("Quản trị hệ thống", province, username="quantri")
    admin.role_rows = [UserRole(role=Role.ADMIN)]
    session.add_all([*people, *clerks, auditor, admin])

    chairman = people[0]
    chairman.username = "chutich"
    logins = [("admin", admin), ("clerk", clerks[0]), ("official", chairman), ("auditor", auditor)]
    shared = hash_password(secrets.token_urlsafe(16), profile)  # nobody needs the others'
    for person in [*people, *clerks, auditor, admin]:
        person.password_hash = shared
    result = []
    for role, user in logins:
        password = secrets.token_urlsafe(9)
        user.password_hash = hash_password(password, profile)
        result.append((role, user.username, password))
    session.flush()
    _write_logins(login_file, result)
    return result


def _departments(province: Unit) -> list[Unit]:
    return list(province.children)


class _Namer:
    """Deterministic Vietnamese names and unique ASCII usernames."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def person(self, title: str, unit: Unit, username: str | None = None) -> User:
        family, middle, given = (
            self.rng.choice(FAMILY),
            self.rng.choice(MIDDLE),
            self.rng.choice(GIVEN),
        )
        full_name = f"{family} {middle} {given}"
        base = username or f"{_ascii(given)}.{_ascii(family)[0]}{_ascii(middle)[0]}"
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{base}{n}"
        self.taken.add(candidate)
        return User(
            username=candidate,
            full_name=full_name,
            title=title,
            unit=unit,
            email=f"{candidate}@haugiang.gov.vn",
        )


def _ascii(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    )
    return stripped.lower()


def _write_logins(path: Path, logins: list[tuple[str, str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{role} {username} {password}\n" for role, username, password in logins)


def _read_logins(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split(" ")
        if len(parts) == 3:
            rows.append((parts[0], parts[1], parts[2]))
    return rows
