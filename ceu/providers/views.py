"""Provider views: the public application and course catalog; the board's provider and course
decisions; the provider's own courses, roster postings and review list."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ceu import bp
from ceu.models import CeCourse, CeProvider, RosterPosting, RosterRow
from ceu.providers import roster, services
from ceu.providers.forms import (
    ApplicationForm,
    CourseDecisionForm,
    CourseForm,
    DecisionForm,
    RenewForm,
    ResolveForm,
    RosterForm,
)
from ceu.providers.services import Application, CatalogSearch, CourseInput, ProviderError
from ceu.rosterfile import RosterFileError
from ceu.rules.services import categories_of
from core.auth import ensure_board_access, roles_required
from core.boards import paginate
from core.extensions import db, limiter
from core.models import Board, Role
from core.units import hours, minutes_from_hours
from core.viewhelpers import board_owned_or_404, show_error

STAFF = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)
PROVIDER = (Role.CE_PROVIDER,)


def _public_board(slug: str) -> Board:
    board = db.session.execute(select(Board).where(Board.slug == slug)).scalar()
    if board is None:
        abort(404)
    return board


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


# --- public ---------------------------------------------------------------------------------


@bp.route("/ce/<slug>/courses")
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"])
def catalog(slug: str) -> Any:
    """The board's approved courses, searchable by text, category, delivery and dates."""
    board = _public_board(slug)
    search = CatalogSearch(
        text=request.args.get("q", "")[:100],
        category_id=request.args.get("category", type=int),
        mode=request.args.get("mode", ""),
        since=_date_arg("from"),
        until=_date_arg("to"),
    )
    page = paginate(
        db.session,
        services.catalog_query(board.id, search, date.today()),
        request.args.get("page", 1, type=int),
    )
    return render_template(
        "ceu/public/catalog.html",
        board=board,
        page=page,
        search=search,
        categories=categories_of(db.session, board.id),
        today=date.today(),
    )


@bp.route("/ce/<slug>/providers/apply", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"], methods=["POST"])
def apply_as_provider(slug: str) -> Any:
    board = _public_board(slug)
    form = ApplicationForm()
    if form.validate_on_submit():
        data = Application(
            form.name.data,
            form.contact_name.data,
            form.contact_email.data,
            form.website.data or "",
            form.description.data or "",
        )
        try:
            services.apply(db.session, board, data)
        except ProviderError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"Thank you. {board.name} will review the application and email you.", "success")
            return redirect(url_for("ceu.catalog", slug=board.slug))
    return render_template("ceu/public/apply.html", board=board, form=form)


# --- board staff ----------------------------------------------------------------------------


def _staff_board(board_id: int, *roles: Role) -> Board:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *(roles or STAFF))
    return board


@bp.route("/boards/<int:board_id>/ce/providers")
@roles_required(*STAFF)
def board_providers(board_id: int) -> Any:
    board = _staff_board(board_id)
    status = request.args.get("status", "")
    page = paginate(
        db.session,
        services.providers_query(board.id, status),
        request.args.get("page", 1, type=int),
    )
    return render_template(
        "ceu/providers/board_list.html", board=board, page=page, status=status, today=date.today()
    )


@bp.route("/boards/<int:board_id>/ce/providers/<int:provider_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def board_provider(board_id: int, provider_id: int) -> Any:
    board = _staff_board(board_id)
    provider = board_owned_or_404(CeProvider, provider_id, board.id)
    form, renew_form = DecisionForm(), RenewForm(obj=provider)
    if request.method == "GET" and provider.status == "applied":
        form.approved_from.data = date.today()
        form.approved_until.data = date(date.today().year + 2, 12, 31)
    if form.submit.data and form.validate_on_submit():
        if not current_user.is_platform_admin and not current_user.has_role(
            Role.BOARD_ADMIN, board_id=board.id
        ):
            abort(403)
        if not form.confirm.data:
            form.confirm.errors = ["Tick to confirm."]
        else:
            try:
                services.decide(
                    db.session,
                    provider,
                    current_user,
                    form.decision.data == "approve",
                    form.reason.data or "",
                    form.approved_from.data,
                    form.approved_until.data,
                    form.trusted.data,
                )
            except ProviderError as exc:
                show_error(form, exc)
            else:
                db.session.commit()
                flash(f"{provider.name} is {provider.status}.", "success")
                return redirect(
                    url_for("ceu.board_provider", board_id=board.id, provider_id=provider.id)
                )
    courses = paginate(
        db.session,
        services.courses_query(board.id, provider_id=provider.id),
        request.args.get("page", 1, type=int),
    )
    return render_template(
        "ceu/providers/board_detail.html",
        board=board,
        provider=provider,
        form=form,
        renew_form=renew_form,
        courses=courses,
        today=date.today(),
    )


@bp.route("/boards/<int:board_id>/ce/providers/<int:provider_id>/renew", methods=["POST"])
@roles_required(Role.BOARD_ADMIN)
def renew_provider(board_id: int, provider_id: int) -> Any:
    board = _staff_board(board_id, Role.BOARD_ADMIN)
    provider = board_owned_or_404(CeProvider, provider_id, board.id)
    form = RenewForm()
    if form.validate_on_submit():
        try:
            services.extend_approval(
                db.session, provider, current_user, form.approved_until.data, form.trusted.data
            )
        except ProviderError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"{provider.name} is approved until {provider.approved_until}.", "success")
    return redirect(url_for("ceu.board_provider", board_id=board.id, provider_id=provider.id))


