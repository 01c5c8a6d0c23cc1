"""Board staff: the application review queue, one application, decisions and issuing."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from certify import applications, bp, credentials, documents, eligibility
from certify.forms import DecisionForm, IssueForm, StaffFactsForm
from certify.issued import endorsement_choices
from certify.models import Application, ApplicationDocument
from core.auth import ensure_board_access, roles_required
from core.boards import paginate
from core.exports import csv_text, download
from core.extensions import db
from core.models import Board, Role
from core.viewhelpers import child_or_404, show_error

STAFF = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)


def _board(board_id: int) -> Board:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    return board


def _application(board: Board, application_id: int) -> Application:
    return child_or_404(Application, application_id, board_id=board.id)


@bp.route("/boards/<int:board_id>/applications")
@roles_required(*STAFF)
def review_queue(board_id: int) -> Any:
    board = _board(board_id)
    status, search = request.args.get("status", ""), request.args.get("q", "").strip()
    query = applications.queue_query(board.id, status, search)
    if request.args.get("format") == "csv":
        header = ["id", "applicant", "email", "credential", "status", "submitted_at"]
        rows = (
            [
                a.id,
                a.trainee.full_name,
                a.trainee.email,
                a.credential_type.name,
                a.status,
                a.submitted_at.isoformat() if a.submitted_at else "",
            ]
            for a in db.session.execute(query).scalars()
        )
        return download(csv_text(header, rows), f"{board.slug}-applications.csv")
    page = paginate(db.session, query, request.args.get("page", 1, type=int))
    return render_template(
        "certify/review/queue.html",
        board=board,
        page=page,
        status=status,
        search=search,
        labels=applications.STATUS_LABELS,
    )


@bp.route("/boards/<int:board_id>/applications/<int:application_id>")
@roles_required(*STAFF)
def review_application(board_id: int, application_id: int) -> Any:
    board = _board(board_id)
    application = _application(board, application_id)
    profile = eligibility.profile_or_blank(db.session, board.id, application.trainee_id)
    live = dict(
        eligibility.checklists(db.session, board.id, application.trainee_id, date.today())
    ).get(application.credential_type)
    issue_form = IssueForm()
    issue_form.endorsements.choices = endorsement_choices(db.session, board.id)
    return render_template(
        "certify/review/application.html",
        board=board,
        application=application,
        live=live,
        facts_form=StaffFactsForm(obj=profile),
        decision_form=DecisionForm(),
        issue_form=issue_form,
        labels=applications.STATUS_LABELS,
        transitions=applications.TRANSITIONS[application.status],
    )


@bp.route("/boards/<int:board_id>/applications/<int:application_id>/decide", methods=["POST"])
@roles_required(*STAFF)
def decide_application(board_id: int, application_id: int) -> Any:
    board = _board(board_id)
    application = _application(board, application_id)
    form = DecisionForm()
    final = form.target.data in ("denied", "approved", "approved_for_exam")
    if form.validate_on_submit() and (form.confirm.data or not final):
        try:
            applications.transition(
                db.session, application, form.target.data, current_user, form.reason.data
            )
        except applications.WorkflowError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(
                f"Application is now {applications.STATUS_LABELS[application.status]}; "
                "the applicant was emailed.",
                "success",
            )
    else:
        flash("Tick the box to confirm this decision.", "warning")
    return redirect(
        url_for("certify.review_application", board_id=board.id, application_id=application.id)
    )


@bp.route("/boards/<int:board_id>/applications/<int:application_id>/facts", methods=["POST"])
@roles_required(*STAFF)
def record_facts(board_id: int, application_id: int) -> Any:
    board = _board(board_id)
    application = _application(board, application_id)
    form = StaffFactsForm()
    if form.validate_on_submit():
        profile = eligibility.profile_for(db.session, board.id, application.trainee_id)
        applications.record_staff_facts(
            db.session,
            current_user,
            profile,
            background_check_cleared=form.background_check_cleared.data,
            fee_received=form.fee_received.data,
            exam_passed=form.exam_passed.data,
            reciprocity_verified=form.reciprocity_verified.data,
        )
        db.session.commit()
        flash("Board records saved.", "success")
    return redirect(
        url_for("certify.review_application", board_id=board.id, application_id=application.id)
    )


@bp.route("/boards/<int:board_id>/documents")
@roles_required(*STAFF)
def document_queue(board_id: int) -> Any:
    """Uploaded documents waiting for a reviewer (or all, by status)."""
    board = _board(board_id)
    status = request.args.get("status", "pending")
    query = documents.board_documents(board.id, status)
    page = paginate(db.session, query, request.args.get("page", 1, type=int))
    return render_template("certify/review/documents.html", board=board, page=page, status=status)


@bp.route(
    "/boards/<int:board_id>/documents/<int:document_id>/<any(accepted, rejected):status>",
    methods=["POST"],
)
@roles_required(*STAFF)
def review_document(board_id: int, document_id: int, status: str) -> Any:
    board = _board(board_id)
    doc = child_or_404(ApplicationDocument, document_id, board_id=board.id)
    documents.review(db.session, doc, current_user, status)
    db.session.commit()
    flash(f"{doc.original_name} {status}.", "success")
    return redirect(
        url_for("certify.review_application", board_id=board.id, application_id=doc.application_id)
    )


@bp.route("/boards/<int:board_id>/applications/<int:application_id>/issue", methods=["POST"])
@roles_required(*STAFF)
def issue_credential(board_id: int, application_id: int) -> Any:
    board = _board(board_id)
    application = _application(board, application_id)
    form = IssueForm()
    form.endorsements.choices = endorsement_choices(db.session, board.id)
    if application.status != "approved":
        flash("Only an approved application can be certified.", "danger")
    elif form.validate_on_submit():
        credential = credentials.issue(
            db.session,
            application.trainee,
            application.credential_type,
            current_user,
            date.today(),
            application=application,
            endorsements=tuple(form.endorsements.data or ()),
        )
        db.session.commit()
        flash(f"Credential {credential.number} issued.", "success")
        return redirect(
            url_for("certify.board_credential", board_id=board.id, credential_id=credential.id)
        )
    return redirect(
        url_for("certify.review_application", board_id=board.id, application_id=application.id)
    )
