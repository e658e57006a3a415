"""Written consultation between meetings (xin ý kiến thành viên): a named poll sent to members
with a deadline and the exact document versions to read, answered (optionally signed), reminded
before the deadline and summarised once it passed.

The poll is `meetings.room.polls`' with its one ballot per member. A signed answer is a detached
CMS signature, with the member's own key, over `statement`: a canonical text naming the
consultation, the question, the exact versions sent, the member and the answer, so that anyone
can check it later with ``openssl cms -verify`` and the text alone. The reminders and the summary
are periodic jobs of the queue (as `meetings.reminders`): nothing waits for the deadline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from accounts import notifications
from accounts.models import Role, User
from accounts.notification_subjects import clear
from audit import record_event
from core.clock import local_time
from core.db import dialect_insert, utcnow
from core.errors import N_
from documents import access as documents_access
from documents.models import Document, DocumentVersion
from meetings.errors import BadPoll, NotAllowed, PollNotFound, PollNotOpen
from meetings.room import polls
from meetings.room.attendance import Voter
from meetings.room.models import (
    AnswerSignature,
    Consultation,
    ConsultationDocument,
    ConsultationReminder,
    PollBallot,
    PollOption,
    PollStatus,
    PollVoter,
)
from signing import credentials
from signing.keys import Signer
from signing.settings import SigningSettings

#: How often the reminder and summary jobs run.
EVERY_MINUTES = 5
#: Reminders before the deadline, in minutes (a day, then two hours).
REMINDER_LEADS = (120, 24 * 60)
#: A member is asked to answer (``subject_kind`` and action of the notification), until they
#: do or the consultation is summarised.
KIND, ANSWER = "consultation", "answer"


@dataclass(frozen=True)
class Request:
    """What a clerk sends: the question, to whom, by when, with which exact versions."""

    title: str
    body: str
    question: polls.Question
    deadline: datetime
    member_ids: Sequence[int]
    version_ids: Sequence[int] = ()


def _link(consultation: Consultation) -> str:
    return f"/meetings/consultations/{consultation.id}"


def send(
    session: Session,
    actor: User,
    request: Request,
    *,
    now: datetime,
    email: bool,
    site_url: str | None = None,
) -> Consultation:
    """Send the consultation: its poll opens at once, each member is told in VanThu and by mail."""
    if not actor.has_role(Role.CLERK):
        raise NotAllowed(N_("Only clerks send written consultations."))
    title = request.title.strip()
    if not title or len(title) > 500:
        raise BadPoll(N_("Please write a title (at most 500 characters)."))
    if request.deadline <= now:
        raise BadPoll(N_("The deadline must be in the future."))
    members = session.scalars(
        sa.select(User)
        .where(User.id.in_(set(request.member_ids)), User.active.is_(True))
        .order_by(User.id)
    ).all()
    if len(members) != len(set(request.member_ids)):
        raise BadPoll(N_("Some of the people chosen cannot be consulted."))
    versions = _versions_the_actor_may_send(session, actor, request.version_ids)
    question = polls.Question(
        request.question.question,
        request.question.kind,
        request.question.options,
        secret=False,
        rule=request.question.rule,
    )
    poll = polls.open_poll(
        session, question, [Voter(member.id) for member in members], opened_by=actor, now=now
    )
    consultation = Consultation(
        poll_id=poll.id,
        title=title,
        body=request.body.strip(),
        deadline=request.deadline,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(consultation)
    session.flush()
    session.add_all(
        ConsultationDocument(
            consultation_id=consultation.id, document_id=v.document_id, version_id=v.id
        )
        for v in versions
    )
    notifications.notify(
        session,
        members,
        "consultation_sent",
        N_("Your opinion is asked: %(title)s"),
        N_("Please answer by %(deadline)s."),
        _link(consultation),
        email=email,
        params={"title": title, "deadline": _local(request.deadline)},
        actor=actor,
        site_url=site_url,
        subject=(KIND, consultation.id),
        action=ANSWER,
    )
    record_event(
        session,
        "meetings:consultation:send",
        actor=actor,
        subject={"consultation": consultation.id, "poll": poll.id},
        details={
            "members": [m.id for m in members],
            "versions": sorted(v.id for v in versions),
            "deadline": request.deadline.isoformat(),
        },
    )
    return consultation


def _local(moment: datetime) -> str:
    return local_time(moment)


def _versions_the_actor_may_send(
    session: Session, actor: User, version_ids: Sequence[int]
) -> list[DocumentVersion]:
    wanted = set(version_ids)
    if not wanted:
        return []
    found = session.scalars(
        sa.select(DocumentVersion)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(DocumentVersion.id.in_(wanted), documents_access.may_open(actor))
        .order_by(DocumentVersion.id)
    ).all()
    if len(found) != len(wanted):
        raise BadPoll(N_("A document chosen does not exist, or you may not open it."))
    return list(found)


def get(session: Session, user: User, consultation_id: int) -> Consultation:
    """The consultation if ``user`` sent it or is consulted; not found for anyone else."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is not None and (
        consultation.created_by_id == user.id or _consulted(session, consultation, user)
    ):
        return consultation
    raise PollNotFound(
        N_("This consultation does not exist, or you may not see it."),
        consultation=consultation_id,
    )