@bp.route("/boards/<int:board_id>/ce/courses")
@roles_required(*STAFF)
def board_courses(board_id: int) -> Any:
    board = _staff_board(board_id)
    status = request.args.get("status", "pending")
    page = paginate(
        db.session, services.courses_query(board.id, status), request.args.get("page", 1, type=int)
    )
    return render_template(
        "ceu/providers/board_courses.html", board=board, page=page, status=status
    )


@bp.route("/boards/<int:board_id>/ce/courses/<int:course_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def board_course(board_id: int, course_id: int) -> Any:
    board = _staff_board(board_id)
    course = board_owned_or_404(CeCourse, course_id, board.id)
    form = CourseDecisionForm()
    if form.validate_on_submit():
        try:
            services.decide_course(
                db.session,
                course,
                current_user,
                form.decision.data == "approve",
                form.reason.data or "",
            )
        except ProviderError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"“{course.title}” is {course.status}.", "success")
            return redirect(url_for("ceu.board_courses", board_id=board.id))
    return render_template("ceu/providers/board_course.html", board=board, course=course, form=form)


@bp.route("/boards/<int:board_id>/ce/rosters")
@roles_required(*STAFF)
def board_roster_review(board_id: int) -> Any:
    board = _staff_board(board_id)
    page = paginate(
        db.session, roster.review_query(board.id), request.args.get("page", 1, type=int), size=50
    )
    return render_template(
        "ceu/providers/review_list.html", board=board, page=page, form=ResolveForm(), staff=True
    )


def _resolve(board: Board, row_id: int, provider: CeProvider | None, back: str) -> Any:
    row = db.get_or_404(RosterRow, row_id)
    posting = db.get_or_404(RosterPosting, row.posting_id)
    if posting.board_id != board.id or (
        provider is not None and posting.provider_id != provider.id
    ):
        abort(404)
    form = ResolveForm()
    if form.validate_on_submit():
        try:
            roster.resolve(
                db.session,
                row,
                current_user,
                form.action.data,
                date.today(),
                form.number.data or "",
            )
        except ProviderError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            done = f", {row.resolution}." if row.resolution else " (still to review)."
            flash(f"Row {row.row_number}: {row.outcome.replace('_', ' ')}{done}", "success")
    return redirect(back)


@bp.route("/boards/<int:board_id>/ce/rosters/rows/<int:row_id>", methods=["POST"])
@roles_required(*STAFF)
def board_resolve_row(board_id: int, row_id: int) -> Any:
    board = _staff_board(board_id)
    return _resolve(board, row_id, None, url_for("ceu.board_roster_review", board_id=board.id))


# --- the provider ---------------------------------------------------------------------------


def _provider(board_id: int) -> tuple[Board, CeProvider]:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *PROVIDER)
    provider = services.provider_of(db.session, current_user, board.id)
    if provider is None:
        abort(404)
    return board, provider


@bp.route("/boards/<int:board_id>/ce/provider")
@roles_required(*PROVIDER)
def provider_home(board_id: int) -> Any:
    board, provider = _provider(board_id)
    courses = paginate(
        db.session,
        services.courses_query(board.id, provider_id=provider.id),
        request.args.get("page", 1, type=int),
    )
    postings = db.session.execute(roster.postings_query(provider.id).limit(10)).scalars().all()
    return render_template(
        "ceu/providers/home.html",
        board=board,
        provider=provider,
        courses=courses,
        postings=postings,
        waiting=roster.waiting_count(db.session, board.id, provider.id),
        today=date.today(),
    )


