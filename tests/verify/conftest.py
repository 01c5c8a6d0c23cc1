"""Verification fixtures: issued credentials with private facts on record, employers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from certify.credentials import services as credentials
from certify.models import Credential, CredentialType, Endorsement
from core.extensions import db
from core.models import Board, Role, User
from tests.factories import create_credential_type, create_ready_trainee, create_user

# private facts put on record, which no public answer may contain
PRIVATE = {
    "email": "jane.private@example.org",
    "birth_date": "1990-05-01",
    "recovery_since": "2020-01-01",
    "supervisor_name": "Quentin Hiddensupervisor",
    "supervisor_email": "quentin.hidden@example.org",
}


@dataclass(frozen=True)
class Issued:
    credential_id: int
    number: str
    board_slug: str
    holder_email: str
    holder_name: str


def issue_credential(
    app: Flask,
    board: Board,
    email: str,
    full_name: str,
    ctype_code: str = "CPSS",
    issued_on: date | None = None,
    endorsements: tuple[str, ...] = (),
    with_profile: bool = False,
) -> Issued:
    """Issue (and commit) a credential for a new person; the hook signs it."""
    with app.app_context():
        board_row = db.session.get(Board, board.id)
        assert board_row is not None
        ctype = db.session.execute(
            db.select(CredentialType).where(
                CredentialType.board_id == board.id, CredentialType.code == ctype_code
            )
        ).scalar() or create_credential_type(db.session, board_row, code=ctype_code)
        for code in endorsements:
            if (
                db.session.execute(
                    db.select(Endorsement).where(
                        Endorsement.board_id == board.id, Endorsement.code == code
                    )
                ).scalar()
                is None
            ):
                db.session.add(
                    Endorsement(board_id=board.id, code=code, name=f"{code} endorsement")
                )
        holder = create_user(db.session, email, [(Role.TRAINEE, board_row)])
        holder.full_name = full_name
        if with_profile:
            supervisor = create_user(
                db.session, PRIVATE["supervisor_email"], [(Role.SUPERVISOR, board_row)]
            )
            supervisor.full_name = PRIVATE["supervisor_name"]
            create_ready_trainee(
                db.session, board_row, holder, supervisor=supervisor, experience_minutes=600
            )
        credential = credentials.issue(
            db.session,
            holder,
            ctype,
            holder,
            issued_on or date.today() - timedelta(days=30),
            endorsements=endorsements,
        )
        db.session.commit()
        return Issued(credential.id, credential.number, board.slug, email, full_name)


def change_status(
    app: Flask, credential_id: int, target: str, reason: str = "board decision"
) -> None:
    with app.app_context():
        credential = db.session.get(Credential, credential_id)
        assert credential is not None
        actor = db.session.get(User, credential.holder_id)
        credentials.change_status(db.session, credential, target, actor, reason)
        db.session.commit()


@pytest.fixture
def board(make_board) -> Board:  # type: ignore[no-untyped-def]
    return make_board("ne", "Nebraska Board of Peer Support")


@pytest.fixture
def issued(app: Flask, board: Board) -> Issued:
    """Jane Q. Doe's active credential, with a trainee profile (private facts) on record."""
    return issue_credential(
        app, board, PRIVATE["email"], "Jane Q. Doe", endorsements=("Y",), with_profile=True
    )


def api_key_for(app: Flask, email: str, organization: str = "Acme Health") -> str:
    """An employer with an organization and a fresh API key (its secret text)."""
    from verify.employers import keys, services

    with app.app_context():
        user = create_user(db.session, email, [(Role.EMPLOYER, None)])
        organization_row = services.create_organization(db.session, user, organization)
        _, secret = keys.create(db.session, organization_row, "HR system", user)
        db.session.commit()
        return secret


def bearer(secret: str) -> dict[str, Any]:
    return {"Authorization": f"Bearer {secret}"}
