"""Assignments: giving a received document to people to handle, and their tasks page."""

from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from accounts import auth, picker, picker_form
from core import jobs, mail
from core.clock import today_local
from core.db import get_session, utcnow
from documents import assignments, deadlines
from documents.forms import AssignForm, ProgressForm
from documents.models import AssignmentState
from documents.views.blueprint import bp, choice, drafters, load


@bp.route("/documents/<int:document_id>/assign", methods=["GET", "POST"])
@drafters
def assign(document_id: int) -> ResponseReturnValue:
    document = load(document_id)
    db = get_session()
    tree = picker.build(db)
    form = AssignForm()
    form.lead.choices = [SelectChoice("", "—"), *tree.person_choices()]
    form.lead_unit.choices = [SelectChoice("", "—"), *tree.unit_choices()]
    valid, submitted = form.validate_on_submit(), form.is_submitted()  # validating clears errors
    lead = picker_form.read(tree, form.lead_unit, form.lead) if submitted else None
    others = picker_form.read(tree, form.cooperating_units, form.cooperators) if submitted else None
    if not valid or lead is None or others is None:
        page = render_template("documents/assign.html", form=form, document=document, tree=tree)
        return page, 400 if submitted else 200
    assignments.assign(
        db,
        auth.signed_in_user(),
        document,
        lead_id=lead.user_ids[0] if lead.user_ids else None,
        lead_unit_id=lead.unit_ids[0] if lead.unit_ids else None,
        cooperator_ids=others.user_ids,
        cooperating_unit_ids=others.unit_ids,
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
