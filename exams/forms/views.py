"""Exam forms' pages, for the board's exam managers: list, assemble, report, pretest, publish."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.extensions import db
from core.viewhelpers import show_error
from exams.access import MANAGERS, exam_board, exam_roles, managed_form
from exams.assembly import AssemblyError
from exams.bank.services import BankError, exam_types
from exams.bank.views import seed_default
from exams.forms import services
from exams.web import bp


class AssembleForm(FlaskForm):
    credential_type = SelectField("Credential type", coerce=int, validators=[InputRequired()])
    name = StringField("Form name", validators=[DataRequired(), Length(max=120)])
    seed = IntegerField("Seed", validators=[InputRequired(), NumberRange(min=0, max=2**31 - 1)])
    overlap_forms = SelectMultipleField("Limit overlap with these forms", coerce=int)
    max_overlap = IntegerField(
        "Most items shared with each of them", validators=[Optional(), NumberRange(min=0)]
    )


class PretestForm(FlaskForm):
    code = StringField("Item code", validators=[DataRequired(), Length(max=40)])


class PublishForm(FlaskForm):
    confirm = BooleanField("I understand that a published form never changes")


class ActionForm(FlaskForm):
    """A button that only carries the CSRF token."""


@bp.route("/boards/<int:board_id>/exams/forms")
@exam_roles(*MANAGERS)
def forms(board_id: int) -> Any:
    board = exam_board(board_id, *MANAGERS)
    return render_template(
        "exams/forms/list.html", board=board, forms=services.forms_of(db.session, board.id)
    )


@bp.route("/boards/<int:board_id>/exams/forms/new", methods=["GET", "POST"])
@exam_roles(*MANAGERS)
def new_form(board_id: int) -> Any:
    board = exam_board(board_id, *MANAGERS)
    types = [t for t in exam_types(db.session, board.id) if t.blueprint is not None]
    form = AssembleForm()
    form.credential_type.choices = [(t.credential_type.id, t.credential_type.name) for t in types]
    form.overlap_forms.choices = [
        (f.id, f.name) for f, _, _ in services.forms_of(db.session, board.id)
    ]
    if not form.is_submitted():
        form.seed.data = seed_default()
    if form.validate_on_submit():
        try:
            built = services.build_form(
                db.session,
                current_user,
                board.id,
                form.credential_type.data,
                form.name.data or "",
                form.seed.data or 0,
                form.overlap_forms.data or [],
                form.max_overlap.data,
            )
        except (BankError, AssemblyError) as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"{built.name} assembled. Check the report before publishing.", "success")
            return redirect(url_for("exams.form_detail", board_id=board.id, form_id=built.id))
    return render_template("exams/forms/new.html", board=board, form=form, types=types)


@bp.route("/boards/<int:board_id>/exams/forms/<int:form_id>")
@exam_roles(*MANAGERS)
def form_detail(board_id: int, form_id: int) -> Any:
    board = exam_board(board_id, *MANAGERS)
    found = managed_form(form_id, board.id)
    return render_template(
        "exams/forms/detail.html",
        board=board,
        form=found,
        rows=services.form_items(db.session, found),
        report=found.report,
        pretest_form=PretestForm(),
        publish_form=PublishForm(),
        action_form=ActionForm(),
    )


@bp.route("/boards/<int:board_id>/exams/forms/<int:form_id>/pretest", methods=["POST"])
@exam_roles(*MANAGERS)
def add_pretest(board_id: int, form_id: int) -> Any:
    board = exam_board(board_id, *MANAGERS)
    found = managed_form(form_id, board.id)
    form = PretestForm()
    if form.validate_on_submit():
        try:
            item = services.add_pretest(db.session, current_user, found, form.code.data or "")
        except BankError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"{item.code} added as an unscored pretest item.", "success")
    return redirect(url_for("exams.form_detail", board_id=board.id, form_id=found.id))


@bp.route(
    "/boards/<int:board_id>/exams/forms/<int:form_id>/pretest/<int:item_id>/remove",
    methods=["POST"],
)
@exam_roles(*MANAGERS)
def remove_pretest(board_id: int, form_id: int, item_id: int) -> Any:
    board = exam_board(board_id, *MANAGERS)
    found = managed_form(form_id, board.id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.remove_pretest(db.session, current_user, found, item_id)
    except BankError as exc:
        show_error(None, exc)
    else:
        db.session.commit()
        flash("Pretest item removed.", "success")
    return redirect(url_for("exams.form_detail", board_id=board.id, form_id=found.id))


@bp.route("/boards/<int:board_id>/exams/forms/<int:form_id>/publish", methods=["POST"])
@exam_roles(*MANAGERS)
def publish_form(board_id: int, form_id: int) -> Any:
    board = exam_board(board_id, *MANAGERS)
    found = managed_form(form_id, board.id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            services.publish(db.session, current_user, found, bool(form.confirm.data))
        except BankError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"{found.name} is published and frozen.", "success")
    return redirect(url_for("exams.form_detail", board_id=board.id, form_id=found.id))


@bp.route("/boards/<int:board_id>/exams/forms/<int:form_id>/delete", methods=["POST"])
@exam_roles(*MANAGERS)
def delete_form(board_id: int, form_id: int) -> Any:
    board = exam_board(board_id, *MANAGERS)
    found = managed_form(form_id, board.id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_draft(db.session, current_user, found)
    except BankError as exc:
        show_error(None, exc)
        return redirect(url_for("exams.form_detail", board_id=board.id, form_id=found.id))
    db.session.commit()
    flash("Draft form deleted.", "success")
    return redirect(url_for("exams.forms", board_id=board.id))
