"""Append-only audit trail: every event carries a keyed hash (HMAC) of itself and the one before.

The key (AUDIT_KEY) lives outside the database, so whoever can write to the database still
cannot recompute the chain after changing it; signed checkpoints (`flask audit checkpoint`,
daily) also catch events cut from the end; on PostgreSQL a trigger refuses UPDATE and DELETE.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import click
from flask import current_app, has_request_context, request
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.models import AuditCheckpoint, AuditEvent, AuditHead, Board, User, utcnow

GENESIS = "0" * 64


def audit_key() -> bytes:
    """AUDIT_KEY, or outside production (which refuses to start without it) one from SECRET_KEY."""
    config = current_app.config
    if config.get("AUDIT_KEY"):
        return str(config["AUDIT_KEY"]).encode()
    secret = str(config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"peercert audit chain (not for production)", "sha256").digest()


def _mac(key: bytes, kind: str, payload: dict[str, Any]) -> str:
    text = json.dumps({"kind": kind, **payload}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):  # enums
        return str(value.value)
    raise TypeError(f"cannot record {type(value).__name__} in the audit trail")


def _normalise(value: Any) -> Any:
    """Round-trip through JSON so the stored and the hashed values are identical."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_default, sort_keys=True))


def event_hash(event: AuditEvent, key: bytes | None = None) -> str:
    """The HMAC-SHA-256, under the audit key, of the event's content and the previous hash."""
    payload = {
        "prev": event.prev_hash,
        "board": event.board_id,
        "actor": event.actor_id,
        "action": event.action,
        "entity": [event.entity_type, event.entity_id],
        "before": event.before,
        "after": event.after,
        "ip": event.ip,
        "at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    return _mac(audit_key() if key is None else key, "event", payload)


def checkpoint_signature(checkpoint: AuditCheckpoint, key: bytes | None = None) -> str:
    payload = {
        "at": checkpoint.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "last_event_id": checkpoint.last_event_id,
        "count": checkpoint.event_count,
        "last_hash": checkpoint.last_hash,
    }
    return _mac(audit_key() if key is None else key, "checkpoint", payload)


def record(
    session: Session,
    actor: User | None,
    action: str,
    entity: Any,
    before: Any = None,
    after: Any = None,
    board_id: int | None = None,
) -> AuditEvent:
    """Append an event for a state change of entity (an ORM object or a (type, id) pair)."""
    return record_many(session, actor, [Change(action, entity, before, after, board_id)])[0]


@dataclass(frozen=True)
class Change:
    """One event of record_many: what happened to which entity, before and after."""

    action: str
    entity: Any
    before: Any = None
    after: Any = None
    board_id: int | None = None


def record_many(session: Session, actor: User | None, changes: list[Change]) -> list[AuditEvent]:
    """Append one event per change, chained in order, locking the head once (a batch's trail)."""
    if not changes:
        return []
    head = locked_head(session)
    ip = request.remote_addr if has_request_context() else None
    key = audit_key()
    events = []
    last_hash = head.last_hash
    for change in changes:
        entity = change.entity
        if isinstance(entity, tuple):
            entity_type, entity_id = entity
        else:
            entity_type, entity_id = type(entity).__name__, getattr(entity, "id", None)
        board_id = change.board_id
        if board_id is None:
            board_id = entity.id if isinstance(entity, Board) else getattr(entity, "board_id", None)
        event = AuditEvent(
            board_id=board_id,
            actor_id=actor.id if actor is not None else None,
            action=change.action,
            entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id),
            before=_normalise(change.before),
            after=_normalise(change.after),
            ip=ip,
            created_at=utcnow(),
            prev_hash=last_hash,
        )
        event.hash = last_hash = event_hash(event, key)
        events.append(event)
    session.add_all(events)
    session.flush()
    head.last_event_id, head.last_hash = events[-1].id, events[-1].hash
    head.count = head.count + len(events)
    session.flush()
    return events


