"""RDS views: validation survey setup, progress, invitations, import and export (staff)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from core.auth import roles_required
from core.boards import paginate
from core.exports import stream_download
from core.extensions import db
from core.models import utcnow
from core.urls import external_url
from core.viewhelpers import board_owned_or_404, show_error
from rds.access import STUDY_ROLES, study_for
from rds.models import DemographicQuestion, Study
from rds.survey import invitations, response_files
from rds.survey import services as svc
from rds.survey.forms import (
    CloseSurveyForm,
    DefaultQuestionsForm,
    DeleteForm,
    InvitationUploadForm,
    MoveForm,
    OpenSurveyForm,
    QuestionForm,
    ReminderForm,
    ResponsesImportForm,
    SurveySettingsForm,
    lines,
)
from rds.web import bp


@bp.app_template_global("survey_crumbs")
def survey_crumbs(study: Study, *more: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    """Breadcrumbs from the dashboard through the board and study to a survey page."""
    crumbs: list[tuple[str, str | None]] = [
        ("Dashboard", url_for("core.dashboard")),
        (study.board.name, url_for("core.board", board_id=study.board_id)),
    ]
    # The scope pages live in another view module; link them when they are registered.
    if "rds.studies" in current_app.view_functions:
        crumbs.append(("Studies", url_for("rds.studies", board_id=study.board_id)))
    if "rds.scope" in current_app.view_functions:
        crumbs.append((f"{study.title} v{study.version}", url_for("rds.scope", study_id=study.id)))
    crumbs.append(("Validation survey", url_for("rds.survey_setup", study_id=study.id)))
    return crumbs + list(more)


@bp.app_template_global("rds_interim")
def interim_badge(version: Any) -> Markup:
    """A badge naming a blueprint version run while the survey was open (empty otherwise)."""
    label = svc.interim_label(version.study, version.options) if version is not None else None
    if label is None:
        return Markup("")
    return Markup(' <span class="badge text-bg-warning" data-testid="interim">{}</span>').format(
        label
    )


@bp.app_template_global("rds_survey_progress")
def survey_progress_for(study: Study) -> svc.SurveyProgress:
    """Live survey progress for panels elsewhere ("212 of 323 responses needed")."""
    return svc.survey_progress(db.session, study)


def _question(study: Study, question_id: int) -> DemographicQuestion:
    return board_owned_or_404(DemographicQuestion, question_id, study.board_id, study_id=study.id)


def _settings_form(study: Study) -> SurveySettingsForm:
    return SurveySettingsForm(
        formdata=None,
        opens_on=study.survey_opens_on,
        closes_on=study.survey_closes_on,
        incumbents=study.incumbents,
        min_respondents=study.min_respondents,
        importance_anchors="\n".join(study.importance_anchors),
        frequency_anchors="\n".join(study.frequency_anchors),
    )


def _render_setup(study: Study, status: int = 200, **forms: Any) -> Any:
    progress = svc.survey_progress(db.session, study)
    close_form = forms.pop("close_form", None) or CloseSurveyForm(
        formdata=None, missing=svc.missing_responses(progress)
    )
    close_form.confirm.label.text = svc.closing_confirmation(progress)
    close_form.missing.data = svc.missing_responses(progress)
    context = {
        "settings_form": _settings_form(study),
        "question_form": QuestionForm(formdata=None),
        "defaults_form": DefaultQuestionsForm(formdata=None),
        "move_form": MoveForm(formdata=None),
        "open_form": OpenSurveyForm(formdata=None),
        "close_form": close_form,
        **forms,
    }
    return render_template(
        "rds/survey/setup.html",
        study=study,
        progress=progress,
        missing=svc.missing_responses(progress),
        duplicated=svc.duplicated_count(db.session, study),
        questions=svc.questions_of(db.session, study),
        pages=svc.survey_pages(db.session, study),
        minutes=svc.estimated_minutes(db.session, study),
        refusal=svc.refusal(study, utcnow().date()),
        locked=svc.content_locked(db.session, study),
        public_url=external_url("rds.survey_public", public_token=study.public_token)
        if study.public_token
        else None,
        **context,
    ), status


@bp.route("/studies/<int:study_id>/survey", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def survey_setup(study_id: int) -> Any:
    study = study_for(study_id)
    form = SurveySettingsForm()
    if form.validate_on_submit():
        try:
            svc.update_settings(
                db.session,
                current_user,
                study,
                form.opens_on.data,
                form.closes_on.data,
                form.incumbents.data,
                lines(form.importance_anchors.data),
                lines(form.frequency_anchors.data),
                form.min_respondents.data,
            )
        except svc.SurveyError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Survey settings saved.", "success")
            return redirect(url_for(".survey_setup", study_id=study.id))
    if request.method == "POST":
        return _render_setup(study, 400, settings_form=form)
    return _render_setup(study)


@bp.route("/studies/<int:study_id>/survey/questions", methods=["POST"])
@roles_required(*STUDY_ROLES)
def survey_question_add(study_id: int) -> Any:
    study = study_for(study_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            svc.save_question(
                db.session,
                current_user,
                study,
                form.key.data,
                form.label.data,
                lines(form.options.data),
            )
        except svc.SurveyError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Question “{form.label.data}” added.", "success")
            return redirect(url_for(".survey_setup", study_id=study.id) + "#questions")
    return _render_setup(study, 400, question_form=form)


@bp.route("/studies/<int:study_id>/survey/questions/defaults", methods=["POST"])
@roles_required(*STUDY_ROLES)
def survey_question_defaults(study_id: int) -> Any:
    study = study_for(study_id)
    if DefaultQuestionsForm().validate_on_submit():
        try:
            added = svc.add_default_questions(db.session, current_user, study)
        except svc.SurveyError as error:
            show_error(None, error)
        else:
            db.session.commit()
            flash(f"{added} default question{'s' if added != 1 else ''} added.", "success")
    return redirect(url_for(".survey_setup", study_id=study.id) + "#questions")


@bp.route("/studies/<int:study_id>/survey/questions/<int:question_id>", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def survey_question_edit(study_id: int, question_id: int) -> Any:
    study = study_for(study_id)
    question = _question(study, question_id)
    form = QuestionForm(key=question.key, label=question.label, options="\n".join(question.options))
    if form.validate_on_submit():
        try:
            svc.save_question(
                db.session,
                current_user,
                study,
                form.key.data,
                form.label.data,
                lines(form.options.data),
                question,
            )
        except svc.SurveyError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Question saved.", "success")
            return redirect(url_for(".survey_setup", study_id=study.id) + "#questions")
    return render_template(
        "rds/survey/question_edit.html",
        study=study,
        question=question,
        form=form,
        delete_form=DeleteForm(formdata=None),
    ), (400 if request.method == "POST" else 200)


@bp.route("/studies/<int:study_id>/survey/questions/<int:question_id>/move", methods=["POST"])
@roles_required(*STUDY_ROLES)
def survey_question_move(study_id: int, question_id: int) -> Any:
    study = study_for(study_id)
    question = _question(study, question_id)
    form = MoveForm()
    if form.validate_on_submit():
        try:
            svc.move_question(db.session, current_user, study, question, form.direction.data)
        except svc.SurveyError as error:
            show_error(None, error)
        else:
            db.session.commit()
    return redirect(url_for(".survey_setup", study_id=study.id) + "#questions")


@bp.route("/studies/<int:study_id>/survey/questions/<int:question_id>/delete", methods=["POST"])
@roles_required(*STUDY_ROLES)
def survey_question_delete(study_id: int, question_id: int) -> Any:
    study = study_for(study_id)
    question = _question(study, question_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        flash("Tick the box to confirm the deletion.", "danger")
        return redirect(
            url_for(".survey_question_edit", study_id=study.id, question_id=question.id)
        )
    try:
        svc.delete_question(db.session, current_user, study, question)
    except svc.SurveyError as error:
        show_error(None, error)
    else:
        db.session.commit()
        flash("Question deleted.", "success")
    return redirect(url_for(".survey_setup", study_id=study.id) + "#questions")


@bp.route("/studies/<int:study_id>/survey/open", methods=["POST"])
@roles_required(*STUDY_ROLES)
def survey_open(study_id: int) -> Any:
    study = study_for(study_id)
    form = OpenSurveyForm()
    if form.validate_on_submit():
        try:
            svc.open_survey(db.session, current_user, study, utcnow().date(), form.note.data or "")
        except svc.SurveyError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("The survey is open. Share the public link or send invitations.", "success")
            return redirect(url_for(".survey_setup", study_id=study.id))
    return _render_setup(study, 400, open_form=form)


@bp.route("/studies/<int:study_id>/survey/close", methods=["POST"])
@roles_required(*STUDY_ROLES)
def survey_close(study_id: int) -> Any:
    study = study_for(study_id)
    form = CloseSurveyForm()
    if form.validate_on_submit():
        try:
            svc.close_survey(
                db.session,
                current_user,
                study,
                utcnow().date(),
                form.reason.data,
                form.missing.data,
            )
        except svc.SurveyError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("The survey is closed. Its responses are ready for the analysis.", "success")
            return redirect(url_for(".survey_setup", study_id=study.id))
    return _render_setup(study, 400, close_form=form)


def _render_invitations(study: Study, status: int = 200, **extra: Any) -> Any:
    state = request.args.get("state", "")
    page = paginate(
        db.session,
        invitations.invitations_query(study, state),
        request.args.get("page", 1, type=int),
    )
    context = {
        "upload_form": InvitationUploadForm(formdata=None),
        "reminder_form": ReminderForm(formdata=None),
        "problems": [],
        "notes": [],
        **extra,
    }
    return render_template(
        "rds/survey/invitations.html",
        study=study,
        page=page,
        state=state,
        progress=svc.survey_progress(db.session, study),
        refusal=svc.refusal(study, utcnow().date()),
        **context,
    ), status


@bp.route("/studies/<int:study_id>/survey/invitations", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def survey_invitations(study_id: int) -> Any:
    study = study_for(study_id)
    form = InvitationUploadForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return _render_invitations(study, status, upload_form=form)
    upload = form.file.data
    try:
        sent, notes = invitations.invite(
            db.session, current_user, study, upload.read(), upload.filename or "upload", utcnow()
        )
    except svc.SurveyImportError as error:
        db.session.rollback()
        return _render_invitations(study, 400, upload_form=form, problems=error.problems)
    except svc.SurveyError as error:
        show_error(None, error)
        return _render_invitations(study, 400, upload_form=form)
    db.session.commit()
    flash(f"{sent} invitation{'s' if sent != 1 else ''} queued for sending.", "success")
    return _render_invitations(study, notes=notes)


@bp.route("/studies/<int:study_id>/survey/reminders", methods=["POST"])
@roles_required(*STUDY_ROLES)
def survey_reminders(study_id: int) -> Any:
    study = study_for(study_id)
    if ReminderForm().validate_on_submit():
        try:
            count = invitations.send_reminders(db.session, current_user, study, utcnow())
        except svc.SurveyError as error:
            show_error(None, error)
        else:
            db.session.commit()
            flash(f"{count} reminder{'s' if count != 1 else ''} queued for sending.", "success")
    return redirect(url_for(".survey_invitations", study_id=study.id))


@bp.route("/studies/<int:study_id>/survey/import", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def survey_import(study_id: int) -> Any:
    study = study_for(study_id)
    form = ResponsesImportForm()
    problems: list[Any] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            count = response_files.import_responses(
                db.session,
                current_user,
                study,
                upload.read(),
                upload.filename or "upload",
                utcnow().date(),
            )
        except svc.SurveyImportError as error:
            db.session.rollback()
            problems = error.problems
        except svc.SurveyError as error:
            show_error(None, error)
        else:
            db.session.commit()
            flash(f"{count} response{'s' if count != 1 else ''} imported.", "success")
            return redirect(url_for(".survey_setup", study_id=study.id))
    return render_template(
        "rds/survey/import.html",
        study=study,
        form=form,
        problems=problems,
        questions=svc.questions_of(db.session, study),
        tasks=svc.surveyed_tasks(db.session, study),
    ), (400 if request.method == "POST" else 200)


@bp.route("/studies/<int:study_id>/survey/export.csv")
@roles_required(*STUDY_ROLES)
def survey_export_csv(study_id: int) -> Any:
    study = study_for(study_id)
    name = f"responses-study-{study.id}-v{study.version}.csv"
    header, rows = response_files.export_rows(db.session, study)
    return stream_download(header, rows, name, lineterminator="\n")


@bp.route("/studies/<int:study_id>/survey/export.xlsx")
@roles_required(*STUDY_ROLES)
def survey_export_xlsx(study_id: int) -> Any:
    study = study_for(study_id)
    name = f"responses-study-{study.id}-v{study.version}.xlsx"
    header, rows = response_files.export_rows(db.session, study)
    return stream_download(header, rows, name, "xlsx", sheet="responses")
