"""Online delivery: windows, registration under the board's retake rules, the timed sitting
with an answer stored on every click, and scoring a window like a vendor's file.

Services flush and never commit. The server keeps the clock: a sitting's deadline is set
when it starts (the window's minutes plus any accommodation) and every save after it ends
the sitting instead. Option order is shuffled per candidate and item from the registration's
seed, so a reload shows the same order; the stored choice is the original option index.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

import numpy as np
from sqlalchemy import Boolean, Executable, Integer, Table, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certify.models import Application
from core import audit
from core.models import Board, Role, RoleAssignment, User, UTCDateTime
from exams.models import MAX_OPTIONS, Form, FormItem, ItemVersion
from exams.models.delivery import (
    FINISHED,
    DeliveredAnswer,
    ExamRules,
    ExamWindow,
    Registration,
)
from exams.models.results import ExamResult, ResultImport
from exams.resultfile import ResponseSheet
from exams.results.services import form_key, store_results
from exams.scoring import OMIT
from exams.standards.services import StandardError

DEFAULT_WAIT_DAYS = 30
DEFAULT_ATTEMPTS = 3


class DeliveryError(StandardError):
    """A delivery step that is refused; ``field`` names the form field, if any."""


# --- staff ----------------------------------------------------------------------------------


def _check_manager(actor: User, board_id: int) -> None:
    if not actor.has_role(Role.EXAM_MANAGER, board_id=board_id):
        raise PermissionError("Only an exam manager runs exam windows.")


def rules_of(session: Session, board_id: int) -> tuple[int, int]:
    """The board's (wait days, attempts per year); the defaults when none are set."""
    row = session.execute(select(ExamRules).where(ExamRules.board_id == board_id)).scalar()
    if row is None:
        return DEFAULT_WAIT_DAYS, DEFAULT_ATTEMPTS
    return row.wait_days, row.attempts_per_year


def set_rules(session: Session, actor: User, board_id: int, wait_days: int, attempts: int) -> None:
    _check_manager(actor, board_id)
    if wait_days < 0 or attempts < 1:
        raise DeliveryError("Waiting days are 0 or more; attempts per year 1 or more.")
    row = session.execute(select(ExamRules).where(ExamRules.board_id == board_id)).scalar()
    before = (
        None if row is None else {"wait_days": row.wait_days, "attempts": row.attempts_per_year}
    )
    if row is None:
        row = ExamRules(board_id=board_id)
        session.add(row)
    row.wait_days, row.attempts_per_year = wait_days, attempts
    session.flush()
    audit.record(
        session,
        actor,
        "exam_rules.changed",
        row,
        before=before,
        after={"wait_days": wait_days, "attempts": attempts},
    )


def create_window(
    session: Session,
    actor: User,
    form: Form,
    name: str,
    opens_on: date,
    closes_on: date,
    minutes: int,
) -> ExamWindow:
    _check_manager(actor, form.board_id)
    if form.status != "published":
        raise DeliveryError("Publish the form first: candidates sit a frozen form.")
    if closes_on < opens_on:
        raise DeliveryError("The window closes before it opens.", "closes_on")
    if minutes <= 0:
        raise DeliveryError("Give the time allowed in minutes.", "minutes")
    window = ExamWindow(
        board_id=form.board_id,
        form_id=form.id,
        name=name.strip(),
        opens_on=opens_on,
        closes_on=closes_on,
        minutes=minutes,
        created_by_id=actor.id,
    )
    session.add(window)
    session.flush()
    audit.record(
        session,
        actor,
        "exam_window.created",
        window,
        after={
            "form_id": form.id,
            "opens_on": opens_on,
            "closes_on": closes_on,
            "minutes": minutes,
        },
    )
    return window


def windows_of(session: Session, form: Form) -> list[tuple[ExamWindow, int]]:
    """The form's windows with their registration counts, newest first."""
    counts = (
        select(Registration.window_id, func.count().label("n"))
        .group_by(Registration.window_id)
        .subquery()
    )
    return [
        (w, int(n or 0))
        for w, n in session.execute(
            select(ExamWindow, counts.c.n)
            .outerjoin(counts, counts.c.window_id == ExamWindow.id)
            .where(ExamWindow.form_id == form.id)
            .order_by(ExamWindow.opens_on.desc(), ExamWindow.id.desc())
        )
    ]


def registrations_of(session: Session, window: ExamWindow) -> list[tuple[Registration, str]]:
    return [
        (r, name)
        for r, name in session.execute(
            select(Registration, User.full_name)
            .join(User, User.id == Registration.user_id)
            .where(Registration.window_id == window.id)
            .order_by(User.full_name, Registration.id)
        )
    ]


