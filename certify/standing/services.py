"""Stored standing: the engine's checklist per person and credential type, recomputed on change.

The eligibility engine (certify/rules.py) stays the one source of truth. Its result for each
trainee of a board and each credential type is stored in `standing`, so that board pages
count and filter in SQL instead of evaluating every person. A person's rows are recomputed
when the session that changed their facts commits (tracking.py watches the flushed rows); a rule
change recomputes the whole board, inline when it is small and otherwise as a resumable job
(`flask standing recompute`); `flask standing refresh` recomputes what time alone changes
(birthdays, months in recovery, look-back windows) and `flask standing verify` compares a
sample with the live checklist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from certify import rules
from certify.applications import eligibility
from certify.models import (
    CredentialType,
    Standing,
    StandingRecompute,
)
from certify.standing.horizon import recompute_on
from core.models import Board, Role, RoleAssignment, User, utcnow

log = logging.getLogger(__name__)

BATCH = 500  # people per statement batch
INLINE_LIMIT = 1000  # a rule change on a board with more trainees becomes a background job
STAGE_KEYS: dict[str, Callable[[str], bool]] = {
    "training_met": lambda key: key == "training" or key.startswith("training:"),
    "hours_met": lambda key: key in ("experience", "supervision"),
    "exam_met": lambda key: key == "exam",
}


# --- computing rows ------------------------------------------------------------------------


def _stage(result: rules.Eligibility, belongs: Callable[[str], bool]) -> bool | None:
    """Whether every check of a stage is met; None when the credential type has none."""
    relevant = [c for c in result.checks if belongs(c.key)]
    return all(c.met for c in relevant) if relevant else None


def row_values(
    board_id: int,
    user_id: int,
    ctype_id: int,
    result: rules.Eligibility,
    valid_until: date | None,
) -> dict[str, Any]:
    """The stored form of one checklist: flags for SQL, the checks with their numbers."""
    return {
        "board_id": board_id,
        "user_id": user_id,
        "credential_type_id": ctype_id,
        "eligible": result.eligible,
        "unmet": len(result.unmet),
        **{name: _stage(result, belongs) for name, belongs in STAGE_KEYS.items()},
        "checks": [stored_check(c) for c in result.checks],
        "as_of": result.as_of,
        "valid_until": valid_until,
        "computed_at": utcnow(),
    }


def stored_check(check: rules.Check) -> dict[str, Any]:
    """The parts of a check that do not depend on the day's wording."""
    return {
        "key": check.key,
        "label": check.label,
        "met": bool(check.met),
        "have": check.have,
        "need": check.need,
        "unit": check.unit,
        "waived": check.waived,
    }


def board_types(session: Session, board_id: int) -> list[tuple[CredentialType, rules.Requirements]]:
    """The board's credential types with the engine's view of their rules (two queries)."""
    types = session.execute(
        select(CredentialType)
        .where(CredentialType.board_id == board_id)
        .order_by(CredentialType.id)
        .options(selectinload(CredentialType.requirements))
    ).scalars()
    return [(ctype, eligibility.requirements_for(ctype)) for ctype in types]


def _trainees_among(session: Session, board_id: int, user_ids: Collection[int]) -> set[int]:
    return set(
        session.execute(
            select(RoleAssignment.user_id).where(
                RoleAssignment.board_id == board_id,
                RoleAssignment.role == Role.TRAINEE.value,
                RoleAssignment.user_id.in_(list(user_ids)),
            )
        ).scalars()
    )


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    postgresql = session.get_bind().dialect.name == "postgresql"
    statement = (postgresql_insert if postgresql else sqlite_insert)(Standing).values(rows)
    keys = ("board_id", "user_id", "credential_type_id")
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in rows[0] if name not in keys},
    )
    session.execute(statement)


