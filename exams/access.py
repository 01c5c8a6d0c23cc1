"""Who may open the exam pages: the board's exam staff, never anyone else.

Items are confidential. Unlike the board's other pages, a platform administrator or board
administrator does not see them by rank: only the board's exam managers, item writers and
item reviewers (and, on their own pages, the judges of a standard-setting panel) do.
A person holding none of the roles anywhere gets 403; on another board's pages, 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from core.extensions import db
from core.models import Board, Role
from exams.models import Form, Item

EXAM_STAFF = (Role.EXAM_MANAGER, Role.ITEM_WRITER, Role.ITEM_REVIEWER)
REVIEWERS = (Role.EXAM_MANAGER, Role.ITEM_REVIEWER)
MANAGERS = (Role.EXAM_MANAGER,)


def exam_roles(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a view run only for people holding one of roles on some board (403 otherwise).

    No exception for platform administrators: exam roles are held per board.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.board_ids(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def exam_board(board_id: int, *roles: Role) -> Board:
    """The board, when the current person holds one of roles on it (404 otherwise)."""
    if board_id not in current_user.board_ids(*(roles or EXAM_STAFF)):
        abort(404)
    return db.get_or_404(Board, board_id)


def visible_item(item_id: int, board_id: int) -> Item:
    """The board's item, when the current person may see it (404 otherwise)."""
    from exams.bank.services import may_see

    item = db.session.get(Item, item_id)
    if item is None or item.board_id != board_id or not may_see(current_user, item):
        abort(404)
    return item


def managed_form(form_id: int, board_id: int) -> Form:
    """The board's form, for its exam managers (404 otherwise)."""
    form = db.session.get(Form, form_id)
    if form is None or form.board_id != board_id:
        abort(404)
    if board_id not in current_user.board_ids(*MANAGERS):
        abort(404)
    return form
