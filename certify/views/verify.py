"""The public verification page that the certificate's QR code points to."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, render_template

from certify import bp
from certify.certificates import status_sentence
from certify.issued import certificate_data, public_lookup
from core.extensions import db, limiter


@bp.route("/verify/<slug>/<number>")
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"])
def verify_credential(slug: str, number: str) -> Any:
    """Name, credential, status and public discipline only: nothing private."""
    credential = public_lookup(db.session, slug, number)
    if credential is None:
        abort(404)
    data = certificate_data(credential)
    public_actions = [a for a in credential.actions if a.public]
    return render_template(
        "certify/verify.html",
        credential=credential,
        data=data,
        sentence=status_sentence(data, date.today()),
        actions=public_actions,
    )
