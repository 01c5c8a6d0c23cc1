"""SME workshop: the panel, private voting links, the keep / revise / drop tally and resolutions."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import audit, mail
from core.models import User
from core.sheets import duplicated_headers
from core.urls import external_url
from rds.models import SmeVote, Study, SubjectMatterExpert, Task
from rds.scope.services import ordered_domains, ordered_tasks
from rds.survey.tables import Problem, Table, read_xlsx_table
from rds.workshop.cvr import TaskCvr, task_cvr

CHOICES = ("keep", "revise", "drop")
VOTING_STATUSES = ("draft", "workshop")
RECOMMENDED_PANEL = (12, 15)
SME_COLUMNS = ("name", "email", "background", "years_experience")


class WorkshopError(ValueError):
    """A problem the person can fix; field names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SmeFileError(ValueError):
    """Every bad row of an SME panel file."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problems in the SME file")


class BallotError(ValueError):
    """Bad answers on the vote page, per task id."""

    def __init__(self, errors: dict[int, str]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} answers need a correction")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unresolved_count(session: Session, study: Study) -> int:
    """Tasks the psychometrician has not yet resolved after the SME vote."""
    return session.execute(
        select(func.count())
        .select_from(Task)
        .where(Task.study_id == study.id, Task.sme_resolution.is_(None))
    ).scalar_one()


@dataclass(frozen=True)
class Progress:
    """How far the workshop is: panel size, who voted, tasks resolved."""

    smes: int
    links_sent: int
    voted: int
    tasks: int
    resolved: int

    @property
    def percent(self) -> int:
        return round(100 * self.resolved / self.tasks) if self.tasks else 0


def progress(session: Session, study: Study) -> Progress:
    smes = panel(session, study)
    voters = session.execute(
        select(func.count(func.distinct(SmeVote.sme_id))).where(
            SmeVote.sme_id.in_([s.id for s in smes] or [0])
        )
    ).scalar_one()
    tasks = len(study.tasks)
    resolved = tasks - unresolved_count(session, study)
    sent = sum(1 for s in smes if s.vote_token_hash)
    return Progress(len(smes), sent, voters, tasks, resolved)


# --- the panel -----------------------------------------------------------------------------


def panel(session: Session, study: Study) -> list[SubjectMatterExpert]:
    return list(
        session.execute(
            select(SubjectMatterExpert)
            .where(SubjectMatterExpert.study_id == study.id)
            .order_by(SubjectMatterExpert.name, SubjectMatterExpert.id)
        ).scalars()
    )


def votes_per_sme(session: Session, study: Study) -> dict[int, int]:
    rows = session.execute(
        select(SmeVote.sme_id, func.count())
        .join(SubjectMatterExpert, SubjectMatterExpert.id == SmeVote.sme_id)
        .where(SubjectMatterExpert.study_id == study.id)
        .group_by(SmeVote.sme_id)
    )
    return {sme_id: votes for sme_id, votes in rows}


def _sme_facts(sme: SubjectMatterExpert) -> dict[str, object]:
    return {"name": sme.name, "email": sme.email, "years_experience": sme.years_experience}


def _email(text: str) -> str:
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise WorkshopError(
            f"Enter an email address like name@example.org ({exc}).", "email"
        ) from exc


def add_sme(
    session: Session,
    actor: User,
    study: Study,
    name: str,
    email: str,
    background: str = "",
    years_experience: int | None = None,
) -> SubjectMatterExpert:
    """Record one member of the SME panel."""
    address = _email(email)
    if any(s.email == address for s in panel(session, study)):
        raise WorkshopError(f"{address} is already on this study's panel.", "email")
    if not name.strip():
        raise WorkshopError("Enter the expert's name.", "name")
    if years_experience is not None and not 0 <= years_experience <= 70:
        raise WorkshopError("Enter 0 to 70 years.", "years_experience")
    sme = SubjectMatterExpert(
        board_id=study.board_id,
        study_id=study.id,
        name=name.strip(),
        email=address,
        background=background.strip(),
        years_experience=years_experience,
    )
    session.add(sme)
    session.flush()
    audit.record(session, actor, "rds.sme.added", sme, after=_sme_facts(sme))
    return sme


def remove_sme(session: Session, actor: User, sme: SubjectMatterExpert) -> None:
    """Take an expert off the panel together with their votes."""
    audit.record(session, actor, "rds.sme.removed", sme, before=_sme_facts(sme))
    session.execute(delete(SmeVote).where(SmeVote.sme_id == sme.id))
    session.delete(sme)
    session.flush()


def _sme_table(data: bytes, name: str, problems: list[Problem]) -> Table | None:
    if data.startswith(b"PK\x03\x04") or name.lower().endswith(".xlsx"):
        return read_xlsx_table(data, name, problems)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(name, None, None, "is not UTF-8 text; save it as CSV UTF-8"))
        return None
    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    if not rows:
        problems.append(Problem(name, None, None, "is empty"))
        return None
    return Table.from_rows(rows, name)


def import_smes(session: Session, actor: User, study: Study, data: bytes, name: str) -> int:
    """Add the experts of a `name,email,background,years_experience` file; all or nothing."""
    problems: list[Problem] = []
    table = _sme_table(data, name, problems) or Table(name, [], [])
    columns = {h.strip().lower(): i for i, h in enumerate(table.header)}
    for twice in duplicated_headers([h.strip().lower() for h in table.header]):
        problems.append(Problem(name, 1, twice, "duplicate column: name each column once"))
    for column in ("name", "email"):
        if table.header and column not in columns:
            problems.append(Problem(name, 1, column, "required column is missing"))
    if table.header and not table.rows:
        problems.append(Problem(name, 2, None, "has no experts (no rows below the header)"))
    known = {s.email: "already on the panel" for s in panel(session, study)}
    people = []
    for number, cells in table.rows if not problems else []:
        row = {c: table.text(cells, columns[c]) if c in columns else "" for c in SME_COLUMNS}
        if not row["name"]:
            problems.append(Problem(name, number, "name", "name is blank"))
        try:
            address = _email(row["email"])
        except WorkshopError:
            problems.append(Problem(name, number, "email", f"{row['email']!r} is not an email"))
            address = ""
        if address in known:
            problems.append(Problem(name, number, "email", f"{address} is {known[address]}"))
        elif address:
            known[address] = f"listed twice (first in row {number})"
        years = None
        if row["years_experience"]:
            try:
                years = int(row["years_experience"])
                if not 0 <= years <= 70:
                    raise ValueError
            except ValueError:
                problems.append(
                    Problem(name, number, "years_experience", "use a whole number 0 to 70")
                )
        people.append((row["name"], address, row["background"], years))
    if problems:
        raise SmeFileError(problems)
    for person_name, address, background, years in people:
        session.add(
            SubjectMatterExpert(
                board_id=study.board_id,
                study_id=study.id,
                name=person_name,
                email=address,
                background=background,
                years_experience=years,
            )
        )
    session.flush()
    audit.record(
        session, actor, "rds.sme.imported", study, after={"file": name, "experts": len(people)}
    )
    return len(people)


# --- voting links and votes ----------------------------------------------------------------


def send_links(
    session: Session, actor: User, study: Study, sme: SubjectMatterExpert | None = None
) -> int:
    """Email a private vote link to one expert, or to every expert who has none yet."""
    if study.status not in VOTING_STATUSES:
        raise WorkshopError("Voting is closed: the study has left the workshop.")
    if not study.tasks:
        raise WorkshopError("Add task statements before asking the panel to vote.")
    targets = (
        [sme] if sme is not None else [s for s in panel(session, study) if not s.vote_token_hash]
    )
    for expert in targets:
        token = secrets.token_urlsafe(32)
        expert.vote_token_hash = _hash(token)
        link = external_url("rds.workshop_vote", token=token)
        mail.queue(
            session,
            expert.email,
            f"Your vote on the draft task statements: {study.title}",
            f"Hello {expert.name},\n\nThank you for serving on the subject matter expert panel "
            f'of {study.board.name}\'s role delineation study "{study.title}".\n\n'
            f"Open your private link, mark each of the {len(study.tasks)} draft task statements "
            f"keep, revise or drop, and add a comment where a statement should change:\n{link}\n\n"
            "You can come back and change your votes until the workshop closes. "
            "Please do not forward this link; it is yours alone.\n",
            board_id=study.board_id,
        )
        session.flush()
        audit.record(session, actor, "rds.sme.link_sent", expert, after={"email": expert.email})
    return len(targets)


def sme_for_token(session: Session, token: str) -> SubjectMatterExpert | None:
    """The expert holding this link, or None when it is unknown."""
    return session.execute(
        select(SubjectMatterExpert).where(SubjectMatterExpert.vote_token_hash == _hash(token))
    ).scalar()


def study_of(session: Session, sme: SubjectMatterExpert) -> Study:
    study = session.get(Study, sme.study_id)
    assert study is not None  # the foreign key guarantees it
    return study


def ballot(session: Session, sme: SubjectMatterExpert) -> dict[int, SmeVote]:
    """The expert's votes so far, by task id."""
    votes = session.execute(select(SmeVote).where(SmeVote.sme_id == sme.id)).scalars()
    return {v.task_id: v for v in votes}