def recompute_people(
    session: Session,
    board_id: int,
    user_ids: Collection[int],
    as_of: date,
    types: list[tuple[CredentialType, rules.Requirements]] | None = None,
    lock: bool = False,
) -> int:
    """Store the engine's checklists of these people; people no longer trainees lose theirs.

    A constant number of statements per batch of people, whatever their records. With
    lock, the people's account rows are locked first (PostgreSQL), so that two transactions
    changing one person's facts at once recompute one after the other, the second seeing
    the first's changes. Returns how many people have rows now.
    """
    stored = 0
    ids = sorted(set(user_ids))
    types = board_types(session, board_id) if types is None else types
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        if lock:
            session.execute(
                select(User.id).where(User.id.in_(batch)).order_by(User.id).with_for_update()
            )
        trainees = _trainees_among(session, board_id, batch)
        facts = eligibility.facts_for_many(session, board_id, trainees, as_of)
        rows, failed = [], set()
        for user_id in sorted(trainees):
            try:
                for ctype, requirements in types:
                    result = rules.evaluate(requirements, facts[user_id], as_of)
                    until = recompute_on(requirements, facts[user_id], as_of)
                    rows.append(row_values(board_id, user_id, ctype.id, result, until))
            except ValueError as error:  # facts the engine refuses: nothing stored, logged
                log.warning("standing of user %s on board %s: %s", user_id, board_id, error)
                failed.add(user_id)
        rows = [r for r in rows if r["user_id"] not in failed]
        keep = {(r["user_id"], r["credential_type_id"]) for r in rows}
        stale = select(Standing.id).where(
            Standing.board_id == board_id, Standing.user_id.in_(batch)
        )
        if keep:
            stale = stale.where(tuple_(Standing.user_id, Standing.credential_type_id).not_in(keep))
        session.execute(delete(Standing).where(Standing.id.in_(stale.scalar_subquery())))
        _upsert(session, rows)
        stored += len(trainees) - len(failed)
    return stored


def board_trainee_ids(
    session: Session, board_id: int, after: int = 0, limit: int | None = None
) -> list[int]:
    """The next trainees of a board in id order (keyset: after the last id seen)."""
    return list(
        session.execute(
            select(RoleAssignment.user_id)
            .where(
                RoleAssignment.board_id == board_id,
                RoleAssignment.role == Role.TRAINEE.value,
                RoleAssignment.user_id > after,
            )
            .order_by(RoleAssignment.user_id)
            .limit(limit or BATCH)
        ).scalars()
    )


def trainee_count(session: Session, board_id: int) -> int:
    return session.execute(
        select(func.count()).where(
            RoleAssignment.board_id == board_id, RoleAssignment.role == Role.TRAINEE.value
        )
    ).scalar_one()


def _drop_rows_of_old_types(session: Session, board_id: int, type_ids: list[int]) -> None:
    query = delete(Standing).where(Standing.board_id == board_id)
    if type_ids:
        query = query.where(Standing.credential_type_id.not_in(type_ids))
    session.execute(query)


def _drop_rows_of_former_trainees(session: Session, board_id: int) -> None:
    trainees = select(RoleAssignment.user_id).where(
        RoleAssignment.board_id == board_id, RoleAssignment.role == Role.TRAINEE.value
    )
    session.execute(
        delete(Standing).where(Standing.board_id == board_id, Standing.user_id.not_in(trainees))
    )


# --- board-wide recompute (after a rule change) ---------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far a board's recompute is: shown on the board overview and by the CLI."""

    status: str
    done: int
    total: int
    reason: str

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, 100 * self.done // self.total)


def request_recompute(session: Session, board_id: int, reason: str) -> StandingRecompute:
    """Queue a board-wide recompute, unless one that has not started yet is already queued."""
    waiting = session.execute(
        select(StandingRecompute).where(
            StandingRecompute.board_id == board_id, StandingRecompute.status == "pending"
        )
    ).scalar()
    if waiting is not None:
        return waiting
    job = StandingRecompute(board_id=board_id, reason=reason[:500], status="pending")
    session.add(job)
    session.flush()
    return job


def next_job(session: Session, board_id: int | None = None) -> StandingRecompute | None:
    """The oldest unfinished job (an interrupted one first: it resumes where it stopped)."""
    query = select(StandingRecompute).where(StandingRecompute.status != "done")
    if board_id is not None:
        query = query.where(StandingRecompute.board_id == board_id)
    return session.execute(query.order_by(StandingRecompute.id).limit(1)).scalar()


def run_job_batch(session: Session, job: StandingRecompute, as_of: date) -> bool:
    """Recompute the next batch of a job's people; False once the job is done. Flushes only."""
    if job.status == "pending":
        job.status, job.started_at = "running", utcnow()
        job.total, job.done, job.last_user_id = trainee_count(session, job.board_id), 0, 0
        types = board_types(session, job.board_id)
        _drop_rows_of_old_types(session, job.board_id, [c.id for c, _ in types])
        _drop_rows_of_former_trainees(session, job.board_id)
    ids = board_trainee_ids(session, job.board_id, after=job.last_user_id)
    if ids:
        recompute_people(session, job.board_id, ids, as_of)
        job.done, job.last_user_id = job.done + len(ids), ids[-1]
    if len(ids) < BATCH:
        job.status, job.finished_at = "done", utcnow()
        job.total = max(job.total, job.done)
    session.flush()
    return job.status != "done"


