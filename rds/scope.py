"""Scope of service: studies, performance domains, task and KSA statements, import, cloning."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from certify.models import CredentialType
from core import audit
from core.boards import Page, paginate
from core.models import Board, User
from rds.models import KSA, STUDY_STATUSES, Domain, SmeVote, Study, Task
from rds.survey_io import SurveyFileError, read_tasks
from rds.survey_tables import Problem, Table, read_xlsx_table

KSA_KINDS = {"K": "knowledge", "S": "skill", "A": "ability"}
STALE_YEARS = 5
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
_STOP_WORDS = {"and", "of", "the", "for", "in", "with", "to", "a", "an", "or"}
_KSA_SPLIT = re.compile(r";\s*(?=[A-Za-z][\w.-]{0,19}\s*(?::|;|$))")
_KSA_ENTRY = re.compile(r"^([A-Za-z][\w.-]{0,19})\s*(?::\s*(.*))?$", re.DOTALL)
_SORTS = {"title": Study.title, "version": Study.version, "status": Study.status}


class ScopeError(ValueError):
    """A problem the person can fix; field names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- studies -------------------------------------------------------------------------------


def studies_page(
    session: Session, board_id: int, page: int = 1, status: str = "", sort: str = "-started"
) -> Page:
    """The board's studies, filtered by status and sorted (newest start first by default)."""
    query = select(Study).where(Study.board_id == board_id)
    if status in STUDY_STATUSES:
        query = query.where(Study.status == status)
    column = _SORTS.get(sort.lstrip("-"), Study.started_on)
    order = column.desc() if sort.startswith("-") else column.asc()
    return paginate(session, query.order_by(order, Study.id.desc()), page)


def task_counts(session: Session, study_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(tasks, resolved tasks) per study."""
    rows = session.execute(
        select(Task.study_id, func.count(), func.count(Task.sme_resolution))
        .where(Task.study_id.in_(study_ids or [0]))
        .group_by(Task.study_id)
    )
    return {study_id: (total, resolved) for study_id, total, resolved in rows}


def credential_types(session: Session, board_id: int) -> dict[int, str]:
    """The board's credential types, id -> name."""
    rows = session.execute(
        select(CredentialType.id, CredentialType.name)
        .where(CredentialType.board_id == board_id)
        .order_by(CredentialType.name)
    )
    return dict(rows.tuples().all())


def studies_csv(session: Session, board_id: int) -> str:
    """Every study of the board as CSV."""
    studies = session.execute(
        select(Study).where(Study.board_id == board_id).order_by(Study.title, Study.version)
    ).scalars()
    names = credential_types(session, board_id)
    studies = list(studies)
    counts = task_counts(session, [s.id for s in studies])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["title", "version", "credential_type", "status", "started_on", "tasks"])
    for s in studies:
        kind = names.get(s.credential_type_id or 0, "")
        tasks = counts.get(s.id, (0, 0))[0]
        writer.writerow([s.title, s.version, kind, s.status, s.started_on.isoformat(), tasks])
    return out.getvalue()


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


def ordered_domains(study: Study) -> list[Domain]:
    return sorted(study.domains, key=lambda d: (d.position, d.id or 0))


def ordered_tasks(domain: Domain) -> list[Task]:
    return sorted(domain.tasks, key=lambda t: (t.position, t.id or 0))


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
    session.flush()
    audit.record(session, actor, "rds.domain.added", domain, after={"name": domain.name})
    return domain


def rename_domain(session: Session, actor: User, domain: Domain, name: str) -> None:
    before = domain.name
    domain.name = _domain_name(domain.study, name, domain)
    session.flush()
    audit.record(session, actor, "rds.domain.renamed", domain, {"name": before}, {"name": name})


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
    if not _CODE.match(code):
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
    task.ksas = []
    task.domain.tasks.remove(task)
    study.tasks.remove(task)
    session.delete(task)
    _renumber(session, study)


# --- KSAs ----------------------------------------------------------------------------------


