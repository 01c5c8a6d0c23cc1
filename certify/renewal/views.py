"""Renewal pages: the holder's request, staff's queue and decision, the board's policy."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from certify import bp
from certify.models import Credential, CredentialType
from certify.renewal import services
from certify.renewal.forms import DecisionForm, PolicyForm, RenewForm
from certify.renewal.models import FEE_STATES, REQUEST_KINDS, REQUEST_STATUSES, RenewalRequest
from certify.renewal.policy import policies_by_type, policy_for
from core.auth import ensure_board_access, roles_required
from core.boards import paginate
from core.extensions import db
from core.models import Board, Role
from core.viewhelpers import board_owned_or_404, show_error

STAFF = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)


@bp.route("/me/credentials/<int:credential_id>/renew", methods=["GET", "POST"])
@login_required
def renew_credential(credential_id: int) -> Any:
    """Where the credential stands for renewal, what is missing, and the request form."""
    credential = db.get_or_404(Credential, credential_id)
    if credential.holder_id != current_user.id:
        abort(404)
    today = date.today()
    form = RenewForm()
    if form.validate_on_submit():
        try:
            made = services.submit(
                db.session, credential, current_user, request.form.getlist("attestation"),
                form.fee_paid.data, form.note.data or "", today,
            )  # fmt: skip
        except services.RenewalError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            if made.status == "approved":
                flash(f"Renewed: {credential.number} is valid until "
                      f"{credential.expires_on.isoformat()}.", "success")  # fmt: skip
            else:
                flash("Sent: the board reviews your request.", "success")
            return redirect(url_for("certify.renew_credential", credential_id=credential.id))
    found = services.standing(db.session, credential, today)
    return render_template(
        "certify/renewal/renew.html",
        credential=credential,
        standing=found,
        sentence=found.phase.sentence(today),
        form=form,
        ticked=set(request.form.getlist("attestation")),
        history=services.history(db.session, credential),
        policy_lines=services.policy_sentences(found.policy),
        kinds=REQUEST_KINDS,
        statuses=REQUEST_STATUSES,
        fees=FEE_STATES,
    )


def _board(board_id: int, *roles: Role) -> Board:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *(roles or STAFF))
    return board


@bp.route("/boards/<int:board_id>/renewals")
@roles_required(*STAFF)
def board_renewals(board_id: int) -> Any:
    board = _board(board_id)
    status = request.args.get("status", "review")
    if status not in REQUEST_STATUSES and status != "":
        status = "review"
    page = paginate(
        db.session,
        services.requests_query(board.id, status),
        request.args.get("page", 1, type=int),
    )
    types = db.session.execute(
        select(CredentialType)
        .where(CredentialType.board_id == board.id)
        .order_by(CredentialType.name)
    ).scalars()
    stored = policies_by_type(db.session, board.id)
    policies = [(t, stored.get(t.id) or policy_for(db.session, t.id, board.id)) for t in types]
    return render_template(
        "certify/renewal/queue.html", board=board, page=page, status=status,
        statuses=REQUEST_STATUSES, kinds=REQUEST_KINDS, fees=FEE_STATES,
        policies=[(t, p, services.policy_sentences(p)) for t, p in policies],
        can_edit=current_user.has_role(Role.BOARD_ADMIN, board_id=board.id),
    )  # fmt: skip


@bp.route("/boards/<int:board_id>/renewals/<int:request_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def board_renewal(board_id: int, request_id: int) -> Any:
    board = _board(board_id)
    found = board_owned_or_404(RenewalRequest, request_id, board.id)
    today = date.today()
    form = DecisionForm()
    if found.status == "review" and form.validate_on_submit():
        try:
            services.decide(
                db.session, found, current_user, form.decision.data == "approve",
                form.reason.data or "", today, form.fee_paid.data, form.exam_passed_on.data,
            )  # fmt: skip
        except services.RenewalError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"{REQUEST_KINDS[found.kind]} {found.status}.", "success")
            return redirect(url_for("certify.board_renewal", board_id=board.id,
                                    request_id=found.id))  # fmt: skip
    credential = found.credential
    return render_template(
        "certify/renewal/detail.html", board=board, item=found, credential=credential,
        form=form, standing=(now := services.standing(db.session, credential, today)),
        phase_sentence=now.phase.sentence(today),
        kinds=REQUEST_KINDS, statuses=REQUEST_STATUSES, fees=FEE_STATES,
        history=services.history(db.session, credential),
    )  # fmt: skip


@bp.route("/boards/<int:board_id>/renewals/rules/<int:credential_type_id>",
          methods=["GET", "POST"])  # fmt: skip
@roles_required(Role.BOARD_ADMIN)
def renewal_policy(board_id: int, credential_type_id: int) -> Any:
    board = _board(board_id, Role.BOARD_ADMIN)
    ctype = board_owned_or_404(CredentialType, credential_type_id, board.id)
    policy = policy_for(db.session, ctype.id, board.id)
    form = PolicyForm()
    if request.method == "GET":
        form.window_days.data, form.grace_days.data = policy.window_days, policy.grace_days
        form.attestations.data = "\n".join(policy.attestations or [])
        form.fee_required.data, form.review.data = policy.fee_required, policy.review
        form.reinstatement_fee.data = policy.reinstatement_fee
        form.reinstatement_exam.data = policy.reinstatement_exam
    if form.validate_on_submit():
        data = services.PolicyInput(
            window_days=form.window_days.data or 0,
            grace_days=form.grace_days.data or 0,
            attestations=tuple((form.attestations.data or "").splitlines()),
            fee_required=form.fee_required.data,
            review=form.review.data,
            reinstatement_fee=form.reinstatement_fee.data,
            reinstatement_exam=form.reinstatement_exam.data,
        )
        try:
            services.save_policy(db.session, board, current_user, ctype, data)
        except services.RenewalError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"Renewal rules of {ctype.name} saved.", "success")
            return redirect(url_for("certify.board_renewals", board_id=board.id))
    return render_template("certify/renewal/policy.html", board=board, ctype=ctype, form=form)
