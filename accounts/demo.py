"""Demonstration data: a province-level body with its departments and the communes and wards under
it (two-level local government), about ninety officials, clerks and an auditor. Which body is
configurable (`organisation`).

Loaded once by `vanthu demo`; the demo passwords are random, kept in the instance folder only.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from accounts.models import Role, Unit, UnitKind, User, UserRole
from accounts.passwords import hash_password

DEFAULT_ORGANISATION = Path(__file__).with_name("demo_organisation.json")


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    abbreviation: str
    divisions: tuple[DemoUnit, ...] = ()
    #: The name as a document's header prints it; empty: the name, abbreviations spelt out.
    header_name: str = ""
    #: A commune's or ward's place name on its documents ("Ninh Kiều, ngày ..."); else empty.
    place: str = ""


@dataclass(frozen=True)
class DemoOrganisation:
    """The demo's province-level body and its departments, read from a small JSON file."""

    code: str
    name: str
    #: How its own documents name it in running text ("UBND thành phố").
    short_name: str
    abbreviation: str
    place: str
    email_domain: str
    departments: tuple[DemoUnit, ...]
    #: The communes' and wards' People's Committees directly under it (no district level).
    communes: tuple[DemoUnit, ...] = ()
    header_name: str = ""
    #: Mã định danh (Annex VI OrganId): the identifiers and metadata exports need it.
    organ_id: str | None = None


def organisation(app: Flask) -> DemoOrganisation:
    """The organisation of ``app.config["DEMO_ORGANISATION"]`` (a file), else the built-in one."""
    path = Path(app.config.get("DEMO_ORGANISATION") or DEFAULT_ORGANISATION)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DemoOrganisation(
            code=data["code"],
            name=data["name"],
            short_name=data.get("short_name", data["name"]),
            abbreviation=data["abbreviation"],
            place=data["place"],
            email_domain=data.get("email_domain", "example.gov.vn"),
            departments=tuple(_unit(d) for d in data["departments"]),
            communes=tuple(_unit(c) for c in data.get("communes", ())),
            header_name=data.get("header_name", ""),
            organ_id=data.get("organ_id"),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"VANTHU_DEMO_ORGANISATION: cannot read {path}: {exc}") from exc


def _unit(data: dict[str, Any]) -> DemoUnit:
    return DemoUnit(
        code=data["code"],
        name=data["name"],
        abbreviation=data["abbreviation"],
        divisions=tuple(_unit(d) for d in data.get("divisions", ())),
        header_name=data.get("header_name", ""),
        place=data.get("place", ""),
    )


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
#: A Văn phòng is headed by a Chánh Văn phòng, not a Giám đốc or Trưởng phòng.
OFFICE_TITLES = {
    UnitKind.DEPARTMENT: ["Chánh Văn phòng", "Phó Chánh Văn phòng", "Phó Chánh Văn phòng"],
    UnitKind.DIVISION: [
        "Chánh Văn phòng",
        "Phó Chánh Văn phòng",
        "Chuyên viên chính",
        "Chuyên viên",
    ],
}
COMMITTEE_TITLES = ["Chủ tịch", "Phó Chủ tịch", "Phó Chủ tịch"]
#: Who heads a unit, and so assigns what it receives.
LEADER_TITLES = frozenset({"Chủ tịch", "Giám đốc", "Chánh Văn phòng", "Trưởng phòng"})
LOGIN_FILE = "demo_logins.txt"


def load(session: Session, app: Flask) -> list[tuple[str, str, str]]:
    """Create the demo organisation unless it exists; return (role, username, password) logins."""
    login_file = Path(app.instance_path) / LOGIN_FILE
    org = organisation(app)
    if session.scalar(sa.select(Unit.id).where(Unit.code == org.code)) is not None:
        return _read_logins(login_file)
    profile = app.config["PASSWORD_HASH_PROFILE"]
    rng = random.Random(2020)  # noqa: S311 - names only; the same people on every machine
    province = Unit(
        code=org.code,
        name=org.name,
        abbreviation=org.abbreviation,
        header_name=org.header_name,
        kind=UnitKind.PROVINCE,
    )
    session.add(province)
    people: list[User] = []
    namer = _Namer(rng, org.email_domain)
    people.extend(namer.person(title, province) for title in COMMITTEE_TITLES)
    for unit in org.departments:
        department = _add_unit(unit, UnitKind.DEPARTMENT, province)
        people.extend(namer.person(t, department) for t in _titles(unit, UnitKind.DEPARTMENT))
        people.extend(_divisions(namer, unit, department))
    # Each commune's or ward's People's Committee answers to the city directly: its chairman
    # signs "TM. ỦY BAN NHÂN DÂN", its own clerk registers and seals.
    chairs = []
    for unit in org.communes:
        commune = _add_unit(unit, UnitKind.DEPARTMENT, province)
        committee = [namer.person(title, commune) for title in COMMITTEE_TITLES]
        chairs.append(committee[0])
        people.extend(committee)
        people.extend(_divisions(namer, unit, commune))
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
    auditor = namer.person("Kiểm tra viên", province, username="kiemtoan")
    auditor.role_rows = [UserRole(role=Role.AUDITOR)]
    admin = namer.person("Quản trị hệ thống", province, username="quantri")
    admin.role_rows = [UserRole(role=Role.ADMIN)]
    session.add_all([*people, *clerks, auditor, admin])

    chairman = people[0]
    chairman.username = "chutich"
    for chair, unit in zip(chairs, org.communes, strict=True):
        chair.username = f"chutich.{unit.code.lower()}"
    logins = [("admin", admin), ("clerk", clerks[0]), ("official", chairman), ("auditor", auditor)]
    if chairs:  # the first ward's side of the exchange with the city
        ward_clerk = next(c for c in clerks if c.unit is chairs[0].unit)
        logins += [("clerk", ward_clerk), ("official", chairs[0])]
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


def _add_unit(unit: DemoUnit, kind: UnitKind, parent: Unit) -> Unit:
    return Unit(
        code=unit.code,
        name=unit.name,
        abbreviation=unit.abbreviation,
        header_name=unit.header_name,
        kind=kind,
        parent=parent,
    )


def _titles(unit: DemoUnit, kind: UnitKind) -> list[str]:
    if unit.name.startswith("Văn phòng"):
        return OFFICE_TITLES[kind]
    return DEPARTMENT_TITLES if kind is UnitKind.DEPARTMENT else DIVISION_TITLES


def _divisions(namer: _Namer, unit: DemoUnit, parent: Unit) -> list[User]:
    people: list[User] = []
    for div in unit.divisions:
        division = _add_unit(div, UnitKind.DIVISION, parent)
        people.extend(namer.person(t, division) for t in _titles(div, UnitKind.DIVISION))
    return people


def commune_place(app: Flask, code: str) -> str:
    """The place name a commune's or ward's documents print before their date."""
    org = organisation(app)
    return next((c.place for c in org.communes if c.code == code and c.place), org.place)


def _departments(province: Unit) -> list[Unit]:
    return list(province.children)


class _Namer:
    """Deterministic Vietnamese names and unique ASCII usernames."""

    def __init__(self, rng: random.Random, email_domain: str) -> None:
        self.rng = rng
        self.email_domain = email_domain
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
            email=f"{candidate}@{self.email_domain}",
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
