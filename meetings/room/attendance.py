"""Who is in the room, and who may vote on an item.

The attendance work replaces the body of `entitled_voters` (present or online members, their
allowed representatives, minus those who declared a conflict on the item); until then every
current member is entitled, which the votes are built against.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from meetings.models import Meeting, Participant, ParticipantRole


@dataclass(frozen=True)
class Voter:
    """A person entitled to vote on an item, perhaps in place of the member they represent."""

    user_id: int
    #: The member whose vote this is when ``user_id`` represents them; None for their own.
    on_behalf_of: int | None = None


def entitled_voters(session: Session, meeting: Meeting, item_id: int | None) -> list[Voter]:
    """The voters of a vote opened now on ``item_id`` (None: a vote on the meeting as a whole)."""
    user_ids = session.scalars(
        sa.select(Participant.user_id)
        .where(
            Participant.meeting_id == meeting.id,
            Participant.role == ParticipantRole.MEMBER,
            Participant.removed_at.is_(None),
            Participant.user_id.is_not(None),
        )
        .order_by(Participant.user_id)
    ).all()
    return [Voter(user_id=user_id) for user_id in user_ids if user_id is not None]
