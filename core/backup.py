"""Backups, restores and a board's data as a zip of CSVs (issue 11, Operations).

`flask --app app backup FILE`: SQLite through its online backup API (consistent while the app
runs); PostgreSQL through pg_dump's custom format. `flask --app app restore FILE` loads such a
backup into an empty database (refuses a database that has tables). `flask --app app export
BOARD FILE`: every table the board owns, plus its people's names and emails (never password
hashes or tokens), one CSV each in a zip, every cell through the spreadsheet formula guard.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import zipfile
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url

from core.exports import csv_text
from core.extensions import db
from core.models import Board, RoleAssignment, User

# pg_dump and pg_restore run with an argument list, never through a shell (bandit B404, B603)
# columns never exported: secrets and what opens an account
SECRET_COLUMNS = {
    "password_hash",
    "token_hash",
    "key_hash",
    "resume_key_hash",
    "vote_token_hash",
    "public_token",
}


def _pg_args(url: Any) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore connection arguments and environment (the password stays out of argv)."""
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise click.ClickException(f"{name} is not installed (apt-get install postgresql-client).")
    return found


def backup(engine: Engine, target: Path) -> int:
    """Write a consistent backup of the database to target; return its size in bytes."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source_path = url.database
        if not source_path or source_path == ":memory:":
            raise click.ClickException("An in-memory database cannot be backed up.")
        with sqlite3.connect(source_path) as source, sqlite3.connect(target) as dest:
            source.backup(dest)  # the online backup API: consistent while others write
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        command = [_tool("pg_dump"), *args, "--format=custom", "--file", str(target)]
        # a fixed program found on PATH, an argument list, no shell
        subprocess.run(  # nosec B603
            [*command, str(url.database)], env=env, check=True, capture_output=True
        )
    else:
        raise click.ClickException(f"No backup method for {url.get_backend_name()}.")
    return target.stat().st_size


def restore(engine: Engine, source: Path) -> None:
    """Load a backup made by backup() into this (empty) database."""
    if inspect(engine).get_table_names():
        raise click.ClickException(
            "The target database is not empty; restore only into a new, empty database."
        )
    url = engine.url
    if url.get_backend_name() == "sqlite":
        engine.dispose()
        with sqlite3.connect(source) as backup_db, sqlite3.connect(str(url.database)) as dest:
            backup_db.backup(dest)
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        command = [_tool("pg_restore"), *args, "--no-owner", "--dbname", str(url.database)]
        # a fixed program found on PATH, an argument list, no shell
        subprocess.run(  # nosec B603
            [*command, str(source)], env=env, check=True, capture_output=True
        )
    else:
        raise click.ClickException(f"No restore method for {url.get_backend_name()}.")


def board_export(board: Board, target: Path) -> dict[str, int]:
    """Every table the board owns as CSV in a zip at target; returns rows per file."""
    session = db.session
    counts: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, header: list[str], rows: list[list[Any]]) -> None:
            archive.writestr(f"{name}.csv", csv_text(header, rows))
            counts[name] = len(rows)

        add(
            "board",
            ["id", "slug", "name", "jurisdiction", "contact_email"],
            [[board.id, board.slug, board.name, board.jurisdiction, board.contact_email]],
        )
        for table in db.metadata.sorted_tables:
            if "board_id" not in table.columns or table.name == "audit_event":
                continue
            columns = [c for c in table.columns if c.name not in SECRET_COLUMNS]
            query = select(*columns).where(table.c.board_id == board.id)
            primary = list(table.primary_key.columns)
            rows = session.execute(query.order_by(*primary)).all()
            add(table.name, [c.name for c in columns], [list(r) for r in rows])
        # the board's audit trail, and its people (names and emails only)
        audit_columns = ["id", "actor_id", "action", "entity_type", "entity_id", "created_at"]
        audit_rows = session.execute(
            text(
                "SELECT id, actor_id, action, entity_type, entity_id, created_at "
                "FROM audit_event WHERE board_id = :board ORDER BY id"
            ),
            {"board": board.id},
        ).all()
        add("audit_event", audit_columns, [list(r) for r in audit_rows])
        people = session.execute(
            select(User.id, User.email, User.full_name)
            .where(
                User.id.in_(
                    select(RoleAssignment.user_id).where(RoleAssignment.board_id == board.id)
                )
            )
            .order_by(User.id)
        ).all()
        add("people", ["id", "email", "full_name"], [list(r) for r in people])
    return counts


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(target: Path) -> None:
        """Back up the whole database to TARGET (SQLite online backup; pg_dump for PostgreSQL)."""
        try:
            size = backup(db.engine, target)
        except subprocess.CalledProcessError as exc:
            raise click.ClickException(f"pg_dump failed: {exc.stderr.decode().strip()}") from exc
        click.echo(f"backup written to {target} ({size:,} bytes)")

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def restore_command(source: Path) -> None:
        """Restore SOURCE (made by `backup`) into the configured database, which must be empty."""
        try:
            restore(db.engine, source)
        except subprocess.CalledProcessError as exc:
            raise click.ClickException(f"pg_restore failed: {exc.stderr.decode().strip()}") from exc
        click.echo(f"restored {source} into {make_url(str(db.engine.url)).database}")

    @app.cli.command("export")
    @click.argument("board_slug")
    @click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
    def export_command(board_slug: str, target: Path) -> None:
        """Write BOARD_SLUG's data to TARGET as a zip of CSV files (one per table)."""
        board = db.session.execute(select(Board).where(Board.slug == board_slug)).scalar()
        if board is None:
            raise click.ClickException(f"No board {board_slug!r}.")
        counts = board_export(board, target)
        click.echo(
            f"{target}: {len(counts)} files, {sum(counts.values()):,} rows "
            f"({', '.join(f'{k} {v}' for k, v in counts.items() if v)})"
        )


def zip_tables(data: bytes) -> dict[str, list[list[str]]]:
    """The CSV files of an export, read back (for tests and checks)."""
    import csv

    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            text_ = archive.read(name).decode()
            out[name.removesuffix(".csv")] = list(csv.reader(io.StringIO(text_)))
    return out
