"""A production install that can start: first admin and boards, links, --help, the wheel."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from core.config import ConfigError
from core.extensions import db
from core.models import AuditEvent, Board, Role, User
from core.urls import external_url
from tests.factories import login

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")


def test_admin_create_makes_a_platform_admin_with_a_one_time_link(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["admin", "create", "root@example.org", "--name", "Rae Root"])
    assert first.exit_code == 0, first.output
    assert "account created" in first.output and "/activate/" in first.output
    again = runner.invoke(args=["admin", "create", "root@example.org"])
    assert again.exit_code == 0 and "already there" in again.output
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "root@example.org")).scalar()
        assert user is not None and user.is_platform_admin and user.full_name == "Rae Root"
        actions = db.session.execute(
            select(AuditEvent.action).where(AuditEvent.action == "platform_admin.created")
        ).all()
        assert len(actions) == 1  # audited once: the second run changed nothing


def test_board_create_is_idempotent_and_refuses_a_bad_short_name(app: Flask) -> None:
    runner = app.test_cli_runner()
    args = ["board", "create", "ks-peer", "--name", "Kansas Board", "--jurisdiction", "Kansas"]
    assert "created" in runner.invoke(args=args).output
    assert "already exists" in runner.invoke(args=args).output
    bad = runner.invoke(args=["board", "create", "Bad Slug!", "--name", "x", "--jurisdiction", "y"])
    assert bad.exit_code == 1 and "cannot be a board's short name" in bad.output
    with app.app_context():
        assert db.session.execute(select(Board.slug)).scalars().all() == ["ks-peer"]


def test_platform_admin_creates_a_board_in_the_ui(app: Flask, client, make_user) -> None:  # type: ignore[no-untyped-def]
    admin = make_user("root@example.org", [(Role.PLATFORM_ADMIN, None)])
    login(client, admin.email)
    assert "New board" in client.get("/dashboard").get_data(as_text=True)
    data = {"slug": "ks-peer", "name": "Kansas Board", "jurisdiction": "Kansas"}
    response = client.post("/boards/new", data=data)
    assert response.status_code == 302 and "/staff" in response.headers["Location"]
    page = client.post("/boards/new", data=data).get_data(as_text=True)
    assert "already exists" in page
    with app.app_context():
        assert db.session.execute(select(Board.name)).scalars().all() == ["Kansas Board"]
    register = client.get("/register").get_data(as_text=True)
    assert "Kansas Board" in register  # people can now register with it


def test_only_a_platform_admin_creates_boards(app: Flask, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    board_admin = make_user("ba@example.org", [(Role.BOARD_ADMIN, board)])
    login(client, board_admin.email)
    response = client.post("/boards/new", data={"slug": "x-y-z", "name": "X", "jurisdiction": "Y"})
    assert response.status_code == 403


def test_links_follow_the_request_host_outside_production(app: Flask) -> None:
    warnings: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    app.logger.addHandler(handler)
    try:
        with app.test_request_context("/", base_url="http://10.0.0.7:8123"):
            link = external_url("auth.login")
    finally:
        app.logger.removeHandler(handler)
    assert link == "http://10.0.0.7:8123/login"
    assert any("came to http://10.0.0.7:8123" in w for w in warnings)  # BASE_URL differs
    with app.app_context():  # outside a request (a CLI job): BASE_URL
        assert external_url("auth.login") == "http://localhost/login"


def test_production_links_use_base_url_and_need_it(database_url: str, tmp_path: Path) -> None:
    from tests.conftest import app_config

    config = {**app_config(database_url, tmp_path), "ENV_NAME": "production"}
    config["BASE_URL"] = "https://certify.example.org"
    config["AUDIT_KEY"] = "an audit key"
    config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
    app = create_app(config)
    with app.test_request_context("/", base_url="http://10.0.0.7:8123"):
        assert external_url("auth.login") == "https://certify.example.org/login"
    config["BASE_URL"] = None
    with pytest.raises(ConfigError, match="BASE_URL is not set"):
        create_app(config)


def test_help_needs_no_configuration(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "PEERCERT_ENV"}}
    for args in (["--help"], ["board", "create", "--help"]):
        result = subprocess.run(
            [str(FLASK), "--app", "app", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and "Usage:" in result.stdout


def test_the_wheel_holds_everything_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    """Build the wheel, install it in a fresh venv elsewhere, migrate an empty database, serve."""
    wheels = tmp_path / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)]
    subprocess.run(build, check=True, capture_output=True, timeout=300)
    [wheel] = list(wheels.glob("*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the dependencies come from the test environment; the project only from the wheel
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + [str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PEERCERT")},
        "PEERCERT_ENV": "development",
        "PEERCERT_INSTANCE": str(elsewhere / "instance"),
        "DATABASE_URL": f"sqlite:///{elsewhere / 'fresh.sqlite'}",
        "PYTHONPATH": "",
    }
    flask = [str(python), "-m", "flask", "--app", "app"]
    upgrade = subprocess.run(
        [*flask, "db", "upgrade"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    serve = (
        "import app, core; from app import create_app; "
        f"assert app.__file__.startswith({site!r}), app.__file__; "
        "c = create_app().test_client(); r = c.get('/login'); "
        "assert r.status_code == 200 and b'Log in' in r.data, r.status_code; "
        "assert c.get('/core-static/app.css').status_code == 200; print('served')"
    )
    served = subprocess.run(
        [str(python), "-c", serve], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert served.returncode == 0 and "served" in served.stdout, served.stderr
