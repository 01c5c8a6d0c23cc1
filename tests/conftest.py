"""Shared fixtures: an app on SQLite or a fresh PostgreSQL database, factories, login."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from core.accounts import grant_role
from core.config import TestingConfig
from core.extensions import db
from core.models import Board, Role, User, utcnow

PG_ENV = "PEERCERT_TEST_DATABASE_URL"
SHARED_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "rds_sample"
PASSWORD = "correct horse battery"


def pytest_sessionstart(session: pytest.Session) -> None:
    """On CI the RDS reference data must be there: its tests may not quietly skip."""
    if os.environ.get("CI") == "true" and not (
        os.environ.get("PEERCERT_SHARED") or SHARED_SAMPLE.is_dir()
    ):
        raise pytest.UsageError(f"CI needs the shared RDS sample at {SHARED_SAMPLE}")


def _fresh_postgres_database(base_url: str) -> tuple[str, str]:
    """Create an empty database next to base_url's; return (its url, its name)."""
    import psycopg

    parts = urlsplit(base_url.replace("postgresql+psycopg://", "postgresql://"))
    name = "peercert_test_" + secrets.token_hex(4)
    with psycopg.connect(
        base_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name)), name


def _drop_postgres_database(base_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(
        base_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if base:
        url, name = _fresh_postgres_database(base)
        yield url
        _drop_postgres_database(base, name)
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


def app_config(database_url: str, tmp_path: Any) -> dict[str, Any]:
    return {
        **{k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()},
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PUBLIC_RATE_LIMIT": "1000 per minute",
        "HOURS_RATE_LIMIT": "1000 per minute",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "BASE_URL": "http://localhost",
    }


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    application = create_app(app_config(database_url, tmp_path_factory.mktemp("inst")))
    with application.app_context():
        upgrade()  # the real migrations, so every test runs on the migrated schema
    yield application


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        db.session.rollback()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                db.session.execute(text(f'DELETE FROM "{name}"'))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def make_board(app: Flask):  # type: ignore[no-untyped-def]
    def factory(slug: str = "ne", name: str | None = None) -> Board:
        with app.app_context():
            board = Board(slug=slug, name=name or f"Board {slug}", jurisdiction=slug.upper())
            db.session.add(board)
            db.session.commit()
            db.session.refresh(board)
            db.session.expunge(board)
            return board

    return factory


@pytest.fixture
def make_user(app: Flask):  # type: ignore[no-untyped-def]
    def factory(
        email: str,
        roles: list[tuple[Role, Board | None]] | None = None,
        password: str = PASSWORD,
        active: bool = True,
    ) -> User:
        with app.app_context():
            user = User(
                email=email,
                full_name=email.split("@")[0].title(),
                activated_at=utcnow() if active else None,
            )
            user.set_password(password)
            db.session.add(user)
            db.session.flush()
            for role, board in roles or []:
                grant_role(
                    db.session,
                    user,
                    role,
                    None if board is None else db.session.get(Board, board.id),
                )
            db.session.commit()
            user_id = user.id
            db.session.remove()
        with app.app_context():
            loaded = db.session.get(User, user_id)
            assert loaded is not None
            _ = [a.board for a in loaded.roles]
            db.session.expunge_all()
            return loaded

    return factory


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"email": email, "password": password})
