"""Continuing education: CE rules per renewal cycle, providers and courses, CE records with
evidence, live compliance, random audits, and what CE means for renewal."""

from __future__ import annotations

from flask import Blueprint, Flask

import ceu.models  # noqa: F401  (every table on the metadata, for migrations)

bp = Blueprint("ceu", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Plug CE into the app: routes, workspaces and navigation, panels, CLI, demo, hooks."""
    # each seam's views register their routes on bp when imported
    import ceu.audits.views
    import ceu.providers.views
    import ceu.records.views
    import ceu.reports.views
    import ceu.rules.views  # noqa: F401
    from certify import hooks
    from ceu import counts
    from ceu.cli import ce_cli
    from ceu.demo import load as load_demo
    from ceu.renewal import ce_blockers, ce_review_notes
    from core import modules
    from core.models import Role
    from core.modules import NavEntry, Workspace

    app.register_blueprint(bp)
    trainee = frozenset({Role.TRAINEE})
    staff = frozenset({Role.BOARD_ADMIN, Role.BOARD_REVIEWER})
    admin = frozenset({Role.BOARD_ADMIN})
    provider = frozenset({Role.CE_PROVIDER})
    modules.add_workspace(app, Workspace("ce", "CE", trainee, "ceu.my_ce", 15))
    modules.add_nav(
        app,
        NavEntry("My CE", "ceu.my_ce", trainee, workspace="ce", count=counts.my_open_audits),
        NavEntry("Add an activity", "ceu.add_other", trainee, workspace="ce"),
        NavEntry("CE", "ceu.board_ce", staff, per_board=True, count=counts.staff_waiting, order=60),
        NavEntry("CE report", "ceu.report", staff, per_board=True, order=61),
        NavEntry("CE audits", "ceu.audits", staff, per_board=True, order=62),
        NavEntry("CE rules", "ceu.rules_page", admin, per_board=True, order=63),
        NavEntry("My courses", "ceu.provider_home", provider, per_board=True, order=70),
        NavEntry("Post a roster", "ceu.provider_roster", provider, per_board=True, order=71),
        NavEntry(
            "Rows to review",
            "ceu.provider_review",
            provider,
            per_board=True,
            count=counts.provider_rows,
            order=72,
        ),
    )
    modules.add_dashboard_panel(app, Role.TRAINEE, "ceu/panels/trainee.html")
    modules.add_dashboard_panel(app, Role.CE_PROVIDER, "ceu/panels/provider.html")
    modules.add_board_panel(app, "ceu/panels/board.html", order=30)
    modules.add_cli(app, ce_cli)
    modules.add_demo(app, "continuing education", load_demo, order=20)
    modules.add_public(app, "ceu.catalog", "ceu.apply_as_provider")
    hooks.renewal_blockers.connect(ce_blockers)
    hooks.renewal_notes.connect(ce_review_notes)
