"""Delivery pages: exam managers' windows and accommodations; the candidate's registration
and sitting (one item per page, navigator, flag for review, server timer, every click saved).

A candidate sees items only during their own sitting, and only their own form's.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import session_claim
from core.extensions import db, login_manager
from core.models import Board, Role, utcnow
from core.viewhelpers import board_owned_or_404, show_error
from exams.delivery import services
from exams.delivery.services import DeliveryError
from exams.delivery.webforms import (
    AccommodationForm,
    AnswerForm,
    RulesForm,
    ScoreWindowForm,
    SimpleForm,
    WindowForm,
)
from exams.models import Form
from exams.models.delivery import ExamWindow, Registration
from exams.standards.views import held
from exams.web import bp

MANAGERS = (Role.EXAM_MANAGER,)
SCRIPT = Path(__file__).with_name("sitting.js")


def _board(board_id: int) -> Board:
    if board_id not in current_user.board_ids(*MANAGERS):
        abort(404)
    return db.get_or_404(Board, board_id)


@bp.route("/boards/<int:board_id>/exams/forms/<int:form_id>/windows", methods=["GET", "POST"])
@held(*MANAGERS)
def form_windows(board_id: int, form_id: int) -> Any:
    board = _board(board_id)
    exam_form = board_owned_or_404(Form, form_id, board.id)
    form = WindowForm()
    rules = RulesForm(prefix="rules")
    wait_days, attempts = services.rules_of(db.session, board.id)
    if request.method == "GET":
        form.opens_on.data = date.today()
        form.closes_on.data = date.today() + timedelta(days=30)
        rules.wait_days.data, rules.attempts.data = wait_days, attempts
    if form.submit.data and form.validate_on_submit():
        try:
            window = services.create_window(
                db.session,
                current_user,
                exam_form,
                form.name.data or "",
                form.opens_on.data,
                form.closes_on.data,
                form.minutes.data,
            )
        except DeliveryError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"Window {window.name} created.", "success")
            return redirect(url_for("exams.window", board_id=board.id, window_id=window.id))
    if rules.submit.data and rules.validate_on_submit():
        try:
            services.set_rules(
                db.session, current_user, board.id, rules.wait_days.data, rules.attempts.data
            )
        except DeliveryError as exc:
            show_error(rules, exc)
        else:
            db.session.commit()
            flash("Retake rules saved.", "success")
            return redirect(url_for("exams.form_windows", board_id=board.id, form_id=form_id))
    return render_template(
        "exams/delivery/form_windows.html",
        board=board,
        exam_form=exam_form,
        form=form,
        rules=rules,
        windows=services.windows_of(db.session, exam_form),
    )


@bp.route("/boards/<int:board_id>/exams/windows/<int:window_id>")
@held(*MANAGERS)
def window(board_id: int, window_id: int) -> Any:
    board = _board(board_id)
    exam_window = board_owned_or_404(ExamWindow, window_id, board.id)
    return render_template(
        "exams/delivery/window.html",
        board=board,
        window=exam_window,
        registrations=services.registrations_of(db.session, exam_window),
        accommodation=AccommodationForm(),
        score_form=ScoreWindowForm(),
    )


@bp.route(
    "/boards/<int:board_id>/exams/windows/<int:window_id>/registrations/<int:registration_id>",
    methods=["POST"],
)
@held(*MANAGERS)
def accommodation(board_id: int, window_id: int, registration_id: int) -> Any:
    board = _board(board_id)
    exam_window = board_owned_or_404(ExamWindow, window_id, board.id)
    registration = board_owned_or_404(
        Registration, registration_id, board.id, window_id=exam_window.id
    )
    form = AccommodationForm()
    if form.validate_on_submit():
        try:
            services.set_accommodation(
                db.session,
                current_user,
                registration,
                form.extra_minutes.data,
                form.note.data or "",
            )
        except DeliveryError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash("Extra time saved.", "success")
    else:
        flash("Extra time is a whole number of minutes (0-600).", "danger")
    return redirect(url_for("exams.window", board_id=board.id, window_id=exam_window.id))


@bp.route("/boards/<int:board_id>/exams/windows/<int:window_id>/score", methods=["POST"])
@held(*MANAGERS)
def score_window(board_id: int, window_id: int) -> Any:
    board = _board(board_id)
    exam_window = board_owned_or_404(ExamWindow, window_id, board.id)
    if ScoreWindowForm().validate_on_submit():
        try:
            record = services.score_window(db.session, current_user, exam_window)
        except (DeliveryError, ValueError) as exc:
            show_error(None, ValueError(str(exc)))
        else:
            db.session.commit()
            flash(f"{record.n_candidates} sittings scored: {record.n_passed} passed.", "success")
            return redirect(url_for("exams.result_import", board_id=board.id, import_id=record.id))
    return redirect(url_for("exams.window", board_id=board.id, window_id=exam_window.id))


# --- the candidate ---------------------------------------------------------------------------


@bp.route("/me/exams")
@held(Role.TRAINEE)
def my_exams() -> Any:
    return render_template(
        "exams/delivery/mine.html",
        offers=services.offers(db.session, current_user, date.today()),
        form=SimpleForm(),
    )


@bp.route("/me/exams/windows/<int:window_id>/register", methods=["POST"])
@held(Role.TRAINEE)
def register(window_id: int) -> Any:
    exam_window = db.get_or_404(ExamWindow, window_id)
    if exam_window.board_id not in current_user.board_ids(Role.TRAINEE):
        abort(404)
    if SimpleForm().validate_on_submit():
        try:
            services.register(db.session, current_user, exam_window, date.today())
        except DeliveryError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"You are registered for {exam_window.name}.", "success")
    return redirect(url_for("exams.my_exams"))


def _mine(registration_id: int) -> Registration:
    registration = db.get_or_404(Registration, registration_id)
    if registration.user_id != current_user.id:
        abort(404)
    return registration


@bp.route("/me/exams/sitting.js")
@held(Role.TRAINEE)
def sitting_script() -> Any:
    return Response(
        SCRIPT.read_text(encoding="utf-8"),
        mimetype="text/javascript",
        headers={"Cache-Control": "private, max-age=3600"},
    )


@bp.route("/me/exams/sittings/<int:registration_id>")
@held(Role.TRAINEE)
def sitting(registration_id: int) -> Any:
    registration = _mine(registration_id)
    now = utcnow()
    services.check_clock(db.session, registration, now)
    db.session.commit()
    if registration.status != "in_progress":
        return render_template(
            "exams/delivery/start.html", registration=registration, form=SimpleForm()
        )
    items = services.sitting_items(db.session, registration)
    wanted = request.args.get("q", "")
    remaining = max(0, int((registration.deadline_at - now).total_seconds()))  # type: ignore[operator]
    if wanted == "review":
        return render_template(
            "exams/delivery/review.html",
            registration=registration,
            items=items,
            remaining=remaining,
            form=SimpleForm(),
        )
    position = (
        int(wanted) if wanted.isdigit() else services.resume_position(db.session, registration)
    )
    position = min(max(position, 1), len(items))
    item = items[position - 1]
    form = AnswerForm()
    return render_template(
        "exams/delivery/item.html",
        registration=registration,
        items=items,
        item=item,
        position=position,
        remaining=remaining,
        form=form,
    )


@bp.route("/me/exams/sittings/<int:registration_id>/start", methods=["POST"])
@held(Role.TRAINEE)
def start_sitting(registration_id: int) -> Any:
    registration = _mine(registration_id)
    if SimpleForm().validate_on_submit():
        try:
            services.start(db.session, registration, utcnow(), date.today())
        except DeliveryError as exc:
            db.session.commit()  # a sitting found over time is ended, not rolled back
            flash(str(exc), "danger")
        else:
            db.session.commit()
    return redirect(url_for("exams.sitting", registration_id=registration.id))


def _checked(registration_id: int) -> Registration:
    """The checks of every sitting page, for a save that was refused: signed in (else the
    login page), a trainee (403), the person's own sitting (404)."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not current_user.board_ids(Role.TRAINEE):
        abort(403)
    return _mine(registration_id)


