"""The rules each kind of meeting follows in the room, written down once as data: how many
members make a quorum, and whether someone sent in a member's place counts and votes."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from meetings.models import MeetingKind


@dataclass(frozen=True)
class KindRules:
    #: The share of the members who must attend for the meeting to proceed.
    quorum: Fraction
    #: True: at least that share ("ít nhất hai phần ba"); False: more than it ("quá nửa").
    quorum_inclusive: bool
    #: Whether a representative attending in an absent member's place counts for the quorum
    #: and votes in their place.
    representatives_vote: bool
    #: Where the rule comes from, as a clerk would cite it.
    source: str

    def needed(self, members: int) -> int:
        """The fewest members attending that make the quorum."""
        share = self.quorum * members
        if self.quorum_inclusive:
            return int(-(-share.numerator // share.denominator))  # ceiling
        return int(share.numerator // share.denominator) + 1


#: A People's Committee meets with at least two thirds of its members (Law on the Organisation
#: of Local Government 2015, art. 114(3)); its members attend in person, so a representative
#: neither counts nor votes. The other kinds follow the office's own working rules: more than
#: half, and a representative votes in the member's place. Change those entries to fit them.
RULES: dict[MeetingKind, KindRules] = {
    MeetingKind.PEOPLES_COMMITTEE: KindRules(
        quorum=Fraction(2, 3),
        quorum_inclusive=True,
        representatives_vote=False,
        source="Luật Tổ chức chính quyền địa phương 2015, Điều 114 khoản 3",
    ),
    MeetingKind.DEPARTMENT: KindRules(
        quorum=Fraction(1, 2),
        quorum_inclusive=False,
        representatives_vote=True,
        source="Quy chế làm việc của cơ quan",
    ),
    MeetingKind.THEMATIC: KindRules(
        quorum=Fraction(1, 2),
        quorum_inclusive=False,
        representatives_vote=True,
        source="Quy chế làm việc của cơ quan",
    ),
    MeetingKind.OTHER: KindRules(
        quorum=Fraction(1, 2),
        quorum_inclusive=False,
        representatives_vote=True,
        source="Quy chế làm việc của cơ quan",
    ),
}


def rules_for(kind: MeetingKind) -> KindRules:
    return RULES[kind]
