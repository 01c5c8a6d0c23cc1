"""Credential views: holder's list and PDFs; staff detail, status, discipline; public verify."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from certify import bp, duties, hooks
from certify.certificates import (
    effective_status,
    status_sentence,
    wall_certificate,
    wallet_card,
)
from certify.credentials import services
from certify.credentials.forms import (
    DisciplineForm,
    StatusForm,
    UpgradeForm,
    WithdrawRevocationForm,
)
from certify.credentials.services import (
    certificate_data,
    credential_export_rows,
    credentials_query,
    full_types_for_upgrade,
    held_by,
    public_lookup,
)
from certify.models import Credential
from core.auth import ensure_board_access, roles_required
from core.boards import paginate
from core.exports import stream_download
from core.extensions import db, limiter
from core.models import Board, Role
from core.viewhelpers import board_owned_or_404, show_error

STAFF = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)


def _board_credential(board_id: int, credential_id: int) -> tuple[Board, Credential]:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    return board, board_owned_or_404(Credential, credential_id, board.id)


@bp.route("/me/credentials")
@login_required
def my_credentials() -> Any:
    mine = held_by(db.session, current_user.id)
    sentences = {c.id: status_sentence(certificate_data(c), date.today()) for c in mine}
    return render_template("certify/me/credentials.html", credentials=mine, sentences=sentences)


@bp.route("/credentials/<int:credential_id>/<any(certificate, 'wallet-card'):kind>.pdf")
@login_required
def credential_pdf(credential_id: int, kind: str) -> Any:
    """The wall certificate or wallet card, made fresh so it always shows the current status."""
    credential = db.get_or_404(Credential, credential_id)
    if credential.holder_id != current_user.id:
        ensure_board_access(current_user, credential.board_id, *STAFF)
    data = certificate_data(credential)
    pdf = wall_certificate(data) if kind == "certificate" else wallet_card(data)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename={credential.number}-{kind}.pdf",
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/boards/<int:board_id>/credentials")
@roles_required(*STAFF)
def board_credentials(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    status, search = request.args.get("status", ""), request.args.get("q", "").strip()
    expiring = request.args.get("expiring", type=int)
    if request.args.get("format") in ("csv", "xlsx"):
        header = ["number", "holder", "email", "credential", "status", "issued_on",
                  "expires_on", "endorsements"]  # fmt: skip
        found = credential_export_rows(db.session, board.id, status, search, expiring, date.today())
        rows = ([*row[:7], " ".join(row[7] or ())] for row in found)
        name = f"{board.slug}-credentials.csv"
        return stream_download(header, rows, name, request.args["format"])
    query = credentials_query(board.id, status, search, expiring, date.today())
    page = paginate(db.session, query, request.args.get("page", 1, type=int))
    return render_template(
        "certify/credentials/list.html",
        board=board,
        page=page,
        status=status,
        search=search,
        expiring=expiring,
    )


@bp.route("/boards/<int:board_id>/credentials/<int:credential_id>")
@roles_required(*STAFF)
def board_credential(board_id: int, credential_id: int) -> Any:
    board, credential = _board_credential(board_id, credential_id)
    status_form = StatusForm()
    status_form.target.choices = [
        (s, s.capitalize()) for s in services.STATUS_CHANGES[credential.status]
    ]
    upgrade_form = UpgradeForm()
    upgrades = full_types_for_upgrade(db.session, credential, date.today())
    upgrade_form.credential_type_id.choices = [
        (t.id, f"{t.name}{'' if result.eligible else ' — not yet eligible'}")
        for t, result in upgrades
    ]
    db.session.commit()
    certificate = certificate_data(credential)
    return render_template(
        "certify/credentials/detail.html",
        board=board,
        credential=credential,
        endorsements=certificate.endorsements,
        reason=services.status_reasons(db.session, [credential]).get(credential.id),
        sentence=status_sentence(certificate, date.today()),
        status_form=status_form,
        discipline_form=DisciplineForm(),
        upgrade_form=upgrade_form,
        upgrades=upgrades,
        blockers=services.renewal_blockers(db.session, credential, date.today()),
        today_date=date.today(),
        pending=duties.pending_revocation(db.session, credential.id),
        withdraw_form=WithdrawRevocationForm(),
    )


@bp.route("/boards/<int:board_id>/credentials/<int:credential_id>/status", methods=["POST"])
@roles_required(*STAFF)
def change_credential_status(board_id: int, credential_id: int) -> Any:
    board, credential = _board_credential(board_id, credential_id)
    form = StatusForm()
    form.target.choices = [(s, s) for s in services.STATUS_CHANGES[credential.status]]
    if duties.blocked(current_user, credential.holder_id, "change this credential's status"):
        pass
    elif form.validate_on_submit():
        try:
            requested = None
            if form.target.data == "revoked":
                requested = duties.revoke_needs_second_person(
                    db.session, board, current_user, credential, form.reason.data or ""
                )
            if requested is None:
                services.change_status(
                    db.session, credential, form.target.data, current_user, form.reason.data
                )
        except (services.CredentialError, duties.DutyError) as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            if requested:
                flash(requested, "info")
            else:
                flash(f"{credential.number} is now {credential.status}.", "success")
    else:
        flash("Choose a status, give a reason and tick to confirm.", "warning")
    return redirect(
        url_for("certify.board_credential", board_id=board.id, credential_id=credential.id)
    )


@bp.route(
    "/boards/<int:board_id>/credentials/<int:credential_id>/revocation-request/withdraw",
    methods=["POST"],
)
@roles_required(*STAFF)
def withdraw_revocation(board_id: int, credential_id: int) -> Any:
    board, credential = _board_credential(board_id, credential_id)
    form = WithdrawRevocationForm()
    if duties.blocked(current_user, credential.holder_id, "withdraw this revocation request"):
        pass
    elif form.validate_on_submit():
        try:
            duties.withdraw_revocation_request(
                db.session, current_user, credential.id, board.id, form.reason.data
            )
        except duties.DutyError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"Revocation request withdrawn: {credential.number} stays {credential.status}.",
                  "success")  # fmt: skip
    else:
        flash("Give the reason the revocation is withdrawn; it is kept in the audit trail.",
              "warning")  # fmt: skip
    return redirect(
        url_for("certify.board_credential", board_id=board.id, credential_id=credential.id)
    )


@bp.route("/boards/<int:board_id>/credentials/revocations")
@roles_required(*STAFF)
def pending_revocations(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    return render_template(
        "certify/credentials/revocations.html",
        board=board,
        pending=duties.pending_revocations(db.session, board.id),
        required=duties.four_eyes(db.session, board),
    )


@bp.route("/boards/<int:board_id>/credentials/<int:credential_id>/discipline", methods=["POST"])
@roles_required(Role.BOARD_ADMIN)
def record_discipline(board_id: int, credential_id: int) -> Any:
    board, credential = _board_credential(board_id, credential_id)
    form = DisciplineForm()
    if duties.blocked(current_user, credential.holder_id, "record discipline on this credential"):
        pass
    elif form.validate_on_submit():
        try:
            if form.kind.data == "revocation":
                duties.check_revocation_confirmed(db.session, board, current_user, credential.id)
            services.discipline(
                db.session,
                credential,
                current_user,
                form.kind.data,
                form.started_on.data,
                form.public.data,
                form.public_summary.data or "",
                form.internal_notes.data or "",
                scheduled=form.scheduled.data,
                today=date.today(),
            )
        except (services.CredentialError, duties.DutyError) as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash("Disciplinary action recorded.", "success")
    else:
        flash(
            "Check the disciplinary action form: "
            + "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()),
            "warning",
        )
    return redirect(
        url_for("certify.board_credential", board_id=board.id, credential_id=credential.id)
    )


@bp.route("/boards/<int:board_id>/credentials/<int:credential_id>/upgrade", methods=["POST"])
@roles_required(*STAFF)
def upgrade_credential(board_id: int, credential_id: int) -> Any:
    board, credential = _board_credential(board_id, credential_id)
    form = UpgradeForm()
    options = dict(
        (t.id, (t, r)) for t, r in full_types_for_upgrade(db.session, credential, date.today())
    )
    form.credential_type_id.choices = [(i, str(i)) for i in options]
    if duties.blocked(current_user, credential.holder_id, "upgrade this credential"):
        pass
    elif form.validate_on_submit():
        ctype, result = options[form.credential_type_id.data]
        try:
            full = services.upgrade(
                db.session, credential, ctype, result, current_user, date.today()
            )
        except services.CredentialError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"Upgraded: {full.number} issued.", "success")
            return redirect(
                url_for("certify.board_credential", board_id=board.id, credential_id=full.id)
            )
    return redirect(
        url_for("certify.board_credential", board_id=board.id, credential_id=credential.id)
    )


# --- public verification ------------------------------------------------------------------


@bp.route("/verify/<slug>/<number>")
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"])
def verify_credential(slug: str, number: str) -> Any:
    """Name, credential, status and public discipline only: nothing private."""
    credential = public_lookup(db.session, slug, number)
    if credential is None:
        abort(404)
    data = certificate_data(credential)
    public_actions = [a for a in credential.actions if a.public]
    return render_template(
        "certify/verify.html",
        credential=credential,
        data=data,
        sentence=status_sentence(data, date.today()),
        status=effective_status(data, date.today()),
        actions=public_actions,
        links=[link for links in hooks.public_page_links.results(credential) for link in links],
    )
