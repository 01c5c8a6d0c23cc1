"""Application views: the trainee's details, checklist and applications; board review."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from certify import bp, duties
from certify.applications import documents, eligibility, services
from certify.applications.forms import (
    DecisionForm,
    DocumentForm,
    IssueForm,
    ProfileForm,
    StaffFactsForm,
)
from certify.credentials import services as credentials
from certify.credentials.services import endorsement_choices, held_by
from certify.models import (
    DOCUMENT_KINDS,
    TRANSITIONS,
    Application,
    ApplicationDocument,
    CredentialType,
)
from certify.standing import services as standing
from core.auth import ensure_board_access, roles_required
from core.boards import paginate
from core.exports import stream_download
from core.extensions import db
from core.models import Board, Role
from core.viewhelpers import board_owned_or_404, show_error

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
        try:
            services.update_profile(
                db.session,
                current_user,
                eligibility.profile_for(db.session, board.id, current_user.id),
                date.today(),
                birth_date=form.birth_date.data,
                education=form.education.data or None,
                lived_experience=form.lived_experience.data,
                recovery_since=form.recovery_since.data,
                residency_attested=form.residency_attested.data,
                ethics_attested=form.ethics_attested.data,
            )
        except services.ProfileError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Your details are saved. Your checklist is updated.", "success")
            return redirect(url_for("certify.my_eligibility", board_id=board.id))
    status = 400 if request.method == "POST" else 200
    return render_template("certify/me/profile.html", form=form, board=board), status


@bp.route("/me/certification")
@roles_required(Role.TRAINEE)
def my_eligibility() -> Any:
    board = _trainee_board()
    held = {
        c.credential_type_id: c
        for c in held_by(db.session, current_user.id)
        if c.status in ("active", "provisional")
    }
    # a retired type is shown only to its holders: nobody new applies
    checklists = [
        (ctype, result)
        for ctype, result in eligibility.checklists(
            db.session, board.id, current_user.id, date.today()
        )
        if ctype.retired_on is None or ctype.id in held
    ]
    return render_template(
        "certify/me/eligibility.html",
        board=board,
        checklists=checklists,
        my_applications=services.for_trainee(db.session, current_user),
        held=held,
    )


@bp.route("/me/applications/start", methods=["POST"])
@roles_required(Role.TRAINEE)
def start_application() -> Any:
    ctype = db.get_or_404(CredentialType, request.form.get("credential_type_id", type=int))
    if ctype.board_id not in current_user.board_ids(Role.TRAINEE):
        abort(404)
    try:
        application = services.start(db.session, current_user, ctype)
    except services.WorkflowError as exc:
        show_error(None, exc)
        return redirect(url_for("certify.my_eligibility", board_id=ctype.board_id))
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
        labels=services.STATUS_LABELS,
        document_form=DocumentForm(),
        decision_form=DecisionForm(),
    )


@bp.route("/me/applications/<int:application_id>/submit", methods=["POST"])
@login_required
def submit_application(application_id: int) -> Any:
    application = _own_application(application_id)
    try:
        services.submit(
            db.session,
            application,
            current_user,
            date.today(),
            confirmed=request.form.get("confirm_unmet") == "y",
        )
    except services.WorkflowError as exc:
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
        services.transition(db.session, application, "withdrawn", current_user, form.reason.data)
    except services.WorkflowError as exc:
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


# --- board review ----------------------------------------------------------------------


def _board(board_id: int) -> Board:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    return board


@bp.route("/boards/<int:board_id>/applications")
@roles_required(*STAFF)
def review_queue(board_id: int) -> Any:
    board = _board(board_id)
    status, search = request.args.get("status", ""), request.args.get("q", "").strip()
    if request.args.get("format") in ("csv", "xlsx"):
        header = ["id", "applicant", "email", "credential", "status", "submitted_at"]
        rows = (
            [*row[:5], row[5].isoformat() if row[5] else ""]
            for row in services.queue_export_rows(db.session, board.id, status, search)
        )
        name = f"{board.slug}-applications.csv"
        return stream_download(header, rows, name, request.args["format"])
    query = services.queue_query(board.id, status, search)
    page = paginate(db.session, query, request.args.get("page", 1, type=int))
    pairs = ((a.trainee_id, a.credential_type_id) for a in page.items)
    return render_template(
        "certify/review/queue.html",
        board=board,
        page=page,
        status=status,
        search=search,
        standings=standing.of_pairs(db.session, board.id, pairs),
        labels=services.STATUS_LABELS,
    )


@bp.route("/boards/<int:board_id>/applications/<int:application_id>")
@roles_required(*STAFF)
def review_application(board_id: int, application_id: int) -> Any:
    board = _board(board_id)
    application = board_owned_or_404(Application, application_id, board.id)
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
        open_now=services.open_requirements(db.session, application, date.today()),
        facts_form=StaffFactsForm(obj=profile),
        decision_form=DecisionForm(),
        issue_form=issue_form,
        labels=services.STATUS_LABELS,
        transitions=TRANSITIONS[application.status],
        verbs=services.DECISION_VERBS,
        kinds=DOCUMENT_KINDS,
        history=services.history(db.session, application),
    )


STAFF_DECISIONS = ("in_review", "info_requested", "approved_for_exam", "approved", "denied")


@bp.route("/boards/<int:board_id>/applications/<int:application_id>/decide", methods=["POST"])
@roles_required(*STAFF)
def decide_application(board_id: int, application_id: int) -> Any:
    board = _board(board_id)
    application = board_owned_or_404(Application, application_id, board.id)
    back = url_for("certify.review_application", board_id=board.id, application_id=application.id)
    if duties.blocked(current_user, application.trainee_id, "decide on this application"):
        return redirect(back)
    if request.form.get("target") and request.form["target"] not in STAFF_DECISIONS:
        # "certified" comes only with an issued credential (issue), "withdrawn" from the applicant
        flash("That is not a decision staff can take here.", "danger")
        return redirect(back)
    form = DecisionForm()
    final = form.target.data in ("denied", "approved", "approved_for_exam")
    if not form.validate_on_submit():
        flash("Choose an action for the decision.", "warning")
    elif final and not form.confirm.data:
        flash("Tick the box to confirm this decision.", "warning")
    else:
        try:
            services.transition(
                db.session,
                application,
                form.target.data,
                current_user,
                form.reason.data,
                override_reason=form.override_reason.data,
            )
        except services.WorkflowError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(
                f"Application is now {services.STATUS_LABELS[application.status]}; "
                "the applicant was emailed.",
                "success",
            )
    return redirect(
        url_for("certify.review_application", board_id=board.id, application_id=application.id)
    )


@bp.route("/boards/<int:board_id>/applications/<int:application_id>/facts", methods=["POST"])
@roles_required(*STAFF)
def record_facts(board_id: int, application_id: int) -> Any:
    board = _board(board_id)
    application = board_owned_or_404(Application, application_id, board.id)
    form = StaffFactsForm()
    if duties.blocked(current_user, application.trainee_id, "record board facts for this person"):
        pass
    elif form.validate_on_submit():
        profile = eligibility.profile_for(db.session, board.id, application.trainee_id)
        services.record_staff_facts(
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
    doc = board_owned_or_404(ApplicationDocument, document_id, board.id)
    if not duties.blocked(current_user, doc.application.trainee_id, "review this document"):
        try:
            documents.review(db.session, doc, current_user, status)
        except documents.DocumentError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"{doc.original_name} {status}.", "success")
    return redirect(
        url_for("certify.review_application", board_id=board.id, application_id=doc.application_id)
    )


@bp.route("/boards/<int:board_id>/applications/<int:application_id>/issue", methods=["POST"])
@roles_required(*STAFF)
def issue_credential(board_id: int, application_id: int) -> Any:
    board = _board(board_id)
    application = board_owned_or_404(Application, application_id, board.id)
    form = IssueForm()
    form.endorsements.choices = endorsement_choices(db.session, board.id)
    if application.status != "approved":
        flash("Only an approved application can be certified.", "danger")
    elif duties.blocked(current_user, application.trainee_id, "issue this credential"):
        pass
    elif form.validate_on_submit():
        try:
            duties.check_issuer(db.session, board, current_user, application.reviewer_id)
            credential = credentials.issue(
                db.session,
                application.trainee,
                application.credential_type,
                current_user,
                date.today(),
                application=application,
                endorsements=tuple(form.endorsements.data or ()),
                override_reason=form.override_reason.data,
            )
            db.session.commit()
        except (credentials.CredentialError, services.WorkflowError, duties.DutyError) as exc:
            show_error(None, exc)
            return redirect(
                url_for(
                    "certify.review_application", board_id=board.id, application_id=application.id
                )
            )
        except IntegrityError:  # the other issuer's credential landed first
            show_error(
                None,
                credentials.CredentialError(
                    "Someone else issued this application's credential a moment ago."
                ),
            )
            return redirect(
                url_for(
                    "certify.review_application", board_id=board.id, application_id=application.id
                )
            )
        flash(f"Credential {credential.number} issued.", "success")
        return redirect(
            url_for("certify.board_credential", board_id=board.id, credential_id=credential.id)
        )
    return redirect(
        url_for("certify.review_application", board_id=board.id, application_id=application.id)
    )
