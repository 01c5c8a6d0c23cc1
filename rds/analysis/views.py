"""RDS views: analysis of the validation survey, retention overrides, blueprint approval."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from core.auth import roles_required
from core.exports import download, stream_book, stream_download
from core.extensions import db
from core.models import Board, Role, utcnow
from core.viewhelpers import board_owned_or_404, show_error
from rds.access import STUDY_ROLES, study_for, study_task
from rds.analysis import exports
from rds.analysis import services as svc
from rds.analysis.forms import (
    AnalysisRunForm,
    ApproveForm,
    ClearOverrideForm,
    DeleteJudgmentForm,
    DomainReviewForm,
    OverrideForm,
    RerunForm,
    ScreeningForm,
    WeightJudgmentForm,
)
from rds.models import BlueprintVersion, Domain, Study, WeightJudgment
from rds.reliability import ALPHA_EXPECTED
from rds.report.layout import fmt_percent, fmt_points, fmt_share
from rds.report.sections import demographics_in_order, icc_reading
from rds.scope.services import ordered_domains
from rds.survey import screening
from rds.survey.services import questions_of, surveyed_tasks
from rds.web import bp
from rds.weight_judgments import LARGE_DIFFERENCE
from rds.workshop.review import MAX_WEIGHT_CHANGE


@bp.app_template_global("rds_board_blueprints")
def _board_blueprints(board: Board) -> list[svc.StudyBlueprint]:
    return svc.board_blueprints(db.session, board.id)


@bp.app_template_filter("rds_num")
def _num(value: Any, digits: int = 2) -> str:
    return "not computable" if value is None else f"{float(value):.{digits}f}"


@bp.app_template_filter("rds_pct")
def _pct(value: Any, digits: int = 1) -> str:
    return fmt_percent(value, digits)


@bp.app_template_filter("rds_points")
def _points(value: Any, digits: int = 1) -> str:
    return fmt_points(value, digits)


@bp.app_template_filter("rds_share")
def _share(part: int, whole: int, digits: int = 1) -> str:
    return fmt_share(part, whole, digits)


@bp.app_template_filter("rds_items")
def _items(result: Any) -> int:
    return svc.blueprint_items(result)


@bp.app_template_test("rds_finite")
def _finite(value: Any) -> bool:
    return value is not None and math.isfinite(float(value))


def _crumbs(study: Study, *tail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [
        ("Dashboard", url_for("core.dashboard")),
        (study.board.name, url_for("core.board", board_id=study.board_id)),
        ("Studies", url_for("rds.studies", board_id=study.board_id)),
        (f"{study.title} v{study.version}", url_for("rds.scope", study_id=study.id)),
        *tail,
    ]


def _version(study: Study, number: int) -> BlueprintVersion:
    version = svc.version_of(db.session, study, number)
    if version is None:
        abort(404)
    return version


def _may_approve(study: Study) -> bool:
    return current_user.is_platform_admin or current_user.has_role(
        Role.BOARD_ADMIN, board_id=study.board_id
    )


def _page(
    study: Study,
    version: BlueprintVersion | None,
    form: AnalysisRunForm | None = None,
    status: int = 200,
) -> Any:
    history = svc.versions(db.session, study)
    if version is None and history:
        version = history[0]
    result = version.analysis() if version else None
    if form is None:
        form = AnalysisRunForm(formdata=None, data=svc.settings_of(version))
    sort = request.args.get("sort", "task_id")
    questions = questions_of(db.session, study)
    labels = {q.key: q.label for q in questions}
    asked = [(q.key, q.label, tuple(q.options)) for q in questions]
    return render_template(
        "rds/analysis/page.html",
        study=study,
        version=version,
        history=history,
        form=form,
        rerun_form=RerunForm(formdata=None),
        respondents=svc.submitted_count(db.session, study),
        overridden=svc.overridden_tasks(db.session, study),
        rows=svc.task_rows(db.session, study, result, sort) if result else [],
        sort=sort,
        sorts=svc.TASK_SORTS,
        labels=labels,
        demographics=demographics_in_order(result.demographics, asked) if result else {},
        result=result,
        judged=(
            svc.judged_weights(svc.weight_judgments(db.session, study), result) if result else None
        ),
        judged_large=LARGE_DIFFERENCE,
        reading=svc.reliability_reading,
        icc_reading=icc_reading,
        warnings_about=svc.scale_warnings,
        r_min=svc.SUBGROUP_R_MIN,
        alpha_expected=ALPHA_EXPECTED,
        may_approve=_may_approve(study),
        crumbs=_crumbs(study, ("Analysis and blueprint", None)),
    ), status


@bp.route("/studies/<int:study_id>/analysis", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def analysis(study_id: int) -> Any:
    study = study_for(study_id)
    form = AnalysisRunForm()
    if form.validate_on_submit():
        settings = {
            "method": form.method.data,
            "importance_min": float(form.importance_min.data),
            "performing_min": float(form.performing_min.data),
            "items": form.items.data,
            "min_per_domain": form.min_per_domain.data,
            "min_group": form.min_group.data,
            "importance_basis": form.importance_basis.data,
            "importance_rule": form.importance_rule.data,
            "criticality_min": (
                float(form.criticality_min.data) if form.criticality_min.data is not None else None
            ),
        }
        try:
            version = svc.run_analysis(db.session, current_user, study, settings)
        except svc.AnalysisError as error:
            show_error(form, error)
        else:
            db.session.commit()
            _draw_charts(study, version)
            flash(f"Analysis run: blueprint version {version.version} proposed.", "success")
            return redirect(
                url_for("rds.analysis_version", study_id=study.id, number=version.version)
            )
    if request.method == "POST":
        return _page(study, None, form, 400)
    return _page(study, None)


@bp.route("/studies/<int:study_id>/analysis/<int:number>")
@roles_required(*STUDY_ROLES)
def analysis_version(study_id: int, number: int) -> Any:
    study = study_for(study_id)
    return _page(study, _version(study, number))


@bp.route("/studies/<int:study_id>/analysis/rerun", methods=["POST"])
@roles_required(*STUDY_ROLES)
def analysis_rerun(study_id: int) -> Any:
    study = study_for(study_id)
    if RerunForm().validate_on_submit():
        try:
            version = svc.rerun(db.session, current_user, study)
        except svc.AnalysisError as error:
            show_error(None, error)
        else:
            db.session.commit()
            _draw_charts(study, version)
            flash(f"Rerun with the overrides: version {version.version} proposed.", "success")
            return redirect(
                url_for("rds.analysis_version", study_id=study.id, number=version.version)
            )
    return redirect(url_for("rds.analysis", study_id=study.id))


@bp.route("/studies/<int:study_id>/analysis/tasks/<int:task_id>/override", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def analysis_override(study_id: int, task_id: int) -> Any:
    study = study_for(study_id)
    task = study_task(study, task_id)
    form = OverrideForm()
    if request.method == "GET" and task.retention_override is not None:
        form.decision.data = "keep" if task.retention_override else "drop"
        form.reason.data = task.override_reason
    if form.validate_on_submit():
        try:
            svc.set_override(
                db.session, current_user, task, form.decision.data == "keep", form.reason.data
            )
        except svc.AnalysisError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Override saved for {task.code}. Rerun the analysis to apply it.", "success")
            return redirect(url_for("rds.analysis", study_id=study.id) + "#overrides")
    history = svc.versions(db.session, study)
    latest = history[0].analysis().tasks if history else ()
    stats = next((t for t in latest if t.task_id == task.code), None)
    return render_template(
        "rds/analysis/override.html",
        study=study,
        task=task,
        form=form,
        clear_form=ClearOverrideForm(formdata=None),
        stats=stats,
        options=history[0].options if history else {},
        crumbs=_crumbs(
            study,
            ("Analysis and blueprint", url_for("rds.analysis", study_id=study.id)),
            (f"Override {task.code}", None),
        ),
    ), (400 if request.method == "POST" else 200)


@bp.route("/studies/<int:study_id>/analysis/tasks/<int:task_id>/override/clear", methods=["POST"])
@roles_required(*STUDY_ROLES)
def analysis_override_clear(study_id: int, task_id: int) -> Any:
    study = study_for(study_id)
    task = study_task(study, task_id)
    form = ClearOverrideForm()
    if form.validate_on_submit():
        try:
            svc.clear_override(db.session, current_user, task, form.note.data or "")
        except svc.AnalysisError as error:
            show_error(None, error)
        else:
            db.session.commit()
            flash(f"Override of {task.code} cleared; the thresholds decide it again.", "success")
    return redirect(url_for("rds.analysis", study_id=study.id) + "#overrides")


@bp.route("/studies/<int:study_id>/analysis/<int:number>/approve", methods=["GET", "POST"])
@roles_required(Role.BOARD_ADMIN)
def analysis_approve(study_id: int, number: int) -> Any:
    study = study_for(study_id, Role.BOARD_ADMIN)
    version = _version(study, number)
    result = version.analysis()
    concerns = svc.approval_concerns(study, result)
    form = ApproveForm()
    if form.validate_on_submit():
        if concerns and not form.acknowledge.data:
            form.acknowledge.errors = ["Tick the box to acknowledge the concerns listed above."]
        else:
            try:
                svc.approve(
                    db.session,
                    current_user,
                    version,
                    form.note.data,
                    utcnow(),
                    form.acknowledgement.data if concerns else None,
                )
            except svc.AnalysisError as error:
                show_error(form, error)
            else:
                db.session.commit()
                flash(f"Blueprint version {version.version} approved and frozen.", "success")
                return redirect(url_for("rds.analysis_version", study_id=study.id, number=number))
    current = svc.approved_version(db.session, study.id)
    previous = exports.previous_blueprint(db.session, study, version)
    return render_template(
        "rds/analysis/approve.html",
        comparison=svc.compare_blueprints(previous, result) if previous else None,
        previous=previous,
        study=study,
        version=version,
        result=result,
        empty=svc.is_empty(result),
        concerns=concerns,
        current=current,
        form=form,
        crumbs=_crumbs(
            study,
            ("Analysis and blueprint", url_for("rds.analysis", study_id=study.id)),
            (f"Approve version {number}", None),
        ),
    ), (400 if request.method == "POST" else 200)


@bp.route("/studies/<int:study_id>/analysis/screening", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def analysis_screening(study_id: int) -> Any:
    """Data screening: each rule, what it flags, and the psychometrician's decision."""
    study = study_for(study_id)
    session = db.session
    questions = questions_of(session, study)
    choices = [(f"{q.key}={o}", f"{q.label}: {o}") for q in questions for o in q.options]
    current = screening.settings_of(study)
    form = ScreeningForm()
    form.non_incumbent.choices = choices
    if request.method == "GET":
        for rule in screening.RULES:
            getattr(form, f"exclude_{rule}").data = current["exclude"][rule]
        form.seconds_per_task.data = current["seconds_per_task"]
        form.non_incumbent.data = [f"{k}={v}" for k, v in current["non_incumbent"]]
        form.reason.data = current["reason"]
    elif form.validate_on_submit():
        pairs = [tuple(value.split("=", 1)) for value in form.non_incumbent.data or []]
        try:
            screening.decide(
                session,
                current_user,
                study,
                {rule: bool(getattr(form, f"exclude_{rule}").data) for rule in screening.RULES},
                float(form.seconds_per_task.data),
                [(k, v) for k, v in pairs],
                form.reason.data or "",
            )
        except screening.ScreeningError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Screening decisions saved; the next analysis run applies them.", "success")
            return redirect(url_for("rds.analysis_screening", study_id=study.id))
    preview = screening.screening_report(session, study, current)
    return render_template(
        "rds/analysis/screening.html",
        study=study,
        questions=questions,
        form=form,
        report=preview,
        crumbs=_crumbs(
            study,
            ("Analysis and blueprint", url_for("rds.analysis", study_id=study.id)),
            ("Data screening", None),
        ),
    ), (400 if request.method == "POST" else 200)


