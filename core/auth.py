"""Login, logout, registration, activation and password reset; role checks for every module."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from core import accounts
from core.boards import all_boards
from core.extensions import db, limiter, login_manager
from core.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResendActivationForm,
    SetPasswordForm,
)
from core.models import Board, Role, User
from core.viewhelpers import show_error

bp = Blueprint("auth", __name__)


def _claim_of(session_id: object) -> tuple[int, int] | None:
    """(person id, session version) from a session's "id:version"; None for anything else."""
    if not isinstance(session_id, str):
        return None
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdecimal() and version.isdecimal()):
        return None  # a session from before versions, or a forged one
    return int(user_id), int(version)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The person of a session, while its session version is still theirs ("id:version")."""
    claim = _claim_of(session_id)
    if claim is None:
        return None
    user = db.session.get(User, claim[0])
    if user is None or user.session_version != claim[1]:
        return None
    return user


def session_claim() -> tuple[int, int] | None:
    """The (person id, session version) this request's session names, not yet checked.

    For an endpoint that answers many times a second (an exam answer save) and checks the
    person in its own SQL statement instead of loading them: that statement must require
    user_account.session_version to equal the version, as load_user does, and change
    nothing otherwise. The idle and age limits (_end_stale_session) have run already;
    session protection is Flask-Login's "basic", which only marks a session not fresh.
    """
    return _claim_of(session.get("_user_id"))


def _start_session(user: User) -> None:
    login_user(user)
    session["login_at"] = session["seen_at"] = int(time.time())


@bp.before_app_request
def _end_stale_session() -> None:
    """Log out a session idle for SESSION_IDLE_MINUTES or older than SESSION_MAX_HOURS."""
    if "_user_id" not in session:
        return
    now, config = int(time.time()), current_app.config
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if (
        not isinstance(login_at, int)
        or not isinstance(seen_at, int)
        or now - seen_at > config["SESSION_IDLE_MINUTES"] * 60
        or now - login_at > config["SESSION_MAX_HOURS"] * 3600
    ):
        logout_user()
        session.pop("login_at", None)
        session.pop("seen_at", None)
        flash("Your session has ended. Please log in again.", "info")
    elif now - seen_at >= 60:  # a minute's precision spares a new cookie on every request
        session["seen_at"] = now


def roles_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a view run only for people holding one of roles (anywhere; boards are checked after)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not (current_user.is_platform_admin or current_user.has_role(*roles)):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # type: ignore[attr-defined]  # read by core.permissions
        return wrapped

    return decorator


def ensure_board_access(user: User, board_id: int | None, *roles: Role) -> None:
    """404 unless user holds one of roles on that board (platform admins pass)."""
    if user.is_platform_admin:
        return
    if board_id is None or not user.has_role(*roles, board_id=board_id):
        abort(404)


def _safe_next(target: str | None) -> str:
    """The path to go to after login when `target` is a path on this site; else the dashboard.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
    "/\\t/evil.example" and "/\\\\evil.example" lead to another host: any such character
    (and any control or space character) disqualifies the target outright.
    """
    fallback = url_for("core.dashboard")
    if not target or any(ch.isspace() or ord(ch) < 32 or ch in "\\\x7f" for ch in target):
        return fallback
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc or not target.startswith("/"):
        return fallback
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        result = accounts.authenticate(
            db.session, form.email.data, form.password.data, request.remote_addr
        )
        db.session.commit()
        if result.user is None:
            flash(result.message or "Login failed.", "danger")
        else:
            _start_session(result.user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if current_user.is_authenticated:
        accounts.logout(db.session, current_user)
        db.session.commit()
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"], methods=["POST"])
def register() -> Any:
    form = RegisterForm()
    boards = all_boards(db.session)
    form.board_id.choices = [(0, "— choose a board —")] + [(b.id, b.name) for b in boards]
    if form.validate_on_submit():
        role = Role(form.account_type.data)
        board = db.session.get(Board, form.board_id.data) if form.board_id.data else None
        try:
            accounts.register(
                db.session, form.email.data, form.full_name.data, form.password.data, role, board
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            field = form.board_id if "board" in str(exc) else form.email
            field.errors = [*field.errors, str(exc)]
        else:
            db.session.commit()
            # the same words whether or not the email already had an account
            flash("Thank you. We emailed you a link: open it to continue.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


def _link_problem(exc: Exception, again: str) -> Any:
    """The one page for a link that cannot be used: its reason, said once, and a new link."""
    db.session.rollback()
    return render_template("auth/token_problem.html", message=str(exc), again=again), 400


@bp.route("/activate/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"])
def activate(token: str) -> Any:
    """The emailed activation link: checked before anything is shown; one click for an account
    that chose its password at registration, the password form for an invited one."""
    again = url_for("auth.resend_activation")
    try:
        user = accounts.check_token(db.session, token, "activation")
    except accounts.AccountError as exc:
        return _link_problem(exc, again)
    if user.password_hash:
        accounts.activate(db.session, token)
        db.session.commit()
        flash("Your account is active. Log in with the password you chose.", "success")
        return redirect(url_for("auth.login"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.activate(db.session, token, form.password.data)
        except accounts.AccountError as exc:
            return _link_problem(exc, again)
        db.session.commit()
        _start_session(user)
        flash("Your account is active. Welcome!", "success")
        return redirect(url_for("core.dashboard"))
    return render_template("auth/set_password.html", form=form, title="Activate your account")


@bp.route("/activate", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"], methods=["POST"])
def resend_activation() -> Any:
    """Ask for a new activation link (the first expired, was used up or never arrived)."""
    form = ResendActivationForm()
    if form.validate_on_submit():
        accounts.resend_activation(db.session, form.email.data)
        db.session.commit()
        flash(
            "If that email has an account that is not activated yet, a new activation link is "
            "on its way.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/resend_activation.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"], methods=["POST"])
def forgot_password() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(db.session, form.email.data)
        db.session.commit()
        flash(
            "If an account exists for that email, a link is on its way: a reset link, or a new "
            "activation link for an account not activated yet.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"])
def reset_password(token: str) -> Any:
    again = url_for("auth.forgot_password")
    try:  # the link is checked before the form is shown
        accounts.check_token(db.session, token, "password_reset")
    except accounts.AccountError as exc:
        return _link_problem(exc, again)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(db.session, token, form.password.data)
        except accounts.AccountError as exc:
            return _link_problem(exc, again)
        db.session.commit()
        flash("Password changed. Log in with the new one.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, title="Choose a new password")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                db.session, current_user, form.current.data, form.password.data
            )
        except accounts.AccountError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            _start_session(current_user._get_current_object())  # this one goes on; others end
            flash("Password changed. You were signed out everywhere else.", "success")
            return redirect(url_for("core.dashboard"))
    return render_template("auth/change_password.html", form=form)
