"""Landing page, role dashboards and the board pages (staff, audit log)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core import accounts, audit_text, boards, modules, setup
from core.auth import bp as auth_bp
from core.auth import ensure_board_access, roles_required
from core.exports import stream_download, stream_rows
from core.extensions import db, limiter
from core.forms import BoardForm, InviteStaffForm
from core.models import AuditEvent, Board, Role, User
from core.modules import NavEntry, Workspace
from core.text import plural
from core.units import hours_text

bp = Blueprint(
    "core",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/core-static",
)


def init_app(app: Flask) -> None:
    """Core's own pages and the navigation entries of its board pages."""
    app.register_blueprint(bp)
    app.register_blueprint(auth_bp)
    app.add_template_filter(hours_text, "hours")  # {{ minutes|hours }}, {{ minutes|hours(1) }}
    app.add_template_filter(audit_text.words, "code_words")  # {{ 'in_review'|code_words }}
    app.add_template_filter(audit_text.change_lines, "change_lines")
    app.add_template_filter(plural, "plural")  # {{ n|plural('entry', 'entries') }}
    app.add_template_global(modules.record_link, "record_link")
    board_staff = frozenset({Role.BOARD_ADMIN, Role.BOARD_REVIEWER, Role.PSYCHOMETRICIAN})
    admin = frozenset({Role.BOARD_ADMIN})
    platform = frozenset({Role.PLATFORM_ADMIN})
    modules.add_workspace(app, Workspace("platform", "Platform", platform, "core.dashboard", 0))
    modules.add_nav(
        app,
        NavEntry("Overview", "core.board", board_staff, per_board=True, order=0),
        # Staff and the audit log close every board's list, after the modules' entries
        NavEntry("Staff", "core.staff", admin, per_board=True, order=900),
        NavEntry("Audit log", "core.audit_log", admin, per_board=True, order=910),
    )
    modules.add_public(
        app,
        "static",
        "bootstrap.static",
        "core.static",
        "core.index",
        "auth.login",
        "auth.logout",
        "auth.register",
        "auth.activate",
        "auth.resend_activation",
        "auth.forgot_password",
        "auth.reset_password",
        "core.healthz",
    )


@bp.route("/healthz")
@limiter.exempt
def healthz() -> Any:
    """For load balancers and monitoring: 200 when the database answers, 503 when not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.error("health check: database unavailable (%s)", type(exc).__name__)
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.route("/")
def index() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    return render_template("core/index.html")


@bp.route("/dashboard")
@login_required
def dashboard() -> Any:
    held = {Role(a.role) for a in current_user.roles}
    panels = [
        (panel.template, panel.facts(db.session, current_user) if panel.facts else {})
        for panel in modules.registry().dashboard_panels_for(held)
    ]
    return render_template(
        "core/dashboard.html",
        held=sorted(held, key=list(Role).index),
        panels=panels,
        my_boards=boards.boards_for(db.session, current_user),
    )


@bp.route("/boards/new", methods=["GET", "POST"])
@roles_required(Role.PLATFORM_ADMIN)
def new_board() -> Any:
    form = BoardForm()
    if form.validate_on_submit():
        try:
            board, created = setup.create_board(
                db.session,
                current_user,
                form.slug.data,
                form.name.data,
                form.jurisdiction.data,
                form.contact_email.data,
            )
        except setup.SetupError as exc:
            form.slug.errors = [*form.slug.errors, str(exc)]
        else:
            if created:
                db.session.commit()
                flash(f"{board.name} is ready. Invite its first board administrator.", "success")
                return redirect(url_for("core.staff", board_id=board.id))
            form.slug.errors = [
                *form.slug.errors,
                f"A board with the short name {board.slug} already exists ({board.name}).",
            ]
    return render_template("core/board_new.html", form=form)


@bp.route("/boards/<int:board_id>")
@roles_required(Role.BOARD_ADMIN, Role.BOARD_REVIEWER, Role.PSYCHOMETRICIAN)
def board(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(
        current_user, board.id, Role.BOARD_ADMIN, Role.BOARD_REVIEWER, Role.PSYCHOMETRICIAN
    )
    return render_template(
        "core/board.html", board=board, board_panels=modules.registry().board_templates()
    )


@bp.route("/boards/<int:board_id>/staff", methods=["GET", "POST"])
@roles_required(Role.BOARD_ADMIN)
def staff(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, Role.BOARD_ADMIN)
    form = InviteStaffForm()
    if form.validate_on_submit():
        try:
            accounts.invite_staff(
                db.session,
                current_user,
                board,
                form.email.data,
                form.full_name.data,
                Role(form.role.data),
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            form.role.errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"Invitation sent to {form.email.data}.", "success")
            return redirect(url_for("core.staff", board_id=board.id))
    page = boards.staff_page(
        db.session, board, request.args.get("older"), request.args.get("newer")
    )
    return render_template("core/staff.html", board=board, form=form, page=page)


@bp.route("/boards/<int:board_id>/staff/<int:user_id>/sign-out", methods=["POST"])
@roles_required(Role.BOARD_ADMIN)
def sign_out_everywhere(board_id: int, user_id: int) -> Any:
    """End every session of one of the board's people (a lost laptop, a person leaving)."""
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, Role.BOARD_ADMIN)
    person = db.get_or_404(User, user_id)
    try:
        accounts.sign_out_everywhere(db.session, current_user, person, board)
    except accounts.AccountError:
        abort(404)
    db.session.commit()
    flash(f"{person.full_name} is signed out everywhere.", "success")
    return redirect(url_for("core.staff", board_id=board.id))


