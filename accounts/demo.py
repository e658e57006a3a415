"""Demonstration data: a province-level body with its units, about sixty officials, clerks and an
auditor. Which body is configurable (`organisation`).

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
#: Who heads a unit, and so assigns what it receives.
LEADER_TITLES = frozenset({"Chủ tịch", "Giám đốc", "Trưởng phòng"})
LOGIN_FILE = "demo_logins.txt"


def load(session: Session, app: Flask) -> list[tuple[str, str, str]]:
    """Create the demo province unless it exists; return (role, username, password) logins."""
    login_file = Path(app.instance_path) / LOGIN_FILE
    org = organisation(app)
    if session.scalar(sa.select(Unit.id).where(Unit.code == org.code)) is not None:
        return _read_logins(login_file)
    profile = app.config["PASSWORD_HASH_PROFILE"]
    rng = random.Random(2020)  # noqa: S311 - names only; the same people on every machine
    province = Unit(
        code=org.code, name=org.name, abbreviation=org.abbreviation, kind=UnitKind.PROVINCE
    )
    session.add(province)
    people: list[User] = []
    namer = _Namer(rng, org.email_domain)
    people.append(namer.person("Chủ tịch", province))
    people.extend(namer.person("Phó Chủ tịch", province) for _ in range(2))
    for unit in org.departments:
        department = Unit(
            code=unit.code,
            name=unit.name,
            abbreviation=unit.abbreviation,
            kind=UnitKind.DEPARTMENT,
            parent=province,
        )
        people.extend(namer.person(title, department) for title in DEPARTMENT_TITLES)
        for div in unit.divisions:
            division = Unit(
                code=div.code,
                name=div.name,
                abbreviation=div.abbreviation,
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
