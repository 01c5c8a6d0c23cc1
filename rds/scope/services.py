"""Scope of service: starting a study, its facts, performance domains, task and KSA statements."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from core import audit
from core.models import Board, User
from rds.models import KSA, Domain, SmeVote, Study, Task
from rds.scope.scope_file import CODE_PATTERN, KSA_KINDS, natural_key
from rds.scope.studies import credential_types

_STOP_WORDS = {"and", "of", "the", "for", "in", "with", "to", "a", "an", "or"}


class ScopeError(ValueError):
    """A problem the person can fix; field names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def ordered_domains(study: Study) -> list[Domain]:
    """The study's performance domains in their order."""
    return sorted(study.domains, key=lambda d: (d.position, d.id or 0))


def ordered_tasks(domain: Domain) -> list[Task]:
    """The domain's task statements in their order."""
    return sorted(domain.tasks, key=lambda t: (t.position, t.id or 0))


def study_ksas(session: Session, study: Study) -> list[KSA]:
    """The study's KSAs: knowledge, then skills, then abilities, by code."""
    query = select(KSA).where(KSA.study_id == study.id).options(selectinload(KSA.tasks))
    ksas = session.execute(query).scalars().all()
    kinds = list(KSA_KINDS.values())
    return sorted(ksas, key=lambda k: (kinds.index(k.kind), natural_key(k.code)))


# --- studies -------------------------------------------------------------------------------


def create_study(
    session: Session,
    actor: User,
    board: Board,
    title: str,
    credential_type_id: int | None,
    purpose: str,
    started_on: date,
) -> Study:
    """Start version 1 of a study in draft."""
    title = title.strip()
    if credential_type_id and credential_type_id not in credential_types(session, board.id):
        raise ScopeError("Choose one of this board's credential types.", "credential_type_id")
    taken = session.execute(
        select(Study.id).where(Study.board_id == board.id, Study.title == title)
    ).first()
    if taken:
        raise ScopeError(
            "A study with this title exists; clone it into a new version instead.", "title"
        )
    study = Study(
        board_id=board.id,
        credential_type_id=credential_type_id or None,
        title=title,
        version=1,
        status="draft",
        started_on=started_on,
        purpose=purpose.strip(),
        target_audience="",
        minimum_requirements="",
        created_by_id=actor.id,
    )
    session.add(study)
    session.flush()
    audit.record(session, actor, "rds.study.created", study, after=_study_facts(study))
    return study


def _study_facts(study: Study) -> dict[str, object]:
    return {
        "title": study.title,
        "version": study.version,
        "status": study.status,
        "credential_type_id": study.credential_type_id,
        "started_on": study.started_on,
        "purpose": study.purpose,
        "target_audience": study.target_audience,
        "minimum_requirements": study.minimum_requirements,
    }


def update_facts(
    session: Session, actor: User, study: Study, target_audience: str, minimum_requirements: str
) -> None:
    """Save the target audience and minimum requirements."""
    before = _study_facts(study)
    study.target_audience = target_audience.strip()
    study.minimum_requirements = minimum_requirements.strip()
    session.flush()
    audit.record(session, actor, "rds.scope.facts", study, before=before, after=_study_facts(study))


# --- domains -------------------------------------------------------------------------------


def _renumber(session: Session, study: Study) -> None:
    """Positions 0..n-1 for domains, and for tasks in domain order across the study."""
    number = 0
    for d_pos, domain in enumerate(ordered_domains(study)):
        domain.position = d_pos
        for task in ordered_tasks(domain):
            task.position, number = number, number + 1
    session.flush()


def _domain_name(study: Study, name: str, domain: Domain | None = None) -> str:
    name = name.strip()
    if not name:
        raise ScopeError("Enter the performance domain's name.", "name")
    if any(d.name.lower() == name.lower() and d is not domain for d in study.domains):
        raise ScopeError(f"This study already has a domain named {name!r}.", "name")
    return name


def add_domain(session: Session, actor: User, study: Study, name: str) -> Domain:
    """Append a performance domain."""
    domain = Domain(board_id=study.board_id, study=study, name=_domain_name(study, name))
    domain.position = len(study.domains)
    session.add(domain)
    session.flush()
    audit.record(session, actor, "rds.domain.added", domain, after={"name": domain.name})
    return domain


def rename_domain(session: Session, actor: User, domain: Domain, name: str) -> None:
    before = domain.name
    domain.name = _domain_name(domain.study, name, domain)
    session.flush()
    audit.record(
        session, actor, "rds.domain.renamed", domain, {"name": before}, {"name": domain.name}
    )


def move_domain(session: Session, actor: User, domain: Domain, direction: str) -> None:
    """Swap the domain with its neighbour above or below."""
    _swap(ordered_domains(domain.study), domain, direction)
    _renumber(session, domain.study)
    audit.record(session, actor, "rds.domain.moved", domain, after={"position": domain.position})


def _swap(items: list, item: object, direction: str) -> None:  # type: ignore[type-arg]
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index].position, items[other].position = items[other].position, items[index].position
        if items[index].position == items[other].position:
            items[index].position += 1 if direction == "down" else -1


def delete_domain(session: Session, actor: User, domain: Domain) -> None:
    """Delete an empty domain."""
    if domain.tasks:
        raise ScopeError(f"Move or delete the domain's {len(domain.tasks)} task statements first.")
    study = domain.study
    audit.record(session, actor, "rds.domain.deleted", domain, before={"name": domain.name})
    study.domains.remove(domain)
    session.delete(domain)
    _renumber(session, study)


# --- tasks ---------------------------------------------------------------------------------


