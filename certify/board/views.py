"""The board overview panel: what needs attention, the pipeline chart, expiring credentials."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template
from flask_login import current_user

from certify import bp
from certify.board.services import figures
from core.auth import ensure_board_access, roles_required
from core.extensions import db
from core.models import Board, Role


@bp.app_context_processor
def board_figures() -> dict[str, Any]:
    """board_figures(board) for the overview panel template."""

    def compute(board: Board) -> Any:
        return figures(db.session, board.id, date.today())

    return {"board_figures": compute}


@bp.route("/boards/<int:board_id>/pipeline")
@roles_required(Role.BOARD_ADMIN, Role.BOARD_REVIEWER)
def board_pipeline(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, Role.BOARD_ADMIN, Role.BOARD_REVIEWER)
    # the page includes the overview's panel, which computes the figures once
    return render_template("certify/board_pipeline.html", board=board)