def _review_page(
    study: Study,
    failed: tuple[int, DomainReviewForm] | None = None,
    judgment: tuple[WeightJudgmentForm, dict[str, str], dict[str, str], str] | None = None,
) -> Any:
    """The review page; ``failed`` a domain's review form with errors, ``judgment`` the weight
    judgment form with the posted percents, their errors (by domain name) and the message of
    the whole judgment (its total)."""
    history = svc.versions(db.session, study)
    result = history[0].analysis() if history else None
    forms = {}
    for d in ordered_domains(study):
        levels = d.cognitive_levels or {}
        forms[d.id] = DomainReviewForm(
            formdata=None,
            prefix=f"d{d.id}",
            change=d.weight_change,
            reason=d.weight_reason or "",
            recall=levels.get("recall"),
            application=levels.get("application"),
            analysis=levels.get("analysis"),
        )
    if failed:
        forms[failed[0]] = failed[1]
    weights = {d.domain: d for d in result.domains} if result else {}
    judgments = svc.weight_judgments(db.session, study)
    judge_form, posted, judge_errors, judge_message = judgment or (
        WeightJudgmentForm(formdata=None),
        {},
        {},
        "",
    )
    return render_template(
        "rds/analysis/review.html",
        judgments=judgments,
        judged=svc.judged_weights(judgments, result) if result else None,
        judged_large=LARGE_DIFFERENCE,
        judge_form=judge_form,
        judge_posted=posted,
        judge_errors=judge_errors,
        judge_message=judge_message,
        judge_sources=svc.JUDGE_SOURCES,
        delete_form=DeleteJudgmentForm(formdata=None),
        study=study,
        version=history[0] if history else None,
        result=result,
        borderline=svc.borderline_tasks(result) if result else [],
        tasks={t.code: t for t in surveyed_tasks(db.session, study)},
        domains=ordered_domains(study),
        weights=weights,
        forms=forms,
        bound=MAX_WEIGHT_CHANGE,
        crumbs=_crumbs(
            study,
            ("Analysis and blueprint", url_for("rds.analysis", study_id=study.id)),
            ("SME review", None),
        ),
    ), (400 if failed or judgment else 200)


