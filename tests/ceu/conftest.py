"""A board with CE rules and a certificant in the middle of a renewal cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask

from certify.credentials.services import add_months
from certify.models import CredentialType
from core.extensions import db
from core.models import Board, Role, User
from tests.ceu.factories import H, create_categories, create_credential, create_rule
from tests.core.test_mail import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from tests.factories import create_credential_type


@dataclass
class CeWorld:
    board: Board
    ctype_id: int
    categories: dict[str, int]
    holder: User
    admin: User
    reviewer: User
    employer: User
    credential_id: int
    number: str
    issued_on: date
    expires_on: date


@pytest.fixture
def ce(app: Flask, make_board, make_user) -> CeWorld:  # type: ignore[no-untyped-def]
    """IC&RC-like rules (20 h per 24-month renewal cycle, 6 ethics, online at most 50%)."""
    board = make_board("ne", "Nebraska board")
    holder = make_user("riley@example.org", [(Role.TRAINEE, board)])
    admin = make_user("ada@example.org", [(Role.BOARD_ADMIN, board)])
    reviewer = make_user("rex@example.org", [(Role.BOARD_REVIEWER, board)])
    employer = make_user("boss@example.org", [(Role.EMPLOYER, None)])
    issued = date.today() - timedelta(days=365)
    expires = add_months(issued, 24)
    with app.app_context():
        b = db.session.get(Board, board.id)
        db.session.get(User, holder.id).full_name = holder.full_name = "Riley Recovery"
        ctype: CredentialType = create_credential_type(db.session, b, cycle_months=24)
        categories = create_categories(db.session, b, "ethics", "general", "peer")
        create_rule(
            db.session,
            ctype,
            categories,
            caps=[("Self-study and online", 50, ["live_online", "self_study"], None)],
        )
        credential = create_credential(
            db.session, db.session.get(User, holder.id), ctype, "NE-CPSS-000001", issued, expires
        )
        db.session.commit()
        world = CeWorld(
            board, ctype.id, {c: v.id for c, v in categories.items()}, holder, admin, reviewer,
            employer, credential.id, credential.number, issued, expires,
        )  # fmt: skip
    return world


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOURS = H
