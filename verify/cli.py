"""`flask vc ...` (signed credentials and keys) and `flask employers daily` (monitoring)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from certify.models import Credential
from core.extensions import db
from core.models import Board
from verify.badges import services
from verify.badges.issuer import KeyMissing, key_file, rotate, signing_key
from verify.employers import monitoring

vc_cli = AppGroup("vc", help="Signed credentials (Open Badges 3.0): export, verify, keys.")
employers_cli = AppGroup("employers", help="Employer monitoring jobs.")


def _board(slug: str) -> Board:
    board = db.session.execute(select(Board).where(Board.slug == slug)).scalar()
    if board is None:
        raise click.UsageError(f"No board with the short name {slug!r}.")
    return board


@vc_cli.command("export")
@click.argument("board_slug")
@click.argument("number")
def export(board_slug: str, number: str) -> None:
    """Print a credential's signed Open Badges 3.0 JSON (signing it first if needed)."""
    board = _board(board_slug)
    credential = db.session.execute(
        select(Credential).where(
            Credential.board_id == board.id, Credential.number == number.strip().upper()
        )
    ).scalar()
    if credential is None:
        raise click.UsageError(f"No credential {number} in board {board_slug}.")
    try:
        badge = services.badge_for(db.session, credential)
    except KeyMissing as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(json.dumps(json.loads(badge.document), indent=2, ensure_ascii=False))


@vc_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_file(file: Path) -> None:
    """Check a signed credential's signature, dates and status; one line; exit 1 if not valid."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        click.echo(f"NOT VALID: {file} is not a JSON file")
        sys.exit(1)
    verdict = services.check_document(db.session, document)
    click.echo(verdict.summary)
    if not verdict.valid:
        sys.exit(1)


@vc_cli.command("keygen")
@click.argument("board_slug")
def keygen(board_slug: str) -> None:
    """Create the board's signing key file (once; `rotate-key` replaces it)."""
    board = _board(board_slug)
    path = key_file(board.slug)
    if path.exists():
        raise click.ClickException(f"{path} exists: use `flask vc rotate-key {board_slug}`.")
    result = rotate(db.session, board)
    services.record_rotation(db.session, board, None, result)
    db.session.commit()
    click.echo(f"{board_slug}: key {result.new_fragment} written to {result.path} (mode 0600)")


@vc_cli.command("rotate-key")
@click.argument("board_slug")
def rotate_key(board_slug: str) -> None:
    """Sign from now on with a new key; credentials signed before keep verifying."""
    board = _board(board_slug)
    try:
        signing_key(db.session, board)  # the current key is published before it is replaced
        result = rotate(db.session, board)
    except KeyMissing as exc:
        raise click.ClickException(str(exc)) from exc
    services.record_rotation(db.session, board, None, result)
    db.session.commit()
    click.echo(f"{board_slug}: now signing with {result.new_fragment} (was {result.old_fragment})")


@vc_cli.command("sign-missing")
@click.argument("board_slug")
def sign_missing(board_slug: str) -> None:
    """Sign every credential of the board that has no signed form yet."""
    board = _board(board_slug)
    try:
        count = services.sign_missing(db.session, board)
    except KeyMissing as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{board_slug}: {count} credential(s) signed")


@employers_cli.command("daily")
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Run as if today were this date (YYYY-MM-DD).",
)
def daily(as_of: object) -> None:
    """Tell employers of monitored credentials that changed or expire within 60 days (daily)."""
    day = as_of.date() if as_of is not None else date.today()  # type: ignore[attr-defined]
    run = monitoring.daily(db.session, day)
    db.session.commit()
    click.echo(
        f"{run.checked} monitored credential(s) checked, {run.events} change(s) reported "
        f"as of {day.isoformat()}"
    )