@bp.route("/studies/<int:study_id>/analysis/review")
@roles_required(*STUDY_ROLES)
def analysis_review(study_id: int) -> Any:
    """The SME panel's post-survey review: borderline tasks, domain weights, cognitive levels."""
    return _review_page(study_for(study_id))


@bp.route("/studies/<int:study_id>/analysis/review/domains/<int:domain_id>", methods=["POST"])
@roles_required(*STUDY_ROLES)
def analysis_review_domain(study_id: int, domain_id: int) -> Any:
    study = study_for(study_id)
    domain = board_owned_or_404(Domain, domain_id, study.board_id, study_id=study.id)
    form = DomainReviewForm(prefix=f"d{domain.id}")
    if form.validate_on_submit():
        parts = (form.recall.data, form.application.data, form.analysis.data)
        levels = None
        if any(p is not None for p in parts):
            names = ("recall", "application", "analysis")
            levels = dict(zip(names, (p or 0 for p in parts), strict=True))
        change = float(form.change.data) if form.change.data is not None else None
        try:
            svc.review_domain(
                db.session, current_user, domain, change, form.reason.data or "", levels
            )
        except svc.AnalysisError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Review of {domain.name} saved; rerun the analysis to apply it.", "success")
            return redirect(
                url_for("rds.analysis_review", study_id=study.id) + f"#domain-{domain.id}"
            )
    return _review_page(study, (domain.id, form))


