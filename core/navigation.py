"""The role-dependent navigation: modules register their entries here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_login import current_user

from core.models import Role


@dataclass(frozen=True)
class NavEntry:
    label: str
    endpoint: str
    roles: frozenset[Role]
    per_board: bool = False  # one link per board where the person holds the role


NAV: list[NavEntry] = [
    NavEntry(
        "Board",
        "core.board",
        frozenset({Role.BOARD_ADMIN, Role.BOARD_REVIEWER, Role.PSYCHOMETRICIAN}),
        per_board=True,
    ),
    NavEntry("Staff", "core.staff", frozenset({Role.BOARD_ADMIN}), per_board=True),
    NavEntry("Audit log", "core.audit_log", frozenset({Role.BOARD_ADMIN}), per_board=True),
]


def register(entry: NavEntry) -> None:
    if entry not in NAV:
        NAV.append(entry)


def nav_items() -> list[dict[str, Any]]:
    """Links for the current user, in registration order."""
    if not current_user.is_authenticated:
        return []
    items = []
    for entry in NAV:
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
