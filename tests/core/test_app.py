"""The app factory, configuration, security headers and error pages."""

from __future__ import annotations

import pytest

from app import create_app
from core.config import ConfigError, DevelopmentConfig


def test_missing_secret_key_in_production_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERCERT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    import core.config

    monkeypatch.setattr(core.config.Config, "SECRET_KEY", None)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


def test_unknown_environment_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERCERT_ENV", "staging")
    with pytest.raises(ConfigError, match="PEERCERT_ENV='staging' is not known"):
        create_app()


def test_defaults_to_sqlite_in_instance_folder(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PEERCERT_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app(DevelopmentConfig)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/peercert.sqlite"
    assert app.config["DEBUG"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_postgres_url_uses_psycopg3(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "SECRET_KEY": "x",
            "BASE_URL": "https://x.org",
            "AUDIT_KEY": "x",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "SQLALCHEMY_DATABASE_URI": "postgresql://h/db",
        }
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://h/db"


def test_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/login")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_bootstrap_is_served_locally(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    assert "cdn.jsdelivr" not in page
    assert "/bootstrap/static/css/bootstrap.min.css" in page
    assert client.get("/bootstrap/static/css/bootstrap.min.css").status_code == 200


def test_error_pages_leak_nothing(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "could not find that page" in body
    assert "Traceback" not in body and "werkzeug" not in body.lower()


def test_server_error_page_has_no_stack_trace(database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import app_config

    app = create_app(app_config(database_url, tmp_path))

    @app.route("/_boom_for_test")
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/_boom_for_test")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_unreachable_database_gives_a_clear_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "SECRET_KEY": "x",
            "BASE_URL": "https://x.org",
            "AUDIT_KEY": "x",
            "RATELIMIT_ENABLED": False,  # no Redis here
            "TESTING": False,
            "SESSION_COOKIE_SECURE": False,
            "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
        }
    )
    client = app.test_client()
    response = client.post("/login", data={"email": "a@b.org", "password": "whatever-long"})
    # CSRF is on in this app, so the form is rejected before the database is touched
    assert response.status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/login", data={"email": "a@b.org", "password": "whatever-long"})
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "cannot reach the database" in body
    assert "127.0.0.1:1" not in body and "Traceback" not in body


def test_cli_without_secret_key_says_so_without_a_trace() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["PEERCERT_ENV"] = "production"
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run(
        [str(flask), "--app", "app", "mail", "send"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Error: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
