"""RDS views: the SME workshop (panel, voting links, tally, resolutions) and the vote page."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import roles_required
from core.extensions import db, limiter
from core.viewhelpers import board_owned_or_404, show_error
from rds.access import STUDY_ROLES, editable, study_for, study_task
from rds.models import Study, SubjectMatterExpert, Task
from rds.scope.forms import ConfirmForm
from rds.scope.services import ordered_domains, ordered_tasks
from rds.web import bp
from rds.workshop import services as svc
from rds.workshop.forms import ResolveForm, SmeForm, SmeImportForm


def _sme(study: Study, sme_id: int) -> SubjectMatterExpert:
    return board_owned_or_404(SubjectMatterExpert, sme_id, study.board_id, study_id=study.id)


def _to_workshop(study: Study, anchor: str = "") -> Any:
    return redirect(url_for("rds.workshop", study_id=study.id) + (f"#{anchor}" if anchor else ""))


def _page(
    study: Study,
    sme_form: SmeForm | None = None,
    import_form: Any = None,
    problems: list[Any] | None = None,
) -> Any:
    return render_template(
        "rds/workshop/index.html",
        study=study,
        panel=svc.panel(db.session, study),
        votes=svc.votes_per_sme(db.session, study),
        progress=svc.progress(db.session, study),
        sme_form=sme_form or SmeForm(formdata=None),
        import_form=import_form or SmeImportForm(formdata=None),
        problems=problems or [],
        recommended=svc.RECOMMENDED_PANEL,
        frozen=study.status not in svc.VOTING_STATUSES,
    )


@bp.route("/studies/<int:study_id>/workshop")
@roles_required(*STUDY_ROLES)
def workshop(study_id: int) -> Any:
    return _page(study_for(study_id))


@bp.route("/studies/<int:study_id>/workshop/status", methods=["POST"])
@roles_required(*STUDY_ROLES)
def workshop_status(study_id: int) -> Any:
    study = study_for(study_id)
    editable(study)
    if ConfirmForm().validate_on_submit():
        try:
            svc.set_status(db.session, current_user, study, request.form.get("to", ""))
        except svc.WorkshopError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(f"The study is now in status “{study.status}”.", "success")
    return _to_workshop(study)


@bp.route("/studies/<int:study_id>/workshop/smes", methods=["POST"])
@roles_required(*STUDY_ROLES)
def sme_add(study_id: int) -> Any:
    study = study_for(study_id)
    editable(study)
    form = SmeForm()
    if form.validate_on_submit():
        try:
            sme = svc.add_sme(
                db.session,
                current_user,
                study,
                form.name.data,
                form.email.data,
                form.background.data or "",
                form.years_experience.data,
            )
        except svc.WorkshopError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"{sme.name} added to the panel.", "success")
            return _to_workshop(study, "panel")
    return _page(study, sme_form=form)


@bp.route("/studies/<int:study_id>/workshop/smes/import", methods=["POST"])
@roles_required(*STUDY_ROLES)
def sme_import(study_id: int) -> Any:
    study = study_for(study_id)
    editable(study)
    form = SmeImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            count = svc.import_smes(
                db.session, current_user, study, upload.read(), upload.filename or "upload"
            )
        except svc.SmeFileError as exc:
            db.session.rollback()
            return _page(study, import_form=form, problems=exc.problems)
        db.session.commit()
        flash(f"{count} experts added to the panel.", "success")
        return _to_workshop(study, "panel")
    return _page(study, import_form=form)


@bp.route("/studies/<int:study_id>/workshop/smes/<int:sme_id>/delete", methods=["POST"])
@roles_required(*STUDY_ROLES)
def sme_delete(study_id: int, sme_id: int) -> Any:
    study = study_for(study_id)
    sme = _sme(study, sme_id)
    editable(study)
    if ConfirmForm().validate_on_submit():
        svc.remove_sme(db.session, current_user, sme)
        db.session.commit()
        flash("Expert removed from the panel, with their votes.", "success")
    return _to_workshop(study, "panel")


def _send(study: Study, sme: SubjectMatterExpert | None) -> Any:
    editable(study)
    if ConfirmForm().validate_on_submit():
        try:
            count = svc.send_links(db.session, current_user, study, sme)
        except svc.WorkshopError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(f"Voting link emailed to {count} expert{'s' if count != 1 else ''}.", "success")
    return _to_workshop(study, "panel")


@bp.route("/studies/<int:study_id>/workshop/links", methods=["POST"])
@roles_required(*STUDY_ROLES)
def sme_links(study_id: int) -> Any:
    return _send(study_for(study_id), None)


@bp.route("/studies/<int:study_id>/workshop/smes/<int:sme_id>/link", methods=["POST"])
@roles_required(*STUDY_ROLES)
def sme_link(study_id: int, sme_id: int) -> Any:
    study = study_for(study_id)
    return _send(study, _sme(study, sme_id))


# --- tally and resolutions -----------------------------------------------------------------


def _tally_page(study: Study, failed: tuple[int, ResolveForm] | None = None) -> Any:
    show = request.args.get("show", "")
    groups = svc.tally(db.session, study)
    forms = {}
    for _, entries in groups:
        for entry in entries:
            task = entry.task
            forms[task.id] = ResolveForm(
                formdata=None,
                prefix=f"t{task.id}",
                resolution=task.sme_resolution or entry.majority or "keep",
                statement=task.statement,
                note=task.sme_note or "",
            )
    if failed:
        forms[failed[0]] = failed[1]
    if show == "unresolved":
        groups = [(d, [e for e in es if e.task.sme_resolution is None]) for d, es in groups]
    return render_template(
        "rds/workshop/tally.html",
        study=study,
        groups=groups,
        forms=forms,
        show=show,
        progress=svc.progress(db.session, study),
        frozen=study.status not in svc.VOTING_STATUSES,
    )


@bp.route("/studies/<int:study_id>/workshop/tally")
@roles_required(*STUDY_ROLES)
def workshop_tally(study_id: int) -> Any:
    return _tally_page(study_for(study_id))


@bp.route("/studies/<int:study_id>/workshop/tasks/<int:task_id>/resolve", methods=["POST"])
@roles_required(*STUDY_ROLES)
def task_resolve(study_id: int, task_id: int) -> Any:
    study = study_for(study_id)
    task: Task = study_task(study, task_id)
    editable(study)
    form = ResolveForm(prefix=f"t{task.id}")
    if form.validate_on_submit():
        try:
            svc.resolve_task(
                db.session,
                current_user,
                task,
                form.resolution.data,
                form.statement.data or "",
                form.note.data or "",
            )
        except svc.WorkshopError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"Task {task.code}: {task.sme_resolution}.", "success")
            show = request.args.get("show") or None
            return redirect(
                url_for("rds.workshop_tally", study_id=study.id, show=show) + f"#task-{task.id}"
            )
    return _tally_page(study, (task.id, form))


# --- the public vote page ------------------------------------------------------------------


@bp.route("/workshop/vote/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"])
def workshop_vote(token: str) -> Any:
    sme = svc.sme_for_token(db.session, token)
    if sme is None:
        return render_template("rds/workshop/vote_closed.html", unknown=True), 404
    study = svc.study_of(db.session, sme)
    if study.status not in svc.VOTING_STATUSES:
        return render_template("rds/workshop/vote_closed.html", unknown=False, study=study), 410
    errors: dict[int, str] = {}
    if request.method == "POST" and not ConfirmForm().validate_on_submit():
        flash("Your votes were not saved: the page had expired. Please vote again.", "warning")
    elif request.method == "POST":
        try:
            count = svc.save_votes(db.session, sme, request.form)
        except svc.BallotError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash(
                f"Thank you — {count} votes saved. You can change them until the workshop closes.",
                "success",
            )
            return redirect(url_for("rds.workshop_vote", token=token))
    votes = svc.ballot(db.session, sme)
    posted = request.form if request.method == "POST" else None
    return render_template(
        "rds/workshop/vote.html",
        study=study,
        sme=sme,
        domains=[(d, ordered_tasks(d)) for d in ordered_domains(study)],
        votes=votes,
        posted=posted,
        errors=errors,
    )
