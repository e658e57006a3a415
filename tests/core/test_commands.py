"""`vanthu db ...` and `vanthu demo` (core.commands): migrations and demo data."""

from __future__ import annotations

import pytest
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


def test_the_demo_sends_only_signed_and_sealed_documents_of_a_current_province(runner, db):
    """Issue 12 §2.2 and §2.11: the demo's công văn was sent unsigned, from Hậu Giang."""
    from documents.models import Circulation, Direction, Document, Status
    from signing.models import CertRole, Signature, SigningRequest

    assert runner.invoke(args=["demo"]).exit_code == 0
    province = db.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)))
    assert province.name == "UBND thành phố Cần Thơ"
    names = " ".join(db.scalars(sa.select(Unit.name)))
    assert "Hậu Giang" not in names and "huyện" not in names.lower()
    assert "Sở Kế hoạch và Đầu tư" not in names
    sent = db.scalars(
        sa.select(Document).where(Document.id.in_(sa.select(Circulation.document_id)))
    ).all()
    assert sent, "the demo sends its công văn"
    issued = db.scalars(
        sa.select(Document).where(
            Document.direction == Direction.OUTGOING, Document.status == Status.ISSUED
        )
    ).all()
    assert {d.id for d in sent} <= {d.id for d in issued}
    for document in issued:
        assert document.is_sealed, document.subject
        roles = db.scalars(
            sa.select(Signature.role)
            .join(SigningRequest, SigningRequest.id == Signature.request_id)
            .where(SigningRequest.version_id == document.sealed_version_id)
        ).all()
        assert set(roles) == {CertRole.OFFICIAL, CertRole.SEAL}


def test_the_demo_organisation_comes_from_a_file(app, runner, db, tmp_path):
    import json

    from accounts.demo import DEFAULT_ORGANISATION, organisation

    data = json.loads(DEFAULT_ORGANISATION.read_text(encoding="utf-8"))
    data.update(code="HN", name="UBND thành phố Hà Nội", place="Hà Nội")
    path = tmp_path / "org.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    app.config["DEMO_ORGANISATION"] = str(path)
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert db.scalar(sa.select(Unit.name).where(Unit.code == "HN")) == "UBND thành phố Hà Nội"
    app.config["DEMO_ORGANISATION"] = str(tmp_path / "missing.json")
    with pytest.raises(ValueError, match=r"VANTHU_DEMO_ORGANISATION.*missing\.json"):
        organisation(app)


def test_the_demo_shows_the_city_and_a_ward_exchanging_documents(app, runner, db):
    """Issue 12 §2.11: communes and wards answer to the city directly, with their own clerks,
    leaders, headers and place; the city's công văn reaches a ward, whose report comes back."""
    from core.storage import blob_store
    from documents.extract import text_from_docx
    from documents.models import Document, DocumentReply, DocumentVersion, UnitReceipt
    from meetings import invitations
    from meetings.models import Meeting

    output = runner.invoke(args=["demo"]).output
    assert "demo login: clerk vanthu.ninhkieu " in output
    assert "demo login: official chutich.ninhkieu " in output
    city = db.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)))
    wards = db.scalars(
        sa.select(Unit).where(Unit.parent_id == city.id, Unit.abbreviation == "UBND")
    ).all()
    assert {w.name for w in wards} >= {"UBND phường Ninh Kiều", "UBND xã Phong Điền"}
    ward = next(w for w in wards if w.code == "NINHKIEU")
    people = db.scalars(sa.select(User).where(User.unit_id == ward.id)).all()
    assert {"Chủ tịch", "Phó Chủ tịch", "Văn thư"} <= {p.title for p in people}
    assert any(Role.LEADER in p.roles for p in people if p.title == "Chủ tịch")

    report = db.scalar(sa.select(Document).where(Document.unit_id == ward.id))
    assert report.is_sealed and report.number_symbol.endswith("/BC-UBND")
    assert report.place == "Ninh Kiều"
    version = db.get(DocumentVersion, report.sealed_version_id)
    lines = text_from_docx(blob_store(app).get(version.sha256), 100_000).splitlines()
    assert "ỦY BAN NHÂN DÂN PHƯỜNG NINH KIỀU" in lines
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ" not in lines  # no body above a People's Committee
    assert any(line.startswith("Ninh Kiều, ngày") for line in lines)

    (answered,) = db.scalars(
        sa.select(DocumentReply.answered_id).where(DocumentReply.reply_id == report.id)
    ).all()
    acknowledged = db.scalar(
        sa.select(UnitReceipt.acknowledged_at).where(
            UnitReceipt.document_id == answered, UnitReceipt.unit_id == ward.id
        )
    )
    assert acknowledged is not None
    assert db.scalar(
        sa.select(UnitReceipt.id).where(
            UnitReceipt.document_id == report.id, UnitReceipt.unit_id == city.id
        )
    )
    (meeting,) = db.scalars(sa.select(Meeting)).all()
    invited = {person.unit_id for person in invitations.people(db, meeting)}
    assert ward.id in invited


