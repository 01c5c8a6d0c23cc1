"""RDS views: the board's studies (list, CSV, new), scope import/export and cloning."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import roles_required
from core.exports import XLSX, download
from core.extensions import db
from core.viewhelpers import show_error
from rds import scope as svc
from rds.access import STUDY_ROLES, board_for_studies, editable, study_for
from rds.models import STUDY_STATUSES
from rds.scope_forms import CloneForm, ScopeImportForm, StudyForm
from rds.survey_io import SurveyFileError
from rds.views.scope import _to_editor
from rds.web import bp

# --- studies -------------------------------------------------------------------------------


@bp.route("/boards/<int:board_id>/studies")
@roles_required(*STUDY_ROLES)
def studies(board_id: int) -> Any:
    board = board_for_studies(board_id)
    filters = {"status": request.args.get("status", ""), "sort": request.args.get("sort", "")}
    page = svc.studies_page(db.session, board.id, request.args.get("page", 1, type=int), **filters)
    return render_template(
        "rds/scope/studies.html",
        board=board,
        page=page,
        filters=filters,
        statuses=STUDY_STATUSES,
        counts=svc.task_counts(db.session, [s.id for s in page.items]),
        credential_names=svc.credential_types(db.session, board.id),
    )


@bp.route("/boards/<int:board_id>/studies.csv")
@roles_required(*STUDY_ROLES)
def studies_csv(board_id: int) -> Any:
    board = board_for_studies(board_id)
    return download(svc.studies_csv(db.session, board.id), f"studies-{board.slug}.csv")


@bp.route("/boards/<int:board_id>/studies/new", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def study_new(board_id: int) -> Any:
    board = board_for_studies(board_id)
    form = StudyForm()
    form.credential_type_id.choices = [(0, "— none —")] + list(
        svc.credential_types(db.session, board.id).items()
    )
    if request.method == "GET":
        form.started_on.data = date.today()
    if form.validate_on_submit():
        try:
            study = svc.create_study(
                db.session,
                current_user,
                board,
                form.title.data,
                form.credential_type_id.data or None,
                form.purpose.data or "",
                form.started_on.data,
            )
        except svc.ScopeError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Study created. Describe the scope of service next.", "success")
            return redirect(url_for("rds.scope", study_id=study.id))
    return render_template("rds/scope/study_new.html", board=board, form=form)


# --- import, export, clone -----------------------------------------------------------------


@bp.route("/studies/<int:study_id>/scope/import", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def scope_import(study_id: int) -> Any:
    study = study_for(study_id)
    editable(study)
    form = ScopeImportForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = svc.import_scope(
                db.session,
                current_user,
                study,
                upload.read(),
                upload.filename or "upload",
                bool(form.replace.data),
            )
        except SurveyFileError as exc:
            db.session.rollback()
            problems = exc.problems
        except svc.ScopeError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(
                f"Imported {result['tasks']} task statements in {result['domains']} domains "
                f"and {result['ksas']} KSAs.",
                "success",
            )
            return _to_editor(study)
    return render_template(
        "rds/scope/import.html",
        study=study,
        form=form,
        problems=problems,
        existing=len(study.tasks),
    )


@bp.route("/studies/<int:study_id>/scope/tasks.<any(csv, xlsx):fmt>")
@roles_required(*STUDY_ROLES)
def scope_export(study_id: int, fmt: str) -> Any:
    study = study_for(study_id)
    if fmt == "csv":
        return download(svc.export_csv(db.session, study), "tasks.csv")
    return download(svc.export_xlsx(db.session, study), "tasks.xlsx", mimetype=XLSX)


@bp.route("/studies/<int:study_id>/clone", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def clone(study_id: int) -> Any:
    study = study_for(study_id)
    form = CloneForm()
    if request.method == "GET":
        form.started_on.data = date.today()
    if form.validate_on_submit():
        new = svc.clone_study(db.session, current_user, study, form.started_on.data)
        db.session.commit()
        flash(f"Version {new.version} created as a draft from version {study.version}.", "success")
        return redirect(url_for("rds.scope", study_id=new.id))
    dropped = sum(1 for t in study.tasks if t.sme_resolution == "drop")
    return render_template("rds/scope/clone.html", study=study, form=form, dropped=dropped)
