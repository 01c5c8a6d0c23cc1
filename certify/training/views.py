"""Training views: programs and modules, cohorts and attendance, coverage, my training."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from certify import bp
from certify.models import CURRICULUM_ELEMENTS, TrainingCohort, TrainingModule, TrainingProgram
from certify.training import attendance, reports, services
from certify.training.forms import (
    ApprovalForm,
    AttendanceForm,
    CohortForm,
    ModuleForm,
    MoveForm,
    ProgramForm,
    RosterForm,
)
from core.auth import ensure_board_access, roles_required
from core.exports import download, stream_download
from core.extensions import db
from core.models import Board, Role, User, utcnow
from core.units import hours, hours_text
from core.viewhelpers import board_owned_or_404, show_error

STAFF = (Role.BOARD_ADMIN, Role.TRAINER)
VIEWERS = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER, Role.PSYCHOMETRICIAN)


@bp.app_template_global("training_trainee_totals")
def _trainee_totals(user: User) -> list[tuple[Board, int]]:
    return reports.trainee_totals(db.session, user.id)


@bp.app_template_global("training_trainer_cohorts")
def _trainer_cohorts(user: User) -> list[TrainingCohort]:
    return services.trainer_cohorts(db.session, user.id)


@bp.app_template_global("training_board_overview")
def _board_overview(board_id: int) -> dict[str, int]:
    return reports.board_overview(db.session, board_id)


@bp.app_template_global("training_crumbs")
def _crumbs(board: Board) -> list[tuple[str, str | None]]:
    crumbs: list[tuple[str, str | None]] = [("Dashboard", url_for("core.dashboard"))]
    if current_user.is_platform_admin or current_user.has_role(*VIEWERS, board_id=board.id):
        crumbs.append((board.name, url_for("core.board", board_id=board.id)))
    return crumbs


def _admin(board_id: int) -> bool:
    return current_user.is_platform_admin or current_user.has_role(
        Role.BOARD_ADMIN, board_id=board_id
    )


def _board(board_id: int, *roles: Role) -> Board:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *roles)
    return board


def _program(board: Board, program_id: int) -> TrainingProgram:
    """The board's program; trainers see approved programs only."""
    program = board_owned_or_404(TrainingProgram, program_id, board.id)
    if not (program.approved or _admin(board.id)):
        abort(404)
    return program


def _module(program: TrainingProgram, module_id: int) -> TrainingModule:
    return board_owned_or_404(TrainingModule, module_id, program.board_id, program_id=program.id)


# --- programs ------------------------------------------------------------------------------


@bp.route("/boards/<int:board_id>/training")
@roles_required(*STAFF)
def training_index(board_id: int) -> Any:
    board = _board(board_id, *STAFF)
    filters = {
        "status": "approved" if not _admin(board.id) else request.args.get("status", ""),
        "q": request.args.get("q", ""),
        "sort": request.args.get("sort", "name"),
    }
    page = services.programs_page(
        db.session, board.id, request.args.get("page", 1, type=int), **filters
    )
    return render_template(
        "certify/training/index.html",
        board=board,
        page=page,
        filters=filters,
        admin=_admin(board.id),
    )


@bp.route("/boards/<int:board_id>/training/programs.csv")
@roles_required(*STAFF)
def training_programs_csv(board_id: int) -> Any:
    board = _board(board_id, *STAFF)
    status = request.args.get("status", "") if _admin(board.id) else "approved"
    found = services.program_export_rows(db.session, board.id, status, request.args.get("q", ""))
    rows = (
        [
            name,
            provider,
            modules,
            hours_text(minutes, decimals=1),
            "approved" if approved else "not approved",
            approved_at.date().isoformat() if approved_at else "",
        ]
        for name, provider, modules, minutes, approved, approved_at in found
    )
    header = ["program", "provider", "modules", "hours", "status", "approved on"]
    return stream_download(header, rows, f"training-programs-{board.slug}.csv")


@bp.route("/boards/<int:board_id>/training/programs/new", methods=["GET", "POST"])
@roles_required(Role.BOARD_ADMIN)
def training_program_new(board_id: int) -> Any:
    board = _board(board_id, Role.BOARD_ADMIN)
    form = ProgramForm()
    if form.validate_on_submit():
        try:
            program = services.create_program(
                db.session, current_user, board.id, form.name.data, form.provider.data
            )
        except services.TrainingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Program {program.name} created. Add its modules, then approve it.", "success")
            return redirect(url_for(".training_program", board_id=board.id, program_id=program.id))
    return render_template("certify/training/program_new.html", board=board, form=form)


