"""Demo data loads idempotently and refuses production unless forced."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app import create_app
from certify.applications.services import STATUS_LABELS
from certify.board.services import applications_per_month
from certify.models import (
    Application,
    ApplicationDocument,
    Credential,
    CredentialType,
    DisciplinaryAction,
    RequirementSet,
    Standing,
)
from core.extensions import db
from core.models import AuditEvent, Board, RoleAssignment, User
from exams.models import ExamWindow, Registration
from rds.models import BlueprintVersion, SmeVote, Study
from tests.factories import login

CROWD = 40  # people per board: the command's crowd in little (it adds 300 by default)


def _snapshot(app):  # type: ignore[no-untyped-def]
    with app.app_context():

        def rows(model, *cols):  # type: ignore[no-untyped-def]
            return sorted(
                tuple(getattr(r, c) for c in cols)
                for r in db.session.execute(select(model)).scalars()
            )

        return {
            "boards": rows(Board, "slug", "name"),
            "users": rows(User, "email", "password_hash"),
            "roles": rows(RoleAssignment, "user_id", "role", "board_id"),
            "types": rows(CredentialType, "board_id", "code", "level", "cycle_months"),
            "rules": rows(
                RequirementSet,
                "credential_type_id",
                "min_age",
                "recovery_months",
                "training_minutes",
                "experience_minutes",
                "supervision_minutes",
            ),
            "applications": rows(
                Application, "board_id", "trainee_id", "status", "submitted_at", "decided_at"
            ),
            "credentials": rows(Credential, "number", "status", "issued_on", "expires_on"),
            "documents": rows(ApplicationDocument, "application_id", "kind", "status"),
            "standing": rows(Standing, "user_id", "credential_type_id", "eligible"),
            "audit": len(db.session.execute(select(AuditEvent)).scalars().all()),
        }


def test_demo_load_twice_gives_same_data(app) -> None:  # type: ignore[no-untyped-def]
    app.config["ENV_NAME"] = "development"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load", "--crowd", str(CROWD)])
    assert first.exit_code == 0, first.output
    assert "Demo data ready in " in first.output  # the command prints its time
    assert "ne.admin@demo.peercert" in first.output and "demo-ne-admin" in first.output
    # a module's own demo logins are printed too (the CE provider of ceu's demo)
    provider = next(line for line in first.output.splitlines() if "provider@demo" in line)
    assert "demo-provider" in provider and "CE provider" in provider
    once = _snapshot(app)
    second = runner.invoke(args=["demo", "load", "--crowd", str(CROWD)])
    assert second.exit_code == 0
    assert _snapshot(app) == once
    # the crowd came in: CROWD people per board besides the named ones
    assert len(once["users"]) > 2 * CROWD
    assert len(once["boards"]) == 2
    rules = {r[0]: r[1:] for r in once["rules"]}
    assert (19, 24, 40 * 60, None, None) in rules.values()  # seed 003 board
    assert (18, 12, 46 * 60, 500 * 60, 25 * 60) in rules.values()  # IC&RC board


def test_demo_refuses_production_unless_forced(app) -> None:  # type: ignore[no-untyped-def]
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 2 and "Refusing" in result.output
        with app.app_context():
            assert db.session.execute(select(Board)).first() is None
        forced = app.test_cli_runner().invoke(args=["demo", "load", "--force", "--crowd", "0"])
        assert forced.exit_code == 0
    finally:
        app.config["ENV_NAME"] = "testing"


def test_cli_says_clearly_when_database_is_unreachable() -> None:
    app = create_app(
        {
            "SECRET_KEY": "x",
            "ENV_NAME": "development",
            "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none",
        }
    )
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert (
        "cannot use the database at postgresql+psycopg://nobody@127.0.0.1:1/none" in result.output
    )
    assert "Traceback" not in result.output


def test_demo_shows_every_journey(app, client) -> None:  # type: ignore[no-untyped-def]
    """Every application state in the reviewer's queue, documents waiting, a year of
    applications on the overview, a suspension with its public notice, certificants due for
    renewal, and stored standings that agree with the live checklists."""
    app.config["ENV_NAME"] = "development"
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["demo", "load", "--crowd", str(CROWD)])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        boards = db.session.execute(select(Board).order_by(Board.id)).scalars().all()
        ne = next(b for b in boards if b.slug == "ne-dbh")
        today = date.today()
        for board in boards:
            trend = applications_per_month(db.session, board.id, today)
            assert sum(1 for _, n in trend if n) >= 6, (board.slug, trend)
        suspension = db.session.execute(
            select(DisciplinaryAction).where(DisciplinaryAction.public.is_(True))
        ).scalar_one()
        notice = suspension.public_summary
        suspended = suspension.credential
        assert suspended.status == "suspended"
        number, slug = suspended.number, ne.slug
        soon = db.session.execute(
            select(Credential).where(
                Credential.board_id == ne.id,
                Credential.status == "active",
                Credential.expires_on <= today + timedelta(days=90),
            )
        ).first()
        assert soon is not None
        renewed = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "credential.renewed")
        ).first()
        assert renewed is not None
        ne_id = ne.id
        for board in boards:  # each board: SME votes and an approved blueprint
            votes = select(SmeVote.id).where(SmeVote.board_id == board.id)
            assert db.session.execute(votes).first() is not None, board.slug
            approved = select(BlueprintVersion.id).where(
                BlueprintVersion.board_id == board.id, BlueprintVersion.status == "approved"
            )
            assert db.session.execute(approved).first() is not None, board.slug
        window = db.session.execute(select(ExamWindow)).scalar_one()
        assert window.opens_on <= today <= window.closes_on
        assert db.session.execute(select(Registration.id)).first() is not None
        closed = select(Study.status).where(Study.board_id == ne_id)
        assert "analyzed" in set(db.session.execute(closed).scalars())  # survey closed, analysed

    assert login(client, "ne.reviewer@demo.peercert", "demo-ne-reviewer").status_code == 302
    every = client.get(f"/boards/{ne_id}/applications").get_data(as_text=True)
    assert ">Next<" in every  # more than a page: pagination shows
    for status, label in STATUS_LABELS.items():
        page = client.get(f"/boards/{ne_id}/applications?status={status}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and label in html, status
        assert "No applications" not in html, status
    waiting = client.get(f"/boards/{ne_id}/documents?status=pending").get_data(as_text=True)
    assert "photo-id.pdf" in waiting or "certificate.pdf" in waiting
    overview = client.get(f"/boards/{ne_id}").get_data(as_text=True)
    assert "Applications sent per month" in overview
    public = client.get(f"/verify/{slug}/{number}")
    assert public.status_code == 200 and notice in public.get_data(as_text=True)

    drift = runner.invoke(args=["standing", "verify", "--sample", "1000"])
    assert drift.exit_code == 0, drift.output
    assert " 0 with drift" in drift.output
