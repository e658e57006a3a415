"""What waits for whom in signing: an official's documents to sign, a unit's requests in progress
and those to seal. Lists for the pages, COUNTs for the menu on every page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from accounts.models import User
from documents.models import Document
from documents.steps import SigningState
from signing.flow import ACTIVE_STATES
from signing.models import RequestState, SigningRequest, SigningStep, StepState


def _to_sign(user: User) -> sa.Select[Any]:
    earlier = aliased(SigningStep)
    return (
        sa.select(SigningRequest)
        .join(SigningStep, SigningStep.request_id == SigningRequest.id)
        .where(
            SigningRequest.state == RequestState.PENDING,
            SigningStep.user_id == user.id,
            SigningStep.state == StepState.WAITING,
            ~sa.exists().where(
                earlier.request_id == SigningStep.request_id,
                earlier.position < SigningStep.position,
                earlier.state == StepState.WAITING,
            ),
        )
    )


def to_sign(session: Session, user: User) -> list[SigningRequest]:
    """Requests where it is ``user``'s turn: their step waits and no earlier step does."""
    statement = (
        _to_sign(user)
        .options(joinedload(SigningRequest.document), joinedload(SigningRequest.version))
        .order_by(SigningRequest.created_at, SigningRequest.id)
    )
    return list(session.scalars(statement).unique())


def count_to_sign(session: Session, user: User) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(_to_sign(user).subquery())) or 0


def _of_unit(user: User) -> sa.Select[Any]:
    return (
        sa.select(SigningRequest)
        .join(Document, Document.id == SigningRequest.document_id)
        .where(Document.unit_id == user.unit_id)
    )


def of_unit(session: Session, user: User) -> list[SigningRequest]:
    """The unit's requests still in progress, for its clerks: the ones to seal first."""
    return list(
        session.scalars(
            _of_unit(user)
            .options(joinedload(SigningRequest.document), selectinload(SigningRequest.steps))
            .where(SigningRequest.state.in_(ACTIVE_STATES))
            .order_by(SigningRequest.state != RequestState.AWAITING_SEAL, SigningRequest.id)
        ).unique()
    )


def to_seal(session: Session, user: User) -> list[SigningRequest]:
    """The unit's documents every official signed: the clerk's seal issues them."""
    return list(
        session.scalars(
            _of_unit(user)
            .options(joinedload(SigningRequest.document))
            .where(SigningRequest.state == RequestState.AWAITING_SEAL)
            .order_by(SigningRequest.id)
        ).unique()
    )


def count_to_seal(session: Session, user: User) -> int:
    statement = _of_unit(user).where(SigningRequest.state == RequestState.AWAITING_SEAL)
    return session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0


def signing_state(session: Session, document: Document) -> SigningState:
    """The document's request as its steps see it (`documents.steps`, registered by the app):
    whose turn it is to sign, or waiting for the seal. A request over an older version than the
    current one is stale: signatures never carry over, so the document is a draft again."""
    request = session.scalar(
        sa.select(SigningRequest)
        .options(selectinload(SigningRequest.steps))
        .where(SigningRequest.document_id == document.id, SigningRequest.state.in_(ACTIVE_STATES))
        .order_by(SigningRequest.id.desc())
        .limit(1)
    )
    if request is None or request.version_id != document.current_version_id:
        return SigningState()
    if request.state is RequestState.AWAITING_SEAL:
        return SigningState(request_id=request.id, awaiting_seal=True)
    step = request.current_step()
    return SigningState(request_id=request.id, turn_of=step.user_id if step is not None else None)