def _course_form(form: CourseForm, board: Board, course: CeCourse | None) -> None:
    if request.method != "GET":
        return
    minutes = {c.category_id: c.minutes for c in course.categories} if course else {}
    for category in categories_of(db.session, board.id):
        form.categories.append_entry(
            {
                "category_id": str(category.id),
                "hours": hours(minutes[category.id]) if category.id in minutes else None,
            }
        )


def _course_input(form: CourseForm) -> CourseInput:
    return CourseInput(
        title=form.title.data or "",
        description=form.description.data or "",
        delivery_mode=form.delivery_mode.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        location=form.location.data or "",
        minutes_by_category=tuple(
            (int(row.form.category_id.data), minutes_from_hours(row.form.hours.data))
            for row in form.categories
            if row.form.hours.data
        ),
    )


@bp.route("/boards/<int:board_id>/ce/provider/courses/new", methods=["GET", "POST"])
@bp.route("/boards/<int:board_id>/ce/provider/courses/<int:course_id>", methods=["GET", "POST"])
@roles_required(*PROVIDER)
def provider_course(board_id: int, course_id: int | None = None) -> Any:
    board, provider = _provider(board_id)
    course = None
    if course_id is not None:
        course = board_owned_or_404(CeCourse, course_id, board.id, provider_id=provider.id)
    form = CourseForm(obj=course)
    _course_form(form, board, course)
    names = {c.id: c.name for c in categories_of(db.session, board.id)}
    if form.validate_on_submit():
        try:
            saved = services.save_course(
                db.session, provider, current_user, _course_input(form), date.today(), course
            )
        except ProviderError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(
                f"“{saved.title}” is "
                + (
                    "approved and listed."
                    if saved.status == "approved"
                    else "waiting for the board's review."
                ),
                "success",
            )
            return redirect(url_for("ceu.provider_home", board_id=board.id))
    return render_template(
        "ceu/providers/course_form.html", board=board, provider=provider, form=form, course=course,
        names=names, today=date.today(),
    )  # fmt: skip


@bp.route("/boards/<int:board_id>/ce/provider/rosters", methods=["GET", "POST"])
@roles_required(*PROVIDER)
def provider_roster(board_id: int) -> Any:
    board, provider = _provider(board_id)
    form = RosterForm()
    courses = (
        db.session.execute(services.courses_query(board.id, "approved", provider.id))
        .scalars()
        .all()
    )
    form.course_id.choices = [(c.id, f"{c.title} ({c.starts_on} to {c.ends_on})") for c in courses]
    problems = None
    chosen = request.args.get("course", "")
    if request.method == "GET" and chosen.isdigit():
        form.course_id.data = int(chosen)
    if form.validate_on_submit():
        course = next(c for c in courses if c.id == form.course_id.data)
        upload = form.roster.data
        try:
            posting = roster.post(
                db.session,
                provider,
                course,
                current_user,
                upload.read(),
                upload.filename,
                date.today(),
            )
        except RosterFileError as exc:
            db.session.rollback()
            problems = exc.problems
        except ProviderError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(
                f"{posting.rows} rows: {posting.posted} posted, {posting.to_review} to review.",
                "success",
            )
            return redirect(
                url_for("ceu.provider_posting", board_id=board.id, posting_id=posting.id)
            )
    return render_template(
        "ceu/providers/roster_form.html", board=board, provider=provider, form=form,
        problems=problems, today=date.today(),
    )  # fmt: skip


@bp.route("/boards/<int:board_id>/ce/provider/rosters/<int:posting_id>")
@roles_required(*PROVIDER)
def provider_posting(board_id: int, posting_id: int) -> Any:
    board, provider = _provider(board_id)
    posting = board_owned_or_404(RosterPosting, posting_id, board.id, provider_id=provider.id)
    return render_template(
        "ceu/providers/posting.html",
        board=board,
        provider=provider,
        posting=posting,
        rows=roster.posting_rows(db.session, posting),
        form=ResolveForm(),
    )


@bp.route("/boards/<int:board_id>/ce/provider/review")
@roles_required(*PROVIDER)
def provider_review(board_id: int) -> Any:
    board, provider = _provider(board_id)
    page = paginate(
        db.session,
        roster.review_query(board.id, provider.id),
        request.args.get("page", 1, type=int),
        size=50,
    )
    return render_template(
        "ceu/providers/review_list.html", board=board, page=page, form=ResolveForm(), staff=False
    )


@bp.route("/boards/<int:board_id>/ce/provider/review/<int:row_id>", methods=["POST"])
@roles_required(*PROVIDER)
def provider_resolve_row(board_id: int, row_id: int) -> Any:
    board, provider = _provider(board_id)
    return _resolve(board, row_id, provider, url_for("ceu.provider_review", board_id=board.id))
