"""Role Delineation Studies: scope of service, SME workshop, validation survey, analysis, report.

The package import stays light (no Flask) so that `python -m rds analyze` starts quickly;
the web module plugs in through `init_app`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Plug RDS studies into the app: routes, navigation, panels, demo data."""
    from core import modules
    from core.models import Role
    from core.modules import NavEntry
    from rds.access import STUDY_ROLES
    from rds.demo import load as load_demo
    from rds.demo import load_closed_study
    from rds.web import bp

    app.register_blueprint(bp)
    # drawn analysis charts, kept per study, version and chart (they never change)
    app.config.setdefault("RDS_CHART_CACHE", os.path.join(app.instance_path, "rds-charts"))
    modules.add_nav(app, NavEntry("Studies", "rds.studies", frozenset(STUDY_ROLES), True))
    modules.add_dashboard_panel(app, Role.PSYCHOMETRICIAN, "rds/panels/psychometrician.html")
    modules.add_board_panel(app, "rds/board_panels/studies.html", order=30)
    modules.add_board_panel(app, "rds/analysis/board_panel.html", order=30)
    modules.add_demo(app, "RDS study", load_demo, order=20)
    modules.add_demo(app, "RDS finished study", load_closed_study, order=21)
    modules.add_public(
        app,
        "rds.static",
        "rds.survey_public",
        "rds.survey_invited",
        "rds.survey_page",
        "rds.survey_resume",
        "rds.survey_review",
        "rds.survey_thanks",
        "rds.workshop_vote",
    )
