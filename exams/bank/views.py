"""The item bank's pages: the Exams home, the bank list, an item, writing and review,
enemies, import/export and the writers' assignments."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core.exports import stream_download
from core.extensions import db
from core.models import Board, User
from core.viewhelpers import show_error
from exams.access import (
    EXAM_STAFF,
    MANAGERS,
    REVIEWERS,
    exam_board,
    exam_roles,
    visible_item,
)
from exams.bank import assignments as assigning
from exams.bank import services
from exams.bank.services import BankError, ExamType, ItemContent
from exams.bank.transfer import EXPORT_HEADER, export_rows, import_items
from exams.bank.webforms import (
    ActionForm,
    AssignmentForm,
    EnemyForm,
    ImportForm,
    ItemForm,
    NoteForm,
    ReasonForm,
)
from exams.itemfile import ItemFileError, read
from exams.models import STATUS_LABELS, Item, ItemVersion
from exams.web import bp

TASK_SEPARATOR = "\x1f"


def _types_with_blueprint(board_id: int) -> list[ExamType]:
    return [t for t in services.exam_types(db.session, board_id) if t.blueprint is not None]


def _chosen_type(types: list[ExamType], wanted: int | None) -> ExamType | None:
    return next((t for t in types if t.credential_type.id == wanted), types[0] if types else None)


def _task_choices(exam: ExamType) -> list[tuple[str, str]]:
    assert exam.blueprint is not None
    return [
        (f"{d.name}{TASK_SEPARATOR}{t.code}", f"{d.name} — {t.code}: {t.statement}")
        for d in exam.blueprint.domains
        for t in d.tasks
    ]


def _content(form: ItemForm) -> ItemContent:
    domain, _, task = (form.task.data or "").partition(TASK_SEPARATOR)
    codes = (form.ksa_codes.data or "").replace(";", ",").split(",")
    return ItemContent(
        domain=domain,
        task_code=task,
        cognitive_level=form.cognitive_level.data or "",
        stem=form.stem.data or "",
        options=form.option_texts(),
        key=int(form.key.data or 0),
        rationale=form.rationale.data or "",
        references=form.references.data or "",
        ksa_codes=tuple(c.strip() for c in codes if c.strip()),
    )


def _fill_form(form: ItemForm, version: ItemVersion) -> None:
    form.task.data = f"{version.domain}{TASK_SEPARATOR}{version.task_code}"
    form.ksa_codes.data = ", ".join(version.ksa_codes or [])
    form.cognitive_level.data = version.cognitive_level
    form.stem.data = version.stem
    fields = (form.option_a, form.option_b, form.option_c, form.option_d, form.option_e)
    for f, text in zip(fields, [*version.options, "", "", ""], strict=False):
        f.data = text
    form.key.data = str(version.key)
    form.rationale.data = version.rationale
    form.references.data = version.references


# --- the Exams workspace ---------------------------------------------------------------------


@bp.route("/exams")
@exam_roles(*EXAM_STAFF)
def home() -> Any:
    """The person's exam work on each board: what waits for them."""
    board_ids = sorted(current_user.board_ids(*EXAM_STAFF))
    boards = list(
        db.session.execute(select(Board).where(Board.id.in_(board_ids)).order_by(Board.name))
        .scalars()
        .all()
    )
    work = []
    for board in boards:
        counts = services.status_counts(db.session, board.id)
        work.append(
            {
                "board": board,
                "counts": {
                    s: sum(n for (_, st), n in counts.items() if st == s) for s in STATUS_LABELS
                },
                "reviewer": services.is_reviewer(current_user, board.id),
                "manager": services.is_manager(current_user, board.id),
                "assignments": assigning.assignments_of(db.session, board.id, current_user),
            }
        )
    return render_template("exams/home.html", work=work)


@bp.route("/boards/<int:board_id>/exams")
@exam_roles(*EXAM_STAFF)
def board_exams(board_id: int) -> Any:
    board = exam_board(board_id)
    counts = services.status_counts(db.session, board.id)
    types = services.exam_types(db.session, board.id)
    return render_template(
        "exams/board.html",
        board=board,
        types=types,
        counts=counts,
        statuses=STATUS_LABELS,
        manager=services.is_manager(current_user, board.id),
    )


# --- the bank list ---------------------------------------------------------------------------


