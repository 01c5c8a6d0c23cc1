"""Whole scopes at once: export to and import from the engine's tasks.csv, cloning a study."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from core import audit
from core.exports import stream_rows
from core.models import User
from rds.models import KSA, Domain, SmeVote, Study, Task, ksa_task
from rds.scope.scope_file import natural_key, parse_scope_file
from rds.scope.services import ScopeError, ordered_domains, ordered_tasks, study_ksas

# --- export and import (the engine's tasks.csv) --------------------------------------------


def export_rows(session: Session, study: Study) -> tuple[list[str], Iterator[list[str]]]:
    """Header and rows of tasks.csv in the scope's order, tasks the SME panel dropped left
    out: three statements (the KSAs and their links, then the tasks read as written)."""
    ksas = {
        ksa_id: (code, statement)
        for ksa_id, code, statement in session.execute(
            select(KSA.id, KSA.code, KSA.statement).where(KSA.study_id == study.id)
        )
    }
    linked: dict[int, list[tuple[str, str]]] = {}
    for task_id, ksa_id in session.execute(
        select(ksa_task.c.task_id, ksa_task.c.ksa_id).where(ksa_task.c.ksa_id.in_(list(ksas)))
    ):
        linked.setdefault(task_id, []).append(ksas[ksa_id])
    tasks = (
        select(Task.id, Task.code, Domain.name, Task.statement)
        .join(Domain, Domain.id == Task.domain_id)
        .where(Task.study_id == study.id)
        .where(or_(Task.sme_resolution.is_(None), Task.sme_resolution != "drop"))
        .order_by(Domain.position, Domain.id, Task.position, Task.id)
    )

    def rows() -> Iterator[list[str]]:
        for task_id, code, domain, statement in stream_rows(session, tasks):
            row = [code, domain, statement]
            if ksas:
                found = sorted(linked.get(task_id, []), key=lambda k: natural_key(k[0]))
                row.append("; ".join(f"{c}: {text}" for c, text in found))
            yield row

    return ["task_id", "domain", "statement"] + (["ksa"] if ksas else []), rows()


def _clear_scope(session: Session, study: Study) -> None:
    for ksa in study_ksas(session, study):
        ksa.tasks = []
        session.delete(ksa)
    session.execute(delete(SmeVote).where(SmeVote.task_id.in_([t.id for t in study.tasks])))
    for task in list(study.tasks):
        task.ksas = []
        session.delete(task)
    session.flush()
    for domain in list(study.domains):
        session.delete(domain)
    session.flush()
    session.expire(study, ["tasks", "domains"])


def import_scope(
    session: Session, actor: User, study: Study, data: bytes, name: str, replace: bool
) -> dict[str, int | str]:
    """Replace the scope by a tasks.csv / .xlsx file; all or nothing."""
    if study.tasks and study.status != "draft":
        raise ScopeError("Only a draft study's scope can be replaced by an import.", "file")
    if (study.tasks or study.domains) and not replace:
        raise ScopeError(
            f"This study already has {len(study.tasks)} task statements in "
            f"{len(study.domains)} domains; tick the box to replace them.",
            "replace",
        )
    rows, ksa_texts = parse_scope_file(data, name)
    before = {"tasks": len(study.tasks), "domains": len(study.domains)}
    _clear_scope(session, study)
    domains: dict[str, Domain] = {}
    tasks: dict[str, Task] = {}
    for position, row in enumerate(rows):
        if row.domain not in domains:
            domains[row.domain] = Domain(
                board_id=study.board_id, study=study, name=row.domain, position=len(domains)
            )
            session.add(domains[row.domain])
        tasks[row.code] = Task(
            board_id=study.board_id,
            study=study,
            domain=domains[row.domain],
            code=row.code,
            statement=row.statement,
            position=position,
        )
        session.add(tasks[row.code])
    for code, (kind, text) in ksa_texts.items():
        linked = [tasks[r.code] for r in rows if code in r.ksa_codes]
        session.add(
            KSA(
                board_id=study.board_id,
                study_id=study.id,
                code=code,
                kind=kind,
                statement=text,
                tasks=linked,
            )
        )
    session.flush()
    after: dict[str, int | str] = {"file": name, "tasks": len(tasks), "domains": len(domains)}
    after["ksas"] = len(ksa_texts)
    audit.record(session, actor, "rds.scope.imported", study, before=before, after=after)
    return after


# --- cloning ------------------------------------------------------------------------------


def clone_study(session: Session, actor: User, study: Study, started_on: date) -> Study:
    """Copy the scope (without dropped tasks) into the next version, in draft."""
    latest = session.execute(
        select(func.max(Study.version)).where(
            Study.board_id == study.board_id, Study.title == study.title
        )
    ).scalar_one()
    clone = Study(
        board_id=study.board_id,
        credential_type_id=study.credential_type_id,
        title=study.title,
        version=latest + 1,
        previous_id=study.id,
        status="draft",
        started_on=started_on,
        purpose=study.purpose,
        target_audience=study.target_audience,
        minimum_requirements=study.minimum_requirements,
        created_by_id=actor.id,
    )
    session.add(clone)
    copies: dict[int, Task] = {}
    for domain in ordered_domains(study):
        new_domain = Domain(
            board_id=study.board_id, study=clone, name=domain.name, position=domain.position
        )
        session.add(new_domain)
        for task in ordered_tasks(domain):
            if task.sme_resolution != "drop":
                copies[task.id] = Task(
                    board_id=study.board_id,
                    study=clone,
                    domain=new_domain,
                    code=task.code,
                    statement=task.statement,
                    position=task.position,
                )
                session.add(copies[task.id])
    session.flush()
    for ksa in study_ksas(session, study):
        linked = [copies[t.id] for t in ksa.tasks if t.id in copies]
        session.add(
            KSA(
                board_id=study.board_id,
                study_id=clone.id,
                code=ksa.code,
                kind=ksa.kind,
                statement=ksa.statement,
                tasks=linked,
            )
        )
    session.flush()
    after = {"from_study": study.id, "version": clone.version, "tasks": len(copies)}
    audit.record(session, actor, "rds.study.cloned", clone, after=after)
    return clone
