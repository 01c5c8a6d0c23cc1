"""The Employer workspace: organization, roster checks, monitoring, API keys."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import roles_required
from core.boards import Page
from core.exports import stream_download
from core.extensions import db
from core.models import Role
from core.viewhelpers import show_error
from verify import bp
from verify.employers import keys, monitoring, services
from verify.employers.forms import (
    ActionForm,
    ApiKeyForm,
    ColleagueForm,
    ConfirmForm,
    OrganizationForm,
    RosterForm,
)
from verify.employers.roster import FLAG_LABELS
from verify.models import ApiKey, EmployerMember, MonitoredCredential, RosterCheck

EMPLOYER = Role.EMPLOYER
ROWS_PER_PAGE = 100


def _member() -> EmployerMember:
    return services.membership_or_404(db.session, current_user)


def _own(model: type, object_id: int, member: EmployerMember) -> Any:
    row: Any = db.get_or_404(model, object_id)
    if row.organization_id != member.organization_id:
        abort(404)
    return row


@bp.route("/employer")
@roles_required(EMPLOYER)
def employer_home() -> Any:
    member = services.membership(db.session, current_user)
    if member is None:
        return render_template("verify/employer/start.html", form=OrganizationForm())
    watched = monitoring.monitored(db.session, member.organization)
    today = date.today()
    attention = [
        w for w in watched
        if w.credential.status not in ("active", "provisional")
        or (w.credential.expires_on - today).days <= 60
    ]  # fmt: skip
    return render_template(
        "verify/employer/home.html",
        member=member,
        watched=len(watched),
        attention=attention,
        waiting=monitoring.changes_waiting(db.session, None, current_user),
        checks=services.roster_checks(db.session, member.organization)[:5],
        today=today,
    )


@bp.route("/employer/organization/new", methods=["POST"])
@roles_required(EMPLOYER)
def create_organization() -> Any:
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            services.create_organization(db.session, current_user, form.name.data)
        except services.EmployerError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Organization created. Next: upload a staff roster.", "success")
            return redirect(url_for("verify.employer_home"))
    return render_template("verify/employer/start.html", form=form), 400


@bp.route("/employer/organization", methods=["GET", "POST"])
@roles_required(EMPLOYER)
def organization() -> Any:
    member = _member()
    form = ColleagueForm()
    if member.is_owner and form.validate_on_submit():
        try:
            added = services.add_colleague(
                db.session, member, form.email.data, form.full_name.data or ""
            )
        except services.EmployerError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(f"{added.user.full_name} was added and told by email.", "success")
            return redirect(url_for("verify.organization"))
    return render_template(
        "verify/employer/organization.html",
        member=member,
        people=services.members(db.session, member.organization),
        form=form,
        remove_form=ConfirmForm(),
    )


@bp.route("/employer/organization/people/<int:member_id>/remove", methods=["POST"])
@roles_required(EMPLOYER)
def remove_colleague(member_id: int) -> Any:
    member = _member()
    other = _own(EmployerMember, member_id, member)
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_colleague(db.session, member, other)
        except services.EmployerError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash("Removed from the organization.", "success")
    else:
        flash("Tick to confirm the removal.", "warning")
    return redirect(url_for("verify.organization"))


# --- roster checks ---------------------------------------------------------------------------


@bp.route("/employer/rosters", methods=["GET", "POST"])
@roles_required(EMPLOYER)
def rosters() -> Any:
    member = _member()
    form = RosterForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            check = services.upload_roster(
                db.session,
                member,
                upload.read(),
                upload.filename or "roster",
                current_app.config["ROSTER_MAX_ROWS"],
            )
        except services.EmployerError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            return redirect(url_for("verify.roster_check", check_id=check.id))
    return render_template(
        "verify/employer/rosters.html",
        form=form,
        checks=services.roster_checks(db.session, member.organization),
    )


def _results(check: RosterCheck) -> list[services.RosterResult]:
    return services.check_results(db.session, check, date.today())


@bp.route("/employer/rosters/<int:check_id>")
@roles_required(EMPLOYER)
def roster_check(check_id: int) -> Any:
    member = _member()
    check = _own(RosterCheck, check_id, member)
    results = _results(check)
    shown = request.args.get("show", "all")
    listed = results if shown != "flagged" else [r for r in results if not r.ok]
    pages = max(1, -(-len(listed) // ROWS_PER_PAGE))
    number = min(max(1, request.args.get("page", 1, type=int)), pages)
    page = Page(
        listed[(number - 1) * ROWS_PER_PAGE : number * ROWS_PER_PAGE], number, pages, len(listed)
    )
    counts = {flag: sum(flag in r.flags for r in results) for flag in FLAG_LABELS}
    return render_template(
        "verify/employer/roster.html",
        check=check,
        page=page,
        results=results,
        shown=shown,
        counts=counts,
        labels=FLAG_LABELS,
        ok_count=sum(r.ok for r in results),
        enroll_form=ActionForm(),
    )


@bp.route("/employer/rosters/<int:check_id>/export.<any(csv, xlsx):fmt>")
@roles_required(EMPLOYER)
def roster_export(check_id: int, fmt: str) -> Any:
    member = _member()
    check = _own(RosterCheck, check_id, member)
    rows = services.export_rows(_results(check))
    name = f"roster-check-{check.id}-{date.today().isoformat()}.csv"
    return stream_download(services.EXPORT_HEADER, rows, name, fmt, sheet="Roster check")


@bp.route("/employer/rosters/<int:check_id>/enroll", methods=["POST"])
@roles_required(EMPLOYER)
def enroll_roster(check_id: int) -> Any:
    member = _member()
    check = _own(RosterCheck, check_id, member)
    if ActionForm().validate_on_submit():
        try:
            added = monitoring.enroll(db.session, member, check, date.today())
        except services.EmployerError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(
                f"Monitoring {added} more credential{'s' if added != 1 else ''}: everyone in "
                "your organization is emailed when one changes.",
                "success",
            )
            return redirect(url_for("verify.monitored"))
    return redirect(url_for("verify.roster_check", check_id=check.id))


# --- monitoring ------------------------------------------------------------------------------


@bp.route("/employer/changes")
@roles_required(EMPLOYER)
def changes() -> Any:
    member = _member()
    everything = request.args.get("all") == "1"
    since = None if everything else member.changes_seen_at
    return render_template(
        "verify/employer/changes.html",
        member=member,
        events=monitoring.events_since(db.session, member.organization_id, since),
        everything=everything,
        form=ActionForm(),
    )


@bp.route("/employer/changes/seen", methods=["POST"])
@roles_required(EMPLOYER)
def mark_changes_seen() -> Any:
    member = _member()
    if ActionForm().validate_on_submit():
        monitoring.mark_seen(db.session, member)
        db.session.commit()
        flash("Marked as seen: the list now starts from here.", "success")
    return redirect(url_for("verify.changes"))


@bp.route("/employer/monitored")
@roles_required(EMPLOYER)
def monitored() -> Any:
    member = _member()
    if request.args.get("format") in ("csv", "xlsx"):
        header = ["name_on_roster", "board", "credential_number", "status", "expires_on"]
        rows = monitoring.monitored_rows(db.session, member.organization)
        return stream_download(header, rows, "monitored.csv", request.args["format"], "Monitored")
    watched = monitoring.monitored(db.session, member.organization)
    return render_template(
        "verify/employer/monitored.html",
        watched=watched,
        today=date.today(),
        stop_form=ConfirmForm(),
    )


@bp.route("/employer/monitored/<int:watched_id>/stop", methods=["POST"])
@roles_required(EMPLOYER)
def stop_monitoring(watched_id: int) -> Any:
    member = _member()
    watched = _own(MonitoredCredential, watched_id, member)
    if ConfirmForm().validate_on_submit():
        monitoring.stop_monitoring(db.session, member, watched)
        db.session.commit()
        flash("No longer monitored.", "success")
    else:
        flash("Tick to confirm.", "warning")
    return redirect(url_for("verify.monitored"))


# --- API keys --------------------------------------------------------------------------------


@bp.route("/employer/api-keys", methods=["GET", "POST"])
@roles_required(EMPLOYER)
def api_keys() -> Any:
    member = _member()
    form = ApiKeyForm()
    secret = None
    if form.validate_on_submit():
        try:
            _, secret = keys.create(db.session, member.organization, form.name.data, current_user)
        except keys.ApiKeyError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            form = ApiKeyForm(formdata=None)
    response = render_template(
        "verify/employer/api_keys.html",
        form=form,
        secret=secret,
        keys=keys.keys_of(db.session, member.organization),
        revoke_form=ConfirmForm(),
    )
    # the page with a new secret must not be kept by the browser or a proxy
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/employer/api-keys/<int:key_id>/revoke", methods=["POST"])
@roles_required(EMPLOYER)
def revoke_api_key(key_id: int) -> Any:
    member = _member()
    key = _own(ApiKey, key_id, member)
    if ConfirmForm().validate_on_submit():
        try:
            keys.revoke(db.session, key, current_user)
        except keys.ApiKeyError as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"Key {key.name} revoked: it stops working at once.", "success")
    else:
        flash("Tick to confirm the revocation.", "warning")
    return redirect(url_for("verify.api_keys"))
