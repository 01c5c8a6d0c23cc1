"""Audit views: the board starts audits and decides them; the person uploads evidence."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from certify.models import CredentialType
from ceu import bp
from ceu.audits import services
from ceu.audits.forms import ItemForm, OutcomeForm, StartAuditForm, SubmitEvidenceForm
from ceu.audits.services import AuditError
from ceu.models import AUDIT_CONSEQUENCES, CeAudit, CeAuditItem, CeAuditSelection
from ceu.records.forms import EvidenceForm
from core.auth import ensure_board_access, roles_required
from core.boards import paginate
from core.extensions import db
from core.models import Board, Role
from core.viewhelpers import board_owned_or_404, show_error

STAFF = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)


def _board(board_id: int, *roles: Role) -> Board:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *(roles or STAFF))
    return board


@bp.route("/boards/<int:board_id>/ce/audits", methods=["GET", "POST"])
@roles_required(*STAFF)
def audits(board_id: int) -> Any:
    board = _board(board_id)
    form = StartAuditForm()
    types = (
        db.session.execute(
            select(CredentialType)
            .where(CredentialType.board_id == board.id)
            .order_by(CredentialType.name)
        )
        .scalars()
        .all()
    )
    form.credential_type_id.choices = [(0, "All credential types")] + [
        (t.id, t.name) for t in types
    ]
    today = date.today()
    if request.method == "GET":
        form.cycles_from.data = date(today.year - 1, 1, 1)
        form.cycles_to.data = date(today.year - 1, 12, 31)
        form.due_on.data = today + timedelta(days=60)
    if form.validate_on_submit():
        if not current_user.is_platform_admin and not current_user.has_role(
            Role.BOARD_ADMIN, board_id=board.id
        ):
            abort(403)
        try:
            started = services.start(
                db.session, board, current_user, form.cycles_from.data, form.cycles_to.data,
                form.percent.data, form.stratified.data, form.credential_type_id.data or None,
                form.due_on.data, today, form.seed.data,
            )  # fmt: skip
        except AuditError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(
                f"{started.sample_size} of {started.population} selected (seed {started.seed}); "
                "each was emailed.",
                "success",
            )
            return redirect(url_for("ceu.audit_detail", board_id=board.id, audit_id=started.id))
    page = paginate(
        db.session, services.audits_query(board.id), request.args.get("page", 1, type=int)
    )
    return render_template("ceu/audits/list.html", board=board, form=form, page=page)


@bp.route("/boards/<int:board_id>/ce/audits/<int:audit_id>")
@roles_required(*STAFF)
def audit_detail(board_id: int, audit_id: int) -> Any:
    board = _board(board_id)
    row = board_owned_or_404(CeAudit, audit_id, board.id)
    status = request.args.get("status", "")
    page = paginate(
        db.session,
        services.selections_query(row, status),
        request.args.get("page", 1, type=int),
        size=50,
    )
    check = None
    if request.args.get("check"):
        sample, same = services.redraw(db.session, row)
        drawn = set(db.session.execute(
            select(CeAuditSelection.credential_id).where(CeAuditSelection.audit_id == row.id)
        ).scalars())  # fmt: skip
        check = {"same_population": same, "same_sample": set(sample.keys) == drawn}
    counts = services.status_counts(db.session, row)
    return render_template(
        "ceu/audits/detail.html", board=board, audit=row, page=page, status=status,
        counts=counts, consequences=AUDIT_CONSEQUENCES, check=check,
    )  # fmt: skip


@bp.route("/boards/<int:board_id>/ce/audits/<int:audit_id>/selections/<int:selection_id>",
          methods=["GET", "POST"])  # fmt: skip
@roles_required(*STAFF)
def audit_selection(board_id: int, audit_id: int, selection_id: int) -> Any:
    board = _board(board_id)
    row = board_owned_or_404(CeAudit, audit_id, board.id)
    selection = board_owned_or_404(CeAuditSelection, selection_id, board.id, audit_id=row.id)
    form = OutcomeForm()
    if form.validate_on_submit():
        if not form.confirm.data:
            form.confirm.errors = ["Tick to confirm."]
        else:
            try:
                services.finish(
                    db.session, selection, current_user, form.outcome.data, form.reason.data or "",
                    form.extended_until.data, date.today(),
                )  # fmt: skip
            except AuditError as exc:
                show_error(form, exc)
            else:
                db.session.commit()
                flash(
                    f"{selection.holder.full_name}: {services.OUTCOMES[selection.status].lower()}.",
                    "success",
                )
                return redirect(url_for("ceu.audit_detail", board_id=board.id, audit_id=row.id))
    return render_template(
        "ceu/audits/selection.html", board=board, audit=row, selection=selection, form=form,
        item_form=ItemForm(), standing=services.standing_now(db.session, selection, date.today()),
        consequences=AUDIT_CONSEQUENCES,
    )  # fmt: skip


@bp.route("/boards/<int:board_id>/ce/audits/items/<int:item_id>", methods=["POST"])
@roles_required(*STAFF)
def audit_item(board_id: int, item_id: int) -> Any:
    board = _board(board_id)
    item = db.get_or_404(CeAuditItem, item_id)
    selection = board_owned_or_404(CeAuditSelection, item.selection_id, board.id)
    form = ItemForm()
    if form.validate_on_submit():
        try:
            services.decide_item(
                db.session, item, current_user, form.decision.data, form.reason.data or ""
            )
        except AuditError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"“{item.record.title}”: {item.decision}.", "success")
    return redirect(
        url_for("ceu.audit_selection", board_id=board.id, audit_id=selection.audit_id,
                selection_id=selection.id)
    )  # fmt: skip


# --- the person audited ---------------------------------------------------------------------


@bp.route("/me/ce/audits/<int:selection_id>", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def my_audit(selection_id: int) -> Any:
    selection = db.get_or_404(CeAuditSelection, selection_id)
    if selection.holder_id != current_user.id:
        abort(404)
    form = SubmitEvidenceForm()
    if form.validate_on_submit():
        try:
            services.submit(db.session, selection, current_user)
        except AuditError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash("Sent. The board reviews your evidence and writes to you.", "success")
            return redirect(url_for("ceu.my_audit", selection_id=selection.id))
    return render_template(
        "ceu/me/audit.html", selection=selection, form=form, evidence_form=EvidenceForm()
    )
