"""Board configuration views: credential types, their requirement rules, endorsements and the
office policy."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from certify import bp, duties
from certify.config.forms import (
    SUD_LICENSE_HELP,
    CredentialTypeForm,
    EndorsementForm,
    OfficePolicyForm,
    RemoveEndorsementForm,
    ReopenCredentialTypeForm,
    RetireCredentialTypeForm,
)
from certify.config.services import (
    BoardConfigError,
    add_endorsement,
    credentials_with_endorsement,
    remove_endorsement,
    reopen_credential_type,
    retire_credential_type,
    save_credential_type,
)
from certify.config.services import credential_types as list_credential_types
from certify.config.services import describe_requirements as describe
from certify.config.services import endorsements as list_endorsements
from certify.models import CredentialType, Endorsement
from core.auth import ensure_board_access, roles_required
from core.exports import stream_download
from core.extensions import db
from core.models import Board, Role
from core.viewhelpers import board_owned_or_404


@bp.app_template_global()
def board_credential_types(board_id: int) -> list[CredentialType]:
    """The board's credential types, for the board overview panel."""
    return list_credential_types(db.session, board_id)


@bp.app_template_global()
def describe_requirements(req: Any, cycle_months: int | None = None) -> list[str]:
    """Plain-language requirement lines, for any template that shows a board's rules."""
    return describe(req, cycle_months)


def _admin_board(board_id: int) -> Board:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, Role.BOARD_ADMIN)
    return board


@bp.route("/boards/<int:board_id>/config/")
@bp.route("/boards/<int:board_id>/config/credential-types")
@roles_required(Role.BOARD_ADMIN)
def config_credential_types(board_id: int) -> Any:
    board = _admin_board(board_id)
    types = list_credential_types(db.session, board.id)
    return render_template(
        "certify/config/credential_types.html",
        board=board,
        types=types,
        reopen_form=ReopenCredentialTypeForm(formdata=None),
    )


@bp.route(
    "/boards/<int:board_id>/config/credential-types/<int:type_id>/retire", methods=["GET", "POST"]
)
@roles_required(Role.BOARD_ADMIN)
def config_credential_type_retire(board_id: int, type_id: int) -> Any:
    board = _admin_board(board_id)
    ctype = board_owned_or_404(CredentialType, type_id, board.id)
    form = RetireCredentialTypeForm()
    if form.validate_on_submit():
        try:
            retire_credential_type(db.session, current_user, ctype, date.today(), form.reason.data)
        except BoardConfigError as exc:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, exc.message]
        else:
            db.session.commit()
            flash(
                f"{ctype.code} is retired: its holders keep their credentials; nobody can apply "
                "for it any more.",
                "success",
            )
            return redirect(url_for("certify.config_credential_types", board_id=board.id))
    return render_template(
        "certify/config/credential_type_retire.html", board=board, ctype=ctype, form=form
    ), (400 if form.errors else 200)


@bp.route("/boards/<int:board_id>/config/credential-types/<int:type_id>/reopen", methods=["POST"])
@roles_required(Role.BOARD_ADMIN)
def config_credential_type_reopen(board_id: int, type_id: int) -> Any:
    board = _admin_board(board_id)
    ctype = board_owned_or_404(CredentialType, type_id, board.id)
    if ReopenCredentialTypeForm().validate_on_submit():
        try:
            reopen_credential_type(db.session, current_user, ctype)
        except BoardConfigError as exc:
            db.session.rollback()
            flash(exc.message, "warning")
        else:
            db.session.commit()
            flash(f"{ctype.code} takes applications again.", "success")
    return redirect(url_for("certify.config_credential_types", board_id=board.id))


@bp.route("/boards/<int:board_id>/config/credential-types.csv")
@roles_required(Role.BOARD_ADMIN)
def config_credential_types_csv(board_id: int) -> Any:
    board = _admin_board(board_id)
    header = ["code", "name", "level", "substance_use", "cycle_months", "requirements"]
    rows = (
        [
            ctype.code,
            ctype.name,
            ctype.level,
            "yes" if ctype.substance_use else "no",
            ctype.cycle_months,
            " · ".join(describe(ctype.requirements or {}, ctype.cycle_months)),
        ]
        for ctype in list_credential_types(db.session, board.id)
    )
    return stream_download(header, rows, f"{board.slug}-credential-rules.csv")