def _consulted(session: Session, consultation: Consultation, user: User) -> bool:
    return (
        session.scalar(
            sa.select(PollVoter.id).where(
                PollVoter.poll_id == consultation.poll_id, PollVoter.user_id == user.id
            )
        )
        is not None
    )


def documents_of(session: Session, consultation: Consultation) -> list[DocumentVersion]:
    return list(
        session.scalars(
            sa.select(DocumentVersion)
            .join(ConsultationDocument, ConsultationDocument.version_id == DocumentVersion.id)
            .where(ConsultationDocument.consultation_id == consultation.id)
            .order_by(DocumentVersion.id)
        )
    )


def document_grant(reader_id: Any, version: Any) -> sa.ColumnElement[bool]:
    """For `documents.access.register_grant`: the version was sent with a consultation to the
    reader (or by them)."""
    sent = aliased(ConsultationDocument)
    consultation = aliased(Consultation)
    voter = aliased(PollVoter)
    return (
        sa.select(sent.id)
        .join(consultation, consultation.id == sent.consultation_id)
        .outerjoin(
            voter, sa.and_(voter.poll_id == consultation.poll_id, voter.user_id == reader_id)
        )
        .where(
            sent.version_id == version.id,
            sa.or_(consultation.created_by_id == reader_id, voter.id.is_not(None)),
        )
        .correlate_except(sent, consultation, voter)
        .exists()
    )


def statement(
    session: Session, consultation: Consultation, member: User, option: PollOption
) -> str:
    """The canonical text a member signs: JSON with sorted keys, no spaces, UTF-8."""
    versions = documents_of(session, consultation)
    value = {
        "kind": "vanthu.consultation.answer/1",
        "consultation": consultation.id,
        "title": consultation.title,
        "question": consultation.poll.question,
        "deadline": consultation.deadline.isoformat(),
        "documents": [{"version": v.id, "sha256": v.sha256} for v in versions],
        "member": {"id": member.id, "username": member.username},
        "answer": {"position": option.position, "label": option.label},
    }
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def signer_for(
    session: Session, settings: SigningSettings, user: User, pin: str, now: datetime | None = None
) -> Signer:
    """The member's own key, opened with their PIN (counted by the key's lockout); its
    certificate must be valid ``now`` (the moment of signing, the clock's when None)."""
    now = now or utcnow()
    certificate = credentials.official_certificate(session, user, now)
    return credentials.unlock(session, settings, certificate, pin, actor=user, now=now)


def answer(
    session: Session,
    user: User,
    consultation_id: int,
    option_id: int,
    *,
    now: datetime,
    signer: Signer | None = None,
    serial: str = "",
) -> PollBallot:
    """Record ``user``'s answer, signed with ``signer`` when given; refused after the deadline."""
    consultation = get(session, user, consultation_id)
    if now >= consultation.deadline or consultation.summarised_at is not None:
        raise PollNotOpen(
            N_("The deadline has passed; your answer was not recorded."),
            consultation=consultation.id,
        )
    poll = consultation.poll
    ballot = polls.cast(session, poll, user, option_id, now=now)
    signed = signer is not None
    if signer is not None:
        option = next(o for o in poll.options if o.id == option_id)
        text = statement(session, consultation, user, option)
        session.add(
            AnswerSignature(
                ballot_id=ballot.id,
                statement=text,
                cms_der=signer.sign_detached(text.encode()),
                certificate_serial=serial or format(signer.certificate.serial_number, "x"),
            )
        )
        session.flush()
    clear(session, KIND, consultation.id, [ANSWER], users=[user.id])
    record_event(
        session,
        "meetings:consultation:answer",
        actor=user,
        subject={"consultation": consultation.id, "poll": poll.id},
        details={"option": option_id, "signed": signed},
    )
    return ballot


@dataclass(frozen=True)
class Answered:
    member: User
    option: PollOption | None
    signed: bool


def answers(session: Session, consultation: Consultation) -> list[Answered]:
    """Each consulted member with their answer (None: not answered), by name."""
    option = aliased(PollOption)
    rows = session.execute(
        sa.select(User, option, AnswerSignature.ballot_id)
        .join(PollVoter, PollVoter.member_id == User.id)
        .outerjoin(PollBallot, PollBallot.voter_id == PollVoter.id)
        .outerjoin(option, option.id == PollBallot.option_id)
        .outerjoin(AnswerSignature, AnswerSignature.ballot_id == PollBallot.id)
        .where(PollVoter.poll_id == consultation.poll_id)
        .order_by(User.full_name, User.id)
    ).all()
    return [Answered(member, chosen, signed is not None) for member, chosen, signed in rows]


