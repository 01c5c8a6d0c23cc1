"""The board's CE pages: the overview with what needs attention, and the compliance report."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from certify.models import Credential, CredentialType
from ceu import bp
from ceu.audits.forms import ExtensionForm
from ceu.audits.services import AuditError, grant_extension
from ceu.counts import Waiting, waiting
from ceu.models import CeProvider, CeProviderMember
from ceu.records.services import records_query
from ceu.reports import services
from ceu.standing import Standing, holder_standings
from core.auth import ensure_board_access, roles_required
from core.boards import paginate
from core.exports import stream_download
from core.extensions import db
from core.models import Board, Role
from core.viewhelpers import board_owned_or_404, show_error

STAFF = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)


def _board(board_id: int) -> Board:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    return board


@bp.route("/boards/<int:board_id>/ce/report")
@roles_required(*STAFF)
def report(board_id: int) -> Any:
    board = _board(board_id)
    type_id = request.args.get("type", type=int) or None
    found = services.compliance_report(db.session, board.id, date.today(), type_id)
    page = request.args.get("page", 1, type=int)
    size = 50
    pages = max(1, -(-len(found.at_risk) // size))
    page = min(max(page, 1), pages)
    types = (
        db.session.execute(
            select(CredentialType)
            .where(CredentialType.board_id == board.id)
            .order_by(CredentialType.name)
        )
        .scalars()
        .all()
    )
    return render_template(
        "ceu/reports/report.html", board=board, report=found, types=types, type_id=type_id,
        at_risk=found.at_risk[(page - 1) * size : page * size], page=page, pages=pages,
    )  # fmt: skip


@bp.route("/boards/<int:board_id>/ce/report.<any(csv, xlsx):fmt>")
@roles_required(*STAFF)
def report_export(board_id: int, fmt: str) -> Any:
    """The report as a file: ?part=rates, at_risk (default) or all (every credential)."""
    board = _board(board_id)
    type_id = request.args.get("type", type=int) or None
    found = services.compliance_report(db.session, board.id, date.today(), type_id)
    part = request.args.get("part", "at_risk")
    if part == "rates":
        header, rows = services.RATE_HEADER, services.rate_rows(found)
    elif part in ("at_risk", "all"):
        chosen = found.at_risk if part == "at_risk" else found.standings
        header, rows = services.PEOPLE_HEADER, services.people_rows(found, chosen)
    else:
        abort(404)
    name = f"{board.slug}-ce-{part.replace('_', '-')}-{date.today().isoformat()}.csv"
    return stream_download(header, rows, name, fmt, sheet=part)


@bp.route("/boards/<int:board_id>/ce/credentials/<int:credential_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def board_credential_ce(board_id: int, credential_id: int) -> Any:
    """One credential's CE standing for staff, with an extension for its cycle."""
    board = _board(board_id)
    credential = board_owned_or_404(Credential, credential_id, board.id)
    standing = next(
        (s for s in holder_standings(db.session, credential.holder_id, date.today(), board.id)
         if s.credential.id == credential.id),
        None,
    )  # fmt: skip
    form = ExtensionForm()
    if form.validate_on_submit() and standing is not None:
        try:
            grant_extension(
                db.session, credential, date.fromisoformat(form.cycle_end.data), form.until.data,
                current_user, form.reason.data or "",
            )  # fmt: skip
        except (AuditError, ValueError) as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"Extension until {form.until.data} granted.", "success")
            return redirect(
                url_for("ceu.board_credential_ce", board_id=board.id, credential_id=credential.id)
            )
    records = paginate(
        db.session,
        records_query(credential.holder_id, board.id),
        request.args.get("page", 1, type=int),
    )
    return render_template(
        "ceu/reports/credential.html", board=board, credential=credential, standing=standing,
        form=form, records=records,
    )  # fmt: skip


@bp.route("/boards/<int:board_id>/ce")
@roles_required(*STAFF)
def board_ce(board_id: int) -> Any:
    """What waits in CE for the board's staff, each line linking to where it is done."""
    board = _board(board_id)
    return render_template(
        "ceu/board/overview.html", board=board, waiting=waiting(db.session, board.id)
    )


@bp.app_template_global("ce_board_waiting")
def ce_board_waiting(board: Board) -> Waiting:
    return waiting(db.session, board.id)


@bp.app_template_global("ce_my_standings")
def ce_my_standings() -> list[Standing]:
    """The current person's CE standing per credential (dashboard panel)."""
    return holder_standings(db.session, current_user.id, date.today())


@bp.app_template_global("ce_my_providers")
def ce_my_providers() -> list[tuple[Board, CeProvider, str]]:
    """The providers the current person acts for, with their boards (dashboard panel)."""
    rows = db.session.execute(
        select(Board, CeProvider)
        .join(CeProvider, CeProvider.board_id == Board.id)
        .join(CeProviderMember, CeProviderMember.provider_id == CeProvider.id)
        .where(CeProviderMember.user_id == current_user.id)
        .order_by(Board.name)
    ).all()
    return [(b, p, p.standing(date.today())) for b, p in rows]