def study_ksas(session: Session, study: Study) -> list[KSA]:
    """The study's KSAs: knowledge, then skills, then abilities, by code."""
    ksas = session.execute(select(KSA).where(KSA.study_id == study.id)).scalars().all()
    kinds = list(KSA_KINDS.values())
    return sorted(ksas, key=lambda k: (kinds.index(k.kind), _natural(k.code)))


def _natural(code: str) -> tuple[str, int, str]:
    match = re.match(r"^([A-Za-z]*)(\d*)(.*)$", code)
    assert match is not None  # the pattern matches every string
    head, digits, tail = match.groups()
    return head.upper(), int(digits or 0), tail


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
    if not _CODE.match(code):
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


# --- export and import (the engine's tasks.csv) --------------------------------------------


def export_rows(session: Session, study: Study) -> list[list[str]]:
    """Header and rows of tasks.csv; tasks the SME panel dropped are left out."""
    rows: list[list[str]] = []
    with_ksa = bool(study_ksas(session, study))
    for domain in ordered_domains(study):
        for task in ordered_tasks(domain):
            if task.sme_resolution == "drop":
                continue
            row = [task.code, domain.name, task.statement]
            if with_ksa:
                linked = sorted(task.ksas, key=lambda k: _natural(k.code))
                row.append("; ".join(f"{k.code}: {k.statement}" for k in linked))
            rows.append(row)
    return [["task_id", "domain", "statement"] + (["ksa"] if with_ksa else []), *rows]


def export_csv(session: Session, study: Study) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(export_rows(session, study))
    return out.getvalue().encode("utf-8")


def export_xlsx(session: Session, study: Study) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "tasks"
    for row in export_rows(session, study):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class ScopeRow:
    """One task of an imported scope file with the KSA codes it names."""

    code: str
    domain: str
    statement: str
    ksa_codes: tuple[str, ...]


def _raw_table(data: bytes, name: str) -> Table | None:
    if data.startswith(b"PK\x03\x04") or name.lower().endswith(".xlsx"):
        return read_xlsx_table(data, name, [])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return Table.from_rows([list(r) for r in csv.reader(io.StringIO(text, newline=""))], name)


def parse_scope_file(
    data: bytes, name: str
) -> tuple[list[ScopeRow], dict[str, tuple[str, str]]]:
    """Tasks and KSAs (code -> (kind, statement)) of a file, or SurveyFileError listing all."""
    problems: list[Problem] = []
    try:
        read_tasks(data, name)
    except SurveyFileError as exc:
        problems.extend(exc.problems)
    table = _raw_table(data, name) if data.strip() else None
    columns = {h.strip().lower(): i for i, h in enumerate(table.header)} if table else {}
    if table is not None and "statement" not in columns:
        problems.append(Problem(name, 1, "statement", "required column is missing"))
    rows: list[ScopeRow] = []
    ksas: dict[str, tuple[str, str, int]] = {}
    references: list[tuple[int, str]] = []
    for number, cells in table.rows if table and "statement" in columns else []:
        values = {key: table.text(cells, index) for key, index in columns.items()}
        code, domain, statement = (values.get(k, "") for k in ("task_id", "domain", "statement"))
        if code and not _CODE.match(code):
            problems.append(
                Problem(name, number, "task_id", "use 1-20 letters, digits, '.', '_' or '-'")
            )
        if len(domain) > 200:
            problems.append(Problem(name, number, "domain", "longer than 200 characters"))
        if not statement:
            problems.append(Problem(name, number, "statement", "task statement is blank"))
        codes = []
        for entry in filter(None, (e.strip() for e in _KSA_SPLIT.split(values.get("ksa", "")))):
            match = _KSA_ENTRY.match(entry)
            kind = KSA_KINDS.get(entry[:1].upper())
            if match is None or kind is None:
                problems.append(
                    Problem(
                        name,
                        number,
                        "ksa",
                        f"cannot read {entry[:40]!r}; write 'K1: statement' (K knowledge, "
                        "S skill, A ability) and separate KSAs with ';'",
                    )
                )
                continue
            ksa_code, text = match.group(1), (match.group(2) or "").strip()
            codes.append(ksa_code)
            if not text:
                references.append((number, ksa_code))
            elif ksa_code in ksas and ksas[ksa_code][1] != text:
                first = ksas[ksa_code][2]
                problems.append(
                    Problem(
                        name,
                        number,
                        "ksa",
                        f"{ksa_code} has a different statement in row {first}",
                    )
                )
            else:
                ksas.setdefault(ksa_code, (kind, text, number))
        rows.append(ScopeRow(code, domain, statement, tuple(dict.fromkeys(codes))))
    for number, ksa_code in references:
        if ksa_code not in ksas:
            problems.append(
                Problem(name, number, "ksa", f"{ksa_code} has no statement in any row")
            )
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise SurveyFileError(list(dict.fromkeys(problems)))
    return rows, {code: (kind, text) for code, (kind, text, _) in ksas.items()}


