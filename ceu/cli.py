"""`flask ce remind`: CE reminders before expiry and provider approval reminders (run daily)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

ce_cli = AppGroup("ce", help="Continuing education: reminders.")


@ce_cli.command("remind")
@click.option("--date", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Act as of this day.")
def remind_command(as_of: object) -> None:
    """Email what CE is missing 90/60/30 days before expiry, and lapsing providers (once each)."""
    from ceu.renewal import remind
    from core.extensions import db

    day = as_of.date() if as_of is not None else date.today()  # type: ignore[attr-defined]
    run = remind(db.session, day)
    db.session.commit()
    click.echo(f"CE reminders: {run.credentials} certificant(s), {run.providers} provider(s).")
