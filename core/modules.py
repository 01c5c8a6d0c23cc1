"""The registries domain modules plug into: navigation, panels, CLI, demo loaders, public routes.

Core knows no domain module. Each module's package has `init_app(app)`, which `app.py` calls
for every name in `INSTALLED_MODULES`; `init_app` registers the module's blueprint and then
announces what it adds to core's pages through the functions below. The registry lives on
the app (`app.extensions["peercert"]`), so two apps never share entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app

from core.models import Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.models import Board, User

EXTENSION_KEY = "peercert"


# A count shown beside a navigation link ("Applications 3"): (session, board id or None,
# person) -> how many things wait there. One query, whatever the board's size.
NavCount = Callable[["Session", "int | None", "User"], int]


@dataclass(frozen=True)
class NavEntry:
    """A link in a workspace's navigation for people holding one of `roles`.

    A per-board entry belongs to the workspace of each board where the person holds one of
    the roles ("Nebraska board"); any other entry belongs to the personal workspace named by
    `workspace` ("My certification").
    """

    label: str
    endpoint: str
    roles: frozenset[Role]
    per_board: bool = False
    workspace: str = ""
    count: NavCount | None = field(default=None, compare=False)
    order: int = 100  # lower first within a workspace; equal orders keep registration order


@dataclass(frozen=True)
class Workspace:
    """A personal workspace: where people holding `roles` work on their own things."""

    key: str
    label: str
    roles: frozenset[Role]
    home: str  # the endpoint of its landing page
    order: int = 100


@dataclass(frozen=True)
class DashboardPanel:
    """A template included on the dashboard of people holding `role`.

    `facts`, when given, is called with the session and the person and returns what the
    panel shows (the template reads it as `panel`): the lines that need the person's
    attention, counted for that one person, so a constant number of statements.
    """

    role: Role
    template: str
    facts: Callable[[Session, User], dict[str, Any]] | None = None


@dataclass(frozen=True)
class BoardPanel:
    """A template included on a board's overview page; lower `order` comes first."""

    template: str
    order: int = 100


@dataclass(frozen=True)
class DemoAccount:
    """A demo login that `flask demo load` prints."""

    email: str
    password: str
    role: str
    board: str | None


@dataclass(frozen=True)
class DemoContext:
    """What core's demo loader made: boards by slug, people by email, and the day.

    A module that makes a login of its own (a CE provider, say) adds it with `add_account`,
    so `flask demo load` prints it with core's accounts.
    """

    boards: dict[str, Board]
    users: dict[str, User]
    today: date
    accounts: list[DemoAccount] = field(default_factory=list)
    crowd: int = 0  # people per board a loader adds in bulk (0: only the named examples)

    def add_account(self, email: str, password: str, role: Role, board: Board | None) -> None:
        if all(a.email != email for a in self.accounts):
            self.accounts.append(
                DemoAccount(email, password, role.label, board.name if board else None)
            )


DemoLoader = Callable[["Session", DemoContext], None]


@dataclass(frozen=True)
class DemoStep:
    """A module's demo loader; lower `order` runs first."""

    name: str
    load: DemoLoader
    order: int = 100


@dataclass
class Registry:
    """Everything the installed modules added to core's pages and commands."""

    nav: list[NavEntry] = field(default_factory=list)
    workspaces: list[Workspace] = field(default_factory=list)
    dashboard_panels: list[DashboardPanel] = field(default_factory=list)
    board_panels: list[BoardPanel] = field(default_factory=list)
    demo_steps: list[DemoStep] = field(default_factory=list)
    public_endpoints: set[str] = field(default_factory=set)
    # audit log links: entity type -> (board id, entity id) -> the record's staff page
    record_links: dict[str, Callable[[int, str], str]] = field(default_factory=dict)

    def board_templates(self) -> list[str]:
        ordered = sorted(enumerate(self.board_panels), key=lambda p: (p[1].order, p[0]))
        return [panel.template for _, panel in ordered]

    def dashboard_panels_for(self, held: set[Role]) -> list[DashboardPanel]:
        """The panels of the roles held, each template once, in the order registered."""
        seen: set[str] = set()
        found = []
        for panel in self.dashboard_panels:
            if panel.role in held and panel.template not in seen:
                seen.add(panel.template)
                found.append(panel)
        return found

    def ordered_demo_steps(self) -> list[DemoStep]:
        ordered = sorted(enumerate(self.demo_steps), key=lambda s: (s[1].order, s[0]))
        return [step for _, step in ordered]


def registry(app: Flask | None = None) -> Registry:
    """The registry of `app` (the current app when not given), created on first use."""
    target = app if app is not None else current_app
    found = target.extensions.get(EXTENSION_KEY)
    if found is None:
        found = target.extensions[EXTENSION_KEY] = Registry()
    return found


def add_nav(app: Flask, *entries: NavEntry) -> None:
    """Add navigation links, shown in the order modules add them."""
    registry(app).nav.extend(e for e in entries if e not in registry(app).nav)


def add_workspace(app: Flask, workspace: Workspace) -> None:
    """Add a personal workspace (board workspaces exist for every board a person works for)."""
    if all(w.key != workspace.key for w in registry(app).workspaces):
        registry(app).workspaces.append(workspace)


def add_dashboard_panel(
    app: Flask,
    role: Role,
    template: str,
    facts: Callable[[Session, User], dict[str, Any]] | None = None,
) -> None:
    panel = DashboardPanel(role, template, facts)
    if panel not in registry(app).dashboard_panels:
        registry(app).dashboard_panels.append(panel)


def add_board_panel(app: Flask, template: str, order: int = 100) -> None:
    panel = BoardPanel(template, order)
    if panel not in registry(app).board_panels:
        registry(app).board_panels.append(panel)


def add_cli(app: Flask, *groups: click.Command) -> None:
    for group in groups:
        app.cli.add_command(group)


def add_demo(app: Flask, name: str, load: DemoLoader, order: int = 100) -> None:
    """Register a demo loader; core's `flask demo load` runs them after boards and people."""
    registry(app).demo_steps.append(DemoStep(name, load, order))


def add_record_link(app: Flask, entity_type: str, link: Callable[[int, str], str]) -> None:
    """How the audit log links an event's record: link(board_id, entity_id) -> a URL."""
    registry(app).record_links[entity_type] = link


def record_link(board_id: int | None, entity_type: str, entity_id: str | None) -> str | None:
    """The staff page of an audit event's record, when its module declared one."""
    link = registry().record_links.get(entity_type)
    if link is None or board_id is None or not entity_id or not entity_id.isdigit():
        return None
    return link(board_id, entity_id)


def add_public(app: Flask, *endpoints: str) -> None:
    """Declare endpoints that are public by design (the route-guard test reads this)."""
    registry(app).public_endpoints.update(endpoints)


def install(app: Flask, module_names: list[str]) -> None:
    """Import each module package and call its `init_app(app)`."""
    import importlib

    for name in module_names:
        module: Any = importlib.import_module(name)
        module.init_app(app)
