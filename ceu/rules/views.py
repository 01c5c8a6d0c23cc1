"""CE rules views: the board's rules page (categories, settings, rule versions) and editing."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from certify.models import CredentialType
from ceu import bp
from ceu.compliance import RULE_TEXT
from ceu.models import CeCategory, CeRuleVersion
from ceu.rules import services
from ceu.rules.forms import (
    MODE_SCOPES,
    CategoryForm,
    ConfirmForm,
    RuleVersionForm,
    SettingsForm,
)
from ceu.rules.services import CapInput, CeRulesError, RuleInput
from core.auth import ensure_board_access, roles_required
from core.extensions import db
from core.models import Board, Role
from core.units import hours, minutes_from_hours
from core.viewhelpers import board_owned_or_404, show_error

STAFF = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)


def _board(board_id: int, *roles: Role) -> Board:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *roles)
    return board


@bp.route("/boards/<int:board_id>/ce/rules")
@roles_required(*STAFF)
def rules_page(board_id: int) -> Any:
    board = _board(board_id, *STAFF)
    settings = services.settings_of(db.session, board.id)
    settings_form = SettingsForm(obj=settings)
    by_type = services.versions_by_type(db.session, board.id)
    return render_template(
        "ceu/rules/page.html",
        board=board,
        settings=settings,
        settings_form=settings_form,
        category_form=CategoryForm(),
        categories=services.categories_of(db.session, board.id),
        by_type=by_type,
        sentences={
            v.id: services.sentences(v, t, settings.show_ceus) for t, vs in by_type for v in vs
        },
        rule_text=RULE_TEXT,
        today=date.today(),
        can_edit=current_user.is_platform_admin
        or current_user.has_role(Role.BOARD_ADMIN, board_id=board.id),
        delete_form=ConfirmForm(),
    )


@bp.route("/boards/<int:board_id>/ce/settings", methods=["POST"])
@roles_required(Role.BOARD_ADMIN)
def save_settings(board_id: int) -> Any:
    board = _board(board_id, Role.BOARD_ADMIN)
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            services.save_settings(
                db.session, board, current_user, form.show_ceus.data, form.audit_consequence.data
            )
        except CeRulesError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash("CE settings saved.", "success")
    return redirect(url_for("ceu.rules_page", board_id=board.id))


@bp.route("/boards/<int:board_id>/ce/categories", methods=["POST"])
@roles_required(Role.BOARD_ADMIN)
def add_category(board_id: int) -> Any:
    board = _board(board_id, Role.BOARD_ADMIN)
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            services.save_category(
                db.session,
                board,
                current_user,
                form.code.data,
                form.name.data,
                form.description.data or "",
            )
        except CeRulesError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"Category {form.name.data} added.", "success")
    else:
        flash("Give the category a code and a name.", "warning")
    return redirect(url_for("ceu.rules_page", board_id=board.id) + "#categories")


@bp.route("/boards/<int:board_id>/ce/categories/<int:category_id>", methods=["POST"])
@roles_required(Role.BOARD_ADMIN)
def rename_category(board_id: int, category_id: int) -> Any:
    board = _board(board_id, Role.BOARD_ADMIN)
    category = board_owned_or_404(CeCategory, category_id, board.id)
    form = CategoryForm()
    form.code.data = category.code
    if form.validate_on_submit():
        try:
            services.save_category(
                db.session, board, current_user, category.code, form.name.data,
                form.description.data or "", category,
            )  # fmt: skip
        except CeRulesError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash("Category saved.", "success")
    return redirect(url_for("ceu.rules_page", board_id=board.id) + "#categories")


def _scope_choices(categories: list[CeCategory]) -> list[tuple[str, str]]:
    return (
        [("", "— no cap —")]
        + list(MODE_SCOPES.items())
        + [(f"category:{c.id}", f"Category: {c.name}") for c in categories]
    )


def _fill(
    form: RuleVersionForm, categories: list[CeCategory], version: CeRuleVersion | None
) -> None:
    minimums = {m.category_id: m.minutes for m in version.minimums} if version else {}
    if request.method == "GET":
        while len(form.minimums):
            form.minimums.pop_entry()
        for c in categories:
            form.minimums.append_entry(
                {
                    "category_id": str(c.id),
                    "hours": hours(minimums[c.id]) if c.id in minimums else None,
                }
            )
        if version is not None:
            for row, cap in zip(form.caps, version.caps, strict=False):
                row.form.label.data, row.form.percent.data = cap.label, cap.percent
                row.form.scope.data = (
                    f"category:{cap.category_id}"
                    if cap.category_id
                    else ",".join(sorted(cap.modes))
                )
    names = {str(c.id): c.name for c in categories}
    for row in form.minimums:
        row.form.hours.label.text = f"{names.get(row.form.category_id.data or '', '')} (hours)"
    for row in form.caps:
        row.form.scope.choices = _scope_choices(categories)


def _rule_input(form: RuleVersionForm) -> RuleInput:
    minimums = []
    for row in form.minimums:
        if row.form.hours.data:
            minimums.append(
                (int(row.form.category_id.data), minutes_from_hours(row.form.hours.data))
            )
    caps = []
    for row in form.caps:
        scope = row.form.scope.data or ""
        if not scope:
            continue
        if row.form.percent.data is None:
            raise CeRulesError("Give each cap its percentage.", "caps")
        category = int(scope.split(":", 1)[1]) if scope.startswith("category:") else None
        modes = () if category else tuple(scope.split(","))
        label = row.form.label.data or dict(MODE_SCOPES).get(scope, "Category cap")
        caps.append(CapInput(label, row.form.percent.data, modes, category))
    return RuleInput(
        effective_on=form.effective_on.data,
        total_minutes=minutes_from_hours(form.total_hours.data),
        cycle_kind=form.cycle_kind.data,
        calendar_months=form.calendar_months.data if form.cycle_kind.data == "calendar" else None,
        calendar_first_year=form.calendar_first_year.data
        if form.cycle_kind.data == "calendar"
        else None,
        proration=form.proration.data,
        rounding=form.rounding.data,
        carry_over_minutes=minutes_from_hours(form.carry_over_hours.data or 0),
        reinstatement_extra_minutes=minutes_from_hours(form.reinstatement_hours.data or 0),
        minimums=tuple(minimums),
        caps=tuple(caps),
    )


@bp.route("/boards/<int:board_id>/ce/rules/<int:credential_type_id>/new", methods=["GET", "POST"])
@roles_required(Role.BOARD_ADMIN)
def new_rule_version(board_id: int, credential_type_id: int) -> Any:
    """A new rule version; it starts from the newest one so only the changes are typed."""
    board = _board(board_id, Role.BOARD_ADMIN)
    ctype = board_owned_or_404(CredentialType, credential_type_id, board.id)
    categories = services.categories_of(db.session, board.id)
    latest = services.board_rules(db.session, board.id).versions.get(ctype.id, [])
    base = latest[-1] if latest else None
    form = RuleVersionForm(obj=None)
    if request.method == "GET" and base is not None:
        form.total_hours.data = hours(base.total_minutes)
        form.cycle_kind.data = base.cycle_kind
        form.calendar_months.data = base.calendar_months or 12
        form.calendar_first_year.data = base.calendar_first_year
        form.proration.data, form.rounding.data = base.proration, base.rounding
        form.carry_over_hours.data = hours(base.carry_over_minutes)
        form.reinstatement_hours.data = hours(base.reinstatement_extra_minutes)
    if request.method == "GET":
        form.effective_on.data = date.today()
        form.carry_over_hours.data = form.carry_over_hours.data or 0
        form.reinstatement_hours.data = form.reinstatement_hours.data or 0
    _fill(form, categories, base)
    if form.validate_on_submit():
        try:
            services.save_version(db.session, board, current_user, ctype, _rule_input(form))
        except CeRulesError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"CE rules for {ctype.name} from {form.effective_on.data} saved.", "success")
            return redirect(url_for("ceu.rules_page", board_id=board.id))
    return render_template(
        "ceu/rules/version_form.html",
        board=board,
        ctype=ctype,
        form=form,
        categories=categories,
        base=base,
    )


@bp.route("/boards/<int:board_id>/ce/rules/versions/<int:version_id>/delete", methods=["POST"])
@roles_required(Role.BOARD_ADMIN)
def delete_rule_version(board_id: int, version_id: int) -> Any:
    board = _board(board_id, Role.BOARD_ADMIN)
    version = board_owned_or_404(CeRuleVersion, version_id, board.id)
    if ConfirmForm().validate_on_submit():
        services.delete_version(db.session, version, current_user)
        db.session.commit()
        flash("Rule version deleted.", "success")
    return redirect(url_for("ceu.rules_page", board_id=board.id))
