"""Small helpers that every module's views share."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, flash

from core.extensions import db
from core.models import BoardOwned

Owned = TypeVar("Owned", bound=BoardOwned)


def show_error(form: Any, error: ValueError) -> None:
    """Roll back, then show a service's error next to its field, or as a message."""
    db.session.rollback()
    field = getattr(error, "field", None) or ""
    target = getattr(form, field, None) if form is not None else None
    if target is None:
        flash(str(error), "danger")
    else:
        target.errors = [*target.errors, str(error)]


def board_owned_or_404(model: type[Owned], object_id: int, board_id: int, **parent: Any) -> Owned:
    """The board's row with this id, also under parent when given (e.g. study_id=3); else 404.

    The one way views load a board-owned row by id. Another board's row is a 404, never a
    403, so ids do not tell what other boards hold. Whether the user may act on board_id
    stays with `ensure_board_access`.
    """
    row = db.get_or_404(model, object_id)
    if row.board_id != board_id or any(getattr(row, k) != v for k, v in parent.items()):
        abort(404)
    return row
