"""`flask credentials expire`: the daily expiry and reminder run."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from certify.credentials.services import expire_and_remind
from core.extensions import db

credentials_cli = AppGroup("credentials", help="Credential lifecycle jobs.")


@credentials_cli.command("expire")
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Run as if today were this date (YYYY-MM-DD).",
)
def expire(as_of: object) -> None:
    """Move overdue credentials to expired and email 90/60/30-day reminders (run daily)."""
    day = as_of.date() if as_of is not None else date.today()  # type: ignore[attr-defined]
    run = expire_and_remind(db.session, day)
    db.session.commit()
    click.echo(
        f"{run.expired} credential(s) expired, {run.reminders} reminder(s) queued "
        f"as of {day.isoformat()}"
    )