def save_votes(session: Session, sme: SubjectMatterExpert, answers: Mapping[str, str]) -> int:
    """Store the expert's keep / revise / drop choices (`choice-<task id>`, `comment-<id>`)."""
    study = study_of(session, sme)
    if study.status not in VOTING_STATUSES:
        raise WorkshopError("Voting is closed: the study has left the workshop.")
    errors: dict[int, str] = {}
    chosen: dict[int, tuple[str, str]] = {}
    for task in study.tasks:
        choice = answers.get(f"choice-{task.id}", "").strip()
        comment = answers.get(f"comment-{task.id}", "").strip()
        if choice and choice not in CHOICES:
            errors[task.id] = "Choose keep, revise or drop."
        elif comment and not choice:
            errors[task.id] = "Choose keep, revise or drop so your comment can be saved."
        elif len(comment) > 2000:
            errors[task.id] = "Keep the comment under 2,000 characters."
        elif choice:
            chosen[task.id] = (choice, comment)
    if errors:
        raise BallotError(errors)
    existing = ballot(session, sme)
    for task_id, (choice, comment) in chosen.items():
        vote = existing.get(task_id)
        if vote is None:
            session.add(
                SmeVote(
                    board_id=sme.board_id,
                    sme_id=sme.id,
                    task_id=task_id,
                    choice=choice,
                    comment=comment,
                )
            )
        else:
            vote.choice, vote.comment = choice, comment
    session.flush()
    audit.record(session, None, "rds.sme.voted", sme, after={"tasks": len(chosen)})
    return len(chosen)


