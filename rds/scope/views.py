"""RDS views: the board's studies, the scope of service editor, scope import/export, cloning."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from core.auth import roles_required
from core.exports import stream_download
from core.extensions import db
from core.models import Board, Role, User
from core.viewhelpers import board_owned_or_404, show_error
from rds.access import STUDY_ROLES, board_for_studies, editable, study_for, study_task
from rds.models import KSA, STUDY_STATUSES, Domain, Study
from rds.scope import services as svc
from rds.scope import studies as board_studies
from rds.scope import transfer
from rds.scope.forms import (
    CloneForm,
    ConfirmForm,
    DomainForm,
    FactsForm,
    KsaForm,
    MoveForm,
    ScopeImportForm,
    StudyForm,
    TaskEditForm,
    TaskForm,
)
from rds.survey.io import SurveyFileError
from rds.web import bp


@bp.app_template_global("rds_attention")
def _attention(user: User) -> list[board_studies.Attention]:
    return board_studies.attention(db.session, user.board_ids(Role.PSYCHOMETRICIAN), date.today())


@bp.app_template_global("rds_current_studies")
def _current(board: Board) -> list[board_studies.CurrentStudy]:
    return board_studies.current_studies(db.session, board.id, date.today())


@bp.app_template_global("rds_works_on_studies")
def _works_on(board_id: int) -> bool:
    return current_user.is_platform_admin or current_user.has_role(*STUDY_ROLES, board_id=board_id)


@bp.app_template_global("rds_crumbs")
def _crumbs(study: Study, *tail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [
        ("Dashboard", url_for("core.dashboard")),
        (study.board.name, url_for("core.board", board_id=study.board_id)),
        ("Studies", url_for("rds.studies", board_id=study.board_id)),
        (f"{study.title} v{study.version}", url_for("rds.scope", study_id=study.id)),
        *tail,
    ]


@bp.errorhandler(409)
def _conflict(error: Any) -> Any:
    return render_template("rds/scope/frozen.html", error=error), 409


def _domain(study: Study, domain_id: int) -> Domain:
    return board_owned_or_404(Domain, domain_id, study.board_id, study_id=study.id)


def _ksa(study: Study, ksa_id: int) -> KSA:
    return board_owned_or_404(KSA, ksa_id, study.board_id, study_id=study.id)


def _to_editor(study: Study, anchor: str = "") -> Any:
    return redirect(url_for("rds.scope", study_id=study.id) + (f"#{anchor}" if anchor else ""))


# --- studies -------------------------------------------------------------------------------


@bp.route("/boards/<int:board_id>/studies")
@roles_required(*STUDY_ROLES)
def studies(board_id: int) -> Any:
    board = board_for_studies(board_id)
    filters = {"status": request.args.get("status", ""), "sort": request.args.get("sort", "")}
    page = board_studies.studies_page(
        db.session, board.id, request.args.get("page", 1, type=int), **filters
    )
    return render_template(
        "rds/scope/studies.html",
        board=board,
        page=page,
        filters=filters,
        statuses=STUDY_STATUSES,
        counts=board_studies.task_counts(db.session, [s.id for s in page.items]),
        credential_names=board_studies.credential_types(db.session, board.id),
    )


@bp.route("/boards/<int:board_id>/studies.csv")
@roles_required(*STUDY_ROLES)
def studies_csv(board_id: int) -> Any:
    board = board_for_studies(board_id)
    header, rows = board_studies.studies_rows(db.session, board.id)
    return stream_download(header, rows, f"studies-{board.slug}.csv")


@bp.route("/boards/<int:board_id>/studies/new", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def study_new(board_id: int) -> Any:
    board = board_for_studies(board_id)
    form = StudyForm()
    form.credential_type_id.choices = [(0, "— none —")] + list(
        board_studies.credential_types(db.session, board.id).items()
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


# --- the scope editor ----------------------------------------------------------------------


def _editor(study: Study, failed: dict[str, FlaskForm] | None = None) -> Any:
    failed = failed or {}
    domains = svc.ordered_domains(study)
    add_task = {
        d.id: failed.get(f"task-{d.id}")
        or TaskForm(formdata=None, prefix=f"d{d.id}", code=svc.suggest_task_code(study, d))
        for d in domains
    }
    rename = {
        d.id: failed.get(f"rename-{d.id}")
        or DomainForm(formdata=None, prefix=f"r{d.id}", name=d.name)
        for d in domains
    }
    return render_template(
        "rds/scope/editor.html",
        study=study,
        domains=domains,
        ksas=svc.study_ksas(db.session, study),
        facts=failed.get("facts") or FactsForm(formdata=None, obj=study),
        new_domain=failed.get("domain") or DomainForm(formdata=None),
        add_task=add_task,
        rename=rename,
        frozen=study.status not in ("draft", "workshop"),
        credential=board_studies.credential_types(db.session, study.board_id).get(
            study.credential_type_id or 0
        ),
        previous=db.session.get(Study, study.previous_id) if study.previous_id else None,
    )


@bp.route("/studies/<int:study_id>/scope", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def scope(study_id: int) -> Any:
    study = study_for(study_id)
    if request.method == "GET":
        return _editor(study)
    editable(study)
    form = FactsForm()
    if form.validate_on_submit():
        svc.update_facts(
            db.session,
            current_user,
            study,
            form.target_audience.data or "",
            form.minimum_requirements.data or "",
        )
        db.session.commit()
        flash("Target audience and minimum requirements saved.", "success")
        return _to_editor(study)
    return _editor(study, {"facts": form})


@bp.route("/studies/<int:study_id>/scope/domains", methods=["POST"])
@roles_required(*STUDY_ROLES)
def domain_add(study_id: int) -> Any:
    study = study_for(study_id)
    editable(study)
    form = DomainForm()
    if form.validate_on_submit():
        try:
            domain = svc.add_domain(db.session, current_user, study, form.name.data)
        except svc.ScopeError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"Domain “{domain.name}” added.", "success")
            return _to_editor(study, f"domain-{domain.id}")
    return _editor(study, {"domain": form})


@bp.route("/studies/<int:study_id>/scope/domains/<int:domain_id>/rename", methods=["POST"])
@roles_required(*STUDY_ROLES)
def domain_rename(study_id: int, domain_id: int) -> Any:
    study = study_for(study_id)
    domain = _domain(study, domain_id)
    editable(study)
    form = DomainForm(prefix=f"r{domain.id}")
    if form.validate_on_submit():
        try:
            svc.rename_domain(db.session, current_user, domain, form.name.data)
        except svc.ScopeError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Domain renamed.", "success")
            return _to_editor(study, f"domain-{domain.id}")
    return _editor(study, {f"rename-{domain.id}": form})


@bp.route("/studies/<int:study_id>/scope/domains/<int:domain_id>/move", methods=["POST"])
@roles_required(*STUDY_ROLES)
def domain_move(study_id: int, domain_id: int) -> Any:
    study = study_for(study_id)
    domain = _domain(study, domain_id)
    editable(study)
    form = MoveForm()
    if form.validate_on_submit():
        svc.move_domain(db.session, current_user, domain, form.direction.data)
        db.session.commit()
    return _to_editor(study, f"domain-{domain.id}")


@bp.route("/studies/<int:study_id>/scope/domains/<int:domain_id>/delete", methods=["POST"])
@roles_required(*STUDY_ROLES)
def domain_delete(study_id: int, domain_id: int) -> Any:
    study = study_for(study_id)
    domain = _domain(study, domain_id)
    editable(study)
    if ConfirmForm().validate_on_submit():
        try:
            svc.delete_domain(db.session, current_user, domain)
        except svc.ScopeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash("Domain deleted.", "success")
    return _to_editor(study, "domains")


@bp.route("/studies/<int:study_id>/scope/domains/<int:domain_id>/tasks", methods=["POST"])
@roles_required(*STUDY_ROLES)
def task_add(study_id: int, domain_id: int) -> Any:
    study = study_for(study_id)
    domain = _domain(study, domain_id)
    editable(study)
    form = TaskForm(prefix=f"d{domain.id}")
    if form.validate_on_submit():
        try:
            task = svc.add_task(
                db.session, current_user, study, domain, form.code.data, form.statement.data
            )
        except svc.ScopeError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"Task {task.code} added.", "success")
            return _to_editor(study, f"domain-{domain.id}")
    return _editor(study, {f"task-{domain.id}": form})


@bp.route("/studies/<int:study_id>/scope/tasks/<int:task_id>", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def task_edit(study_id: int, task_id: int) -> Any:
    study = study_for(study_id)
    task = study_task(study, task_id)
    form = TaskEditForm(obj=task)
    domains = {d.id: d for d in svc.ordered_domains(study)}
    form.domain_id.choices = [(d.id, d.name) for d in domains.values()]
    if request.method == "POST":
        editable(study)
    if form.validate_on_submit():
        try:
            svc.update_task(
                db.session,
                current_user,
                task,
                form.code.data,
                form.statement.data,
                domains[form.domain_id.data],
            )
        except svc.ScopeError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"Task {task.code} saved.", "success")
            return _to_editor(study, f"task-{task.id}")
    frozen = study.status not in ("draft", "workshop")
    return render_template(
        "rds/scope/task_edit.html", study=study, task=task, form=form, frozen=frozen
    )


@bp.route("/studies/<int:study_id>/scope/tasks/<int:task_id>/move", methods=["POST"])
@roles_required(*STUDY_ROLES)
def task_move(study_id: int, task_id: int) -> Any:
    study = study_for(study_id)
    task = study_task(study, task_id)
    editable(study)
    form = MoveForm()
    if form.validate_on_submit():
        svc.move_task(db.session, current_user, task, form.direction.data)
        db.session.commit()
    return _to_editor(study, f"task-{task.id}")


@bp.route("/studies/<int:study_id>/scope/tasks/<int:task_id>/delete", methods=["POST"])
@roles_required(*STUDY_ROLES)
def task_delete(study_id: int, task_id: int) -> Any:
    study = study_for(study_id)
    task = study_task(study, task_id)
    editable(study)
    domain_id, code = task.domain_id, task.code
    if ConfirmForm().validate_on_submit():
        svc.delete_task(db.session, current_user, task)
        db.session.commit()
        flash(f"Task {code} deleted.", "success")
    return _to_editor(study, f"domain-{domain_id}")


# --- KSAs ----------------------------------------------------------------------------------


def _ksa_page(study: Study, ksa: KSA | None) -> Any:
    form = KsaForm(obj=ksa)
    form.task_ids.choices = [
        (t.id, f"{t.code} — {t.statement}")
        for d in svc.ordered_domains(study)
        for t in svc.ordered_tasks(d)
    ]
    if request.method == "GET":
        if ksa is None:
            kind = request.args.get("kind", "knowledge")
            form.kind.data = kind if kind in ("knowledge", "skill", "ability") else "knowledge"
            form.code.data = svc.suggest_ksa_code(db.session, study, form.kind.data)
        else:
            form.task_ids.data = [t.id for t in ksa.tasks]
    else:
        editable(study)
    if form.validate_on_submit():
        try:
            saved = svc.save_ksa(
                db.session,
                current_user,
                study,
                ksa,
                form.code.data,
                form.kind.data,
                form.statement.data,
                form.task_ids.data or [],
            )
        except svc.ScopeError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"KSA {saved.code} saved.", "success")
            return _to_editor(study, "ksas")
    frozen = study.status not in ("draft", "workshop")
    return render_template(
        "rds/scope/ksa_edit.html", study=study, ksa=ksa, form=form, frozen=frozen
    )


@bp.route("/studies/<int:study_id>/scope/ksas/new", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def ksa_new(study_id: int) -> Any:
    return _ksa_page(study_for(study_id), None)


@bp.route("/studies/<int:study_id>/scope/ksas/<int:ksa_id>", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def ksa_edit(study_id: int, ksa_id: int) -> Any:
    study = study_for(study_id)
    return _ksa_page(study, _ksa(study, ksa_id))


@bp.route("/studies/<int:study_id>/scope/ksas/<int:ksa_id>/delete", methods=["POST"])
@roles_required(*STUDY_ROLES)
def ksa_delete(study_id: int, ksa_id: int) -> Any:
    study = study_for(study_id)
    ksa = _ksa(study, ksa_id)
    editable(study)
    if ConfirmForm().validate_on_submit():
        svc.delete_ksa(db.session, current_user, ksa)
        db.session.commit()
        flash("KSA deleted.", "success")
    return _to_editor(study, "ksas")


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
            result = transfer.import_scope(
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
    header, rows = transfer.export_rows(db.session, study)
    return stream_download(header, rows, "tasks.csv", fmt, sheet="tasks")


@bp.route("/studies/<int:study_id>/clone", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def clone(study_id: int) -> Any:
    study = study_for(study_id)
    form = CloneForm()
    if request.method == "GET":
        form.started_on.data = date.today()
    if form.validate_on_submit():
        new = transfer.clone_study(db.session, current_user, study, form.started_on.data)
        db.session.commit()
        flash(f"Version {new.version} created as a draft from version {study.version}.", "success")
        return redirect(url_for("rds.scope", study_id=new.id))
    dropped = sum(1 for t in study.tasks if t.sme_resolution == "drop")
    return render_template("rds/scope/clone.html", study=study, form=form, dropped=dropped)
