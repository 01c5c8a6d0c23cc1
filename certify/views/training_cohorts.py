"""Certification views: training cohorts, attendance, roster import and attendance CSV."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from certify import bp
from certify import training as svc
from certify import training_roster as roster
from certify.models import TrainingCohort
from certify.training_forms import AttendanceForm, CohortForm, RosterForm
from certify.views.training import STAFF, _admin, _board
from core.auth import roles_required
from core.exports import csv_text, download
from core.extensions import db
from core.models import Board, utcnow
from core.viewhelpers import show_error


def _cohort(board: Board, cohort_id: int) -> TrainingCohort:
    """The board's cohort; a trainer reaches only cohorts they lead."""
    cohort = db.get_or_404(TrainingCohort, cohort_id)
    if cohort.board_id != board.id or not (
        _admin(board.id) or cohort.trainer_id == current_user.id
    ):
        abort(404)
    return cohort


# --- cohorts and attendance ----------------------------------------------------------------


@bp.route("/boards/<int:board_id>/training/cohorts")
@roles_required(*STAFF)
def training_cohorts(board_id: int) -> Any:
    board = _board(board_id, *STAFF)
    page = svc.cohorts_page(
        db.session,
        board.id,
        request.args.get("page", 1, type=int),
        trainer_id=None if _admin(board.id) else current_user.id,
        program_id=request.args.get("program", 0, type=int) or None,
    )
    programs = svc.programs_of(db.session, board.id)
    return render_template(
        "certify/training/cohorts.html",
        board=board,
        page=page,
        programs=programs,
        program_id=request.args.get("program", 0, type=int),
        admin=_admin(board.id),
    )


@bp.route("/boards/<int:board_id>/training/cohorts/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def training_cohort_new(board_id: int) -> Any:
    board = _board(board_id, *STAFF)
    form = CohortForm(program_id=request.args.get("program_id", type=int))
    form.program_id.choices = [
        (p.id, f"{p.name} — {p.provider}")
        for p in svc.programs_of(db.session, board.id, "approved")
    ]
    trainers = svc.board_trainers(db.session, board.id)
    if _admin(board.id):
        form.trainer_id.choices = [(0, "— no trainer yet —")] + [
            (t.id, f"{t.full_name} ({t.email})") for t in trainers
        ]
    else:
        form.trainer_id.choices = [(current_user.id, current_user.full_name)]
        form.trainer_id.data = current_user.id
    if form.validate_on_submit():
        try:
            cohort = svc.create_cohort(
                db.session,
                current_user,
                board.id,
                form.program_id.data,
                form.name.data,
                form.starts_on.data,
                form.trainer_id.data,
            )
        except svc.TrainingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Cohort {cohort.name} created. Record attendance below.", "success")
            return redirect(url_for(".training_cohort", board_id=board.id, cohort_id=cohort.id))
    return render_template("certify/training/cohort_new.html", board=board, form=form)


def _render_cohort(
    board: Board,
    cohort: TrainingCohort,
    form: AttendanceForm | None = None,
    roster_form: RosterForm | None = None,
    problems: list[Any] | None = None,
    status: int = 200,
) -> Any:
    form = form or AttendanceForm(formdata=None, attended_on=utcnow().date())
    modules = sorted(cohort.program.modules, key=lambda m: (m.position, m.id))
    form.module_id.choices = [
        (m.id, f"{i}. {m.title} ({svc.hours_text(m.minutes)} h = {m.minutes} min)")
        for i, m in enumerate(modules, start=1)
    ]
    trainee = request.args.get("trainee", "")
    page = roster.attendance_page(
        db.session, cohort, request.args.get("page", 1, type=int), trainee
    )
    html = render_template(
        "certify/training/cohort.html",
        board=board,
        cohort=cohort,
        form=form,
        trainee=trainee,
        roster_form=roster_form or RosterForm(formdata=None),
        problems=problems or [],
        page=page,
        modules=modules,
        today_iso=utcnow().date().isoformat(),
    )
    return html, status


@bp.route("/boards/<int:board_id>/training/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def training_cohort(board_id: int, cohort_id: int) -> Any:
    board = _board(board_id, *STAFF)
    cohort = _cohort(board, cohort_id)
    if request.method == "GET":
        return _render_cohort(board, cohort)
    form = AttendanceForm()
    form.module_id.choices = [(m.id, m.title) for m in cohort.program.modules]
    if form.validate_on_submit():
        try:
            roster.record_attendance(
                db.session,
                current_user,
                cohort,
                form.email.data,
                form.module_id.data,
                form.attended_on.data,
                form.minutes.data,
                utcnow().date(),
            )
        except svc.TrainingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Attendance of {form.email.data} recorded.", "success")
            return redirect(request.path)
    return _render_cohort(board, cohort, form=form, status=400)


@bp.route("/boards/<int:board_id>/training/cohorts/<int:cohort_id>/roster", methods=["POST"])
@roles_required(*STAFF)
def training_roster_upload(board_id: int, cohort_id: int) -> Any:
    board = _board(board_id, *STAFF)
    cohort = _cohort(board, cohort_id)
    form = RosterForm()
    if form.validate_on_submit():
        try:
            result = roster.import_roster(
                db.session, current_user, cohort, form.roster.data.read(), utcnow().date()
            )
        except roster.RosterError as error:
            db.session.rollback()
            return _render_cohort(
                board, cohort, roster_form=form, problems=error.problems, status=400
            )
        db.session.commit()
        flash(
            f"Roster stored: {result.created} new, {result.updated} updated, "
            f"{result.unchanged} unchanged.",
            "success",
        )
        return redirect(url_for(".training_cohort", board_id=board.id, cohort_id=cohort.id))
    return _render_cohort(board, cohort, roster_form=form, status=400)


@bp.route("/boards/<int:board_id>/training/cohorts/<int:cohort_id>/roster-template.csv")
@roles_required(*STAFF)
def training_roster_template(board_id: int, cohort_id: int) -> Any:
    cohort = _cohort(_board(board_id, *STAFF), cohort_id)
    return download(roster.roster_template(cohort), f"roster-template-cohort-{cohort.id}.csv")


@bp.route("/boards/<int:board_id>/training/cohorts/<int:cohort_id>/attendance.csv")
@roles_required(*STAFF)
def training_attendance_csv(board_id: int, cohort_id: int) -> Any:
    cohort = _cohort(_board(board_id, *STAFF), cohort_id)
    rows = [
        [
            a.trainee.email,
            a.trainee.full_name,
            a.module.title,
            a.attended_on,
            a.minutes,
            svc.hours_text(a.minutes),
        ]
        for a in db.session.execute(roster.attendance_query(cohort)).scalars()
    ]
    header = ["email", "name", "module", "date", "minutes", "hours"]
    return download(csv_text(header, rows), f"attendance-cohort-{cohort.id}.csv")
