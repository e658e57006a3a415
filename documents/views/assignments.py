"""Assignments: giving a received document to people to handle, and their tasks page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from accounts import auth
from core.clock import today_local
from core.db import get_session
from documents import assignments, circulation
from documents.forms import AssignForm, ProgressForm
from documents.models import AssignmentState
from documents.views.blueprint import bp, choice, drafters, ids, load, user_choices


@bp.route("/documents/<int:document_id>/assign", methods=["GET", "POST"])
@drafters
def assign(document_id: int) -> ResponseReturnValue:
    document = load(document_id)
    db = get_session()
    _, users = circulation.recipients_choice(db)
    form = AssignForm()
    form.lead.choices = user_choices(users, True)
    form.cooperators.choices = user_choices(users)
    if not form.validate_on_submit() or not (form.lead.data or "").isdigit():
        status = 400 if request.method == "POST" else 200
        return render_template("documents/assign.html", form=form, document=document), status
    assignments.assign(
        db,
        auth.signed_in_user(),
        document,
        lead_id=int(form.lead.data or 0),
        cooperator_ids=ids(form.cooperators.data),
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
    items = assignments.assignments_for(
        get_session(), auth.signed_in_user(), overdue_on=today if overdue else None
    )
    return render_template(
        "documents/tasks.html",
        items=items,
        overdue=overdue,
        today=today,
        progress_form=ProgressForm(),
        done=AssignmentState.DONE,
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
