"""Who may see and change a study: the board's psychometricians and administrators."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from core.auth import ensure_board_access
from core.extensions import db
from core.models import Board, Role
from core.viewhelpers import board_owned_or_404
from rds.models import Study, Task

STUDY_ROLES = (Role.PSYCHOMETRICIAN, Role.BOARD_ADMIN)


def board_for_studies(board_id: int) -> Board:
    """The board, when the current user works on its studies (404 otherwise)."""
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STUDY_ROLES)
    return board


def study_for(study_id: int, *roles: Role) -> Study:
    """The study, when the current user holds one of roles on its board (404 otherwise)."""
    study = db.get_or_404(Study, study_id)
    ensure_board_access(current_user, study.board_id, *(roles or STUDY_ROLES))
    return study


def study_task(study: Study, task_id: int) -> Task:
    """A task statement of the study (404 when the id belongs to another study)."""
    return board_owned_or_404(Task, task_id, study.board_id, study_id=study.id)


def editable(study: Study) -> None:
    """Scope edits stop once the survey opens; a new version is needed after that."""
    if study.status not in ("draft", "workshop"):
        abort(409, description="This study's scope is frozen; clone it into a new version.")
