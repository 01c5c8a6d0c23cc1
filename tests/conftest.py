"""Shared fixtures: an app on SQLite or a fresh PostgreSQL database, rolled back per test."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, text

from app import create_app
from core.config import TestingConfig
from core.extensions import db
from core.models import Board, Role, User
from tests.factories import create_board, create_user
from tests.shared import PROJECT, RDS_SAMPLE

PG_ENV = "PEERCERT_TEST_DATABASE_URL"


def pytest_sessionstart(session: pytest.Session) -> None:
    """On CI the RDS reference data must be there: its tests may not quietly skip."""
    if os.environ.get("CI") == "true" and RDS_SAMPLE is None:
        where = PROJECT.parent / "shared" / "data" / "rds_sample"
        raise pytest.UsageError(f"CI needs the shared RDS sample at {where} or $PEERCERT_SHARED")


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
        "RDS_CHART_CACHE": str(tmp_path / "rds-charts"),
        "RDS_CHART_WARM": False,  # tests that want the run to draw its charts turn it on
        "BASE_URL": "http://localhost",
    }


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    application = create_app(app_config(database_url, tmp_path_factory.mktemp("inst")))
    with application.app_context():
        if db.engine.dialect.name == "sqlite":
            _let_sqlite_use_savepoints(db.engine)
        upgrade()  # the real migrations, so every test runs on the migrated schema
    yield application


def _let_sqlite_use_savepoints(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, begin transactions, so that SAVEPOINT works.

    pysqlite (before Python 3.12's autocommit=False) begins transactions on its own and
    breaks SAVEPOINT; this is the recipe from SQLAlchemy's SQLite dialect documentation
    ("Serializable isolation / Savepoints / Transactional DDL").
    """

    @event.listens_for(engine, "connect")
    def _driver_begins_nothing(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A live server thread sees only committed rows: its tests need real commits."""
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.real_commits)


@pytest.fixture(autouse=True)
def _database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Leave the database empty after each test that uses the app.

    The test runs inside one transaction that is rolled back at its end; a test marked
    real_commits (other connections or threads must see its rows) commits for real and
    every table is emptied after it instead.
    """
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    if request.node.get_closest_marker("real_commits"):
        yield
        _empty_tables(application)
        return
    with _rolled_back(application):
        yield


@contextmanager
def _rolled_back(app: Flask) -> Iterator[None]:
    """Run db.session on one connection whose outer transaction is rolled back at the end.

    Every session created meanwhile (one per app context: the test's, each request's, each
    CLI invocation's) joins that transaction with a SAVEPOINT, so db.session.commit() in
    the code under test releases only the savepoint (SQLAlchemy's "joining a session into
    an external transaction"). Flask-SQLAlchemy's Session.get_bind returns the app's engine
    whatever the session's bind, so for the test it returns the session's bind first.
    """
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    factory = db.session.session_factory  # its class_ is a subclass private to this factory
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(factory.kw, "bind", connection)
        patch.setitem(factory.kw, "join_transaction_mode", "create_savepoint")
        patch.setattr(factory.class_, "get_bind", _session_bind)
        try:
            yield
        finally:
            outer.rollback()
            connection.close()


def _session_bind(session: Any, *args: Any, bind: Any = None, **kwargs: Any) -> Any:
    """Session.get_bind during a rolled-back test: the connection the session is bound to."""
    return bind if bind is not None else session.bind


def _empty_tables(app: Flask) -> None:
    with app.app_context():
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
    """create_board, committed; the board comes back detached from any session."""

    def factory(slug: str = "ne", name: str | None = None) -> Board:
        with app.app_context():
            board = create_board(db.session, slug, name)
            db.session.commit()
            db.session.refresh(board)
            db.session.expunge(board)
            return board

    return factory


@pytest.fixture
def make_user(app: Flask):  # type: ignore[no-untyped-def]
    """create_user, committed; the user comes back detached, roles and boards loaded."""

    def factory(
        email: str, roles: list[tuple[Role, Board | None]] | None = None, **options: Any
    ) -> User:
        with app.app_context():
            user_id = create_user(db.session, email, roles, **options).id
            db.session.commit()
        with app.app_context():
            loaded = db.session.get(User, user_id)
            assert loaded is not None
            _ = [a.board for a in loaded.roles]
            db.session.expunge_all()
            return loaded

    return factory


@pytest.fixture(autouse=True)
def _limiter_kept_on_its_app() -> Iterator[None]:
    """Put the rate limiter back as it was after a test that made an app of its own.

    There is one Limiter for every app (core.extensions), and create_app() points its store
    and its on/off switch at the app made last (a production app's Redis, for example).
    """
    from core.extensions import limiter

    saved = {name: getattr(limiter, name, None) for name in ("enabled", "_storage", "_limiter")}
    yield
    if saved["_storage"] is not None:
        for name, value in saved.items():
            setattr(limiter, name, value)
