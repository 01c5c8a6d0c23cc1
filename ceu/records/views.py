"""CE records views: the certificant's dashboard, adding CE, evidence, transcript; staff review."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from certify import duties
from certify.models import Credential
from ceu import bp
from ceu.audits.services import open_selections
from ceu.compliance import DELIVERY_MODES, STATUSES, amount_text
from ceu.models import RECORD_SOURCES, ROSTER_OUTCOMES, CeCourse, CeEvidence, CeRecord
from ceu.records import services
from ceu.records.forms import (
    ConfirmForm,
    CourseRecordForm,
    EvidenceForm,
    OtherActivityForm,
    ResubmitForm,
    ReviewForm,
)
from ceu.records.services import CeError, OtherActivity, Upload
from ceu.records.transcript import credential_transcript
from ceu.rules.services import categories_of, settings_of
from ceu.standing import holder_standings
from core.auth import ensure_board_access, roles_required
from core.boards import paginate
from core.extensions import db
from core.models import Board, Role
from core.units import hours, minutes_from_hours
from core.viewhelpers import board_owned_or_404, show_error

STAFF = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)


@bp.app_template_global("ce_amount")
def ce_amount(minutes: int, show_ceus: bool = False, unit: bool = True) -> str:
    return amount_text(minutes or 0, show_ceus, unit)


@bp.app_template_global("ce_percent")
def ce_percent(value: int, goal: int) -> int:
    """A progress bar's width class, in steps of 5 (full when there is no goal)."""
    share = 100 if goal <= 0 else min(100, 100 * value // goal)
    return share // 5 * 5


@bp.record_once
def _ce_words(state: Any) -> None:
    """Words every CE template uses (globals, so that macros see them too)."""
    state.app.jinja_env.globals.update(
        CE_MODES=DELIVERY_MODES,
        CE_STATUSES=STATUSES,
        CE_SOURCES=RECORD_SOURCES,
        CE_ROSTER_OUTCOMES=ROSTER_OUTCOMES,
    )


def _own_record(record_id: int) -> CeRecord:
    record = db.get_or_404(CeRecord, record_id)
    if record.holder_id != current_user.id:
        abort(404)
    return record


def _upload(field: Any) -> Upload | None:
    data = field.data
    if data is None or not getattr(data, "filename", ""):
        return None
    return Upload(data.filename, data.stream)


def _other_choices(form: OtherActivityForm, boards: list[Board]) -> None:
    form.board_id.choices = [(b.id, b.name) for b in boards]
    board_id = form.board_id.data or (boards[0].id if boards else 0)
    form.category_id.choices = [(c.id, c.name) for c in categories_of(db.session, board_id)]


def _other_data(form: OtherActivityForm) -> OtherActivity:
    return OtherActivity(
        title=form.title.data or "",
        provider_name=form.provider_name.data or "",
        completed_on=form.completed_on.data,
        minutes=minutes_from_hours(form.hours.data),
        category_id=form.category_id.data,
        delivery_mode=form.delivery_mode.data,
    )


@bp.route("/me/ce")
@roles_required(Role.TRAINEE)
def my_ce() -> Any:
    today = date.today()
    standings = holder_standings(db.session, current_user.id, today)
    page = paginate(
        db.session,
        services.records_query(current_user.id, status=request.args.get("status", "")),
        request.args.get("page", 1, type=int),
    )
    suggestions = {
        s.credential.id: services.suggestions(
            db.session, s.credential.board_id, s.compliance, today
        )
        for s in standings
    }
    shows = {
        b.id: settings_of(db.session, b.id).show_ceus
        for b in services.holder_boards(db.session, current_user)
    }
    return render_template(
        "ceu/me/dashboard.html",
        standings=standings,
        page=page,
        suggestions=suggestions,
        audits=open_selections(db.session, current_user.id),
        show_ceus=shows,
        status=request.args.get("status", ""),
        today=today,
    )


@bp.route("/me/ce/add", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def add_other() -> Any:
    boards = services.holder_boards(db.session, current_user)
    form = OtherActivityForm()
    _other_choices(form, boards)
    if form.validate_on_submit():
        board = next((b for b in boards if b.id == form.board_id.data), None)
        if board is None:
            abort(404)
        try:
            services.add_other(
                db.session,
                current_user,
                board,
                _other_data(form),
                _upload(form.evidence),
                date.today(),
            )
        except CeError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Sent for review. It counts once the board accepts it.", "success")
            return redirect(url_for("ceu.my_ce"))
    return render_template("ceu/me/add_other.html", form=form, boards=boards)


@bp.route("/me/ce/courses/<int:course_id>", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def add_course(course_id: int) -> Any:
    course = db.get_or_404(CeCourse, course_id)
    if course.status != "approved" or not current_user.has_role(
        Role.TRAINEE, board_id=course.board_id
    ):
        abort(404)
    form = CourseRecordForm()
    if request.method == "GET":
        form.completed_on.data = min(course.ends_on, date.today())
    if form.validate_on_submit():
        try:
            record = services.add_from_course(
                db.session, current_user, course, form.completed_on.data, date.today()
            )
            upload = _upload(form.evidence)
            if upload is not None:
                services.save_evidence(db.session, record, current_user, upload)
        except CeError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"“{course.title}” is on your record and counts now.", "success")
            return redirect(url_for("ceu.my_ce"))
    return render_template("ceu/me/add_course.html", form=form, course=course)


@bp.route("/me/ce/records/<int:record_id>", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def my_record(record_id: int) -> Any:
    record = _own_record(record_id)
    boards = services.holder_boards(db.session, current_user)
    form = ResubmitForm(obj=None if request.method == "POST" else record)
    if request.method == "GET":
        form.board_id.data = record.board_id
        form.hours.data = hours(record.minutes)
        if record.parts:
            form.category_id.data = record.parts[0].category_id
    _other_choices(form, [b for b in boards if b.id == record.board_id])
    if record.source == "other" and record.status != "accepted" and form.validate_on_submit():
        try:
            services.resubmit(
                db.session,
                current_user,
                record,
                _other_data(form),
                _upload(form.evidence),
                date.today(),
            )
        except CeError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Corrected and sent for review again.", "success")
            return redirect(url_for("ceu.my_record", record_id=record.id))
    return render_template(
        "ceu/me/record.html",
        record=record,
        form=form,
        evidence_form=EvidenceForm(),
        withdraw_form=ConfirmForm(),
    )


@bp.route("/me/ce/records/<int:record_id>/evidence", methods=["POST"])
@roles_required(Role.TRAINEE)
def upload_evidence(record_id: int) -> Any:
    record = _own_record(record_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            upload = _upload(form.evidence)
            assert upload is not None
            services.save_evidence(db.session, record, current_user, upload)
        except CeError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash("Certificate uploaded.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
    back = request.form.get("back", type=int)
    if back:  # from an audit page: back to it
        return redirect(url_for("ceu.my_audit", selection_id=back))
    return redirect(url_for("ceu.my_record", record_id=record.id))


@bp.route("/me/ce/records/<int:record_id>/withdraw", methods=["POST"])
@roles_required(Role.TRAINEE)
def withdraw_record(record_id: int) -> Any:
    record = _own_record(record_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.withdraw(db.session, current_user, record)
        except CeError as exc:
            show_error(None, exc)
            return redirect(url_for("ceu.my_record", record_id=record.id))
        db.session.commit()
        flash("The activity was removed.", "success")
    return redirect(url_for("ceu.my_ce"))


@bp.route("/ce/evidence/<int:evidence_id>")
@roles_required(Role.TRAINEE, *STAFF)
def evidence_file(evidence_id: int) -> Any:
    """A certificate, for its owner or the board's staff."""
    evidence = db.get_or_404(CeEvidence, evidence_id)
    record = db.get_or_404(CeRecord, evidence.record_id)
    if record.holder_id != current_user.id:
        ensure_board_access(current_user, evidence.board_id, *STAFF)
    path = services.evidence_path(evidence)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=evidence.content_type, download_name=evidence.original_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/me/ce/transcript/<int:credential_id>.pdf")
@roles_required(Role.TRAINEE, *STAFF)
def transcript(credential_id: int) -> Any:
    """The CE transcript of a credential's cycle (?cycle_end= for an earlier one)."""
    credential = db.get_or_404(Credential, credential_id)
    if credential.holder_id != current_user.id:
        ensure_board_access(current_user, credential.board_id, *STAFF)
    cycle_end = request.args.get("cycle_end", "")
    try:
        day = date.fromisoformat(cycle_end) if cycle_end else None
    except ValueError:
        abort(404)
    pdf = credential_transcript(db.session, credential, date.today(), day)
    if pdf is None:
        abort(404)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename={credential.number}-ce-transcript.pdf",
            "Cache-Control": "private, no-store",
        },
    )


# --- board staff ----------------------------------------------------------------------------


@bp.route("/boards/<int:board_id>/ce/review")
@roles_required(*STAFF)
def review_queue(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    status = request.args.get("status", "pending")
    page = paginate(
        db.session, services.review_query(board.id, status), request.args.get("page", 1, type=int)
    )
    return render_template("ceu/board/review_queue.html", board=board, page=page, status=status)


@bp.route("/boards/<int:board_id>/ce/records/<int:record_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def review_record(board_id: int, record_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    record = board_owned_or_404(CeRecord, record_id, board.id)
    form = ReviewForm()
    if form.validate_on_submit():
        if duties.blocked(current_user, record.holder_id, "review this CE record"):
            pass
        elif not form.confirm.data:
            form.confirm.errors = ["Tick to confirm."]
        else:
            try:
                services.review(
                    db.session, record, current_user, form.decision.data, form.reason.data or ""
                )
            except CeError as exc:
                show_error(form, exc)
            else:
                db.session.commit()
                flash(f"“{record.title}” is {record.status}.", "success")
                return redirect(url_for("ceu.review_queue", board_id=board.id))
    return render_template("ceu/board/review_record.html", board=board, record=record, form=form)