def recompute_board(session: Session, board_id: int, as_of: date, reason: str = "") -> int:
    """Recompute every trainee of a board now (in batches, within the caller's transaction)."""
    job = request_recompute(session, board_id, reason or "recompute")
    while run_job_batch(session, job, as_of):
        pass
    return job.done


def progress(session: Session, board_id: int) -> Progress | None:
    """The board's unfinished recompute, if any (one query)."""
    job = next_job(session, board_id)
    if job is None:
        return None
    total = job.total or trainee_count(session, board_id)
    return Progress(job.status, job.done, total, job.reason)


def due(session: Session, board_id: int, as_of: date) -> int:
    """Stored rows that time alone may have changed since (`flask standing refresh` redoes them)."""
    return session.execute(
        select(func.count(func.distinct(Standing.user_id))).where(
            Standing.board_id == board_id, Standing.valid_until <= as_of
        )
    ).scalar_one()


def refresh_due(session: Session, board_id: int, as_of: date, limit: int | None = None) -> int:
    """Recompute up to `limit` people whose stored standing time may have changed."""
    ids = list(
        session.execute(
            select(Standing.user_id)
            .where(Standing.board_id == board_id, Standing.valid_until <= as_of)
            .group_by(Standing.user_id)
            .order_by(Standing.user_id)
            .limit(limit or BATCH)
        ).scalars()
    )
    if ids:
        recompute_people(session, board_id, ids, as_of)
    return len(ids)


# --- consistency check --------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """A stored checklist that differs from the live one."""

    board_id: int
    user_id: int
    credential_type_id: int
    stored: Any
    live: Any

    def describe(self) -> str:
        return (
            f"board {self.board_id}, person {self.user_id}, credential type "
            f"{self.credential_type_id}: stored {self.stored!r}, live {self.live!r}"
        )


def compare(session: Session, board_id: int, user_ids: Iterable[int], as_of: date) -> list[Drift]:
    """Compare stored rows with the live checklists (the per-person path the trainee sees)."""
    ids = list(user_ids)
    stored = {
        (s.user_id, s.credential_type_id): s
        for s in session.execute(
            select(Standing).where(Standing.board_id == board_id, Standing.user_id.in_(ids))
        ).scalars()
    }
    trainees = _trainees_among(session, board_id, ids)
    drift = []
    for user_id in ids:
        live: dict[int, rules.Eligibility] = {}
        if user_id in trainees:
            checklists = eligibility.checklists(session, board_id, user_id, as_of)
            live = {ctype.id: result for ctype, result in checklists}
        for type_id in sorted(set(live) | {t for (u, t) in stored if u == user_id}):
            row = stored.get((user_id, type_id))
            got = None if row is None else (row.eligible, row.checks)
            result = live.get(type_id)
            want = (
                None
                if result is None
                else (result.eligible, [stored_check(c) for c in result.checks])
            )
            if got != want:
                drift.append(Drift(board_id, user_id, type_id, got, want))
    return drift


def sample_people(session: Session, board_id: int, size: int) -> list[int]:
    """A random sample of a board's trainees."""
    return list(
        session.execute(
            select(RoleAssignment.user_id)
            .where(RoleAssignment.board_id == board_id, RoleAssignment.role == Role.TRAINEE.value)
            .order_by(func.random())
            .limit(size)
        ).scalars()
    )


def boards(session: Session, slug: str | None = None) -> list[Board]:
    query = select(Board).order_by(Board.id)
    if slug:
        query = query.where(Board.slug == slug)
    return list(session.execute(query).scalars())


def of_pairs(
    session: Session, board_id: int, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], Standing]:
    """Stored standings of (person, credential type) pairs, for a page of a list: one query."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = session.execute(
        select(Standing).where(
            Standing.board_id == board_id,
            Standing.user_id.in_({user for user, _ in wanted}),
            Standing.credential_type_id.in_({ctype for _, ctype in wanted}),
        )
    ).scalars()
    return {
        (s.user_id, s.credential_type_id): s
        for s in rows
        if (s.user_id, s.credential_type_id) in wanted
    }