# --- tally and resolutions -----------------------------------------------------------------


@dataclass
class TaskTally:
    """The panel's votes on one task."""

    task: Task
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHOICES, 0))
    comments: list[tuple[str, str, str]] = field(default_factory=list)  # (sme, choice, text)

    @property
    def votes(self) -> int:
        return sum(self.counts.values())

    @property
    def content_validity(self) -> TaskCvr:
        """Lawshe's CVR of the votes ("keep" as essential) and its exact critical value."""
        return task_cvr(self.counts["keep"], self.counts["revise"], self.counts["drop"])

    @property
    def majority(self) -> str | None:
        best = max(CHOICES, key=lambda c: self.counts[c])
        return best if self.counts[best] * 2 > self.votes else None


def tally(session: Session, study: Study) -> list[tuple[str, list[TaskTally]]]:
    """Per domain, each task's counts of keep / revise / drop and the comments."""
    rows = session.execute(
        select(SmeVote, SubjectMatterExpert.name)
        .join(SubjectMatterExpert, SubjectMatterExpert.id == SmeVote.sme_id)
        .where(SubjectMatterExpert.study_id == study.id)
        .order_by(SubjectMatterExpert.name)
    ).all()
    by_task = {t.id: TaskTally(t) for t in study.tasks}
    for vote, sme_name in rows:
        entry = by_task.get(vote.task_id)
        if entry is not None:
            entry.counts[vote.choice] += 1
            if vote.comment:
                entry.comments.append((sme_name, vote.choice, vote.comment))
    return [(d.name, [by_task[t.id] for t in ordered_tasks(d)]) for d in ordered_domains(study)]


def resolve_task(
    session: Session, actor: User, task: Task, resolution: str, statement: str, note: str
) -> None:
    """Record the panel's decision on a task; revise replaces the statement."""
    if resolution not in CHOICES:
        raise WorkshopError("Choose keep, revise or drop.", "resolution")
    before = {"resolution": task.sme_resolution, "statement": task.statement, "note": task.sme_note}
    if resolution == "revise":
        if not statement.strip():
            raise WorkshopError("Enter the revised task statement.", "statement")
        task.statement = statement.strip()
    task.sme_resolution, task.sme_note = resolution, note.strip() or None
    session.flush()
    after = {"resolution": resolution, "statement": task.statement, "note": task.sme_note}
    audit.record(session, actor, "rds.task.resolved", task, before=before, after=after)


def set_status(session: Session, actor: User, study: Study, status: str) -> None:
    """Move a study between draft and workshop."""
    if status not in VOTING_STATUSES or study.status not in VOTING_STATUSES:
        raise WorkshopError("Only a draft study can start, or a workshop go back to draft.")
    if status == "workshop" and not study.tasks:
        raise WorkshopError("Add task statements before starting the workshop.")
    before = study.status
    study.status = status
    session.flush()
    audit.record(session, actor, "rds.study.status", study, {"status": before}, {"status": status})