def set_accommodation(
    session: Session, actor: User, registration: Registration, extra_minutes: int, note: str
) -> None:
    """Extra time for a candidate, before the sitting starts. Audited (no reason text)."""
    _check_manager(actor, registration.board_id)
    if registration.status != "registered":
        raise DeliveryError("Extra time is set before the sitting starts.")
    if not 0 <= extra_minutes <= 600:
        raise DeliveryError("Extra time is 0 to 600 minutes.", "extra_minutes")
    before = registration.extra_minutes
    registration.extra_minutes = extra_minutes
    registration.accommodation_note = note.strip()[:300]
    session.flush()
    audit.record(
        session,
        actor,
        "exam_registration.accommodation",
        registration,
        before={"extra_minutes": before},
        after={"extra_minutes": extra_minutes},
    )


def score_window(session: Session, actor: User, window: ExamWindow) -> ResultImport:
    """Score the finished sittings of a window as one import (item analysis included)."""
    _check_manager(actor, window.board_id)
    if window.scored_import_id is not None:
        raise DeliveryError("This window is scored already.")
    form = session.get(Form, window.form_id)
    assert form is not None
    fk = form_key(session, form)
    sittings = list(
        session.execute(
            select(Registration, User.email)
            .join(User, User.id == Registration.user_id)
            .where(Registration.window_id == window.id, Registration.status.in_(FINISHED))
            .order_by(Registration.id)
        )
    )
    if not sittings:
        raise DeliveryError("No candidate has finished a sitting in this window yet.")
    column = {fi.id: j for j, fi in enumerate(fk.form_items)}
    row_of = {r.id: i for i, (r, _) in enumerate(sittings)}
    matrix = np.full((len(sittings), len(fk.form_items)), OMIT, dtype=np.int8)
    answers = session.execute(
        select(
            DeliveredAnswer.registration_id, DeliveredAnswer.form_item_id, DeliveredAnswer.choice
        ).where(
            DeliveredAnswer.registration_id.in_(list(row_of)), DeliveredAnswer.choice.is_not(None)
        )
    )
    for registration_id, form_item_id, choice in answers:
        matrix[row_of[registration_id], column[form_item_id]] = int(choice or 0)
    refs = [email for _, email in sittings]
    sheet = ResponseSheet(tuple(refs), fk.answer_key.item_ids, matrix)
    record = store_results(
        session,
        actor,
        form,
        "responses",
        f"online: {window.name}",
        window.closes_on,
        refs,
        [r.user_id for r, _ in sittings],
        sheet,
        None,
    )
    window.scored_import_id = record.id
    session.flush()
    return record


# --- candidates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """A window a candidate may see: their registration, or why they cannot register."""

    window: ExamWindow
    board_name: str
    form_name: str
    registration: Registration | None
    blocked: str | None


def _approved_types(session: Session, user: User) -> set[tuple[int, int]]:
    """(board, credential type) of the person's applications approved for the exam."""
    return {
        (b, t)
        for b, t in session.execute(
            select(Application.board_id, Application.credential_type_id).where(
                Application.trainee_id == user.id, Application.status == "approved_for_exam"
            )
        )
    }


def why_not(session: Session, user: User, window: ExamWindow, today: date) -> str | None:
    """Why the person may not register for the window now (None when they may)."""
    form = session.get(Form, window.form_id)
    assert form is not None
    if (window.board_id, form.credential_type_id) not in _approved_types(session, user):
        return "Your application is not approved for the exam."
    if not window.opens_on <= today <= window.closes_on:
        return "The window is not open."
    passed = session.execute(
        select(ExamResult.id).where(
            ExamResult.board_id == window.board_id,
            ExamResult.user_id == user.id,
            ExamResult.passed.is_(True),
        )
    ).first()
    if passed is not None:
        return "You have passed the exam already."
    wait_days, attempts = rules_of(session, window.board_id)
    earlier = list(
        session.execute(
            select(Registration.finished_at)
            .join(ExamWindow, ExamWindow.id == Registration.window_id)
            .where(
                Registration.user_id == user.id,
                ExamWindow.board_id == window.board_id,
                Registration.status.in_(FINISHED),
            )
        ).scalars()
    )
    year_ago = today - timedelta(days=365)
    recent = [f for f in earlier if f is not None and f.date() > year_ago]
    if len(recent) >= attempts:
        return f"The board allows {attempts} attempt(s) in 365 days."
    if recent:
        last = max(recent).date()
        if (today - last).days < wait_days:
            return (
                f"The board asks you to wait {wait_days} days after an attempt "
                f"(from {(last + timedelta(days=wait_days)).isoformat()})."
            )
    return None


