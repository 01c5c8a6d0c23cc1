"""Exams: an item bank keyed to the approved RDS blueprint, form assembly, standard setting,
delivery and vendor results, scoring and item analysis.

The package import stays light (no Flask) so that `python -m exams analyze` starts quickly;
the blueprint lives in exams/web.py (``exams.bp`` reads it) and the pages plug in through
`init_app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def __getattr__(name: str) -> Any:
    """``exams.bp``: the blueprint, imported only when asked for."""
    if name == "bp":
        from exams.web import bp

        return bp
    raise AttributeError(f"module 'exams' has no attribute {name!r}")


def init_app(app: Flask) -> None:
    """Plug exams into the app: routes, workspace and navigation, panels, demo data."""
    import exams.models  # noqa: F401  (every table on the metadata, for migrations)
    import exams.standards.views  # noqa: F401  (standard setting: panels, ratings, cut)
    from core import modules as registries
    from core.models import Role as Roles
    from core.modules import NavEntry as Link
    from core.modules import Workspace as Space
    from exams.web import bp

    app.register_blueprint(bp)
    judges = frozenset({Roles.SME_JUDGE})
    registries.add_workspace(
        app, Space("judging", "Standard setting", judges, "exams.my_panels", 45)
    )
    registries.add_nav(
        app,
        Link("My rating panels", "exams.my_panels", judges, workspace="judging"),
        Link(
            "Standard setting",
            "exams.board_panels",
            frozenset({Roles.EXAM_MANAGER, Roles.BOARD_ADMIN}),
            per_board=True,
            order=85,
        ),
    )
