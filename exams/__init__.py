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
    """Plug exams into the app: routes, the Exams workspace and navigation, panels, demo."""
    import exams.bank.views
    import exams.delivery.views  # noqa: F401  (online windows and the candidate's sitting)
    import exams.forms.views
    import exams.models  # noqa: F401  (every table on the metadata, for migrations)
    import exams.results.views  # noqa: F401  (vendor results, score reports, item analysis)
    import exams.standards.views  # noqa: F401  (standard setting: panels, ratings, cut)
    from certify import hooks
    from core import modules
    from core.extensions import db
    from core.models import Board, Role
    from core.modules import NavEntry, Workspace
    from exams import counts
    from exams.access import EXAM_STAFF
    from exams.demo import load as load_demo
    from exams.results.services import exam_facts
    from exams.standards import services as standards
    from exams.web import bp

    app.register_blueprint(bp)
    staff = frozenset(EXAM_STAFF)
    reviewers = frozenset({Role.EXAM_MANAGER, Role.ITEM_REVIEWER})
    managers = frozenset({Role.EXAM_MANAGER})
    judges = frozenset({Role.SME_JUDGE})
    modules.add_workspace(app, Workspace("exams", "Exams", staff, "exams.home", 40))
    modules.add_workspace(
        app, Workspace("judging", "Standard setting", judges, "exams.my_panels", 45)
    )
    modules.add_nav(
        app,
        NavEntry("My exam work", "exams.home", staff, workspace="exams"),
        NavEntry("Exams", "exams.board_exams", staff, per_board=True, order=80),
        NavEntry("Item bank", "exams.bank", staff, per_board=True, order=81),
        NavEntry(
            "Items to review",
            "exams.review_queue",
            reviewers,
            per_board=True,
            count=counts.to_review,
            order=82,
        ),
        NavEntry("Writing assignments", "exams.assignments", staff, per_board=True, order=83),
        NavEntry("Exam forms", "exams.forms", managers, per_board=True, order=84),
        NavEntry(
            "Standard setting",
            "exams.board_panels",
            frozenset({Role.EXAM_MANAGER, Role.BOARD_ADMIN}),
            per_board=True,
            order=85,
        ),
        NavEntry("My rating panels", "exams.my_panels", judges, workspace="judging"),
        NavEntry(
            "My exams", "exams.my_exams", frozenset({Role.TRAINEE}), workspace="certification"
        ),
        NavEntry(
            "My exam results",
            "exams.my_exam_results",
            frozenset({Role.TRAINEE}),
            workspace="certification",
            order=60,
        ),
    )
    hooks.applicant_facts.connect(exam_facts)  # a pass recorded here counts for certify
    for role in EXAM_STAFF:
        modules.add_dashboard_panel(app, role, "exams/panels/staff.html")
    modules.add_dashboard_panel(
        app, Role.SME_JUDGE, "exams/panels/judge.html", standards.judge_dashboard_facts
    )
    modules.add_board_panel(app, "exams/panels/board.html", order=40)
    modules.add_demo(app, "exams", load_demo, order=40)

    @app.template_global("exam_board_summary")
    def exam_board_summary(board: Board) -> counts.BoardSummary:
        return counts.board_summary(db.session, board.id)