@bp.route("/boards/<int:board_id>/exams/items")
@exam_roles(*EXAM_STAFF)
def bank(board_id: int) -> Any:
    board = exam_board(board_id)
    types = services.exam_types(db.session, board.id)
    type_id = request.args.get("type", type=int)
    status = request.args.get("status", "")
    if status and status not in STATUS_LABELS:
        status = ""
    own_only = not services.is_reviewer(current_user, board.id)
    query = services.bank_query(
        board.id,
        type_id,
        status=status,
        domain=request.args.get("domain", ""),
        task_code=request.args.get("task", ""),
        code=request.args.get("code", ""),
        author_id=current_user.id if own_only else None,
    )
    sort = request.args.get("sort", "code")
    page = services.bank_page(db.session, query, request.args.get("page", 1, type=int), sort=sort)
    return render_template(
        "exams/bank/list.html",
        board=board,
        types=types,
        type_id=type_id,
        status=status,
        statuses=STATUS_LABELS,
        page=page,
        own_only=own_only,
        sort=sort,
        sorts=services.SORTS,
        manager=services.is_manager(current_user, board.id),
    )


@bp.route("/boards/<int:board_id>/exams/items.<any(csv, xlsx):fmt>")
@exam_roles(*MANAGERS)
def bank_export(board_id: int, fmt: str) -> Any:
    """The bank's items in the import's columns: exam managers only."""
    board = exam_board(board_id, *MANAGERS)
    type_id = request.args.get("type", type=int)
    exam = _chosen_type(_types_with_blueprint(board.id), type_id)
    if exam is None:
        abort(404)
    ctype = exam.credential_type
    rows = export_rows(db.session, board.id, ctype.id)
    name = f"{board.slug}-{ctype.code}-items-{date.today().isoformat()}.csv"
    return stream_download(EXPORT_HEADER, rows, name, fmt, sheet="items")


@bp.route("/boards/<int:board_id>/exams/items/import", methods=["GET", "POST"])
@exam_roles(*MANAGERS)
def bank_import(board_id: int) -> Any:
    board = exam_board(board_id, *MANAGERS)
    types = _types_with_blueprint(board.id)
    form = ImportForm()
    form.credential_type.choices = [(t.credential_type.id, t.credential_type.name) for t in types]
    problems: list[Any] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows, file_problems = read(upload.read(), upload.filename or "")
            created = import_items(
                db.session, current_user, board.id, form.credential_type.data, rows, file_problems
            )
        except ItemFileError as exc:
            db.session.rollback()
            problems = exc.problems
        except BankError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"{len(created)} items imported as drafts.", "success")
            return redirect(url_for("exams.bank", board_id=board.id, status="draft"))
    return render_template("exams/bank/import.html", board=board, form=form, problems=problems)


# --- one item --------------------------------------------------------------------------------


@bp.route("/boards/<int:board_id>/exams/items/new", methods=["GET", "POST"])
@exam_roles(*EXAM_STAFF)
def new_item(board_id: int) -> Any:
    board = exam_board(board_id)
    types = _types_with_blueprint(board.id)
    exam = _chosen_type(types, request.args.get("type", type=int))
    if exam is None:
        flash("No credential type of this board has an approved exam blueprint yet.", "warning")
        return redirect(url_for("exams.board_exams", board_id=board.id))
    form = ItemForm()
    form.task.choices = _task_choices(exam)
    if form.validate_on_submit():
        try:
            item = services.create_item(
                db.session,
                current_user,
                board.id,
                exam.credential_type.id,
                _content(form),
                blueprint=exam.blueprint,
            )
        except BankError as exc:
            show_error(form, _on_form_field(exc))
        else:
            db.session.commit()
            flash(f"{item.code} saved as a draft.", "success")
            return redirect(url_for("exams.item", board_id=board.id, item_id=item.id))
    return render_template(
        "exams/bank/edit.html", board=board, form=form, exam=exam, types=types, item=None
    )


def _on_form_field(error: BankError) -> BankError:
    """A service error on a content field, moved to the form field that holds it."""
    fields = {"domain": "task", "task_code": "task", "options": "option_a"}
    if error.field in fields:
        return BankError(str(error), fields[error.field])
    return error