def _clear_scope(session: Session, study: Study) -> None:
    for ksa in study_ksas(session, study):
        ksa.tasks = []
        session.delete(ksa)
    for task in list(study.tasks):
        session.execute(delete(SmeVote).where(SmeVote.task_id == task.id))
        task.ksas = []
        session.delete(task)
    session.flush()
    for domain in list(study.domains):
        session.delete(domain)
    session.flush()
    session.expire(study, ["tasks", "domains"])


def import_scope(
    session: Session, actor: User, study: Study, data: bytes, name: str, replace: bool
) -> dict[str, int]:
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
        tasks[row.code] = Task(
            board_id=study.board_id,
            study=study,
            domain=domains[row.domain],
            code=row.code,
            statement=row.statement,
            position=position,
        )
    for code, (kind, text) in ksa_texts.items():
        linked = [tasks[r.code] for r in rows if code in r.ksa_codes]
        session.add(KSA(board_id=study.board_id, study_id=study.id, code=code, kind=kind,
                        statement=text, tasks=linked))  # fmt: skip
    session.flush()
    after = {"file": name, "tasks": len(tasks), "domains": len(domains), "ksas": len(ksa_texts)}
    audit.record(session, actor, "rds.scope.imported", study, before=before, after=after)
    return after


# --- cloning and overviews -----------------------------------------------------------------


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
        new_domain = Domain(board_id=study.board_id, study=clone, name=domain.name,
                            position=domain.position)  # fmt: skip
        for task in ordered_tasks(domain):
            if task.sme_resolution != "drop":
                copies[task.id] = Task(board_id=study.board_id, study=clone, domain=new_domain,
                                       code=task.code, statement=task.statement,
                                       position=task.position)  # fmt: skip
    session.flush()
    for ksa in study_ksas(session, study):
        linked = [copies[t.id] for t in ksa.tasks if t.id in copies]
        session.add(KSA(board_id=study.board_id, study_id=clone.id, code=ksa.code, kind=ksa.kind,
                        statement=ksa.statement, tasks=linked))  # fmt: skip
    session.flush()
    after = {"from_study": study.id, "version": clone.version, "tasks": len(copies)}
    audit.record(session, actor, "rds.study.cloned", clone, after=after)
    return clone


def years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@dataclass(frozen=True)
class CurrentStudy:
    """The newest study of one credential type of a board, and whether it is overdue."""

    credential: str
    study: Study
    stale: bool


def current_studies(session: Session, board_id: int, today: date) -> list[CurrentStudy]:
    """Per credential type, the newest study; stale when it started over 5 years ago."""
    names = credential_types(session, board_id)
    studies = session.execute(
        select(Study)
        .where(Study.board_id == board_id, Study.status != "archived")
        .order_by(Study.started_on.desc(), Study.version.desc(), Study.id.desc())
    ).scalars()
    newest: dict[int | None, Study] = {}
    for study in studies:
        newest.setdefault(study.credential_type_id, study)
    limit = years_before(today, STALE_YEARS)
    return [
        CurrentStudy(names.get(key or 0, "No credential type"), study, study.started_on < limit)
        for key, study in newest.items()
    ]
