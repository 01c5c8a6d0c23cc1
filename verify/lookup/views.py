"""Public pages: search the register, print a verification letter, check a signed credential."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Response, abort, current_app, render_template, request

from core.extensions import db, limiter
from core.models import utcnow
from verify import bp
from verify.badges.services import check_document
from verify.lookup import services
from verify.lookup.forms import CheckFileForm, SearchForm
from verify.lookup.letter import verification_letter

MAX_CREDENTIAL_BYTES = 256 * 1024


def _public_limit() -> str:
    return str(current_app.config["PUBLIC_RATE_LIMIT"])


@bp.route("/verify")
@limiter.limit(_public_limit)
def lookup() -> Any:
    """Search by credential number, or by last name + first name (+ board)."""
    form = SearchForm(request.args)
    form.board.choices = [("", "Any board")] + [
        (b.slug, b.name) for b in services.boards(db.session)
    ]
    searched = bool(request.args)
    records: list[services.PublicRecord] = []
    too_many = False
    problem = ""
    if searched and not form.validate():
        problem = "; ".join(f"{form[name].label.text}: {', '.join(errors)}"
                            for name, errors in form.errors.items())  # fmt: skip
    elif searched:
        number = (form.number.data or "").strip()
        board = form.board.data or None
        try:
            if number:
                if not services.NUMBER_PATTERN.fullmatch(number):
                    raise services.SearchRefused(
                        "Credential number: use the number as printed (letters, digits, "
                        "hyphens), e.g. NE-CPSS-000123."
                    )
                if board:
                    found = services.by_number(db.session, board, number, date.today())
                    records = [found] if found else []
                else:
                    records = services.by_number_any_board(db.session, number, date.today())
            elif form.last_name.data or form.first_name.data:
                result = services.by_name(
                    db.session,
                    form.last_name.data or "",
                    form.first_name.data or "",
                    board,
                    date.today(),
                )
                records, too_many = list(result.records), result.too_many
            else:
                problem = "Type a credential number, or a last name and a first name."
        except services.SearchRefused as exc:
            problem = str(exc)
    return render_template(
        "verify/lookup.html",
        form=form,
        searched=searched,
        records=records,
        too_many=too_many,
        problem=problem,
        cap=services.SEARCH_CAP,
    )


@bp.route("/verify/<slug>/<number>/verified.pdf")
@limiter.limit(_public_limit)
def verified_pdf(slug: str, number: str) -> Any:
    """The printable letter: what the register shows for this credential, and when."""
    record = services.by_number(db.session, slug, number, date.today())
    if record is None:
        abort(404)
    checked_at = utcnow()
    return Response(
        verification_letter(record, checked_at),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": (
                f'inline; filename="{record.number}-verified-{checked_at:%Y-%m-%d}.pdf"'
            ),
            "Cache-Control": "no-store",
        },
    )


@bp.route("/verify/check", methods=["GET", "POST"])
@limiter.limit(_public_limit)
def check_credential() -> Any:
    """Upload a signed credential (JSON): signature, dates and status, in one verdict."""
    form = CheckFileForm()
    verdict = None
    problem = ""
    if form.validate_on_submit():
        data = form.file.data.read(MAX_CREDENTIAL_BYTES + 1)
        if len(data) > MAX_CREDENTIAL_BYTES:
            problem = "That file is too large to be a signed credential (256 KB at most)."
        else:
            try:
                document = json.loads(data)
            except (ValueError, UnicodeDecodeError):
                problem = "That file is not JSON: choose the .json file of a signed credential."
            else:
                verdict = check_document(db.session, document)
    return render_template("verify/check.html", form=form, verdict=verdict, problem=problem)