def _module_form(board: Board, form: ModuleForm | None = None) -> dict[str, Any]:
    return {
        "module_form": form or ModuleForm(formdata=None),
        "categories": services.board_categories(db.session, board.id),
        "domains": services.performance_domains(db.session, board.id),
        "curriculum_elements": CURRICULUM_ELEMENTS,
    }


def _render_program(board: Board, program: TrainingProgram, **forms: Any) -> Any:
    approval = forms.pop("approval_form", None) or ApprovalForm(
        formdata=None, decision="withdraw" if program.approved else "approve"
    )
    cohorts = services.cohorts_page(
        db.session,
        board.id,
        request.args.get("page", 1, type=int),
        trainer_id=None if _admin(board.id) else current_user.id,
        program_id=program.id,
    )
    return render_template(
        "certify/training/program.html",
        board=board,
        program=program,
        admin=_admin(board.id),
        approval_form=approval,
        cohorts=cohorts,
        total=sum(m.minutes for m in program.modules),
        **_module_form(board, forms.pop("module_form", None)),
    )


@bp.route("/boards/<int:board_id>/training/programs/<int:program_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def training_program(board_id: int, program_id: int) -> Any:
    board = _board(board_id, *STAFF)
    program = _program(board, program_id)
    if request.method == "POST":
        if not _admin(board.id):
            abort(403)
        form = ModuleForm()
        if form.validate_on_submit():
            try:
                services.save_module(
                    db.session,
                    current_user,
                    program,
                    None,
                    form.title.data,
                    form.minutes,
                    form.category.data,
                    form.performance_domain.data,
                )
            except services.TrainingError as error:
                show_error(form, error)
            else:
                db.session.commit()
                flash(f"Module {form.title.data} added.", "success")
                return redirect(request.path)
        return _render_program(board, program, module_form=form)
    return _render_program(board, program)


@bp.route(
    "/boards/<int:board_id>/training/programs/<int:program_id>/modules/<int:module_id>",
    methods=["GET", "POST"],
)
@roles_required(Role.BOARD_ADMIN)
def training_module_edit(board_id: int, program_id: int, module_id: int) -> Any:
    board = _board(board_id, Role.BOARD_ADMIN)
    program = _program(board, program_id)
    module = _module(program, module_id)
    form = ModuleForm(obj=module)
    if request.method == "GET":
        form.hours.data = hours(module.minutes)
    if form.validate_on_submit():
        try:
            services.save_module(
                db.session,
                current_user,
                program,
                module,
                form.title.data,
                form.minutes,
                form.category.data,
                form.performance_domain.data,
            )
        except services.TrainingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Module {module.title} saved.", "success")
            return redirect(url_for(".training_program", board_id=board.id, program_id=program.id))
    return render_template(
        "certify/training/module_edit.html",
        board=board,
        program=program,
        module=module,
        **_module_form(board, form),
    )


@bp.route(
    "/boards/<int:board_id>/training/programs/<int:program_id>/modules/<int:module_id>/move",
    methods=["POST"],
)
@roles_required(Role.BOARD_ADMIN)
def training_module_move(board_id: int, program_id: int, module_id: int) -> Any:
    board = _board(board_id, Role.BOARD_ADMIN)
    program = _program(board, program_id)
    module = _module(program, module_id)
    form = MoveForm()
    if form.validate_on_submit():
        try:
            services.move_module(db.session, current_user, module, form.direction.data)
        except services.TrainingError as error:
            show_error(form, error)
        else:
            db.session.commit()
    return redirect(url_for(".training_program", board_id=board.id, program_id=program.id))


@bp.route("/boards/<int:board_id>/training/programs/<int:program_id>/approval", methods=["POST"])
@roles_required(Role.BOARD_ADMIN)
def training_program_approval(board_id: int, program_id: int) -> Any:
    board = _board(board_id, Role.BOARD_ADMIN)
    program = _program(board, program_id)
    form = ApprovalForm()
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        try:
            services.set_approval(db.session, current_user, program, approve, form.reason.data)
        except services.TrainingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            done = "approved" if approve else "no longer approved"
            flash(f"{program.name} is {done}. Trainers were told by email.", "success")
            return redirect(url_for(".training_program", board_id=board.id, program_id=program.id))
    return _render_program(board, program, approval_form=form), 400


def _cohort(board: Board, cohort_id: int) -> TrainingCohort:
    """The board's cohort; a trainer reaches only cohorts they lead."""
    cohort = board_owned_or_404(TrainingCohort, cohort_id, board.id)
    if not (_admin(board.id) or cohort.trainer_id == current_user.id):
        abort(404)
    return cohort


# --- cohorts and attendance ----------------------------------------------------------------


@bp.route("/boards/<int:board_id>/training/cohorts")
@roles_required(*STAFF)
def training_cohorts(board_id: int) -> Any:
    board = _board(board_id, *STAFF)
    page = services.cohorts_page(
        db.session,
        board.id,
        request.args.get("page", 1, type=int),
        trainer_id=None if _admin(board.id) else current_user.id,
        program_id=request.args.get("program", 0, type=int) or None,
    )
    programs = services.programs_of(db.session, board.id)
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
        for p in services.programs_of(db.session, board.id, "approved")
    ]
    trainers = services.board_trainers(db.session, board.id)
    if _admin(board.id):
        form.trainer_id.choices = [(0, "— no trainer yet —")] + [
            (t.id, f"{t.full_name} ({t.email})") for t in trainers
        ]
    else:
        form.trainer_id.choices = [(current_user.id, current_user.full_name)]
        form.trainer_id.data = current_user.id
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(
                db.session,
                current_user,
                board.id,
                form.program_id.data,
                form.name.data,
                form.starts_on.data,
                form.trainer_id.data,
            )
        except services.TrainingError as error:
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
        (m.id, f"{i}. {m.title} ({hours_text(m.minutes, decimals=1)} h = {m.minutes} min)")
        for i, m in enumerate(modules, start=1)
    ]
    trainee = request.args.get("trainee", "")
    page = attendance.attendance_page(
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
            attendance.record_attendance(
                db.session,
                current_user,
                cohort,
                form.email.data,
                form.module_id.data,
                form.attended_on.data,
                form.minutes.data,
                utcnow().date(),
            )
        except services.TrainingError as error:
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
            result = attendance.import_roster(
                db.session, current_user, cohort, form.roster.data.read(), utcnow().date()
            )
        except attendance.RosterError as error:
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
    return download(attendance.roster_template(cohort), f"roster-template-cohort-{cohort.id}.csv")


@bp.route("/boards/<int:board_id>/training/cohorts/<int:cohort_id>/attendance.csv")
@roles_required(*STAFF)
def training_attendance_csv(board_id: int, cohort_id: int) -> Any:
    cohort = _cohort(_board(board_id, *STAFF), cohort_id)
    rows = (
        [email, name, module, on, minutes, hours_text(minutes, decimals=1)]
        for email, name, module, on, minutes in attendance.attendance_rows(db.session, cohort)
    )
    header = ["email", "name", "module", "date", "minutes", "hours"]
    return stream_download(header, rows, f"attendance-cohort-{cohort.id}.csv")


# --- coverage and my training --------------------------------------------------------------


@bp.route("/boards/<int:board_id>/training/coverage")
@roles_required(*VIEWERS)
def training_coverage(board_id: int) -> Any:
    board = _board(board_id, *VIEWERS)
    matrix = reports.coverage(db.session, board.id)
    return render_template(
        "certify/training/coverage.html", board=board, matrix=matrix, admin=_admin(board.id)
    )


@bp.route("/boards/<int:board_id>/training/coverage.csv")
@roles_required(*VIEWERS)
def training_coverage_csv(board_id: int) -> Any:
    board = _board(board_id, *VIEWERS)
    header, rows = reports.coverage_rows(db.session, board.id)
    return stream_download(header, rows, f"coverage-{board.slug}.csv")


@bp.route("/me/training")
@roles_required(Role.TRAINEE)
def my_training() -> Any:
    boards = reports.trainee_training(db.session, current_user, utcnow().date())
    return render_template("certify/training/mine.html", boards=boards)
