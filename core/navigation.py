"""Workspaces and their navigation, built from what the modules registered.

A person works in one workspace at a time: the workspace of a board they work for
("Nebraska board") or a personal one ("My certification", "Supervision"). Each workspace has
its own links; the links of the current workspace carry counts of what waits there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g, request, session, url_for
from flask_login import current_user

from core.extensions import db
from core.models import Board, User
from core.modules import NavEntry, registry

BOARD_PREFIX = "board:"


@dataclass
class NavLink:
    label: str
    url: str
    active: bool
    count: int | None = None


@dataclass
class WorkspaceView:
    key: str
    label: str
    url: str
    board_id: int | None = None
    entries: list[NavEntry] = field(default_factory=list)
    links: list[NavLink] = field(default_factory=list)


@dataclass
class Shell:
    workspaces: list[WorkspaceView]
    current: WorkspaceView | None


def _visible(entry: NavEntry, user: User, board_id: int | None) -> bool:
    if user.is_platform_admin:
        return True
    return user.has_role(*entry.roles, board_id=board_id)


def _board_workspaces(user: User, board_ids: set[int]) -> list[WorkspaceView]:
    per_board = sorted((e for e in registry().nav if e.per_board), key=lambda e: e.order)
    boards = {a.board_id: a.board for a in user.roles if a.board is not None}
    missing = board_ids - set(boards)
    if missing:  # a platform admin on a board page
        boards.update({b.id: b for b in db.session.query(Board).filter(Board.id.in_(missing))})
    views = []
    for board_id in sorted(board_ids, key=lambda b: boards[b].name if b in boards else ""):
        entries = [e for e in per_board if _visible(e, user, board_id)]
        if entries and board_id in boards:
            views.append(
                WorkspaceView(
                    BOARD_PREFIX + str(board_id),
                    boards[board_id].name,
                    url_for("core.board", board_id=board_id)
                    if any(e.endpoint == "core.board" for e in entries)
                    else url_for(entries[0].endpoint, board_id=board_id),
                    board_id,
                    entries,
                )
            )
    return views


def _personal_workspaces(user: User) -> list[WorkspaceView]:
    views = []
    for space in sorted(registry().workspaces, key=lambda w: w.order):
        if not (user.has_role(*space.roles) or (user.is_platform_admin and not space.roles)):
            continue
        entries = [
            e
            for e in registry().nav
            if not e.per_board and e.workspace == space.key and user.has_role(*e.roles)
        ]
        views.append(WorkspaceView(space.key, space.label, url_for(space.home), None, entries))
    return views


def _current_key(spaces: list[WorkspaceView]) -> str | None:
    keys = {w.key for w in spaces}
    board_id = (request.view_args or {}).get("board_id")
    if board_id is not None and f"{BOARD_PREFIX}{board_id}" in keys:
        return f"{BOARD_PREFIX}{board_id}"
    for space in spaces:
        if space.board_id is None and any(e.endpoint == request.endpoint for e in space.entries):
            return space.key
        if space.url == request.path:
            return space.key
    remembered = session.get("workspace")
    if remembered in keys:
        return str(remembered)
    return spaces[0].key if spaces else None


def _links(space: WorkspaceView, user: User) -> list[NavLink]:
    links = []
    for entry in space.entries:
        values: dict[str, Any] = {} if space.board_id is None else {"board_id": space.board_id}
        url = url_for(entry.endpoint, **values)
        count = entry.count(db.session, space.board_id, user) if entry.count else None
        links.append(NavLink(entry.label, url, request.endpoint == entry.endpoint, count))
    return links


def shell() -> Shell:
    """The current person's workspaces and the one they are in (computed once a request)."""
    if "shell" in g:
        return g.shell  # type: ignore[no-any-return]
    if not current_user.is_authenticated:
        g.shell = Shell([], None)
        return g.shell  # type: ignore[no-any-return]
    user: User = current_user._get_current_object()
    board_ids = user.board_ids()
    here = (request.view_args or {}).get("board_id")
    if user.is_platform_admin and isinstance(here, int):
        board_ids = board_ids | {here}
    spaces = _personal_workspaces(user) + _board_workspaces(user, board_ids)
    key = _current_key(spaces)
    current = next((w for w in spaces if w.key == key), None)
    if current is not None:
        session["workspace"] = current.key
        current.links = _links(current, user)
    g.shell = Shell(spaces, current)
    return g.shell  # type: ignore[no-any-return]
