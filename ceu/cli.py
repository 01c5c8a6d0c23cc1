"""`flask ce remind`: reminders to CE providers before their approval lapses (run daily)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

ce_cli = AppGroup("ce", help="Continuing education: provider reminders.")


@ce_cli.command("remind")
@click.option("--date", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Act as of this day.")
def remind_command(as_of: object) -> None:
    """Email providers 60 and 30 days before their approval lapses (once each; run daily).

    Certificants' reminders before expiry, which say what CE is missing, are sent by
    `flask credentials expire`.
    """
    from ceu.renewal import remind
    from core.extensions import db

    day = as_of.date() if as_of is not None else date.today()  # type: ignore[attr-defined]
    run = remind(db.session, day)
    db.session.commit()
    click.echo(f"CE provider reminders: {run.providers} provider(s).")
