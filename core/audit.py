"""Append-only audit trail: every event carries the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEvent, AuditHead, Board, User, utcnow

GENESIS = "0" * 64


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


def event_hash(event: AuditEvent) -> str:
    """The SHA-256 of the event's content and the previous event's hash."""
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
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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
    if isinstance(entity, tuple):
        entity_type, entity_id = entity
    else:
        entity_type, entity_id = type(entity).__name__, getattr(entity, "id", None)
    if board_id is None:
        board_id = entity.id if isinstance(entity, Board) else getattr(entity, "board_id", None)
    # Lock the head row: concurrent writers on PostgreSQL queue here so the chain never forks.
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar()
    if head is None:
        head = AuditHead(id=1, last_event_id=0, last_hash=GENESIS, count=0)
        session.add(head)
    event = AuditEvent(
        board_id=board_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=_normalise(before),
        after=_normalise(after),
        ip=request.remote_addr if has_request_context() else None,
        created_at=utcnow(),
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    head.last_event_id, head.last_hash, head.count = event.id, event.hash, head.count + 1
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the audit chain."""

    checked: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> ChainReport:
    """Recompute every hash in order; report edited, inserted or deleted events."""
    problems: list[str] = []
    previous = GENESIS
    count = 0
    last_id = 0
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        count += 1
        if event.prev_hash != previous:
            problems.append(f"event {event.id}: does not follow the event before it (deleted?)")
        if event_hash(event) != event.hash:
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
    return ChainReport(checked=count, problems=tuple(problems))
