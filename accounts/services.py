"""Account logic: managing units and users, bulk CSV import (signing in is `signin`).

No Flask here: callers pass the session and own the transaction; errors come from `errors.py`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts import errors
from accounts.models import CHILD_KIND, Role, Unit, User, UserRole, is_organ_id
from accounts.passwords import MIN_PASSWORD_LENGTH, hash_password
from accounts.sessions import end_sessions
from audit import record_event
from core.errors import N_

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
UNIT_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 .-]{6,20}$")
CSV_COLUMNS = ("username", "full_name", "title", "unit_code", "email", "phone", "roles")
#: How the import template heads each column, in the reader's language (the caller translates).
CSV_HEADINGS = {
    "username": N_("Username"),
    "full_name": N_("Full name"),
    "title": N_("Title"),
    "unit_code": N_("Unit code"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "roles": N_("Roles"),
}
CHOOSE_UNIT = N_("Choose the user's unit.")
PASSWORD_TOO_SHORT = N_("A password has at least %(min)d characters.")


# --- units ---------------------------------------------------------------------------------------


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise errors.UnitNotFound(N_("This unit does not exist."), unit_id=unit_id)
    return unit


def all_units(session: Session) -> list[Unit]:
    """Every unit, parents before children, siblings by name (one query)."""
    units = list(session.scalars(sa.select(Unit).order_by(Unit.name)))
    by_parent: dict[int | None, list[Unit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    ordered: list[Unit] = []

    def walk(parent_id: int | None) -> None:
        for child in by_parent.get(parent_id, []):
            ordered.append(child)
            walk(child.id)

    walk(None)
    return ordered


def unit_depths(units: Iterable[Unit]) -> dict[int, int]:
    depth: dict[int, int] = {}
    for unit in units:  # parents come first in all_units order
        depth[unit.id] = 0 if unit.parent_id is None else depth.get(unit.parent_id, 0) + 1
    return depth


def save_unit(
    session: Session,
    actor: User,
    *,
    code: str,
    name: str,
    abbreviation: str,
    parent_id: int | None,
    unit: Unit | None = None,
    header_name: str = "",
    organ_id: str = "",
) -> Unit:
    """Create a unit, or change ``unit``; its kind follows from its place in the tree.

    ``header_name`` is the name in full as documents print it ("Ủy ban nhân dân tỉnh ...");
    empty leaves it to ``name`` with its abbreviations spelt out. ``organ_id`` is its mã định
    danh (Annex VI OrganId); empty means its parent's.
    """
    code, name, abbreviation = code.strip(), name.strip(), abbreviation.strip()
    header_name = " ".join(header_name.split())
    if len(header_name) > 255:
        raise errors.InvalidUnitData(N_("The name in document headers may have 255 characters."))
    organ_id = organ_id.strip().upper()
    if organ_id and not is_organ_id(organ_id):
        raise errors.InvalidUnitData(
            N_(
                "An organisation code (OrganId) has letters and digits in groups joined by "
                "dots, at most 32 characters, e.g. 000.00.00.H29."
            )
        )
    if not UNIT_CODE_PATTERN.match(code):
        raise errors.InvalidUnitData(N_("A unit code has 1–32 letters, digits, dots or dashes."))
    if not name:
        raise errors.InvalidUnitData(N_("A unit needs a name."))
    if not abbreviation or len(abbreviation) > 32:
        raise errors.InvalidUnitData(N_("A unit needs an abbreviation of at most 32 characters."))
    parent = get_unit(session, parent_id) if parent_id is not None else None
    kind = CHILD_KIND.get(parent.kind if parent else None)
    if kind is None:
        raise errors.InvalidUnitData(N_("A division cannot contain other units."))
    if unit is not None and parent is not None and _is_within(parent, unit):
        raise errors.InvalidUnitData(N_("A unit cannot be placed inside itself."))
    clash = session.scalar(sa.select(Unit.id).where(Unit.code == code))
    if clash is not None and (unit is None or clash != unit.id):
        raise errors.InvalidUnitData(N_("Another unit already uses this code."))
    created = unit is None
    if unit is None:
        unit = Unit(
            code=code,
            name=name,
            abbreviation=abbreviation,
            kind=kind,
            parent=parent,
            header_name=header_name,
        )
        session.add(unit)
        unit.organ_id = organ_id or None
    else:
        if unit.children and kind != unit.kind:
            raise errors.InvalidUnitData(N_("Move or remove this unit's sub-units first."))
        unit.code, unit.name, unit.abbreviation, unit.kind = code, name, abbreviation, kind
        unit.header_name = header_name
        unit.parent = parent
        unit.organ_id = organ_id or None
    session.flush()
    record_event(
        session,
        "accounts:unit:create" if created else "accounts:unit:update",
        actor=actor,
        subject={"unit": unit.id},
    )
    return unit


def _is_within(candidate: Unit, ancestor: Unit) -> bool:
    node: Unit | None = candidate
    while node is not None:
        if node.id == ancestor.id:
            return True
        node = node.parent
    return False


# --- users ---------------------------------------------------------------------------------------


@dataclass
class UserData:
    """Fields an administrator edits; validated by `validate_user_data`."""

    username: str
    full_name: str
    title: str = ""
    unit_id: int | None = None
    email: str | None = None
    phone: str | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    active: bool = True


def validate_user_data(data: UserData) -> list[str]:
    """Every problem with ``data``, as sentences; empty when it is acceptable."""
    problems = []
    if not USERNAME_PATTERN.match(data.username):
        problems.append(
            N_("A username has 2–64 lower-case letters, digits, dots, dashes or underscores.")
        )
    if not data.full_name.strip() or len(data.full_name) > 255:
        problems.append(N_("A full name is required (at most 255 characters)."))
    if len(data.title) > 255:
        problems.append(N_("A title has at most 255 characters."))
    if data.email and not EMAIL_PATTERN.match(data.email):
        problems.append(N_("The e-mail address is not valid."))
    if data.phone and not PHONE_PATTERN.match(data.phone):
        problems.append(N_("The phone number is not valid."))
    if data.unit_id is None:
        problems.append(CHOOSE_UNIT)
    return problems


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise errors.UserNotFound(N_("This user does not exist."), user_id=user_id)
    return user


def save_user(
    session: Session,
    actor: User,
    data: UserData,
    *,
    user: User | None = None,
    password: str | None = None,
    hash_profile: str = "default",
) -> User:
    """Create a user, or change ``user``, after checking every field."""
    data.username = data.username.strip().lower()
    problems = validate_user_data(data)
    if problems:
        raise errors.InvalidUserData(problems[0])
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise errors.InvalidUserData(PASSWORD_TOO_SHORT, min=MIN_PASSWORD_LENGTH)
    assert data.unit_id is not None
    get_unit(session, data.unit_id)
    clash = session.scalar(sa.select(User.id).where(User.username == data.username))
    if clash is not None and (user is None or clash != user.id):
        raise errors.UsernameTaken(N_("This username is already taken."))
    created = user is None
    if user is None:
        user = User(username=data.username, unit_id=data.unit_id, full_name=data.full_name)
        session.add(user)
    changed_roles = set(data.roles) ^ set(user.roles)
    # What the account may do changes: sessions opened under the old terms end.
    ends_sessions = not created and (
        bool(changed_roles) or password is not None or user.active != data.active
    )
    user.username = data.username
    user.full_name = data.full_name.strip()
    user.title = data.title.strip()
    user.unit_id = data.unit_id
    user.email = data.email or None
    user.phone = data.phone or None
    user.active = data.active
    _set_roles(user, data.roles)
    if password is not None:
        user.password_hash = hash_password(password, hash_profile)
    if ends_sessions:
        end_sessions(user)
    session.flush()
    record_event(
        session,
        "accounts:user:create" if created else "accounts:user:update",
        actor=actor,
        subject={"user": user.id},
        details={
            "roles": sorted(r.value for r in data.roles),
            "active": data.active,
            "roles_changed": bool(changed_roles),
            "password_set": password is not None,
        },
    )
    return user


def _set_roles(user: User, roles: Iterable[Role]) -> None:
    wanted = set(roles)
    user.role_rows = [row for row in user.role_rows if row.role in wanted]
    for role in sorted(wanted - {row.role for row in user.role_rows}):
        user.role_rows.append(UserRole(role=role))


def new_activation_code(user: User) -> str:
    """Give ``user`` a one-time code to choose their own password; only the digest is kept."""
    code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
    user.activation_digest = _activation_digest(code)
    return code


def reissue_activation_code(session: Session, admin: User, user: User) -> str:
    """A new activation code for ``user``, as an administrator resetting their account: the
    sessions they have end, as after any password reset."""
    code = new_activation_code(user)
    end_sessions(user)
    record_event(session, "accounts:user:activation_issued", actor=admin, subject={"user": user.id})
    return code


def _activation_digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def activate(
    session: Session, username: str, code: str, password: str, hash_profile: str = "default"
) -> User:
    """Set a first password with an activation code; the code then stops working."""
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if (
        user is None
        or user.activation_digest is None
        or not secrets.compare_digest(user.activation_digest, _activation_digest(code))
    ):
        raise errors.InvalidCredentials(N_("This activation code is not valid."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise errors.InvalidUserData(PASSWORD_TOO_SHORT, min=MIN_PASSWORD_LENGTH)
    user.password_hash = hash_password(password, hash_profile)
    user.activation_digest = None
    end_sessions(user)
    record_event(session, "accounts:user:activated", actor=user)
    return user


# --- CSV import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedUser:
    username: str
    full_name: str
    activation_code: str


def import_users_csv(
    session: Session, actor: User, text: str, headings: Mapping[str, str] | None = None
) -> list[ImportedUser]:
    """Create every user in a CSV file, or none of them. Columns are named as in CSV_COLUMNS or
    by ``headings`` (a heading of the template, in any language, to its column name).

    Every bad row is reported with its line number so a clerk can fix the file in one pass. New
    users get an activation code instead of a password: hashing thousands of passwords with
    Argon2 would take minutes, and nobody should know another person's password.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    names = {**(headings or {}), **{c: c for c in CSV_COLUMNS}}
    header = [names.get(h.strip(), h.strip()) for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise errors.ImportRejected(
            N_("The file does not have the expected columns."),
            [(1, N_("Missing columns: %(columns)s"), {"columns": ", ".join(missing)})],
        )
    units = {u.code: u.id for u in session.scalars(sa.select(Unit))}
    existing = set(session.scalars(sa.select(User.username)))
    problems: list[errors.LineProblem] = []
    rows: list[UserData] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        data, row_problems = _parse_row(values, units)
        if data.username in existing:
            row_problems.append((N_("This username already exists."), {}))
        if data.username in seen:
            row_problems.append(
                (N_("The same username is on line %(line)d."), {"line": seen[data.username]})
            )
        seen.setdefault(data.username, line)
        problems.extend((line, template, params) for template, params in row_problems)
        rows.append(data)
    if not rows and not problems:
        problems.append((1, N_("The file has no users."), {}))
    if problems:
        raise errors.ImportRejected(N_("Nothing was imported: correct these lines."), problems)

    imported = []
    users = []
    for data in rows:
        user = User(
            username=data.username,
            full_name=data.full_name,
            title=data.title,
            unit_id=data.unit_id,
            email=data.email,
            phone=data.phone,
            role_rows=[UserRole(role=r) for r in sorted(data.roles)],
        )
        code = new_activation_code(user)
        users.append(user)
        imported.append(ImportedUser(data.username, data.full_name, code))
    session.add_all(users)
    session.flush()
    record_event(
        session,
        "accounts:user:import",
        actor=actor,
        details={"count": len(users), "first_id": users[0].id, "last_id": users[-1].id},
    )
    return imported


def _parse_row(
    values: dict[str, str], units: dict[str, int]
) -> tuple[UserData, list[tuple[str, dict[str, object]]]]:
    problems: list[tuple[str, dict[str, object]]] = []
    roles: set[Role] = set()
    for name in filter(None, (r.strip().lower() for r in values.get("roles", "").split(";"))):
        try:
            roles.add(Role(name))
        except ValueError:
            problems.append((N_("Unknown role “%(role)s”."), {"role": name}))
    unit_code = values.get("unit_code", "")
    unit_id = units.get(unit_code)
    if unit_id is None:
        problems.append((N_("Unknown unit code “%(code)s”."), {"code": unit_code}))
    data = UserData(
        username=values.get("username", "").lower(),
        full_name=values.get("full_name", ""),
        title=values.get("title", ""),
        unit_id=unit_id,
        email=values.get("email") or None,
        phone=values.get("phone") or None,
        roles=frozenset(roles or {Role.OFFICIAL}),
    )
    problems.extend((p, {}) for p in validate_user_data(data) if p != CHOOSE_UNIT)
    return data, problems
