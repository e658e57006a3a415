"""What the recipient picker shows and reads back: the unit tree with each unit's people,
shortcuts to groups of units, and the checking of posted ids against what was offered.

One picker serves sending a document, its confidential readers, assignment and meeting
participants, so every one of them offers and accepts exactly the same tree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.errors import BadPick
from accounts.models import Unit, UnitKind, User
from core.errors import N_


def fold(text: str) -> str:
    """Lower case without accents ("Sở Tài chính" -> "so tai chinh"): how people type a search.

    The script folds the query the same way (NFD, marks dropped, đ -> d), so both sides match.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


@dataclass
class Person:
    id: int
    name: str
    title: str
    unit_id: int
    search: str


@dataclass
class PickerUnit:
    id: int
    name: str
    kind: UnitKind
    depth: int
    search: str
    people: list[Person] = field(default_factory=list)
    children: list[PickerUnit] = field(default_factory=list)

    def walk(self) -> Iterator[PickerUnit]:
        """This unit, then its descendants, parents before children."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def descendant_ids(self) -> list[int]:
        return [u.id for u in self.walk()][1:]


@dataclass(frozen=True)
class Group:
    """A shortcut ticking several units at once ("Tất cả Sở")."""

    key: str
    label: str
    unit_ids: tuple[int, ...]


@dataclass(frozen=True)
class Picked:
    unit_ids: list[int]
    user_ids: list[int]


# Groups by what a unit is, read from its kind and the word that names that kind of body in
# Vietnamese: communes and wards sit at the department level under the province (no district).
_COMMUNE = re.compile(r"^(ubnd|uy ban nhan dan) (phuong|xa|dac khu)\b")
_GROUPS: tuple[tuple[str, str, Callable[[PickerUnit], bool]], ...] = (
    (
        "departments",
        N_("All departments (Sở)"),
        lambda u: u.kind is UnitKind.DEPARTMENT and u.search.startswith("so "),
    ),
    (
        "communes",
        N_("All wards and communes"),
        lambda u: u.kind is UnitKind.DEPARTMENT and _COMMUNE.match(u.search) is not None,
    ),
    ("divisions", N_("All divisions (Phòng)"), lambda u: u.kind is UnitKind.DIVISION),
)


@dataclass
class Tree:
    roots: list[PickerUnit]
    #: Whether units themselves may be chosen (not for a confidential document's readers).
    units_allowed: bool = True

    @property
    def units(self) -> list[PickerUnit]:
        """Every unit in the order the page shows them."""
        return [u for root in self.roots for u in root.walk()]

    @property
    def people(self) -> list[Person]:
        return [p for u in self.units for p in u.people]

    @property
    def groups(self) -> list[Group]:
        if not self.units_allowed:
            return []
        units = self.units
        found = [
            Group(key, label, tuple(u.id for u in units if belongs(u)))
            for key, label, belongs in _GROUPS
        ]
        return [g for g in found if g.unit_ids]

    def unit_choices(self) -> list[tuple[str, str]]:
        """(id, label) for a single-choice list, indented by depth, in tree order."""
        return [(str(u.id), "\u2003" * u.depth + u.name) for u in self.units]

    def person_choices(self) -> list[tuple[str, str]]:
        """(id, label) for a single-choice list, grouped by unit in tree order."""
        names = {u.id: u.name for u in self.units}
        return [(str(p.id), f"{p.name} — {p.title}, {names[p.unit_id]}") for p in self.people]

    def parse(self, unit_values: Iterable[str] = (), user_values: Iterable[str] = ()) -> Picked:
        """The ids posted, each one checked against what the picker offered; BadPick if not."""
        units = _ids(unit_values, {u.id for u in self.units} if self.units_allowed else set())
        users = _ids(user_values, {p.id for p in self.people})
        if units is None:
            raise BadPick(N_("A chosen unit does not exist or cannot be chosen here."), kind="unit")
        if users is None:
            raise BadPick(
                N_("A chosen person does not exist or cannot be chosen here."), kind="person"
            )
        return Picked(units, users)


def _ids(values: Iterable[str], allowed: set[int]) -> list[int] | None:
    chosen: list[int] = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        if not value.isdigit() or int(value) not in allowed:
            return None
        if int(value) not in chosen:
            chosen.append(int(value))
    return chosen


def build(session: Session, *, units_allowed: bool = True) -> Tree:
    """The whole organisation as a tree: two queries, whatever its size.

    Siblings are ordered by name (accents folded, as people read them), then by code, which is
    unique: the order never depends on ids. People under their unit by name, then username.
    """
    rows = list(
        session.execute(sa.select(Unit.id, Unit.parent_id, Unit.name, Unit.kind, Unit.code))
    )
    users = session.execute(
        sa.select(User.id, User.full_name, User.title, User.unit_id, User.username).where(
            User.active
        )
    ).all()
    nodes = {
        r.id: PickerUnit(id=r.id, name=r.name, kind=r.kind, depth=0, search=fold(r.name))
        for r in rows
    }
    codes = {r.id: r.code for r in rows}
    roots: list[PickerUnit] = []
    for r in rows:
        parent = nodes.get(r.parent_id) if r.parent_id is not None else None
        (parent.children if parent else roots).append(nodes[r.id])
    for u in sorted(users, key=lambda u: (fold(u.full_name), u.username)):
        nodes[u.unit_id].people.append(
            Person(u.id, u.full_name, u.title, u.unit_id, fold(f"{u.full_name} {u.title}"))
        )

    def order(units: list[PickerUnit], depth: int) -> None:
        units.sort(key=lambda u: (u.search, codes[u.id]))
        for unit in units:
            unit.depth = depth
            order(unit.children, depth + 1)

    order(roots, 0)
    return Tree(roots, units_allowed=units_allowed)
