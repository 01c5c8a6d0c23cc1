"""Results pages: vendor import and scoring (exam managers), item analysis of an import with
decisions on flagged items, and the candidate's own results and score report PDF.

Candidates see their own outcome and domain feedback, never item content; the item analysis
shows item codes and numbers, for the board's exam managers only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.extensions import db
from core.models import Board, Role, utcnow
from core.viewhelpers import board_owned_or_404, show_error
from exams.models import Form, Item
from exams.models.results import ExamResult, ItemStatistic, ResultImport
from exams.resultfile import ResultFileError
from exams.results import services
from exams.results.report import ScoreReport, score_report_pdf
from exams.results.services import ResultError
from exams.results.webforms import ImportForm, ItemActionForm, RemoveScaleForm, ScaleForm
from exams.standards.views import held
from exams.web import bp

MANAGERS = (Role.EXAM_MANAGER,)
MAX_UPLOAD = 20 * 2**20


def _board(board_id: int) -> Board:
    if board_id not in current_user.board_ids(*MANAGERS):
        abort(404)
    return db.get_or_404(Board, board_id)


@bp.route("/boards/<int:board_id>/exams/forms/<int:form_id>/results", methods=["GET", "POST"])
@held(*MANAGERS)
def form_results(board_id: int, form_id: int) -> Any:
    board = _board(board_id)
    exam_form = board_owned_or_404(Form, form_id, board.id)
    form = ImportForm()
    if request.method == "GET":
        form.taken_on.data = date.today()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            form.file.errors = ["The file is larger than 20 MB."]
        else:
            try:
                record = services.import_results(
                    db.session,
                    current_user,
                    exam_form,
                    form.kind.data,
                    data,
                    upload.filename or "upload",
                    form.taken_on.data,
                )
            except ResultFileError as exc:
                db.session.rollback()
                problems = [str(p) for p in exc.problems]
            except ResultError as exc:
                show_error(form, exc)
            else:
                db.session.commit()
                flash(
                    f"{record.n_candidates} results imported and scored: {record.n_passed} passed.",
                    "success",
                )
                return redirect(
                    url_for("exams.result_import", board_id=board.id, import_id=record.id)
                )
    from exams.standards.services import current_cut

    return render_template(
        "exams/results/form_results.html",
        board=board,
        exam_form=exam_form,
        form=form,
        problems=problems,
        imports=services.imports_of(db.session, exam_form),
        cut=current_cut(db.session, exam_form.id),
        scale=services.board_scale(db.session, board.id),
    )


@bp.route("/boards/<int:board_id>/exams/scale", methods=["GET", "POST"])
@held(*MANAGERS)
def exam_scale(board_id: int) -> Any:
    """The board's reporting scale: scaled scores anchored at every form's cut."""
    board = _board(board_id)
    scale = services.board_scale(db.session, board.id)
    form = ScaleForm(obj=scale)
    remove = RemoveScaleForm()
    if request.method == "GET" and scale is None:
        form.low.data, form.passing.data, form.high.data = 200, 500, 800
    if remove.remove.data and remove.validate_on_submit():
        services.remove_scale(db.session, current_user, board.id)
        db.session.commit()
        flash("Results scored from now on report raw scores only.", "success")
        return redirect(url_for("exams.exam_scale", board_id=board.id))
    if form.submit.data and form.validate_on_submit():
        try:
            services.set_scale(
                db.session,
                current_user,
                board.id,
                form.low.data,
                form.passing.data,
                form.high.data,
            )
        except ResultError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Scale saved: results scored from now on carry scaled scores.", "success")
            return redirect(url_for("exams.exam_scale", board_id=board.id))
    return render_template(
        "exams/results/scale.html", board=board, scale=scale, form=form, remove=remove
    )


@bp.route("/boards/<int:board_id>/exams/results/<int:import_id>")
@held(*MANAGERS)
def result_import(board_id: int, import_id: int) -> Any:
    board = _board(board_id)
    record = board_owned_or_404(ResultImport, import_id, board.id)
    return render_template(
        "exams/results/import.html",
        board=board,
        record=record,
        results=services.import_results_rows(db.session, record),
        statistics=services.statistics_of(db.session, record),
        action_form=ItemActionForm(),
    )


@bp.route(
    "/boards/<int:board_id>/exams/results/<int:import_id>/items/<int:statistic_id>",
    methods=["POST"],
)
@held(*MANAGERS)
def item_decision(board_id: int, import_id: int, statistic_id: int) -> Any:
    board = _board(board_id)
    record = board_owned_or_404(ResultImport, import_id, board.id)
    statistic = board_owned_or_404(ItemStatistic, statistic_id, board.id, import_id=record.id)
    form = ItemActionForm()
    if form.validate_on_submit():
        item = db.get_or_404(Item, statistic.item_id)
        try:
            services.decide_item(
                db.session, current_user, statistic, item, form.action.data, form.note.data or ""
            )
        except (ValueError, PermissionError) as exc:
            show_error(None, ValueError(str(exc)))
        else:
            db.session.commit()
            flash(f"{item.code}: decision recorded.", "success")
    return redirect(url_for("exams.result_import", board_id=board.id, import_id=record.id))


# --- the candidate's side --------------------------------------------------------------------


@bp.route("/me/exam-results")
@held(Role.TRAINEE)
def my_exam_results() -> Any:
    rows = services.my_results(db.session, current_user)
    return render_template(
        "exams/results/mine.html",
        rows=rows,
        feedback=services.feedback,
        scales=services.scales_of_results(db.session, [r for r, _ in rows]),
    )


@bp.route("/me/exam-results/<int:result_id>/report.pdf")
@held(Role.TRAINEE)
def score_report(result_id: int) -> Any:
    result = db.get_or_404(ExamResult, result_id)
    if result.user_id != current_user.id:
        abort(404)
    board = db.get_or_404(Board, result.board_id)
    form = db.get_or_404(Form, result.form_id)
    from certify.models import CredentialType

    ctype = db.session.get(CredentialType, form.credential_type_id)
    scale = services.scale_of_result(db.session, result)
    pdf = score_report_pdf(
        ScoreReport(
            board_name=board.name,
            candidate_name=current_user.full_name,
            exam_name=f"{ctype.name} examination" if ctype else "Certification examination",
            taken_on=result.taken_on,
            raw=result.raw,
            raw_needed=result.raw_needed,
            n_items=result.n_items,
            passed=result.passed,
            domains=services.feedback(result),
            scale=scale,
            scaled=result.scaled,
            generated_at=utcnow(),
        )
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename=score-report-{result.taken_on}.pdf",
            "Cache-Control": "private, no-store",
        },
    )
