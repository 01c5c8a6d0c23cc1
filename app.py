"""Application factory for the peer support certification platform."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from core.config import Config, ConfigError, check_production_settings, config_class
from core.extensions import bootstrap, csrf, db, limiter, login_manager, migrate
from core.models import Role
from core.modules import install

# The domain modules, in the order their pages and panels appear. Adding a module means
# creating its package (with `init_app(app)`) and adding its name here.
INSTALLED_MODULES = ["certify", "rds", "ceu", "exams", "verify"]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def create_app(config: dict[str, Any] | type[Config] | None = None) -> Flask:
    """Build the app; config is a Config class or a dict of overrides on the env's class."""
    app = Flask(__name__, instance_path=os.environ.get("PEERCERT_INSTANCE") or None)
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(config_class())
        app.config.update(config or {})
    _check_config(app)
    if int(app.config.get("TRUSTED_PROXIES") or 0) > 0:
        # the client's address and scheme as the trusted proxies saw them (rate limits, audit)
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "peercert.sqlite"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = _driver_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    from core.ratelimit import storage_uri

    # Redis answers a limited request in one round trip (core/ratelimit.py)
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(
        str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    )
    limiter.init_app(app)
    bootstrap.init_app(app)

    from core.views import init_app as init_core

    init_core(app)
    install(app, INSTALLED_MODULES)
    _register_errors(app)
    app.after_request(_security_headers)
    from core.logs import init_app as init_logs

    init_logs(app)  # JSON lines with request ids, no personal data
    from core.navigation import shell

    app.jinja_env.globals["shell"] = shell
    app.jinja_env.globals["Role"] = Role

    from core.cli import register_cli

    register_cli(app)
    return app


def _driver_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _only_help_asked() -> bool:
    """`flask ... --help` lists commands and their options; it needs no configuration."""
    return Path(sys.argv[0]).name == "flask" and bool({"--help", "-h"} & set(sys.argv[1:]))


def _check_config(app: Flask) -> None:
    if _only_help_asked():
        app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or "help-only-never-serves"
        return
    if not app.config.get("SECRET_KEY"):
        raise ConfigError(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "value (python -c 'import secrets; print(secrets.token_hex(32))'), or set "
            "PEERCERT_ENV=development for local use."
        )
    if app.config.get("ENV_NAME") == "production" and not app.config.get("BASE_URL"):
        raise ConfigError(
            "BASE_URL is not set. In production every emailed link, QR code and certificate "
            "starts with it: set BASE_URL to the public address, e.g. https://certify.example.org"
        )
    check_production_settings(app.config)


def _register_errors(app: Flask) -> None:
    def http_error(error: HTTPException) -> Any:
        try:
            return render_template("errors/error.html", error=error), error.code
        except OperationalError as exc:  # the page names the signed-in person: the database
            return database_unavailable(exc)

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, http_error)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Any:
        app.logger.error("database unavailable: %s", type(error.orig).__name__)
        try:
            db.session.rollback()
        except OperationalError:
            pass
        # the page names no one, so rendering it asks the database nothing (the signed-in
        # person would be loaded again, failing again: a 500 instead of this 503)
        g._login_user = login_manager.anonymous_user()
        return render_template("errors/unavailable.html"), 503

    @app.errorhandler(csv.Error)
    def unreadable_csv(error: csv.Error) -> Any:
        # e.g. a field over the csv module's 131,072 characters: the file is refused, clearly
        db.session.rollback()
        message = (
            f"This CSV file cannot be read ({error}). No cell may be longer than 131,072 "
            "characters; check the file and upload it again."
        )
        return render_template("errors/error.html", error=BadRequest(), message=message), 400

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def value_out_of_range(error: Exception) -> Any:
        # a number, date or text the database cannot hold (a form's check was missing)
        app.logger.warning("value out of range: %s", type(getattr(error, "orig", error)).__name__)
        db.session.rollback()
        message = "A value you entered is too long or out of range; check the form and try again."
        return render_template("errors/error.html", error=BadRequest(), message=message), 400

    @app.errorhandler(500)
    def server_error(error: Exception) -> Any:
        try:
            return render_template("errors/500.html"), 500
        except OperationalError:
            g._login_user = login_manager.anonymous_user()
            return render_template("errors/500.html"), 500


def _security_headers(response: Any) -> Any:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:  # behind the proxy, X-Forwarded-Proto (TRUSTED_PROXIES) says so
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if not (request.endpoint or "").endswith("static"):
        # pages and downloads may hold personal data: no browser or proxy keeps a copy
        response.headers.setdefault("Cache-Control", "no-store")
    return response
