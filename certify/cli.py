"""`flask credentials expire|issue-approved` and `flask standing ...`: certify's jobs."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select, text

from certify.credentials.services import CredentialError, expire_and_remind, issue_approved
from certify.standing import services as standing
from core.extensions import db
from core.models import Board, User
from core.text import plural

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
        f"{plural(run.expired, 'credential')} expired, {plural(run.reminders, 'reminder')} queued "
        f"as of {day.isoformat()}"
    )


@credentials_cli.command("issue-approved")
@click.argument("board_slug")
@click.option("--by", "by_email", required=True, help="Email of the staff member issuing.")
@click.option("--limit", default=10_000, show_default=True, help="At most this many in one batch.")
def issue_approved_command(board_slug: str, by_email: str, limit: int) -> None:
    """Issue and sign the credential of every approved application of a board, at once.

    All or nothing: an application that may not be issued (unmet requirements, your own,
    four eyes) stops the batch and nothing is issued; run again for more than --limit.
    """
    board = db.session.execute(select(Board).where(Board.slug == board_slug)).scalar()
    if board is None:
        raise click.UsageError(f"No board with the short name {board_slug!r}.")
    actor = db.session.execute(select(User).where(User.email == by_email.strip())).scalar()
    if actor is None:
        raise click.UsageError(f"No account with the email {by_email!r}.")
    try:
        issued = issue_approved(db.session, board, actor, date.today(), limit)
    except (CredentialError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    if issued:
        click.echo(
            f"{plural(len(issued), 'credential')} issued and signed: "
            f"{issued[0].number} to {issued[-1].number}"
        )
    else:
        click.echo(f"No approved application of {board.name} is waiting for its credential.")


standing_cli = AppGroup("standing", help="Stored standing: the eligibility engine's results.")


def _day(as_of: object) -> date:
    return as_of.date() if as_of is not None else date.today()  # type: ignore[attr-defined]


AS_OF = click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Compute as if today were this date (YYYY-MM-DD).",
)


@standing_cli.command("recompute")
@click.argument("board_slug", required=False)
@click.option("--pending", is_flag=True, help="Run every board's queued recompute (cron).")
@AS_OF
def standing_recompute(board_slug: str | None, pending: bool, as_of: object) -> None:
    """Recompute a board's stored standing after a rule change; resumes where it stopped."""
    day = _day(as_of)
    if not board_slug and not pending:
        raise click.UsageError("Name a board (its short name) or pass --pending.")
    if board_slug:
        found = standing.boards(db.session, board_slug)
        if not found:
            raise click.UsageError(f"No board with the short name {board_slug!r}.")
        board_id: int | None = found[0].id
        if standing.next_job(db.session, board_id) is None:
            standing.request_recompute(db.session, found[0].id, "flask standing recompute")
            db.session.commit()
    else:
        board_id = None
    while (job := standing.next_job(db.session, board_id)) is not None:
        slug = db.session.get(Board, job.board_id).slug  # type: ignore[union-attr]
        more = True
        while more:
            more = standing.run_job_batch(db.session, job, day)
            db.session.commit()  # each batch is kept: an interrupted run resumes here
            click.echo(f"{slug}: {job.done} of {job.total} people ({job.status})")
        if db.engine.dialect.name == "postgresql":
            # the board's counts read the index alone once the rewritten rows are vacuumed
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE) standing"))
    click.echo("standing is current")


@standing_cli.command("refresh")
@AS_OF
def standing_refresh(as_of: object) -> None:
    """Recompute what time alone changed: birthdays, months in recovery, look-back (daily)."""
    day = _day(as_of)
    total = 0
    for board in standing.boards(db.session):
        while count := standing.refresh_due(db.session, board.id, day):
            db.session.commit()
            total += count
    click.echo(f"{total} people's standing refreshed as of {day.isoformat()}")


@standing_cli.command("verify")
@click.option("--board", "board_slug", default=None, help="Only this board (short name).")
@click.option("--sample", default=200, show_default=True, help="People per board to check.")
@click.option("--fix", is_flag=True, help="Store the live result where they differ.")
@AS_OF
def standing_verify(board_slug: str | None, sample: int, fix: bool, as_of: object) -> None:
    """Recompute a sample live and report any drift from the stored standing; exit 1 on drift."""
    day = _day(as_of)
    checked, drifted = 0, []
    for board in standing.boards(db.session, board_slug):
        people = standing.sample_people(db.session, board.id, sample)
        checked += len(people)
        found = standing.compare(db.session, board.id, people, day)
        drifted += found
        if fix and found:
            standing.recompute_people(db.session, board.id, {d.user_id for d in found}, day)
            db.session.commit()
    for drift in drifted:
        click.echo(f"drift: {drift.describe()}", err=True)
    with_drift = len({(d.board_id, d.user_id) for d in drifted})
    click.echo(f"checked {checked} people: {with_drift} with drift" + (" (fixed)" if fix else ""))
    if drifted and not fix:
        sys.exit(1)
