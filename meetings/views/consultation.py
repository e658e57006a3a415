"""Written consultation pages: the list, a clerk sending one, a member reading and answering
(optionally signed with their key), the summary; and the queue's reminder and summary jobs."""

from __future__ import annotations

from flask import Flask, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.orm import Session

from accounts import auth
from accounts.models import Role
from core import jobs, mail
from core.db import get_session, utcnow
from core.errors import N_
from documents.circulation import recipients_choice
from documents.views.blueprint import user_choices
from meetings.errors import BadPoll
from meetings.forms import AnswerForm, ConsultationForm
from meetings.room import consultation as service
from meetings.room import votes
from meetings.views.blueprint import bp, ids, optional_id, signed_in, utc, valid
from signing.errors import PinBlocked, PinError, PinLocked
from signing.settings import from_config as signing_settings


@bp.get("/consultations")
@signed_in
def consultations() -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    return render_template(
        "meetings/consultations.html",
        consultations=service.consultations_of(db, user),
        may_send=user.has_role(Role.CLERK),
        now=utcnow(),
    )


def _form() -> ConsultationForm:
    form = ConsultationForm()
    _units, people = recipients_choice(get_session())
    form.member_ids.choices = user_choices(people)
    return form


@bp.route("/consultations/new", methods=["GET", "POST"])
@signed_in
@auth.roles_required(Role.CLERK)
def new_consultation() -> ResponseReturnValue:
    form = _form()
    if not form.is_submitted():
        return render_template("meetings/consultation_form.html", form=form)
    db, user = get_session(), auth.signed_in_user()
    valid(form)
    question = votes.question_from_form(
        form.question.data or "",
        form.kind.data or "",
        form.options.data or "",
        False,
        form.rule.data or "",
    )
    request = service.Request(
        title=form.title.data or "",
        body=form.body.data or "",
        question=question,
        deadline=utc(form.deadline.data),
        member_ids=ids(form.member_ids.data),
        version_ids=ids((form.version_ids.data or "").replace(" ", "").split(",")),
    )
    sent = service.send(
        db,
        user,
        request,
        now=utcnow(),
        email=mail.get_mailer() is not None,
        site_url=current_app.config.get("PUBLIC_URL"),
    )
    db.commit()
    flash(gettext("The consultation was sent."), "success")
    return redirect(url_for("meetings.consultation", consultation_id=sent.id))


@bp.get("/consultations/<int:consultation_id>")
@signed_in
def consultation(consultation_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    found = service.get(db, user, consultation_id)
    rows = service.answers(db, found)
    mine = next((row for row in rows if row.member.id == user.id), None)
    now = utcnow()
    return render_template(
        "meetings/consultation.html",
        consultation=found,
        documents=service.documents_of(db, found),
        mine=mine,
        answers=rows if found.created_by_id == user.id else [],
        may_answer=mine is not None and mine.option is None and service.is_open(found, now),
        form=AnswerForm(formdata=None),
    )


@bp.post("/consultations/<int:consultation_id>/answer")
@signed_in
def answer_consultation(consultation_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    form = valid(AnswerForm())
    option = optional_id(form.option.data)
    if option is None:
        raise BadPoll(N_("Please choose one of the options."))
    now = utcnow()
    signer = None
    if form.pin.data:
        try:
            signer = service.signer_for(
                db, signing_settings(current_app.config), user, form.pin.data
            )
        except (PinError, PinBlocked, PinLocked):
            db.commit()  # the wrong PIN counts towards the key's lockout
            raise
    service.answer(db, user, consultation_id, option, now=now, signer=signer)
    db.commit()
    flash(gettext("Your answer was recorded."), "success")
    return redirect(url_for("meetings.consultation", consultation_id=consultation_id))


def run_due(app: Flask, session: Session) -> None:
    """The periodic job: remind before each deadline, summarise after it."""
    now = utcnow()
    email = mail.get_mailer(app) is not None
    service.remind_due(session, now, email=email, site_url=app.config.get("PUBLIC_URL"))
    service.summarise_due(session, now, email=email)


def init_app(app: Flask) -> None:
    jobs.periodic(app, "consultations", jobs.crontab(minute=f"*/{service.EVERY_MINUTES}"), run_due)