def offers(session: Session, user: User, today: date) -> list[Offer]:
    """Open windows of the boards where the person is a trainee, with their registrations."""
    board_ids = user.board_ids(Role.TRAINEE)
    if not board_ids:
        return []
    mine = {
        r.window_id: r
        for r in session.execute(
            select(Registration).where(Registration.user_id == user.id)
        ).scalars()
    }
    rows = session.execute(
        select(ExamWindow, Board.name, Form.name)
        .join(Board, Board.id == ExamWindow.board_id)
        .join(Form, Form.id == ExamWindow.form_id)
        .where(ExamWindow.board_id.in_(board_ids), ExamWindow.closes_on >= today)
        .order_by(ExamWindow.opens_on, ExamWindow.id)
    )
    out = []
    for window, board_name, form_name in rows:
        registration = mine.get(window.id)
        blocked = None if registration else why_not(session, user, window, today)
        out.append(Offer(window, board_name, form_name, registration, blocked))
    return out


def register(session: Session, user: User, window: ExamWindow, today: date) -> Registration:
    reason = why_not(session, user, window, today)
    if reason:
        raise DeliveryError(reason)
    registration = Registration(
        board_id=window.board_id,
        window_id=window.id,
        user_id=user.id,
        option_seed=secrets.randbelow(2**31 - 1),
    )
    session.add(registration)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise DeliveryError("You are registered for this window already.") from None
    audit.record(
        session, user, "exam_registration.registered", registration, after={"window_id": window.id}
    )
    return registration


def _finish(session: Session, registration: Registration, status: str, now: datetime) -> None:
    registration.status = status
    registration.finished_at = now
    session.flush()
    audit.record(
        session,
        registration.user,
        f"exam_registration.{status}",
        registration,
        after={"window_id": registration.window_id},
    )


def check_clock(session: Session, registration: Registration, now: datetime) -> None:
    """End a sitting whose deadline has passed (the server's clock decides)."""
    deadline = registration.deadline_at
    if registration.status == "in_progress" and deadline is not None and now >= deadline:
        _finish(session, registration, "timed_out", deadline)


def start(session: Session, registration: Registration, now: datetime, today: date) -> None:
    """Start the sitting (sets the deadline), or resume it; one attempt per registration."""
    window = registration.window
    check_clock(session, registration, now)
    if registration.status in FINISHED:
        raise DeliveryError("This sitting has ended; a registration is one attempt.")
    if registration.status == "in_progress":
        return
    if registration.status != "registered":
        raise DeliveryError("This registration was cancelled.")
    if not window.opens_on <= today <= window.closes_on:
        raise DeliveryError("The window is not open today.")
    registration.status = "in_progress"
    registration.started_at = now
    registration.deadline_at = now + timedelta(minutes=window.minutes + registration.extra_minutes)
    session.flush()
    audit.record(
        session,
        registration.user,
        "exam_registration.started",
        registration,
        after={"deadline_at": registration.deadline_at},
    )


@dataclass(frozen=True)
class SittingItem:
    """One item as the candidate sees it: options in their shuffled order."""

    form_item_id: int
    position: int
    stem: str
    options: list[tuple[int, str]]  # (original index, text) in display order
    choice: int | None
    flagged: bool


def option_order(seed: int, form_item_id: int, n_options: int) -> list[int]:
    """The display order of an item's options for one registration (stable across reloads)."""
    rng = np.random.default_rng([seed, form_item_id])
    return [int(i) for i in rng.permutation(n_options)]


def sitting_items(session: Session, registration: Registration) -> list[SittingItem]:
    """The form's items for the candidate's own sitting, with their saved answers."""
    rows = list(
        session.execute(
            select(FormItem.id, FormItem.position, ItemVersion.stem, ItemVersion.options)
            .join(ItemVersion, ItemVersion.id == FormItem.item_version_id)
            .join(ExamWindow, ExamWindow.form_id == FormItem.form_id)
            .where(ExamWindow.id == registration.window_id)
            .order_by(FormItem.position)
        )
    )
    saved = {
        a.form_item_id: a
        for a in session.execute(
            select(DeliveredAnswer).where(DeliveredAnswer.registration_id == registration.id)
        ).scalars()
    }
    out = []
    for form_item_id, position, stem, options in rows:
        order = option_order(registration.option_seed, form_item_id, len(options))
        answer = saved.get(form_item_id)
        out.append(
            SittingItem(
                form_item_id,
                position,
                stem,
                [(i, options[i]) for i in order],
                None if answer is None else answer.choice,
                False if answer is None else answer.flagged,
            )
        )
    return out


_SAVE_STATEMENTS: dict[str, Executable] = {}  # per dialect: built once, values bound


