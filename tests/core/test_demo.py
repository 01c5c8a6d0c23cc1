"""Demo data loads idempotently and refuses production unless forced."""

from __future__ import annotations

from sqlalchemy import select

from app import create_app
from certify.models import CredentialType, RequirementSet
from core.extensions import db
from core.models import AuditEvent, Board, RoleAssignment, User


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
            "audit": len(db.session.execute(select(AuditEvent)).scalars().all()),
        }


def test_demo_load_twice_gives_same_data(app) -> None:  # type: ignore[no-untyped-def]
    app.config["ENV_NAME"] = "development"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "ne.admin@demo.peercert" in first.output and "demo-ne-admin" in first.output
    # a module's own demo logins are printed too (the CE provider of ceu's demo)
    provider = next(line for line in first.output.splitlines() if "provider@demo" in line)
    assert "demo-provider" in provider and "CE provider" in provider
    once = _snapshot(app)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert _snapshot(app) == once
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
        forced = app.test_cli_runner().invoke(args=["demo", "load", "--force"])
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
