"""Supervised hours pages: trainees log, supervisors confirm, board reviewers verify supervisors."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from certify import bp, duties
from certify.hours import services, supervisors
from certify.hours.forms import (
    PERFORMANCE_DOMAINS,
    ApproveSupervisorForm,
    ConfirmForm,
    DeclineSupervisorForm,
    HoursEntryForm,
    RejectHoursForm,
    SupervisorProfileForm,
    VerifySupervisorForm,
)
from certify.models import SUPERVISOR_LICENSES, SupervisedHoursEntry, SupervisorProfile
from core.auth import ensure_board_access, roles_required
from core.exports import stream_download
from core.extensions import db, limiter
from core.models import Board, Role, utcnow
from core.units import hours_text
from core.viewhelpers import board_owned_or_404, show_error

STAFF = (Role.BOARD_REVIEWER, Role.BOARD_ADMIN)


@bp.app_context_processor
def _hours_helpers() -> dict[str, Any]:
    """Lazy helpers for the dashboard and board panels and the hours templates."""
    return {
        "hours_waiting": lambda: supervisors.waiting_count(db.session, current_user),
        "hours_summaries": lambda: services.trainee_summaries(db.session, current_user),
        "hours_unverified": lambda board_id: supervisors.unverified_count(db.session, board_id),
        "SUPERVISOR_LICENSES": SUPERVISOR_LICENSES,
    }


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _board_filter() -> int | None:
    return request.args.get("board", type=int) or None


ENTRY_HEADER = ["id", "board", "trainee", "trainee_email", "date", "kind", "hours", "setting",
                "paid", "performance_domain", "notes", "supervisor", "supervisor_email",
                "status", "decision_reason"]  # fmt: skip


# --- trainees ------------------------------------------------------------------------------


@bp.route("/me/hours")
@roles_required(Role.TRAINEE)
def my_hours() -> Any:
    status, sort = request.args.get("status", ""), request.args.get("sort", "date_desc")
    listing = services.trainee_entries(
        db.session, current_user, _board_filter(), status, sort, _page()
    )
    return render_template("certify/hours/mine.html", listing=listing, status=status, sort=sort)


@bp.route("/me/hours.csv")
@roles_required(Role.TRAINEE)
def my_hours_csv() -> Any:
    name, email = current_user.full_name, current_user.email
    found = services.trainee_entry_rows(
        db.session, current_user, _board_filter(), request.args.get("status", "")
    )
    rows = (
        [entry_id, board, name, email, worked_on.isoformat(), kind,
         hours_text(minutes, decimals=1), setting, "paid" if paid else "volunteer", domain or "",
         notes, supervisor, supervisor_email, status, reason or ""]
        for (entry_id, board, worked_on, kind, minutes, setting, paid, domain, notes, supervisor,
             supervisor_email, status, reason) in found
    )  # fmt: skip
    return stream_download(ENTRY_HEADER, rows, "my-supervised-hours.csv")


@bp.route("/me/hours/new", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
# logging hours can invite a supervisor by email: limit it so it cannot be used to send spam
@limiter.limit(lambda: current_app.config["HOURS_RATE_LIMIT"], methods=["POST"])
def new_hours() -> Any:
    today = utcnow().date()
    form = HoursEntryForm(today=today.isoformat())
    boards = services.trainee_summaries(db.session, current_user)
    form.board_id.choices = [(board.id, board.name) for board, _ in boards]
    if request.method == "GET" and len(boards) == 1:
        form.board_id.data = boards[0][0].id
    supervisors = services.past_supervisors(db.session, current_user)
    if request.method == "GET" and supervisors and not form.supervisor_email.data:
        form.supervisor_email.data = supervisors[0][0]  # the one named last, most often the same
    if form.validate_on_submit():
        data = services.EntryInput(
            board_id=form.board_id.data, kind=form.kind.data, worked_on=form.worked_on.data,
            minutes=form.minutes, setting=form.setting.data, paid=form.paid.data == "paid",
            supervisor_email=form.supervisor_email.data,
            supervisor_name=form.supervisor_name.data or "",
            performance_domain=form.performance_domain.data, notes=form.notes.data or "",
        )  # fmt: skip
        try:
            entry = services.log_entry(db.session, current_user, data, today)
        except services.HoursError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            db.session.commit()
            logged = f"Logged {hours_text(entry.minutes, decimals=1)} hours"
            if entry.supervisor.has_role(Role.SUPERVISOR, board_id=entry.board_id):
                flash(f"{logged}; we emailed {entry.supervisor.email} to confirm them.", "success")
            else:
                flash(
                    f"{logged}. {entry.supervisor.full_name} is not a supervisor of this board "
                    "yet: the board checks and approves the supervisors trainees name, and then "
                    "we email them to confirm your hours.",
                    "info",
                )
            return redirect(url_for("certify.my_hours"))
    return render_template(
        "certify/hours/new.html",
        form=form,
        domains=PERFORMANCE_DOMAINS,
        has_boards=bool(boards),
        supervisors=supervisors,
    )


@bp.route("/me/hours/<int:entry_id>/delete", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def delete_hours(entry_id: int) -> Any:
    entry = db.get_or_404(SupervisedHoursEntry, entry_id)
    if entry.trainee_id != current_user.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.delete_entry(db.session, current_user, entry)
        except services.HoursError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash("Entry deleted.", "success")
        return redirect(url_for("certify.my_hours"))
    return render_template("certify/hours/delete.html", entry=entry, form=form)


# --- supervisors ---------------------------------------------------------------------------


def _supervised_entry(entry_id: int) -> SupervisedHoursEntry:
    """The entry when it names the current supervisor; 404 otherwise."""
    entry = db.get_or_404(SupervisedHoursEntry, entry_id)
    if not supervisors.names_supervisor(entry, current_user):
        abort(404)
    return entry


@bp.route("/supervise", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def supervise() -> Any:
    status = request.args.get("status", "")
    listing = supervisors.supervisor_queue(db.session, current_user, status, _page())
    form = SupervisorProfileForm()
    form.board_id.choices = [(b.id, b.name) for b in listing.boards.values()]
    if form.validate_on_submit():
        try:
            supervisors.save_profile(
                db.session, current_user, form.board_id.data, form.license_type.data,
                form.license_number.data, form.license_state.data,
            )  # fmt: skip
        except services.HoursError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            db.session.commit()
            flash("License saved. The board will verify it.", "success")
            return redirect(url_for("certify.supervise"))
    elif request.method == "GET":
        chosen = request.args.get("board", type=int)
        missing = [b for b in listing.boards if (b, current_user.id) not in listing.profiles]
        board_id = (
            chosen if chosen in listing.boards else (missing or list(listing.boards) or [0])[0]
        )
        profile = listing.profiles.get((board_id, current_user.id))
        form.board_id.data = board_id
        if profile:
            form.license_type.data = profile.license_type
            form.license_number.data = profile.license_number
            form.license_state.data = profile.license_state
    return render_template(
        "certify/hours/supervise.html", listing=listing, form=form, status=status
    )


@bp.route("/supervise/entries/<int:entry_id>/confirm", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def confirm_hours(entry_id: int) -> Any:
    return _confirm([_supervised_entry(entry_id)])


@bp.route("/supervise/confirm", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def bulk_confirm_hours() -> Any:
    ids = request.form.getlist("entry_ids", type=int)
    if not ids:
        flash("Select the entries to confirm first.", "warning")
        return redirect(url_for("certify.supervise"))
    return _confirm([_supervised_entry(i) for i in dict.fromkeys(ids)])


def _confirm(entries: list[SupervisedHoursEntry]) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        count = supervisors.confirm_entries(db.session, current_user, entries)
    except services.HoursError as exc:
        show_error(None, exc)
    else:
        db.session.commit()
        plural = count != 1
        flash(
            f"Confirmed {count} entr{'ies' if plural else 'y'};"
            f" we emailed the trainee{'s' if plural else ''}.",
            "success",
        )
    return redirect(url_for("certify.supervise"))


@bp.route("/supervise/entries/<int:entry_id>/reject", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def reject_hours(entry_id: int) -> Any:
    entry = _supervised_entry(entry_id)
    form = RejectHoursForm()
    if form.validate_on_submit():
        try:
            supervisors.reject_entry(db.session, current_user, entry, form.reason.data)
        except services.HoursError as exc:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(exc)]
        else:
            db.session.commit()
            flash("Entry rejected; the trainee is emailed your reason.", "success")
            return redirect(url_for("certify.supervise"))
    return render_template("certify/hours/reject.html", entry=entry, form=form)


# --- board reviewers -----------------------------------------------------------------------


def _staff_board(board_id: int) -> Board:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    return board


@bp.route("/boards/<int:board_id>/supervisors")
@roles_required(*STAFF)
def board_supervisors(board_id: int) -> Any:
    board = _staff_board(board_id)
    status = request.args.get("status", "")
    page = supervisors.board_supervisors(db.session, board.id, status, _page())
    return render_template(
        "certify/hours/supervisors.html",
        board=board,
        page=page,
        status=status,
        pending=supervisors.pending_supervisors(db.session, board.id),
        approve_form=ApproveSupervisorForm(formdata=None),
    )


def _nominee(board: Board, user_id: int) -> Any:
    """A person named as supervisor on a pending entry of the board (404 otherwise)."""
    found = next(
        (r for r in supervisors.pending_supervisors(db.session, board.id) if r.user.id == user_id),
        None,
    )
    if found is None:
        abort(404)
    return found


@bp.route("/boards/<int:board_id>/supervisors/pending/<int:user_id>/approve", methods=["POST"])
@roles_required(*STAFF)
def approve_supervisor(board_id: int, user_id: int) -> Any:
    board = _staff_board(board_id)
    nominee = _nominee(board, user_id).user
    back = redirect(url_for("certify.board_supervisors", board_id=board.id))
    if not ApproveSupervisorForm().validate_on_submit() or duties.blocked(
        current_user, nominee.id, "approve yourself as a supervisor"
    ):
        return back
    try:
        waiting = supervisors.approve_supervisor(db.session, current_user, board, nominee)
    except services.HoursError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return back
    db.session.commit()
    flash(
        f"{nominee.full_name} is a supervisor of {board.name} now and was emailed: "
        f"{waiting} entr{'y waits' if waiting == 1 else 'ies wait'} for them. Their hours count "
        "once you verify their license.",
        "success",
    )
    return back


@bp.route(
    "/boards/<int:board_id>/supervisors/pending/<int:user_id>/decline", methods=["GET", "POST"]
)
@roles_required(*STAFF)
def decline_supervisor(board_id: int, user_id: int) -> Any:
    board = _staff_board(board_id)
    row = _nominee(board, user_id)
    form = DeclineSupervisorForm()
    if form.validate_on_submit():
        try:
            count = supervisors.decline_supervisor(
                db.session, current_user, board, row.user, form.reason.data
            )
        except services.HoursError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(
                f"{row.user.full_name} was not approved; {count} pending entr"
                f"{'y was' if count == 1 else 'ies were'} rejected and the trainees told why.",
                "success",
            )
            return redirect(url_for("certify.board_supervisors", board_id=board.id))
    return render_template(
        "certify/hours/decline_supervisor.html", board=board, row=row, form=form
    ), (400 if request.method == "POST" else 200)


@bp.route("/boards/<int:board_id>/supervisors.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/boards/<int:board_id>/supervisors.csv", defaults={"fmt": "csv"})
@roles_required(*STAFF)
def board_supervisors_csv(board_id: int, fmt: str) -> Any:
    board = _staff_board(board_id)
    rows = (
        [name, email, kind or "", number or "", state or "",
         verified.date().isoformat() if verified else "", pending, confirmed]
        for name, email, kind, number, state, verified, pending, confirmed
        in supervisors.board_supervisor_rows(db.session, board.id, request.args.get("status", ""))
    )  # fmt: skip
    header = ["name", "email", "license_type", "license_number", "license_state", "verified_on",
              "pending_entries", "confirmed_entries"]  # fmt: skip
    return stream_download(header, rows, f"{board.slug}-supervisors.csv", fmt)


@bp.route("/boards/<int:board_id>/supervisors/<int:profile_id>/verify", methods=["GET", "POST"])
@roles_required(*STAFF)
def verify_supervisor(board_id: int, profile_id: int) -> Any:
    board = _staff_board(board_id)
    profile = board_owned_or_404(SupervisorProfile, profile_id, board.id)
    form = VerifySupervisorForm()
    if form.validate_on_submit() and duties.blocked(
        current_user, profile.user_id, "verify this supervisor's license"
    ):
        return redirect(url_for("certify.board_supervisors", board_id=board.id))
    if form.validate_on_submit():
        try:
            supervisors.verify_supervisor(db.session, current_user, profile, form.note.data or "")
        except services.HoursError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash(f"{profile.user.full_name} is verified.", "success")
        return redirect(url_for("certify.board_supervisors", board_id=board.id))
    return render_template("certify/hours/verify.html", board=board, profile=profile, form=form)


def _entry_filters() -> dict[str, Any]:
    return {
        "status": request.args.get("status", ""),
        "supervisor_id": request.args.get("supervisor", type=int),
        "trainee": request.args.get("trainee", ""),
    }


@bp.route("/boards/<int:board_id>/hours")
@roles_required(*STAFF)
def board_hours(board_id: int) -> Any:
    board = _staff_board(board_id)
    listing = supervisors.board_entries(
        db.session, board.id, **_entry_filters(),
        older=request.args.get("older"), newer=request.args.get("newer"),
    )  # fmt: skip
    return render_template("certify/hours/board.html", board=board, listing=listing)


def _export_row(row: Any) -> list[Any]:
    """One streamed entry (see supervisors.board_entry_rows) as the export shows it."""
    (entry_id, board_name, trainee, trainee_email, worked_on, kind, minutes, setting, paid,
     domain, notes, supervisor, supervisor_email, status, reason, verified) = row  # fmt: skip
    return [
        entry_id, board_name, trainee, trainee_email, worked_on.isoformat(), kind,
        hours_text(minutes, decimals=1), setting, "paid" if paid else "volunteer", domain or "",
        notes, supervisor, supervisor_email, status, reason or "", "yes" if verified else "no",
    ]  # fmt: skip


@bp.route("/boards/<int:board_id>/hours.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/boards/<int:board_id>/hours.csv", defaults={"fmt": "csv"})
@roles_required(*STAFF)
def board_hours_csv(board_id: int, fmt: str) -> Any:
    board = _staff_board(board_id)
    found = supervisors.board_entry_rows(db.session, board.id, **_entry_filters())
    header = [*ENTRY_HEADER, "supervisor_verified"]
    return stream_download(
        header, map(_export_row, found), f"{board.slug}-supervised-hours.csv", fmt
    )