def test_the_demo_exports_the_metadata_of_its_sealed_documents(runner, db, client):
    """`make run`'s export answered 409: the demo organisation had no OrganId."""
    from documents.models import Document, DocumentVersion, Status

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    _, username, password = next(
        line.split()[2:] for line in result.output.splitlines() if " clerk " in line
    )
    province = db.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)))
    assert province.organ_id == "000.00.00.H13"
    issued = db.execute(
        sa.select(Document, DocumentVersion.kind)
        .join(DocumentVersion, DocumentVersion.id == Document.current_version_id)
        .where(Document.status == Status.ISSUED)
        .order_by(Document.id)
    ).all()
    assert "pdf" in {kind for _, kind in issued}, "the demo holds a signed PDF"
    client.post("/login", data={"username": username, "password": password})
    for document, kind in issued:
        assert document.identifier == (
            f"000.00.00.H13.{document.issued_on.year}.{document.number_symbol}"
        )
        response = client.get(f"/documents/{document.id}/metadata/xml")
        assert response.status_code == 200, document.subject
        assert f"<Identifier>{document.identifier}</Identifier>".encode() in response.data
        assert (b"<PageAmount>1</PageAmount>" in response.data) is (kind == "pdf")


def test_the_demo_prints_the_signing_pins_beside_the_logins(runner, app):
    """Issue 14 §9: the PINs were only in instance/demo_signing.txt; nobody could try signing."""
    from pathlib import Path

    from signing.demo import SECRETS_FILE

    first = runner.invoke(args=["demo"]).output
    secrets = dict(
        line.split(" ", 1)
        for line in (Path(app.instance_path) / SECRETS_FILE).read_text().splitlines()
        if line
    )
    assert f"demo signing PIN: official chutich {secrets['chutich_pin']}\n" in first
    assert f"demo seal PIN: clerk vanthu {secrets['seal_pin']}\n" in first
    assert "demo signing PIN: official chutich.ninhkieu " in first
    again = runner.invoke(args=["demo"]).output  # printed again on every run, nothing made twice
    assert f"demo seal PIN: clerk vanthu {secrets['seal_pin']}\n" in again


def test_the_demo_holds_a_meeting_ready_to_run_in_the_room(runner, db, client, auth):
    """Issue 13, done when: `make run`'s chair starts the demo meeting in the room and moves to
    an item; a ward's chairman, invited with his unit, checks in and counts for the quorum."""
    from meetings import agenda
    from meetings.models import AgendaItem, ItemDocument, Meeting, MeetingStatus, Participant
    from meetings.room import attendance

    output = runner.invoke(args=["demo"]).output
    passwords = {
        words[3]: words[4]
        for words in map(str.split, output.splitlines())
        if words[:2] == ["demo", "login:"]
    }
    (meeting,) = db.scalars(sa.select(Meeting)).all()
    assert meeting.status is MeetingStatus.PUBLISHED
    with_documents = sa.select(sa.func.count()).select_from(ItemDocument).join(AgendaItem)
    assert db.scalar(with_documents.where(AgendaItem.meeting_id == meeting.id))
    room = f"/meetings/{meeting.id}/room"

    auth.login("chutich", passwords["chutich"])
    assert 'data-testid="start-meeting"' in client.get(room).get_data(as_text=True)
    assert client.post(f"{room}/start").status_code == 302
    first = agenda.layout(meeting, agenda.items_of(db, meeting))[0].item
    assert client.post(f"{room}/current", data={"item_id": str(first.id)}).status_code == 302
    db.expire_all()
    assert db.get(Meeting, meeting.id).status is MeetingStatus.IN_PROGRESS

    auth.logout()
    auth.login("chutich.ninhkieu", passwords["chutich.ninhkieu"])
    ward_chairman = db.scalar(sa.select(User).where(User.username == "chutich.ninhkieu"))
    mine = db.scalar(
        sa.select(Participant.id).where(
            Participant.meeting_id == meeting.id, Participant.user_id == ward_chairman.id
        )
    )
    panel = client.get(f"{room}/attendance").get_data(as_text=True)
    assert 'data-testid="check-in"' in panel
    response = client.post(f"{room}/attendance/check-in", data={"participant_id": str(mine)})
    assert response.status_code == 302
    quorum = attendance.quorum(db, db.get(Meeting, meeting.id))
    assert quorum.present == 1 and quorum.members > 1
