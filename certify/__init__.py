"""Certification: board rules, training, supervised hours, applications and credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, url_for

import certify.models  # noqa: F401  (every table on the metadata, for migrations)
import certify.renewal.models  # noqa: F401

bp = Blueprint(
    "certify",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/certify-static",
)


def init_app(app: Flask) -> None:
    """Plug certification into the app: routes, navigation, panels, CLI, demo data."""
    # each seam's views register their routes on bp when imported
    import certify.applications.views
    import certify.board.views
    import certify.config.views
    import certify.credentials.views
    import certify.hours.views
    import certify.renewal.views
    import certify.training.views  # noqa: F401
    from certify import dashboard, hooks
    from certify.cli import credentials_cli, standing_cli
    from certify.demo import load as load_demo
    from certify.demo_journeys import load as load_journeys_demo
    from certify.renewal import services as renewal
    from certify.renewal.demo import load as load_renewal_demo
    from certify.standing import tracking
    from core import modules
    from core.extensions import db
    from core.models import Role
    from core.modules import NavEntry, Workspace

    app.register_blueprint(bp)
    staff = frozenset({Role.BOARD_ADMIN, Role.BOARD_REVIEWER})
    trainee = frozenset({Role.TRAINEE})
    supervisor = frozenset({Role.SUPERVISOR})
    modules.add_workspace(
        app, Workspace("certification", "My certification", trainee, "certify.my_eligibility", 10)
    )
    modules.add_workspace(
        app, Workspace("supervision", "Supervision", supervisor, "certify.supervise", 20)
    )
    modules.add_nav(
        app,
        NavEntry("Checklist", "certify.my_eligibility", trainee, workspace="certification"),
        NavEntry("My training", "certify.my_training", trainee, workspace="certification"),
        NavEntry("My hours", "certify.my_hours", trainee, workspace="certification"),
        NavEntry("My credentials", "certify.my_credentials", trainee, workspace="certification"),
        NavEntry("Confirm hours", "certify.supervise", supervisor, workspace="supervision"),
        NavEntry("Applications", "certify.review_queue", staff, per_board=True),
        NavEntry("Credentials", "certify.board_credentials", staff, per_board=True),
        NavEntry(
            "Renewals",
            "certify.board_renewals",
            staff,
            per_board=True,
            count=renewal.waiting_count,
        ),
        NavEntry("Supervisors", "certify.board_supervisors", staff, per_board=True),
        NavEntry(
            "Training",
            "certify.training_index",
            frozenset({Role.BOARD_ADMIN, Role.TRAINER}),
            per_board=True,
        ),
        NavEntry("Rules", "certify.config_credential_types", frozenset({Role.BOARD_ADMIN}), True),
    )
    modules.add_dashboard_panel(
        app, Role.TRAINEE, "certify/panels/credentials.html", dashboard.certificant_facts
    )
    modules.add_dashboard_panel(
        app, Role.TRAINEE, "certify/panels/eligibility.html", dashboard.trainee_facts
    )
    for role in dashboard.STAFF_ROLES:
        modules.add_dashboard_panel(
            app, role, "certify/panels/board_work.html", dashboard.staff_facts
        )
    for role, template in (
        (Role.SUPERVISOR, "certify/panels/supervisor.html"),
        (Role.TRAINEE, "certify/panels/trainee_hours.html"),
        (Role.TRAINEE, "certify/training/panel_trainee.html"),
        (Role.TRAINER, "certify/panels/trainer.html"),
    ):
        modules.add_dashboard_panel(app, role, template)
    modules.add_board_panel(app, "certify/board_panels/work.html", order=10)
    for template in (
        "certify/board_panels/config.html",
        "certify/hours/board_panel.html",
        "certify/board_panels/training.html",
    ):
        modules.add_board_panel(app, template, order=20)
    modules.add_cli(app, credentials_cli, standing_cli)
    modules.add_demo(app, "certification", load_demo, order=10)
    modules.add_demo(app, "renewal rules", load_renewal_demo, order=11)
    modules.add_demo(app, "journeys and crowd", load_journeys_demo, order=12)
    modules.add_public(app, "certify.static", "certify.verify_credential")
    for entity, endpoint, key in (
        ("Application", "certify.review_application", "application_id"),
        ("Credential", "certify.board_credential", "credential_id"),
    ):
        modules.add_record_link(app, entity, _record_link(endpoint, key))
    hooks.applicant_facts.connect(hooks.staff_recorded_exam)
    tracking.track(db.session)  # stored standings follow every committed change of facts


def _record_link(endpoint: str, key: str) -> Callable[[int, str], str]:
    """An audit-log link to a certify record's staff page."""

    def link(board_id: int, entity_id: str) -> str:
        values: dict[str, Any] = {"board_id": board_id, key: int(entity_id)}
        return url_for(endpoint, **values)

    return link