@bp.route("/boards/<int:board_id>/exams/items/<int:item_id>")
@exam_roles(*EXAM_STAFF)
def item(board_id: int, item_id: int) -> Any:
    board = exam_board(board_id)
    found = visible_item(item_id, board.id)
    versions = list(
        db.session.execute(
            select(ItemVersion)
            .where(ItemVersion.item_id == found.id)
            .order_by(ItemVersion.number.desc())
        ).scalars()
    )
    people = {
        u.id: u.full_name
        for u in db.session.execute(
            select(User).where(
                User.id.in_({v.author_id for v in versions} | {v.reviewer_id for v in versions})
            )
        ).scalars()
    }
    return render_template(
        "exams/bank/item.html",
        board=board,
        item=found,
        versions=versions,
        people=people,
        enemies=services.enemies_of(db.session, found),
        may_edit=services.may_edit(current_user, found),
        reviewer=services.is_reviewer(current_user, board.id),
        manager=services.is_manager(current_user, board.id),
        statuses=STATUS_LABELS,
        action_form=ActionForm(),
        note_form=NoteForm(),
        reason_form=ReasonForm(),
        enemy_form=EnemyForm(),
    )


@bp.route("/boards/<int:board_id>/exams/items/<int:item_id>/edit", methods=["GET", "POST"])
@exam_roles(*EXAM_STAFF)
def edit_item(board_id: int, item_id: int) -> Any:
    board = exam_board(board_id)
    found = visible_item(item_id, board.id)
    if not services.may_edit(current_user, found):
        abort(403)
    types = _types_with_blueprint(board.id)
    exam = _chosen_type(types, found.credential_type_id)
    if exam is None or exam.credential_type.id != found.credential_type_id:
        flash("This credential type has no approved exam blueprint.", "warning")
        return redirect(url_for("exams.item", board_id=board.id, item_id=found.id))
    form = ItemForm()
    form.task.choices = _task_choices(exam)
    if request.method == "GET":
        _fill_form(form, found.current)
    if form.validate_on_submit():
        try:
            version = services.edit_item(db.session, current_user, found, _content(form))
        except BankError as exc:
            show_error(form, _on_form_field(exc))
        else:
            db.session.commit()
            flash(f"{found.code}: version {version.number} saved as a draft.", "success")
            return redirect(url_for("exams.item", board_id=board.id, item_id=found.id))
    return render_template(
        "exams/bank/edit.html", board=board, form=form, exam=exam, types=types, item=found
    )


def _act(board_id: int, item_id: int, action: str) -> Any:
    board = exam_board(board_id)
    found = visible_item(item_id, board.id)
    form: Any = ReasonForm() if action == "retire" else NoteForm()
    if action in ("submit",):
        form = ActionForm()
    if not form.validate_on_submit():
        missing = action == "retire" and not (request.form.get("reason") or "").strip()
        message = "Give the reason for retiring the item." if missing else "Please try again."
        flash(message, "danger")
        return redirect(url_for("exams.item", board_id=board.id, item_id=found.id))
    try:
        if action == "submit":
            services.submit(db.session, current_user, found)
            message = f"{found.code} is waiting for review."
        elif action == "approve":
            services.approve(db.session, current_user, found, form.note.data or "")
            message = f"{found.code} version {found.current_number} is approved."
        elif action == "send_back":
            services.send_back(db.session, current_user, found, form.note.data or "")
            message = f"{found.code} went back to its writer."
        else:
            services.retire(db.session, current_user, found, form.reason.data or "")
            message = f"{found.code} is retired."
    except PermissionError:
        db.session.rollback()
        abort(403)
    except BankError as exc:
        show_error(None, exc)
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("exams.item", board_id=board.id, item_id=found.id))


@bp.route("/boards/<int:board_id>/exams/items/<int:item_id>/submit", methods=["POST"])
@exam_roles(*EXAM_STAFF)
def submit_item(board_id: int, item_id: int) -> Any:
    return _act(board_id, item_id, "submit")


@bp.route("/boards/<int:board_id>/exams/items/<int:item_id>/approve", methods=["POST"])
@exam_roles(*REVIEWERS)
def approve_item(board_id: int, item_id: int) -> Any:
    return _act(board_id, item_id, "approve")


@bp.route("/boards/<int:board_id>/exams/items/<int:item_id>/send-back", methods=["POST"])
@exam_roles(*REVIEWERS)
def send_back_item(board_id: int, item_id: int) -> Any:
    return _act(board_id, item_id, "send_back")


@bp.route("/boards/<int:board_id>/exams/items/<int:item_id>/retire", methods=["POST"])
@exam_roles(*MANAGERS)
def retire_item(board_id: int, item_id: int) -> Any:
    return _act(board_id, item_id, "retire")


