"""What the Biên bản and the Thông báo kết luận say: laid out from the meeting's record parts and
its conclusions, as Decree 30 blocks for `documents.layout`."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import Unit, User
from core.clock import VIETNAM
from documents.layout import Block, Heading, Table
from meetings import agenda, conclusions, invitation_letter, invitations
from meetings.models import Meeting, Participant
from meetings.room.models import Conclusion, MinutesKind
from meetings.room.record import RecordPart, record_parts


def compose(session: Session, meeting: Meeting, kind: MinutesKind) -> list[Block]:
    """The content of the Biên bản (the whole record) or of the Thông báo kết luận."""
    start = meeting.starts_at.astimezone(VIETNAM)
    parts = record_parts(session, meeting)
    found = conclusions.of_meeting(session, meeting)
    owners = _owner_names(session, found.values())
    chair = meeting.chair
    blocks: list[Block] = []
    if kind is MinutesKind.CONCLUSIONS:
        blocks.append(
            f"Ngày {start:%d/%m/%Y}, {chair.title or ''} {chair.full_name} chủ trì "
            f"{meeting.title}. Sau khi nghe báo cáo và ý kiến của các thành viên dự họp, "
            "chủ trì cuộc họp kết luận như sau:"
        )
    else:
        blocks += [
            f"Thời gian: {invitation_letter.when(meeting)}.",
            f"Địa điểm: {invitation_letter.where(meeting)}.",
            f"Chủ trì: {chair.full_name}{', ' + chair.title if chair.title else ''}.",
            f"Thư ký: {meeting.secretary.full_name}.",
            Heading("I. THÀNH PHẦN DỰ HỌP"),
        ]
        wide = [part for part in parts if part.item_id is None]
        blocks += [b for part in wide for b in _part_blocks(part)] or _invited(session, meeting)
        blocks.append(Heading("II. NỘI DUNG CUỘC HỌP"))
    for placed in agenda.layout(meeting, agenda.items_of(session, meeting)):
        if not placed.number:  # hidden items stay out of what goes to the participants
            continue
        item = placed.item
        conclusion = found.get(item.id)
        if kind is MinutesKind.CONCLUSIONS and conclusion is None:
            continue
        blocks.append(Heading(f"{placed.number}. {item.title}"))
        if kind is MinutesKind.MINUTES:
            blocks += [b for part in parts if part.item_id == item.id for b in _part_blocks(part)]
        if conclusion is not None:
            blocks.append(f"Kết luận: {conclusion.text}")
            task = _task_line(conclusion, owners)
            if task:
                blocks.append(task)
    if kind is MinutesKind.MINUTES:
        end = meeting.ends_at.astimezone(VIETNAM)
        blocks.append(f"Cuộc họp kết thúc lúc {end:%H:%M} ngày {end:%d/%m/%Y}./.")
    else:
        blocks.append("Thông báo để các cơ quan, đơn vị, cá nhân liên quan biết, thực hiện./.")
    return blocks


def _part_blocks(part: RecordPart) -> list[Block]:
    blocks: list[Block] = [Heading(part.heading), *part.paragraphs]
    if part.table:
        blocks.append(Table(part.table))
    return blocks


def _invited(session: Session, meeting: Meeting) -> list[Block]:
    """Without an attendance record: the people invited, as a table."""
    names = [person.full_name for person in invitations.people(session, meeting)]
    guests = session.scalars(
        sa.select(Participant.name)
        .where(
            Participant.meeting_id == meeting.id,
            Participant.user_id.is_(None),
            Participant.removed_at.is_(None),
        )
        .order_by(Participant.name, Participant.id)
    )
    rows = [[str(n), name] for n, name in enumerate([*names, *guests], start=1)]
    return [Table([["STT", "Thành phần được mời"], *rows])] if rows else []


def _owner_names(session: Session, rows: Iterable[Conclusion]) -> dict[tuple[str, int], str]:
    rows = list(rows)
    users = {r.owner_user_id for r in rows if r.owner_user_id is not None}
    units = {r.owner_unit_id for r in rows if r.owner_unit_id is not None}
    names: dict[tuple[str, int], str] = {}
    if users:
        for uid, name in session.execute(
            sa.select(User.id, User.full_name).where(User.id.in_(users))
        ):
            names["user", uid] = name
    if units:
        for uid, name in session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(units))):
            names["unit", uid] = name
    return names


def _task_line(conclusion: Conclusion, owners: dict[tuple[str, int], str]) -> str:
    owner = (
        owners.get(("user", conclusion.owner_user_id))
        if conclusion.owner_user_id is not None
        else owners.get(("unit", conclusion.owner_unit_id or 0))
    )
    if owner is None:
        return ""
    due = f"; thời hạn: {conclusion.due_on:%d/%m/%Y}" if conclusion.due_on else ""
    return f"Giao: {owner}{due}."


# --- after the seal ------------------------------------------------------------------------------
