"""The role-dependent navigation, built from the entries modules registered."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user

from core.modules import registry


def nav_items() -> list[dict[str, Any]]:
    """Links for the current user, in registration order."""
    if not current_user.is_authenticated:
        return []
    items = []
    for entry in registry().nav:
        if not current_user.has_role(*entry.roles):
            continue
        if entry.per_board:
            board_ids = sorted(current_user.board_ids(*entry.roles))
            for board_id in board_ids:
                suffix = f" ({_board_slug(board_id)})" if len(board_ids) > 1 else ""
                items.append(
                    {
                        "label": entry.label + suffix,
                        "url": url_for(entry.endpoint, board_id=board_id),
                    }
                )
        else:
            items.append({"label": entry.label, "url": url_for(entry.endpoint)})
    return items


def _board_slug(board_id: int) -> str:
    for assignment in current_user.roles:
        if assignment.board_id == board_id and assignment.board is not None:
            return assignment.board.slug
    return str(board_id)