def _save_statement(dialect: str) -> Executable:
    """The checking upsert of :func:`save_answer` for a dialect (its values are parameters)."""
    if dialect in _SAVE_STATEMENTS:
        return _SAVE_STATEMENTS[dialect]
    person, choice = bindparam("person_id", type_=Integer()), bindparam("choice", type_=Integer())
    now = bindparam("now", type_=UTCDateTime())
    trainee = (
        select(RoleAssignment.id)
        .where(
            RoleAssignment.user_id == person,
            RoleAssignment.role == str(Role.TRAINEE),
            RoleAssignment.board_id == Registration.board_id,
        )
        .exists()
    )
    checked = (
        select(
            Registration.board_id,
            Registration.id,
            FormItem.id,
            choice,
            bindparam("flagged", type_=Boolean()),
            now,
        )
        .join(User, User.id == Registration.user_id)
        .join(ExamWindow, ExamWindow.id == Registration.window_id)
        .join(FormItem, FormItem.form_id == ExamWindow.form_id)
        .join(ItemVersion, ItemVersion.id == FormItem.item_version_id)
        .where(
            Registration.id == bindparam("registration_id", type_=Integer()),
            Registration.user_id == person,
            User.session_version == bindparam("session_version", type_=Integer()),
            trainee,
            Registration.status == "in_progress",
            Registration.deadline_at > now,
            FormItem.id == bindparam("form_item_id", type_=Integer()),
            or_(choice.is_(None), func.json_array_length(ItemVersion.options) > choice),
        )
    )
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    answers = cast(Table, DeliveredAnswer.__table__)  # Core: parameters bind the SELECT
    statement = insert(answers).from_select(
        ["board_id", "registration_id", "form_item_id", "choice", "flagged", "saved_at"], checked
    )
    statement = statement.on_conflict_do_update(
        index_elements=["registration_id", "form_item_id"],
        set_={
            "choice": statement.excluded.choice,
            "flagged": statement.excluded.flagged,
            "saved_at": statement.excluded.saved_at,
        },
    )
    _SAVE_STATEMENTS[dialect] = statement.returning(answers.c.id)
    return _SAVE_STATEMENTS[dialect]


def save_answer(
    session: Session,
    registration_id: int,
    person_id: int,
    session_version: int,
    form_item_id: int,
    choice: int | None,
    flagged: bool,
    now: datetime,
) -> bool:
    """Store the candidate's current answer to one item; False when nothing was stored.

    One INSERT ... SELECT ... ON CONFLICT DO UPDATE that checks as it writes: the sitting
    is the person's (whose session version is still ``session_version``, as the sign-in
    check wants, and who is a trainee of the sitting's board), it is in progress and its
    deadline is after ``now`` (the server's clock), the item is on the window's form and
    ``choice`` (the original option index, None to clear) is one of its options; one row
    per (sitting, item), the latest answer wins. The caller loads nothing first; on False,
    :func:`why_not_saved` says why. The sitting resumes at the item answered last (see
    :func:`resume_position`).
    """
    if choice is not None and not 0 <= choice < MAX_OPTIONS:
        return False
    statement = _save_statement(session.get_bind().dialect.name)
    values = {
        "registration_id": registration_id,
        "person_id": person_id,
        "session_version": session_version,
        "form_item_id": form_item_id,
        "choice": choice,
        "flagged": flagged,
        "now": now,
    }
    return session.execute(statement, values).first() is not None


def why_not_saved(
    session: Session,
    registration: Registration,
    form_item_id: int,
    choice: int | None,
    now: datetime,
) -> str:
    """Why :func:`save_answer` stored nothing in the person's own sitting, for them to read.

    A sitting found past its deadline is ended here (the caller commits that).
    """
    check_clock(session, registration, now)
    if registration.status != "in_progress":
        return "This sitting has ended; answers are no longer saved."
    options = session.execute(
        select(ItemVersion.options)
        .join(FormItem, FormItem.item_version_id == ItemVersion.id)
        .join(ExamWindow, ExamWindow.form_id == FormItem.form_id)
        .where(FormItem.id == form_item_id, ExamWindow.id == registration.window_id)
    ).scalar()
    if options is None:
        return "That item is not on your form."
    if choice is not None and not 0 <= choice < len(options):
        return "That option is not on this item."
    return "The answer was not saved; reload the page."


def resume_position(session: Session, registration: Registration) -> int:
    """Where a reload resumes: the position of the item saved last (1 before any save)."""
    position = session.execute(
        select(FormItem.position)
        .join(DeliveredAnswer, DeliveredAnswer.form_item_id == FormItem.id)
        .where(DeliveredAnswer.registration_id == registration.id)
        .order_by(DeliveredAnswer.saved_at.desc(), DeliveredAnswer.id.desc())
        .limit(1)
    ).scalar()
    return int(position or 1)


def submit(session: Session, registration: Registration, now: datetime) -> None:
    check_clock(session, registration, now)
    if registration.status != "in_progress":
        raise DeliveryError("This sitting has ended already.")
    _finish(session, registration, "submitted", now)
