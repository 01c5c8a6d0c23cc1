"""Trainee pages: my details, my eligibility checklist, my applications and documents."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from certify import applications, bp, documents, eligibility
from certify.forms import DecisionForm, DocumentForm, ProfileForm
from certify.issued import held_by
from certify.models import Application, ApplicationDocument, CredentialType
from core.auth import ensure_board_access, roles_required
from core.extensions import db
from core.models import Board, Role
from core.viewhelpers import show_error

STAFF = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)


def _trainee_board() -> Board:
    """The board the trainee is working with (?board_id= when they have several)."""
    board_ids = sorted(current_user.board_ids(Role.TRAINEE))
    if not board_ids:
        abort(404)
    wanted = request.values.get("board_id", type=int) or board_ids[0]
    if wanted not in board_ids:
        abort(404)
    return db.get_or_404(Board, wanted)


def _own_application(application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    if application.trainee_id != current_user.id:
        abort(404)
    return application


@bp.route("/me/profile", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def my_profile() -> Any:
    board = _trainee_board()
    form = ProfileForm(obj=eligibility.profile_or_blank(db.session, board.id, current_user.id))
    if form.validate_on_submit():
        applications.update_profile(
            db.session,
            current_user,
            eligibility.profile_for(db.session, board.id, current_user.id),
            birth_date=form.birth_date.data,
            education=form.education.data or None,
            lived_experience=form.lived_experience.data,
            recovery_since=form.recovery_since.data,
            residency_attested=form.residency_attested.data,
            ethics_attested=form.ethics_attested.data,
        )
        db.session.commit()
        flash("Your details are saved. Your checklist is updated.", "success")
        return redirect(url_for("certify.my_eligibility", board_id=board.id))
    return render_template("certify/me/profile.html", form=form, board=board)


@bp.route("/me/certification")
@roles_required(Role.TRAINEE)
def my_eligibility() -> Any:
    board = _trainee_board()
    checklists = eligibility.checklists(db.session, board.id, current_user.id, date.today())
    return render_template(
        "certify/me/eligibility.html",
        board=board,
        checklists=checklists,
        my_applications=applications.for_trainee(db.session, current_user),
        held={
            c.credential_type_id: c
            for c in held_by(db.session, current_user.id)
            if c.status in ("active", "provisional")
        },
    )


@bp.route("/me/applications/start", methods=["POST"])
@roles_required(Role.TRAINEE)
def start_application() -> Any:
    ctype = db.get_or_404(CredentialType, request.form.get("credential_type_id", type=int))
    if ctype.board_id not in current_user.board_ids(Role.TRAINEE):
        abort(404)
    application = applications.start(db.session, current_user, ctype)
    db.session.commit()
    return redirect(url_for("certify.my_application", application_id=application.id))


@bp.route("/me/applications/<int:application_id>")
@login_required
def my_application(application_id: int) -> Any:
    application = _own_application(application_id)
    live = None
    if application.status in ("draft", "info_requested"):
        live = dict(
            eligibility.checklists(db.session, application.board_id, current_user.id, date.today())
        ).get(application.credential_type)
        db.session.commit()
    return render_template(
        "certify/me/application.html",
        application=application,
        live=live,
        labels=applications.STATUS_LABELS,
        document_form=DocumentForm(),
        decision_form=DecisionForm(),
    )


@bp.route("/me/applications/<int:application_id>/submit", methods=["POST"])
@login_required
def submit_application(application_id: int) -> Any:
    application = _own_application(application_id)
    try:
        applications.submit(db.session, application, current_user, date.today())
    except applications.WorkflowError as exc:
        show_error(None, exc)
    else:
        db.session.commit()
        flash("Application submitted. We emailed you a copy of what happens next.", "success")
    return redirect(url_for("certify.my_application", application_id=application.id))


@bp.route("/me/applications/<int:application_id>/withdraw", methods=["POST"])
@login_required
def withdraw_application(application_id: int) -> Any:
    application = _own_application(application_id)
    form = DecisionForm()
    if not form.confirm.data:
        flash("Tick the box to confirm that you want to withdraw.", "warning")
        return redirect(url_for("certify.my_application", application_id=application.id))
    try:
        applications.transition(
            db.session, application, "withdrawn", current_user, form.reason.data
        )
    except applications.WorkflowError as exc:
        show_error(None, exc)
    else:
        db.session.commit()
        flash("Application withdrawn.", "info")
    return redirect(url_for("certify.my_application", application_id=application.id))


@bp.route("/me/applications/<int:application_id>/documents", methods=["POST"])
@login_required
def upload_document(application_id: int) -> Any:
    application = _own_application(application_id)
    form = DocumentForm()
    if application.status not in ("draft", "info_requested", "submitted", "in_review"):
        flash("Documents can no longer be added to this application.", "warning")
    elif form.validate_on_submit():
        try:
            documents.save(
                db.session,
                application,
                current_user,
                form.kind.data,
                form.file.data.filename,
                form.file.data.stream,
            )
        except documents.DocumentError as exc:
            db.session.rollback()
            flash(f"{form.file.data.filename}: {exc}", "danger")
        else:
            db.session.commit()
            flash("Document uploaded.", "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(f"Upload: {error}", "danger")
    return redirect(url_for("certify.my_application", application_id=application.id))


@bp.route("/documents/<int:document_id>")
@login_required
def document(document_id: int) -> Any:
    """The file, for its owner and the board's staff only; never cached by the browser."""
    doc = db.get_or_404(ApplicationDocument, document_id)
    if doc.application.trainee_id != current_user.id:
        ensure_board_access(current_user, doc.board_id, *STAFF)
    response = send_file(
        documents.path_of(doc),
        mimetype=doc.content_type,
        download_name=doc.original_name,
        as_attachment=True,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