def _save(board: Board, form: CredentialTypeForm, ctype: CredentialType | None) -> Any:
    """Store a valid form through the service, or put the service's message on the form."""
    try:
        saved, changed = save_credential_type(
            db.session,
            current_user,
            board,
            form.type_fields(),
            form.rules(),
            ctype,
            confirm_no_requirements=form.confirm_no_requirements.data,
        )
    except BoardConfigError as exc:
        db.session.rollback()
        form.add_error(exc.field, exc.message)
        return None
    db.session.commit()
    if ctype is None:
        flash(f"Credential type {saved.code} created.", "success")
    elif changed:
        flash(
            f"Rules of {saved.code} saved. Applications already submitted keep the rules "
            "they were checked against.",
            "success",
        )
    else:
        flash(f"Nothing changed in {saved.code}.", "info")
    return redirect(url_for("certify.config_credential_types", board_id=board.id))


def _render_form(board: Board, form: CredentialTypeForm, ctype: CredentialType | None) -> Any:
    form.pad_categories()
    return render_template(
        "certify/config/credential_type_form.html",
        board=board,
        form=form,
        ctype=ctype,
        sud_help=SUD_LICENSE_HELP,
    )


@bp.route("/boards/<int:board_id>/config/credential-types/new", methods=["GET", "POST"])
@roles_required(Role.BOARD_ADMIN)
def config_credential_type_new(board_id: int) -> Any:
    board = _admin_board(board_id)
    form = CredentialTypeForm()
    if form.validate_on_submit():
        done = _save(board, form, None)
        if done is not None:
            return done
    return _render_form(board, form, None)


@bp.route(
    "/boards/<int:board_id>/config/credential-types/<int:type_id>/edit", methods=["GET", "POST"]
)
@roles_required(Role.BOARD_ADMIN)
def config_credential_type_edit(board_id: int, type_id: int) -> Any:
    board = _admin_board(board_id)
    ctype = board_owned_or_404(CredentialType, type_id, board.id)
    form = CredentialTypeForm(data=CredentialTypeForm.initial_data(ctype))
    if form.validate_on_submit():
        done = _save(board, form, ctype)
        if done is not None:
            return done
    return _render_form(board, form, ctype)


@bp.route("/boards/<int:board_id>/config/endorsements", methods=["GET", "POST"])
@roles_required(Role.BOARD_ADMIN)
def config_endorsements(board_id: int) -> Any:
    board = _admin_board(board_id)
    form = EndorsementForm()
    if form.validate_on_submit():
        try:
            add_endorsement(
                db.session, current_user, board, form.code.data, form.name.data,
                bool(form.enhanced.data),
            )  # fmt: skip
        except BoardConfigError as exc:
            db.session.rollback()
            form.code.errors = [*form.code.errors, exc.message]
        else:
            db.session.commit()
            flash(f"Endorsement {form.code.data} added.", "success")
            return redirect(url_for("certify.config_endorsements", board_id=board.id))
    items = list_endorsements(db.session, board.id)
    return render_template(
        "certify/config/endorsements.html", board=board, form=form, endorsements=items
    )


@bp.route(
    "/boards/<int:board_id>/config/endorsements/<int:endorsement_id>/remove",
    methods=["GET", "POST"],
)
@roles_required(Role.BOARD_ADMIN)
def config_endorsement_remove(board_id: int, endorsement_id: int) -> Any:
    board = _admin_board(board_id)
    endorsement = board_owned_or_404(Endorsement, endorsement_id, board.id)
    form = RemoveEndorsementForm()
    if form.validate_on_submit():
        code = endorsement.code
        try:
            remove_endorsement(db.session, current_user, endorsement, form.reason.data)
        except BoardConfigError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("certify.config_endorsements", board_id=board.id))
        db.session.commit()
        flash(f"Endorsement {code} removed.", "success")
        return redirect(url_for("certify.config_endorsements", board_id=board.id))
    in_use = credentials_with_endorsement(db.session, endorsement)
    return render_template(
        "certify/config/endorsement_remove.html",
        board=board,
        endorsement=endorsement,
        form=form,
        in_use=in_use,
    )


@bp.route("/boards/<int:board_id>/config/office-policy", methods=["GET", "POST"])
@roles_required(Role.BOARD_ADMIN)
def config_office_policy(board_id: int) -> Any:
    board = _admin_board(board_id)
    forced = duties.forced_by_deployment(board)
    form = OfficePolicyForm(data={"four_eyes": duties.four_eyes(db.session, board)})
    if form.validate_on_submit():
        if duties.set_four_eyes(db.session, current_user, board, bool(form.four_eyes.data)):
            db.session.commit()
            flash("Office policy saved.", "success")
        else:
            flash("Nothing changed.", "info")
        return redirect(url_for("certify.config_office_policy", board_id=board.id))
    return render_template(
        "certify/config/office_policy.html", board=board, form=form, forced=forced
    )
