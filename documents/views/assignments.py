"""Assignments: giving a received document to people to handle, and their tasks page."""

from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from accounts import auth
from core import jobs, mail
from core.clock import today_local
from core.db import get_session, utcnow
from documents import assignments, circulation, deadlines
from documents.assignment_models import AssignmentState
from documents.forms import AssignForm, ProgressForm
from documents.views.blueprint import bp, choice, drafters, ids, load, user_choices


@bp.route("/documents/<int:document_id>/assign", methods=["GET", "POST"])
@drafters
def assign(document_id: int) -> ResponseReturnValue:
    document = load(document_id)
    db = get_session()
    units, users = circulation.recipients_choice(db)
    form = AssignForm()
    form.lead.choices = user_choices(users, True)
    form.lead_unit.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(u.id), u.name) for u in units
    ]
    form.cooperators.choices = user_choices(users)
    form.cooperating_units.choices = [SelectChoice(str(u.id), u.name) for u in units]
    lead, lead_unit = ids([form.lead.data or ""]), ids([form.lead_unit.data or ""])
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("documents/assign.html", form=form, document=document), status
    assignments.assign(
        db,
        auth.signed_in_user(),
        document,
        lead_id=lead[0] if lead else None,
        lead_unit_id=lead_unit[0] if lead_unit else None,
        cooperator_ids=ids(form.cooperators.data),
        cooperating_unit_ids=ids(form.cooperating_units.data),
        deadline=form.deadline.data,
        instructions=form.instructions.data or "",
        today=today_local(),
    )
    db.commit()
    flash(gettext("The document is assigned."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/tasks")
@drafters
def tasks() -> ResponseReturnValue:
    overdue = request.args.get("overdue") == "1"
    today = today_local()
    user = auth.signed_in_user()
    items = assignments.assignments_for(get_session(), user, overdue_on=today if overdue else None)
    return render_template(
        "documents/tasks.html",
        items=items,
        overdue=overdue,
        today=today,
        progress_form=ProgressForm(),
        done=AssignmentState.DONE,
        reportable={item.id for item in items if assignments.may_report(user, item)},
    )


@bp.post("/tasks/<int:assignment_id>/progress")
@drafters
def progress(assignment_id: int) -> ResponseReturnValue:
    db = get_session()
    form = ProgressForm()
    assignment = assignments.get_assignment(db, assignment_id)
    assignments.report_progress(
        db,
        auth.signed_in_user(),
        assignment,
        choice(AssignmentState, form.state.data, AssignmentState.PENDING),
        form.note.data or "",
    )
    db.commit()
    flash(gettext("Progress saved."), "success")
    return redirect(url_for("documents.tasks"))


def remind(app: Flask, session: Session) -> None:
    """The periodic job: remind the handlers of assignments whose deadline comes near."""
    deadlines.send_due(
        session,
        today_local(),
        app.config["ASSIGNMENT_REMINDER_DAYS"],
        now=utcnow(),
        email=mail.get_mailer(app) is not None,
        site_url=app.config.get("PUBLIC_URL"),
    )


def init_app(app: Flask) -> None:
    jobs.periodic(
        app, "assignment_reminders", jobs.crontab(minute=deadlines.CRONTAB_MINUTE), remind
    )