@bp.route("/boards/<int:board_id>/exams/items/<int:item_id>/enemies", methods=["POST"])
@exam_roles(*EXAM_STAFF)
def add_enemy(board_id: int, item_id: int) -> Any:
    board = exam_board(board_id)
    found = visible_item(item_id, board.id)
    form = EnemyForm()
    if form.validate_on_submit():
        try:
            other = services.add_enemy(
                db.session, current_user, found, form.code.data or "", form.note.data or ""
            )
        except PermissionError:
            db.session.rollback()
            abort(403)
        except BankError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"{other.code} and {found.code} will never share a form.", "success")
    return redirect(url_for("exams.item", board_id=board.id, item_id=found.id))


@bp.route(
    "/boards/<int:board_id>/exams/items/<int:item_id>/enemies/<int:enemy_id>/remove",
    methods=["POST"],
)
@exam_roles(*EXAM_STAFF)
def remove_enemy(board_id: int, item_id: int, enemy_id: int) -> Any:
    board = exam_board(board_id)
    found = visible_item(item_id, board.id)
    other = db.session.get(Item, enemy_id)
    if other is None or other.board_id != board.id or not ActionForm().validate_on_submit():
        abort(404)
    try:
        services.remove_enemy(db.session, current_user, found, other)
    except PermissionError:
        db.session.rollback()
        abort(403)
    except BankError as exc:
        show_error(None, exc)
    else:
        db.session.commit()
        flash(f"{other.code} is no longer an enemy of {found.code}.", "success")
    return redirect(url_for("exams.item", board_id=board.id, item_id=found.id))


# --- review and assignments ------------------------------------------------------------------


@bp.route("/boards/<int:board_id>/exams/review")
@exam_roles(*REVIEWERS)
def review_queue(board_id: int) -> Any:
    board = exam_board(board_id, *REVIEWERS)
    rows = services.review_queue(db.session, board.id, current_user)
    return render_template("exams/bank/review.html", board=board, rows=rows)


@bp.route("/boards/<int:board_id>/exams/assignments", methods=["GET", "POST"])
@exam_roles(*EXAM_STAFF)
def assignments(board_id: int) -> Any:
    """Items still needed per task for N forms; managers assign writing, writers see theirs."""
    board = exam_board(board_id)
    types = _types_with_blueprint(board.id)
    exam = _chosen_type(types, request.args.get("type", type=int))
    forms = max(1, min(request.args.get("forms", 2, type=int), 50))
    manager = services.is_manager(current_user, board.id)
    form = AssignmentForm()
    needs: list[assigning.TaskNeed] = []
    if exam is not None:
        form.task.choices = _task_choices(exam)
        form.writer.choices = [(w.id, w.full_name) for w in assigning.writers(db.session, board.id)]
        if manager and form.validate_on_submit():
            domain, _, task = (form.task.data or "").partition(TASK_SEPARATOR)
            writer = db.session.get(User, form.writer.data)
            try:
                if writer is None:
                    raise BankError("Choose an item writer of this board.", "writer")
                assigning.assign(
                    db.session,
                    current_user,
                    board.id,
                    exam.credential_type.id,
                    writer,
                    domain,
                    task,
                    form.items_requested.data or 0,
                    form.due_on.data,
                    form.note.data or "",
                )
            except BankError as exc:
                show_error(form, exc)
            else:
                db.session.commit()
                flash(f"{writer.full_name} is asked for items on task {task}.", "success")
                return redirect(
                    url_for(
                        "exams.assignments",
                        board_id=board.id,
                        type=exam.credential_type.id,
                        forms=forms,
                    )
                )
        elif request.method == "POST" and not manager:
            abort(403)
        needs = assigning.task_needs(db.session, board.id, exam.credential_type.id, forms)
    open_rows = (
        assigning.all_assignments(db.session, board.id, exam.credential_type.id)
        if exam is not None and manager
        else []
    )
    return render_template(
        "exams/bank/assignments.html",
        board=board,
        types=types,
        exam=exam,
        forms=forms,
        needs=needs,
        manager=manager,
        form=form,
        open_rows=open_rows,
        mine=assigning.assignments_of(db.session, board.id, current_user),
    )


def seed_default() -> int:
    """A fresh seed for a new form (shown, stored, and enough to rebuild it)."""
    return secrets.randbelow(2**31 - 1) + 1
