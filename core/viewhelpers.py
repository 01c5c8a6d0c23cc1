"""Small helpers that every module's views share."""

from __future__ import annotations

from typing import Any

from flask import abort, flash

from core.extensions import db


def show_error(form: Any, error: ValueError) -> None:
    """Roll back, then show a service's error next to its field, or as a message."""
    db.session.rollback()
    field = getattr(error, "field", None) or ""
    target = getattr(form, field, None) if form is not None else None
    if target is None:
        flash(str(error), "danger")
    else:
        target.errors = [*target.errors, str(error)]


def child_or_404(model: type, object_id: int, **parent: Any) -> Any:
    """The row, when it belongs to the given parent (e.g. study_id=3); 404 otherwise."""
    row = db.get_or_404(model, object_id)
    if any(getattr(row, name) != value for name, value in parent.items()):
        abort(404)
    return row
