"""Small factories that build valid units and users with sensible defaults."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from sqlalchemy.orm import Session

from accounts.models import Role, Unit, UnitKind, User, UserRole
from accounts.passwords import hash_password


class Factory:
    def __init__(self, session: Session, password: str) -> None:
        self.session = session
        self.password_hash = hash_password(password, "fast")
        self._n = itertools.count(1)

    def unit(
        self, name: str | None = None, parent: Unit | None = None, abbreviation: str = "UBND"
    ) -> Unit:
        n = next(self._n)
        kind = {None: UnitKind.PROVINCE, UnitKind.PROVINCE: UnitKind.DEPARTMENT}.get(
            parent.kind if parent else None, UnitKind.DIVISION
        )
        unit = Unit(
            code=f"U{n}",
            name=name or f"Đơn vị {n}",
            abbreviation=abbreviation,
            kind=kind,
            parent=parent,
        )
        self.session.add(unit)
        self.session.commit()
        return unit

    def user(
        self,
        username: str | None = None,
        roles: Iterable[Role] = (Role.OFFICIAL,),
        unit: Unit | None = None,
        full_name: str | None = None,
        **fields: object,
    ) -> User:
        n = next(self._n)
        user = User(
            username=username or f"user{n}",
            # Distinct by default: a test that finds a person by name must find that person.
            full_name=full_name or f"Nguyễn Văn An {n}",
            title=str(fields.pop("title", "Chuyên viên")),
            unit=unit or self.unit(),
            password_hash=self.password_hash,
            role_rows=[UserRole(role=r) for r in roles],
            **fields,
        )
        self.session.add(user)
        self.session.commit()
        return user


def documents_settings() -> object:
    from documents.drafting import Settings

    return Settings(place="Cần Thơ", max_upload_bytes=5 * 1024 * 1024)
