"""Standard-setting pages: the exam manager's panel pages, the judges' rating page, adoption.

Items are confidential: judges see the items of the form they rate and nothing else; the
manager's and the board's pages show item codes and numbers, never item text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.extensions import db
from core.models import Board, Role
from core.viewhelpers import board_owned_or_404, show_error
from exams.angoff import DISAGREEMENT_RULE, HISTOGRAM_BINS, panel_spread
from exams.models import Form
from exams.models.standards import StandardSetting
from exams.standards import services
from exams.standards.services import StandardError
from exams.standards.webforms import AdoptForm, RatingsForm, Round2Form, StartPanelForm
from exams.web import bp

MANAGERS = (Role.EXAM_MANAGER,)
RESULT_READERS = (Role.EXAM_MANAGER, Role.BOARD_ADMIN)
JUDGES = (Role.SME_JUDGE,)


def held(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run a view only for people holding one of roles on some board (403 otherwise).

    No pass for platform administrators: exam roles are held per board.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.board_ids(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _board(board_id: int, *roles: Role) -> Board:
    if board_id not in current_user.board_ids(*roles):
        abort(404)
    return db.get_or_404(Board, board_id)


def _setting(board_id: int, setting_id: int) -> StandardSetting:
    return board_owned_or_404(StandardSetting, setting_id, board_id)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:g}"


@bp.route("/boards/<int:board_id>/exams/standard-setting")
@held(*RESULT_READERS)
def board_panels(board_id: int) -> Any:
    board = _board(board_id, *RESULT_READERS)
    rows = services.board_overview(db.session, board.id)
    return render_template(
        "exams/standards/board.html",
        board=board,
        rows=rows,
        is_manager=services.is_manager(current_user, board.id),
    )


@bp.route(
    "/boards/<int:board_id>/exams/forms/<int:form_id>/standard-setting", methods=["GET", "POST"]
)
@held(*MANAGERS)
def form_panels(board_id: int, form_id: int) -> Any:
    board = _board(board_id, *MANAGERS)
    form_row = board_owned_or_404(Form, form_id, board.id)
    judges = services.board_judges(db.session, board.id)
    form = StartPanelForm()
    form.judges.choices = [(u.id, f"{u.full_name} ({u.email})") for u in judges]
    if form.validate_on_submit():
        try:
            setting, warnings = services.start(db.session, current_user, form_row, form.judges.data)
        except StandardError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            for warning in warnings:
                flash(warning, "warning")
            flash(
                f"Panel invited: {len(setting.judges)} judges rate round 1; each gets an email "
                "with the link to rate.",
                "success",
            )
            return redirect(url_for("exams.panel", board_id=board.id, setting_id=setting.id))
    settings = services.settings_of(db.session, form_row)
    cut = services.current_cut(db.session, form_row.id)
    return render_template(
        "exams/standards/form_panels.html",
        board=board,
        exam_form=form_row,
        settings=settings,
        form=form,
        n_judges=len(judges),
        cut=cut,
    )


def _round_view(setting: StandardSetting, round_: int) -> dict[str, Any]:
    result, reason, panel = services.results(db.session, setting, round_)
    return {"round": round_, "result": result, "reason": reason, "panel": panel}


@bp.route("/boards/<int:board_id>/exams/standard-setting/<int:setting_id>")
@held(*RESULT_READERS)
def panel(board_id: int, setting_id: int) -> Any:
    board = _board(board_id, *RESULT_READERS)
    setting = _setting(board.id, setting_id)
    rounds = [_round_view(setting, 1)]
    if setting.round == 2 or setting.round2_opened_at is not None:
        rounds.append(_round_view(setting, 2))
    adopt_form = AdoptForm()
    if len(rounds) == 1:
        adopt_form.round.choices = [(1, "Round 1")]
    return render_template(
        "exams/standards/panel.html",
        board=board,
        setting=setting,
        rounds=rounds,
        round2_form=Round2Form(),
        adopt_form=adopt_form,
        done1=services.done_count(db.session, setting, 1),
        done2=services.done_count(db.session, setting, 2),
        cut=services.current_cut(db.session, setting.form_id),
        is_manager=services.is_manager(current_user, board.id),
        may_adopt=services.may_adopt(current_user, board.id),
        rule=DISAGREEMENT_RULE,
    )


@bp.route("/boards/<int:board_id>/exams/standard-setting/<int:setting_id>/round2", methods=["POST"])
@held(*MANAGERS)
def open_round2(board_id: int, setting_id: int) -> Any:
    board = _board(board_id, *MANAGERS)
    setting = _setting(board.id, setting_id)
    if Round2Form().validate_on_submit():
        try:
            services.open_round2(db.session, current_user, setting)
        except StandardError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(
                "Round 2 is open: judges now see the panel's round-1 spread; each gets an "
                "email with the link.",
                "success",
            )
    return redirect(url_for("exams.panel", board_id=board.id, setting_id=setting.id))


@bp.route("/boards/<int:board_id>/exams/standard-setting/<int:setting_id>/adopt", methods=["POST"])
@held(*RESULT_READERS)
def adopt_cut(board_id: int, setting_id: int) -> Any:
    board = _board(board_id, *RESULT_READERS)
    setting = _setting(board.id, setting_id)
    form = AdoptForm()
    form.round.choices = [(2, "Round 2"), (1, "Round 1")]
    if form.validate_on_submit():
        raw = None if form.raw_cut.data is None else float(form.raw_cut.data)
        try:
            cut = services.adopt(
                db.session, current_user, setting, form.round.data, raw, form.note.data or ""
            )
        except StandardError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(
                f"Cut score {cut.raw_cut:.2f} adopted: a candidate needs {cut.raw_needed} "
                "correct to pass.",
                "success",
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
    return redirect(url_for("exams.panel", board_id=board.id, setting_id=setting.id))


# --- the judges' side ---------------------------------------------------------------------


@bp.route("/exams/panels")
@held(*JUDGES)
def my_panels() -> Any:
    panels = services.panels_of(db.session, current_user)
    return render_template("exams/standards/my_panels.html", panels=panels)


def _read_ratings(item_ids: list[int]) -> tuple[dict[int, float | None], dict[int, str]]:
    values: dict[int, float | None] = {}
    errors: dict[int, str] = {}
    for form_item_id in item_ids:
        text = request.form.get(f"r-{form_item_id}", "").strip().rstrip("%").strip()
        if not text:
            values[form_item_id] = None
            continue
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or not 0 <= number <= 100:
            errors[form_item_id] = f"{text!r} is not a percentage between 0 and 100"
            continue
        values[form_item_id] = number / 100.0
    return values, errors


@bp.route("/boards/<int:board_id>/exams/panels/<int:setting_id>", methods=["GET", "POST"])
@held(*JUDGES)
def rate(board_id: int, setting_id: int) -> Any:
    board = _board(board_id, *JUDGES)
    setting = _setting(board.id, setting_id)
    judge = services.judge_of(db.session, setting, current_user)
    if judge is None:
        abort(404)
    items = services.rated_items(db.session, setting, judge)
    form = RatingsForm()
    errors: dict[int, str] = {}
    entered: dict[int, str] = {}
    if form.validate_on_submit():
        values, errors = _read_ratings([i.form_item.id for i in items])
        entered = {k: request.form.get(f"r-{k}", "") for k in values} | {
            k: request.form.get(f"r-{k}", "") for k in errors
        }
        if not errors:
            try:
                services.save_ratings(
                    db.session, current_user, setting, values, submit=bool(form.finish.data)
                )
            except StandardError as exc:
                show_error(None, exc)
            else:
                db.session.commit()
                if form.finish.data:
                    flash(f"Round {setting.round} submitted. Thank you.", "success")
                else:
                    flash("Ratings saved; you can come back to finish.", "success")
                return redirect(url_for("exams.rate", board_id=board.id, setting_id=setting.id))
        else:
            flash(f"{len(errors)} rating(s) need fixing; nothing was saved.", "danger")
    spread: dict[int, Any] = {}
    if setting.round == 2:
        panel_ = services.panel_matrix(db.session, setting, 1)
        if panel_.judges:
            from exams.results.services import latest_p_values

            observed = latest_p_values(db.session, setting.form_id)
            rows = panel_spread(
                panel_.ratings,
                item_ids=[str(fi.id) for fi in panel_.form_items],
                p_values=[observed.get(fi.id) for fi in panel_.form_items],
            )
            spread = {int(s.item_id): s for s in rows}
    current = {
        i.form_item.id: (i.round2 if setting.round == 2 else i.round1)
        if not (setting.round == 2 and i.round2 is None)
        else i.round1
        for i in items
    }
    shown = {k: entered.get(k, _percent(v)) for k, v in current.items()}
    rated = sum(1 for v in current.values() if v is not None)
    return render_template(
        "exams/standards/rate.html",
        board=board,
        setting=setting,
        judge=judge,
        items=items,
        form=form,
        errors=errors,
        shown=shown,
        spread=spread,
        bins=HISTOGRAM_BINS,
        rated=rated,
        done=judge.done(setting.round) is not None or setting.status != "open",
        percent=_percent,
    )