@bp.route("/studies/<int:study_id>/analysis/review/judgments", methods=["POST"])
@roles_required(*STUDY_ROLES)
def analysis_judgment(study_id: int) -> Any:
    """Record one judge's direct percent per domain (audited)."""
    study = study_for(study_id)
    form = WeightJudgmentForm()
    posted = {d.name: request.form.get(f"pct-{d.id}", "") for d in ordered_domains(study)}
    errors: dict[str, str] = {}
    message = ""
    if form.validate_on_submit():
        try:
            svc.record_judgment(
                db.session, current_user, study, form.judge.data, form.source.data, posted
            )
        except svc.AnalysisError as error:  # a JudgmentError names the domains' errors
            errors = getattr(error, "errors", {})
            if error.field:
                show_error(form, error)
            else:
                db.session.rollback()
                message = str(error)
        else:
            db.session.commit()
            flash(f"Weights judged by {form.judge.data.strip()} recorded.", "success")
            return redirect(url_for("rds.analysis_review", study_id=study.id) + "#judgments")
    return _review_page(study, judgment=(form, posted, errors, message))


@bp.route(
    "/studies/<int:study_id>/analysis/review/judgments/<int:judgment_id>/delete",
    methods=["POST"],
)
@roles_required(*STUDY_ROLES)
def analysis_judgment_delete(study_id: int, judgment_id: int) -> Any:
    study = study_for(study_id)
    judgment = board_owned_or_404(WeightJudgment, judgment_id, study.board_id, study_id=study.id)
    if DeleteJudgmentForm().validate_on_submit():
        try:
            svc.delete_judgment(db.session, current_user, judgment)
        except svc.AnalysisError as error:
            show_error(None, error)
        else:
            db.session.commit()
            flash(f"The judgment of {judgment.judge} was removed.", "success")
    return redirect(url_for("rds.analysis_review", study_id=study.id) + "#judgments")


