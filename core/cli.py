"""Command-line tools: mail, audit, demo data, and setting up admins and boards."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from core import audit, backup, demo, mail, setup
from core.extensions import db
from core.text import plural
from core.urls import external_url


def _database_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Say clearly that the database is unreachable instead of printing a stack trace."""

    @wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except OperationalError as exc:
            db.session.rollback()
            url = db.engine.url.render_as_string(hide_password=True)
            click.echo(f"Error: cannot use the database at {url}: {exc.orig}", err=True)
            click.echo(
                "Check DATABASE_URL and that the server is running; "
                "run `flask --app app db upgrade` first on a new database.",
                err=True,
            )
            sys.exit(1)

    return wrapped


def register_cli(app: Flask) -> None:
    mail_group = AppGroup("mail", help="The email outbox.")
    audit_group = AppGroup("audit", help="The audit trail.")
    demo_group = AppGroup("demo", help="Demo data.")

    @mail_group.command("send")
    @_database_errors
    def mail_send() -> None:
        """Deliver pending messages over SMTP (or print them when MAIL_PRINT is on)."""
        report = mail.deliver_pending(db.session, current_app.config, echo=click.echo)
        db.session.commit()
        click.echo(
            f"sent {report.sent}, retrying later {report.retrying}, failed for good {report.failed}"
        )

    @audit_group.command("verify")
    @_database_errors
    def audit_verify() -> None:
        """Recompute the hash chain; exit 1 when any event was edited or deleted."""
        report = audit.verify(db.session)
        for problem in report.problems:
            click.echo(problem, err=True)
        if not report.ok:
            click.echo(
                f"audit trail BROKEN: {plural(len(report.problems), 'problem')} in "
                f"{report.checked} events",
                err=True,
            )
            sys.exit(1)
        click.echo(f"audit trail intact: {report.checked} events")

    @demo_group.command("load")
    @click.option("--force", is_flag=True, help="Allow loading into a production configuration.")
    @click.option(
        "--crowd",
        default=300,
        show_default=True,
        type=click.IntRange(0, 5000),
        help="People per board added in bulk so that lists and charts look real.",
    )
    @_database_errors
    def demo_load(force: bool, crowd: int) -> None:
        """Create two demo boards with staff and trainee accounts (safe to run twice)."""
        if current_app.config.get("ENV_NAME") == "production" and not force:
            click.echo(
                "Refusing to load demo data into a production configuration. "
                "Set PEERCERT_ENV=development, or pass --force if you are sure.",
                err=True,
            )
            sys.exit(2)
        started = time.perf_counter()
        accounts = demo.load(db.session, crowd=crowd)
        db.session.commit()
        seconds = time.perf_counter() - started
        click.echo(f"Demo data ready in {seconds:.1f} s. Log in at http://127.0.0.1:5000 with:")
        for a in accounts:
            where = f" — {a.board}" if a.board else ""
            click.echo(f"  {a.email:34} {a.password:22} {a.role}{where}")

    admin_group = AppGroup("admin", help="Platform administrators.")
    board_group = AppGroup("board", help="Boards (jurisdictions).")

    @admin_group.command("create")
    @click.argument("email")
    @click.option("--name", default="", help="The person's full name.")
    @_database_errors
    def admin_create(email: str, name: str) -> None:
        """Make EMAIL a platform admin (creating the account); prints a one-time link."""
        try:
            done = setup.create_platform_admin(db.session, email, name)
        except setup.SetupError as exc:
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        state = "created" if done.created else "already there"
        click.echo(f"Platform admin {done.user.email}: account {state}.")
        if done.activation_token:
            link = external_url("auth.activate", token=done.activation_token)
            click.echo(f"Open this one-time link to choose a password (it expires):\n{link}")
        else:
            click.echo("The account is active: log in with its password.")

    @board_group.command("create")
    @click.argument("slug")
    @click.option("--name", required=True, help="The board's full name.")
    @click.option("--jurisdiction", required=True, help="The state or region it certifies for.")
    @click.option("--contact-email", default="", help="The address people can write to.")
    @_database_errors
    def board_create(slug: str, name: str, jurisdiction: str, contact_email: str) -> None:
        """Create a board with the short name SLUG (does nothing when it exists)."""
        try:
            board, created = setup.create_board(
                db.session, None, slug, name, jurisdiction, contact_email
            )
        except setup.SetupError as exc:
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        verb = "created" if created else "already exists"
        click.echo(f"Board {board.slug} ({board.name}) {verb}.")

    audit_group.add_command(audit.checkpoint_command)  # defined with the audit chain
    backup.register(app)  # backup, restore, export <board>
    for group in (mail_group, audit_group, demo_group, admin_group, board_group):
        app.cli.add_command(group)