@bp.route("/me/exams/sittings/<int:registration_id>/answer", methods=["POST"])
def answer(registration_id: int) -> Any:
    """Save one answer; a script's request gets JSON, a plain form post a redirect.

    The hot path: one statement checks the session's person, the sitting, the clock, the
    item and the option as it writes (services.save_answer), nothing is loaded before it.
    Only a refused save goes through the usual checks to say why.
    """
    claim = session_claim()
    if claim is None:
        return login_manager.unauthorized()
    wants_json = request.headers.get("X-Requested-With") == "fetch"
    # the page's AnswerForm fields, read as it reads them; the CSRF token was checked
    # before any view (core.extensions.csrf), so no form object is built per click
    fields = request.form
    item_text, choice_text = fields.get("form_item_id", ""), fields.get("choice", "")
    if not item_text.isdecimal():
        _checked(registration_id)
        if wants_json:
            return jsonify({"saved": False, "error": "The page is stale; reload it."}), 400
        abort(400)
    form_item_id, now = int(item_text), utcnow()
    choice = int(choice_text) if choice_text.isdecimal() else None
    flagged = fields.get("flagged", "") not in ("", "false")
    if services.save_answer(
        db.session, registration_id, *claim, form_item_id, choice, flagged, now
    ):
        db.session.commit()  # stored for good before the candidate hears so
        if wants_json:
            return jsonify({"saved": True})
        go = request.form.get("go", "")
        return redirect(url_for("exams.sitting", registration_id=registration_id, q=go or None))
    registration = _checked(registration_id)
    reason = services.why_not_saved(db.session, registration, form_item_id, choice, now)
    db.session.commit()  # keeps a time-out
    if wants_json:
        ended = registration.status != "in_progress"
        return jsonify({"saved": False, "ended": ended, "error": reason}), 409
    flash(reason, "danger")
    return redirect(url_for("exams.sitting", registration_id=registration.id))


@bp.route("/me/exams/sittings/<int:registration_id>/submit", methods=["POST"])
@held(Role.TRAINEE)
def submit_sitting(registration_id: int) -> Any:
    registration = _mine(registration_id)
    if SimpleForm().validate_on_submit():
        try:
            services.submit(db.session, registration, utcnow())
        except DeliveryError as exc:
            flash(str(exc), "danger")
        db.session.commit()  # the page then says it is submitted (or that time ran out)
    return redirect(url_for("exams.sitting", registration_id=registration.id))
