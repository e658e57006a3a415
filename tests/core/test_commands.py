"""`vanthu db ...` and `vanthu demo` (core.commands): migrations and demo data."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from accounts.models import Role, Unit, User
from core import migrate
from core.db import get_engine


def test_db_upgrade_is_idempotent_and_reports_the_revision(app, runner):
    engine = get_engine(app)
    head = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_current_head()
    result = runner.invoke(args=["db", "upgrade"])  # the suite's database is migrated already
    assert result.exit_code == 0, result.output
    assert result.output == f"database at revision {head}\n"
    assert runner.invoke(args=["db", "current"]).output == f"{head}\n"


def test_demo_loads_a_province_once_and_prints_working_logins(runner, db, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    logins = [
        line.split()[2:] for line in first.output.splitlines() if line.startswith("demo login:")
    ]
    assert {role for role, _, _ in logins} == {"admin", "clerk", "official", "auditor"}
    officials = db.scalar(sa.select(sa.func.count()).select_from(User))
    assert officials >= 60
    units = db.scalars(sa.select(Unit)).all()
    assert {u.kind.value for u in units} == {"province", "department", "division"}
    assert any("ễ" in u.full_name or "ư" in u.full_name for u in db.scalars(sa.select(User)))

    second = runner.invoke(args=["demo"])
    assert second.output == first.output
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == officials

    for role, username, password in logins:
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, role
        user = db.scalar(sa.select(User).where(User.username == username))
        assert Role(role) in user.roles
        client.post("/logout")
