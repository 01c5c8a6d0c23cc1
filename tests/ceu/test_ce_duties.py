"""Separation of duties in CE (issue 11, #12): staff never review their own CE record."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import Role
from tests.factories import login

OWN = "it is your own"


def test_staff_cannot_review_their_own_ce_record(app, client, ce) -> None:  # type: ignore[no-untyped-def]
    from ceu.models import CeRecord
    from core.accounts import grant_role
    from core.models import Board, User
    from tests.ceu.test_records import _other

    with app.app_context():  # the certificant is also a reviewer of the board
        grant_role(
            db.session,
            db.session.get(User, ce.holder.id),
            Role.BOARD_REVIEWER,
            db.session.get(Board, ce.board.id),
        )
        db.session.commit()
    login(client, ce.holder.email)
    assert _other(client, ce).status_code == 302
    with app.app_context():
        record_id = db.session.execute(select(CeRecord.id)).scalar_one()
    page = client.post(
        f"/boards/{ce.board.id}/ce/records/{record_id}",
        data={"decision": "accepted", "confirm": "y"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert OWN in page
    with app.app_context():
        assert db.session.get(CeRecord, record_id).status == "pending"