def domain_prefix(domain: Domain) -> str:
    """Letters for task codes: the prefix its tasks use, else the name's initials (ME)."""
    for task in ordered_tasks(domain):
        match = re.match(r"[A-Za-z]+", task.code)
        if match:
            return match.group(0)
    words = [w for w in re.findall(r"[A-Za-z0-9]+", domain.name) if w.lower() not in _STOP_WORDS]
    return "".join(w[0] for w in words).upper()[:6] or "T"


def suggest_task_code(study: Study, domain: Domain) -> str:
    """The next free code of the domain, e.g. A08 after A07."""
    prefix = domain_prefix(domain)
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbers = [int(m.group(1)) for t in domain.tasks if (m := pattern.match(t.code))]
    used = {t.code.lower() for t in study.tasks}
    number = max(numbers, default=0) + 1
    while f"{prefix}{number:02d}".lower() in used:
        number += 1
    return f"{prefix}{number:02d}"


def _task_code(study: Study, code: str, task: Task | None = None) -> str:
    code = code.strip()
    if not CODE_PATTERN.match(code):
        raise ScopeError("Use 1-20 letters, digits, '.', '_' or '-' (e.g. A01).", "code")
    if any(t.code.lower() == code.lower() and t is not task for t in study.tasks):
        raise ScopeError(f"Task code {code} is already used in this study.", "code")
    return code


def _task_facts(task: Task) -> dict[str, object]:
    return {"code": task.code, "domain": task.domain.name, "statement": task.statement}


def add_task(
    session: Session, actor: User, study: Study, domain: Domain, code: str, statement: str
) -> Task:
    """Append a task statement to a domain."""
    if not statement.strip():
        raise ScopeError("Enter the task statement.", "statement")
    task = Task(
        board_id=study.board_id,
        study=study,
        domain=domain,
        code=_task_code(study, code),
        statement=statement.strip(),
        position=10**6,
    )
    session.add(task)
    _renumber(session, study)
    audit.record(session, actor, "rds.task.added", task, after=_task_facts(task))
    return task


def update_task(
    session: Session, actor: User, task: Task, code: str, statement: str, domain: Domain
) -> None:
    """Change a task's code, statement or domain (moved to the end of the new domain)."""
    if not statement.strip():
        raise ScopeError("Enter the task statement.", "statement")
    before = _task_facts(task)
    task.code = _task_code(task.study, code, task)
    task.statement = statement.strip()
    if domain is not task.domain:
        task.domain, task.position = domain, 10**6
    _renumber(session, task.study)
    audit.record(session, actor, "rds.task.updated", task, before, _task_facts(task))


def move_task(session: Session, actor: User, task: Task, direction: str) -> None:
    _swap(ordered_tasks(task.domain), task, direction)
    _renumber(session, task.study)
    audit.record(session, actor, "rds.task.moved", task, after={"position": task.position})


def delete_task(session: Session, actor: User, task: Task) -> None:
    """Delete a task statement with its SME votes and KSA links."""
    study = task.study
    audit.record(session, actor, "rds.task.deleted", task, before=_task_facts(task))
    session.execute(delete(SmeVote).where(SmeVote.task_id == task.id))
    domain = task.domain
    task.ksas = []
    session.delete(task)
    session.flush()
    session.expire(study, ["tasks"])
    session.expire(domain, ["tasks"])
    _renumber(session, study)


# --- KSAs ----------------------------------------------------------------------------------


def suggest_ksa_code(session: Session, study: Study, kind: str = "knowledge") -> str:
    letter = next(k for k, v in KSA_KINDS.items() if v == kind)
    codes = {k.code.upper() for k in study_ksas(session, study)}
    number = 1
    while f"{letter}{number}" in codes:
        number += 1
    return f"{letter}{number}"


def save_ksa(
    session: Session,
    actor: User,
    study: Study,
    ksa: KSA | None,
    code: str,
    kind: str,
    statement: str,
    task_ids: list[int],
) -> KSA:
    """Create or change a KSA statement and the tasks it is linked to."""
    code = code.strip()
    if not CODE_PATTERN.match(code):
        raise ScopeError("Use 1-20 letters, digits, '.', '_' or '-' (e.g. K1).", "code")
    others = [k for k in study_ksas(session, study) if k is not ksa]
    if any(k.code.lower() == code.lower() for k in others):
        raise ScopeError(f"KSA code {code} is already used in this study.", "code")
    if kind not in KSA_KINDS.values():
        raise ScopeError("Choose knowledge, skill or ability.", "kind")
    if not statement.strip():
        raise ScopeError("Enter the KSA statement.", "statement")
    tasks = {t.id: t for t in study.tasks}
    if any(i not in tasks for i in task_ids):
        raise ScopeError("Link only this study's task statements.", "task_ids")
    before = None if ksa is None else _ksa_facts(ksa)
    if ksa is None:
        ksa = KSA(board_id=study.board_id, study_id=study.id)
        session.add(ksa)
    ksa.code, ksa.kind, ksa.statement = code, kind, statement.strip()
    ksa.tasks = [tasks[i] for i in task_ids]
    session.flush()
    action = "rds.ksa.added" if before is None else "rds.ksa.updated"
    audit.record(session, actor, action, ksa, before, _ksa_facts(ksa))
    return ksa


def _ksa_facts(ksa: KSA) -> dict[str, object]:
    tasks = sorted(t.code for t in ksa.tasks)
    return {"code": ksa.code, "kind": ksa.kind, "statement": ksa.statement, "tasks": tasks}


def delete_ksa(session: Session, actor: User, ksa: KSA) -> None:
    audit.record(session, actor, "rds.ksa.deleted", ksa, before=_ksa_facts(ksa))
    ksa.tasks = []
    session.delete(ksa)
    session.flush()