def _date_arg(name: str) -> date | None:
    value = request.args.get(name, "")
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        flash(
            f"'{value}' is not a date (use YYYY-MM-DD); the {name} filter was ignored.", "warning"
        )
        return None


def _audit_filters() -> tuple[str, str, date | None, date | None]:
    """The audit log's filters; an inverted date range is refused with a message."""
    action = request.args.get("action", "").strip()
    actor = request.args.get("actor", "").strip()
    since, until = _date_arg("since"), _date_arg("until")
    if since and until and since > until:
        flash(
            f"'From' ({since.isoformat()}) is after 'To' ({until.isoformat()}); "
            "the date filters were ignored.",
            "warning",
        )
        since = until = None
    return action, actor, since, until


AUDIT_HEADER = ("When (UTC)", "Who", "What", "Record", "Change", "Action code")


@bp.route("/boards/<int:board_id>/audit.<any(csv, xlsx):fmt>")
@roles_required(Role.BOARD_ADMIN)
def audit_export(board_id: int, fmt: str) -> Any:
    """The filtered audit log as a file, streamed as it is read."""
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, Role.BOARD_ADMIN)
    action, actor, since, until = _audit_filters()
    query = boards.audit_query(board, action, actor, since, until).order_by(AuditEvent.id)
    rows = (
        (
            event.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            event.actor.email if event.actor else "system",
            audit_text.words(event.action),
            f"{event.entity_type} {event.entity_id or ''}".strip(),
            "; ".join(audit_text.change_lines(event.before, event.after)),
            event.action,
        )
        for (event,) in stream_rows(db.session, query)
    )
    return stream_download(AUDIT_HEADER, rows, f"audit-{board.slug}.csv", fmt)


@bp.route("/boards/<int:board_id>/audit")
@roles_required(Role.BOARD_ADMIN)
def audit_log(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, Role.BOARD_ADMIN)
    action, actor, since, until = _audit_filters()
    filters = {"action": action, "actor": actor, "since": since, "until": until}
    page = boards.audit_page(
        db.session,
        board,
        request.args.get("older"),
        request.args.get("newer"),
        action=action,
        actor=actor,
        since=since,
        until=until,
    )
    return render_template("core/audit.html", board=board, page=page, filters=filters)
