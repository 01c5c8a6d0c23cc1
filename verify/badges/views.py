"""Signed credentials on the web: DID documents, status lists, downloads, the board's page."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from reportlab.graphics import renderSVG
from sqlalchemy import func, select

from certify.credentials.services import held_by
from certify.models import Credential, CredentialType
from core.auth import ensure_board_access, roles_required
from core.extensions import db, limiter
from core.models import Board, Role
from core.pdf import qr_drawing
from core.urls import external_url
from core.viewhelpers import show_error
from verify import bp
from verify.badges import services
from verify.badges.forms import ReissueForm, RotateKeyForm, SignMissingForm
from verify.badges.issuer import KeyMissing, board_did, published_keys, rotate
from verify.models import SignedBadge, StatusList

STAFF = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)
WALLET_LINK_SECONDS = 15 * 60
JSON_LD = "application/ld+json"


def _board(slug: str) -> Board:
    board = db.session.execute(select(Board).where(Board.slug == slug)).scalar()
    if board is None:
        abort(404)
    return board


def _json(document: Any, mimetype: str = "application/json", cache: str = "no-cache") -> Response:
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    return Response(
        text,
        mimetype=mimetype,
        headers={"Cache-Control": cache, "Access-Control-Allow-Origin": "*"},
    )


def _public_limit() -> str:
    return str(current_app.config["PUBLIC_RATE_LIMIT"])


@bp.route("/issuers/<slug>/did.json")
def did_document(slug: str) -> Any:
    """What did:web:<host>:issuers:<slug> resolves to: every key the board signed with."""
    return _json(services.did_document(db.session, _board(slug)), "application/did+json")


@bp.route("/issuers/<slug>/status/<int:number>/<any(revocation, suspension):purpose>")
def status_list(slug: str, number: int, purpose: str) -> Any:
    """A signed Bitstring Status List credential; re-signed whenever a bit changes."""
    text = services.status_list_document(db.session, _board(slug), number, purpose)
    if not text:
        abort(404)
    return _json(text, "application/vc+ld+json")


@bp.route("/issuers/<slug>/achievements/<code>")
def achievement(slug: str, code: str) -> Any:
    """The credential type as an Open Badges Achievement (what the badge's achievement id names)."""
    board = _board(slug)
    ctype = db.session.execute(
        select(CredentialType).where(
            CredentialType.board_id == board.id, CredentialType.code == code
        )
    ).scalar()
    if ctype is None:
        abort(404)
    return jsonify(
        {
            "id": external_url("verify.achievement", slug=slug, code=code),
            "type": ["Achievement"],
            "achievementType": "Certification",
            "humanCode": ctype.code,
            "name": ctype.name,
            "creator": {"id": board_did(slug), "type": ["Profile"], "name": board.name},
        }
    )


# --- the holder ------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wallet-download")


def _qr_data_uri(url: str) -> str:
    svg = renderSVG.drawToString(qr_drawing(url, 180))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@bp.route("/me/digital-credentials")
@login_required
def my_badges() -> Any:
    """The holder's signed credentials: download the JSON or scan it into a wallet."""
    rows = []
    for credential in held_by(db.session, current_user.id):
        badge = services.live_badge(db.session, credential)
        link = None
        if badge is not None:
            token = _serializer().dumps(badge.id)
            link = external_url("verify.wallet_download", token=token)
        rows.append((credential, badge, link, _qr_data_uri(link) if link else None))
    return render_template(
        "verify/me/badges.html", rows=rows, minutes=WALLET_LINK_SECONDS // 60,
        sign_form=SignMissingForm(),
    )  # fmt: skip


def _own_credential(credential_id: int) -> Credential:
    credential = db.get_or_404(Credential, credential_id)
    if credential.holder_id != current_user.id:
        abort(404)
    return credential


@bp.route("/me/digital-credentials/<int:credential_id>.json")
@login_required
def badge_download(credential_id: int) -> Any:
    credential = _own_credential(credential_id)
    badge = services.live_badge(db.session, credential)
    if badge is None:
        abort(404)
    return Response(
        badge.document,
        mimetype=JSON_LD,
        headers={
            "Content-Disposition": f'attachment; filename="{credential.number}.json"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/me/digital-credentials/<int:credential_id>/sign", methods=["POST"])
@login_required
def sign_my_badge(credential_id: int) -> Any:
    """Sign the digital form of a credential issued before signing existed."""
    credential = _own_credential(credential_id)
    if (
        SignMissingForm().validate_on_submit()
        and services.live_badge(db.session, credential) is None
    ):
        try:
            services.issue_badge(db.session, credential)
        except KeyMissing:
            db.session.rollback()
            flash("The board cannot sign credentials yet. Please try again later.", "warning")
        else:
            db.session.commit()
            flash("Your digital credential is ready.", "success")
    return redirect(url_for("verify.my_badges"))


@bp.route("/badges/wallet/<token>")
@limiter.limit(_public_limit)
def wallet_download(token: str) -> Any:
    """The signed credential for a wallet that scanned the holder's QR code (15 minutes)."""
    try:
        badge_id = _serializer().loads(token, max_age=WALLET_LINK_SECONDS)
    except BadSignature:
        abort(404)
    badge = db.session.get(SignedBadge, badge_id)
    if badge is None or badge.superseded_at is not None:
        abort(404)
    return _json(badge.document, JSON_LD, cache="private, no-store")


# --- the board -------------------------------------------------------------------------------


@bp.route("/boards/<int:board_id>/digital-credentials")
@roles_required(*STAFF)
def board_badges(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    lists = list(
        db.session.execute(
            select(StatusList).where(StatusList.board_id == board.id).order_by(StatusList.number)
        ).scalars()
    )
    issued = db.session.execute(
        select(func.count()).select_from(Credential).where(Credential.board_id == board.id)
    ).scalar_one()
    signed = db.session.execute(
        select(func.count(func.distinct(SignedBadge.credential_id))).where(
            SignedBadge.board_id == board.id, SignedBadge.superseded_at.is_(None)
        )
    ).scalar_one()
    return render_template(
        "verify/board/badges.html",
        board=board,
        did=board_did(board.slug),
        keys=published_keys(db.session, board),
        lists=lists,
        issued=issued,
        signed=signed,
        reissue_form=ReissueForm(),
        rotate_form=RotateKeyForm(),
        sign_form=SignMissingForm(),
    )


@bp.route("/boards/<int:board_id>/digital-credentials/reissue", methods=["POST"])
@roles_required(*STAFF)
def reissue_badge(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    form = ReissueForm()
    if form.validate_on_submit():
        credential = db.session.execute(
            select(Credential).where(
                Credential.board_id == board.id,
                Credential.number == form.number.data.strip().upper(),
            )
        ).scalar()
        if credential is None:
            flash(f"No credential {form.number.data} in this board.", "warning")
        else:
            try:
                services.reissue(db.session, credential, current_user)
            except KeyMissing as exc:
                show_error(None, exc)
            else:
                db.session.commit()
                flash(
                    f"{credential.number} reissued; the earlier signed copy is now revoked.",
                    "success",
                )
    else:
        flash("Type the credential number and tick to confirm.", "warning")
    return redirect(url_for("verify.board_badges", board_id=board.id))


@bp.route("/boards/<int:board_id>/digital-credentials/sign-missing", methods=["POST"])
@roles_required(*STAFF)
def sign_missing(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, *STAFF)
    if SignMissingForm().validate_on_submit():
        try:
            count = services.sign_missing(db.session, board)
        except KeyMissing as exc:
            show_error(None, exc)
        else:
            db.session.commit()
            flash(f"Signed {count} credential{'s' if count != 1 else ''}.", "success")
    return redirect(url_for("verify.board_badges", board_id=board.id))


@bp.route("/boards/<int:board_id>/digital-credentials/rotate-key", methods=["POST"])
@roles_required(Role.BOARD_ADMIN)
def rotate_key(board_id: int) -> Any:
    board = db.get_or_404(Board, board_id)
    ensure_board_access(current_user, board.id, Role.BOARD_ADMIN)
    if RotateKeyForm().validate_on_submit():
        try:
            result = rotate(db.session, board)
        except KeyMissing as exc:
            show_error(None, exc)
        else:
            services.record_rotation(db.session, board, current_user, result)
            db.session.commit()
            flash(
                f"New signing key {result.new_fragment}. Credentials signed with earlier keys "
                "still verify: those keys stay in the DID document.",
                "success",
            )
    else:
        flash("Tick to confirm the key rotation.", "warning")
    return redirect(url_for("verify.board_badges", board_id=board.id))