@bp.route("/studies/<int:study_id>/analysis/<int:number>/charts/<name>.png")
@roles_required(*STUDY_ROLES)
def analysis_chart(study_id: int, number: int, name: str) -> Any:
    study = study_for(study_id)  # access is checked before any cache is read
    chart = exports.chart_of(db.session, study, _version(study, number), name)
    if chart is None:
        abort(404)
    if request.if_none_match.contains(chart.key):
        response = Response(status=304)
    else:
        response = Response(chart.png(chart_cache()), mimetype="image/png")
    response.set_etag(chart.key)
    # private: a study's charts are not for shared caches; a day, then revalidated by ETag
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _draw_charts(study: Study, version: BlueprintVersion) -> None:
    """Start drawing a new version's charts into the cache (RDS_CHART_WARM), so that they
    appear at once on the page the run redirects to."""
    folder = chart_cache()
    if folder is not None and current_app.config.get("RDS_CHART_WARM", True):
        exports.draw_in_background(exports.charts_of(db.session, study, version), folder)


def chart_cache() -> Path | None:
    """The folder of drawn charts (RDS_CHART_CACHE; None or empty turns the cache off)."""
    folder = current_app.config.get("RDS_CHART_CACHE", "")
    return Path(folder) if folder else None


@bp.route("/studies/<int:study_id>/analysis/<int:number>/blueprint.<any(csv, xlsx):fmt>")
@roles_required(*STUDY_ROLES)
def analysis_blueprint(study_id: int, number: int, fmt: str) -> Any:
    study = study_for(study_id)
    version = _version(study, number)
    name = f"blueprint-study{study.id}-v{version.version}.{fmt}"
    if fmt == "csv":
        header, rows = exports.blueprint_table(db.session, study, version)
        return stream_download(header, rows, name)
    return stream_book(exports.blueprint_sheets(db.session, study, version), name)


@bp.route("/studies/<int:study_id>/analysis/<int:number>/report.pdf")
@roles_required(*STUDY_ROLES)
def analysis_report(study_id: int, number: int) -> Any:
    study = study_for(study_id)
    version = _version(study, number)
    pdf = exports.report_pdf(db.session, study, version, utcnow())
    name = f"rds-report-study{study.id}-v{version.version}.pdf"
    return download(pdf, name, mimetype="application/pdf")