def locked_head(session: Session) -> AuditHead:
    """The head row, locked: concurrent writers on PostgreSQL queue here so the chain never forks.

    The first event ever inserts the row; two first writers at once both insert-or-skip, so
    neither fails on the primary key, and both then queue on the one row.
    """
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar()
    if head is not None:
        return head
    first = {"id": 1, "last_event_id": 0, "last_hash": GENESIS, "count": 0}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(pg_insert(AuditHead).values(**first).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(AuditHead).values(**first).on_conflict_do_nothing())
    else:  # pragma: no cover - the two supported databases are above
        session.add(AuditHead(**first))
        session.flush()
    return session.execute(
        select(AuditHead)
        .where(AuditHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def write_checkpoint(session: Session) -> AuditCheckpoint:
    """Sign how the chain stands now (run daily); keep the printed line outside the database too."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar()
    last_id, count, last_hash = (
        (0, 0, GENESIS)
        if head is None
        else (
            head.last_event_id,
            head.count,
            head.last_hash,
        )
    )
    checkpoint = AuditCheckpoint(
        created_at=utcnow(), last_event_id=last_id, event_count=count, last_hash=last_hash
    )
    checkpoint.signature = checkpoint_signature(checkpoint)
    session.add(checkpoint)
    session.flush()
    return checkpoint


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the audit chain."""

    checked: int
    problems: tuple[str, ...]
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> ChainReport:
    """Recompute every keyed hash in order and check every signed checkpoint.

    Reports events edited, inserted or deleted (also at the end of the chain, when a
    checkpoint or the head says so) and checkpoints forged or edited.
    """
    key = audit_key()
    problems: list[str] = []
    previous = GENESIS
    count = 0
    last_id = 0
    # read in batches from a server-side cursor: memory stays one batch, whatever the trail
    events = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    for event in session.execute(events).scalars():
        count += 1
        if event.prev_hash != previous:
            problems.append(f"event {event.id}: does not follow the event before it (deleted?)")
        if not hmac.compare_digest(event_hash(event, key), event.hash):
            problems.append(f"event {event.id}: content does not match its hash (edited)")
        previous, last_id = event.hash, event.id
    head = session.get(AuditHead, 1)
    if head is None and count:
        problems.append("the chain head is missing")
    elif head is not None and (head.count, head.last_hash, head.last_event_id) != (
        count,
        previous,
        last_id,
    ):
        problems.append(
            f"chain head says {head.count} events ending at {head.last_event_id}, "
            f"found {count} ending at {last_id} (events deleted or added)"
        )
    checkpoints = list(
        session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars()
    )
    for checkpoint in checkpoints:
        problems.extend(_checkpoint_problems(session, checkpoint, key))
    return ChainReport(checked=count, problems=tuple(problems), checkpoints=len(checkpoints))


def _checkpoint_problems(session: Session, checkpoint: AuditCheckpoint, key: bytes) -> list[str]:
    name = f"checkpoint {checkpoint.id} of {checkpoint.created_at:%Y-%m-%d %H:%M} UTC"
    if not hmac.compare_digest(checkpoint_signature(checkpoint, key), checkpoint.signature):
        return [f"{name}: signature does not match (forged or edited)"]
    if checkpoint.event_count == 0:
        return []
    event = session.get(AuditEvent, checkpoint.last_event_id)
    problems = []
    if event is None or event.hash != checkpoint.last_hash:
        problems.append(
            f"{name}: event {checkpoint.last_event_id} is gone or changed since (rewritten?)"
        )
    found = session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.id <= checkpoint.last_event_id)
    ).scalar_one()
    if found != checkpoint.event_count:
        problems.append(
            f"{name}: it counted {checkpoint.event_count} events up to event "
            f"{checkpoint.last_event_id}, now there are {found} (events deleted or added)"
        )
    return problems


@click.command("checkpoint")
@with_appcontext
def checkpoint_command() -> None:
    """Sign a checkpoint of the audit chain (run daily); `flask audit verify` checks them."""
    from core.extensions import db

    checkpoint = write_checkpoint(db.session)
    db.session.commit()
    click.echo(
        f"checkpoint {checkpoint.id} at {checkpoint.created_at.isoformat()}: "
        f"{checkpoint.event_count} events up to event {checkpoint.last_event_id}, "
        f"hash {checkpoint.last_hash}, signature {checkpoint.signature}"
    )
    click.echo("Keep this line outside the database too (a log, a ticket, an email).")
