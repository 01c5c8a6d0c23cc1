"""Staff read a credential in words: endorsement names, the status's reason, internal notes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from certify.credentials import services as credentials
from certify.models import CredentialType, Endorsement
from core.extensions import db
from core.models import Role, User
from tests.factories import credential_type, login


def test_the_staff_credential_page_names_endorsements_and_shows_why_it_is_suspended(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    credential_type(app, board)
    holder = make_user("hal@example.org", [(Role.TRAINEE, board)])
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    with app.app_context():
        db.session.add(Endorsement(board_id=board.id, code="A", name="Adult"))
        ctype = db.session.execute(select(CredentialType)).scalar_one()
        actor = db.session.get(User, admin.id)
        issued = credentials.issue(
            db.session, db.session.get(User, holder.id), ctype, actor, date.today(),
            endorsements=("A",),
        )  # fmt: skip
        credentials.discipline(
            db.session, issued, actor, "suspension", date.today(), True,
            "Suspended pending review", "Complaint 2026-14 from an employer",
        )  # fmt: skip
        db.session.commit()
        credential_id = issued.id
    login(client, admin.email)
    page = client.get(f"/boards/{board.id}/credentials/{credential_id}").get_data(as_text=True)
    assert '<dd class="col-sm-9">Adult</dd>' in page
    assert "Internal notes (staff only): Complaint 2026-14 from an employer" in page
    assert 'data-testid="status-reason"' in page