def remind_due(
    session: Session,
    now: datetime,
    *,
    email: bool,
    leads: Sequence[int] = REMINDER_LEADS,
    site_url: str | None = None,
) -> int:
    """Remind the members who have not answered of each consultation whose deadline is within a
    lead, once per member and lead (a unique row claims each reminder); returns people reminded."""
    leads = sorted(leads)
    due = session.scalars(
        sa.select(Consultation)
        .where(
            Consultation.summarised_at.is_(None),
            Consultation.deadline > now,
            Consultation.deadline <= now + timedelta(minutes=leads[-1]),
        )
        .order_by(Consultation.deadline, Consultation.id)
    ).all()
    reminded = 0
    for consultation in due:
        lead = next(m for m in leads if consultation.deadline - now <= timedelta(minutes=m))
        waiting = [a.member for a in answers(session, consultation) if a.option is None]
        people = _claim(session, consultation, waiting, lead, now)
        if not people:
            continue
        notifications.notify(
            session,
            people,
            "consultation_reminder",
            N_("Reminder: your opinion is asked: %(title)s"),
            N_("Please answer by %(deadline)s."),
            _link(consultation),
            email=email,
            params={"title": consultation.title, "deadline": _local(consultation.deadline)},
            site_url=site_url,
            subject=(KIND, consultation.id),
            action=ANSWER,
        )
        record_event(
            session,
            "meetings:consultation:remind",
            actor=None,
            subject={"consultation": consultation.id},
            details={"lead_minutes": lead, "people": sorted(p.id for p in people)},
        )
        reminded += len(people)
    return reminded


def _claim(
    session: Session, consultation: Consultation, people: list[User], lead: int, now: datetime
) -> list[User]:
    already = set(
        session.scalars(
            sa.select(ConsultationReminder.user_id).where(
                ConsultationReminder.consultation_id == consultation.id,
                ConsultationReminder.lead_minutes <= lead,
            )
        )
    )
    due = [p for p in people if p.id not in already]
    if not due:
        return []
    claimed = set(
        session.scalars(
            dialect_insert(session, ConsultationReminder)
            .on_conflict_do_nothing(index_elements=["consultation_id", "user_id", "lead_minutes"])
            .returning(ConsultationReminder.user_id),
            [
                {
                    "consultation_id": consultation.id,
                    "user_id": p.id,
                    "lead_minutes": lead,
                    "sent_at": now,
                }
                for p in due
            ],
        )
    )
    return [p for p in due if p.id in claimed]


def summarise_due(session: Session, now: datetime, *, email: bool) -> int:
    """Close and summarise every consultation whose deadline passed; returns how many."""
    due = session.scalars(
        sa.select(Consultation)
        .where(Consultation.summarised_at.is_(None), Consultation.deadline <= now)
        .order_by(Consultation.deadline, Consultation.id)
        .with_for_update(skip_locked=True)
    ).all()
    for consultation in due:
        summarise(session, consultation, now, email=email)
    return len(due)


def summarise(session: Session, consultation: Consultation, now: datetime, *, email: bool) -> None:
    poll = consultation.poll
    found = (
        polls.close(session, poll, None, now)
        if poll.status is PollStatus.OPEN
        else polls.result(session, poll)
    )
    rows = answers(session, consultation)
    consultation.summary = {
        "entitled": found.entitled,
        "answered": found.cast,
        "counts": [{"label": c.label, "answers": c.ballots} for c in found.counts],
        "passed": found.passed,
        "members": [
            {
                "id": a.member.id,
                "name": a.member.full_name,
                "answer": a.option.label if a.option else None,
                "signed": a.signed,
            }
            for a in rows
        ],
    }
    consultation.summarised_at = now
    clear(session, KIND, consultation.id, [ANSWER])  # moot for who did not answer
    session.flush()
    creator = session.get(User, consultation.created_by_id)
    notifications.notify(
        session,
        [creator] if creator else [],
        "consultation_summary",
        N_("Consultation summarised: %(title)s"),
        N_("%(answered)s of %(entitled)s members answered."),
        _link(consultation),
        email=email,
        params={
            "title": consultation.title,
            "answered": str(found.cast),
            "entitled": str(found.entitled),
        },
    )
    record_event(
        session,
        "meetings:consultation:summarise",
        actor=None,
        subject={"consultation": consultation.id, "poll": poll.id},
        details={
            "entitled": found.entitled,
            "answered": found.cast,
            "counts": [c.ballots for c in found.counts],
            "passed": found.passed,
        },
    )


def consultations_of(session: Session, user: User) -> list[Consultation]:
    """The consultations ``user`` sent or is asked in, newest first."""
    asked = sa.select(PollVoter.poll_id).where(PollVoter.user_id == user.id)
    return list(
        session.scalars(
            sa.select(Consultation)
            .where(sa.or_(Consultation.created_by_id == user.id, Consultation.poll_id.in_(asked)))
            .order_by(Consultation.deadline.desc(), Consultation.id.desc())
        )
    )


def is_open(consultation: Consultation, now: datetime) -> bool:
    return consultation.summarised_at is None and now < consultation.deadline
