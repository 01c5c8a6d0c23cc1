"""The supervisor's queue: bulk confirm above the table, implausible entries highlighted."""

from __future__ import annotations

from datetime import date, timedelta

from certify.models import SupervisedHoursEntry
from core.extensions import db
from core.models import Role
from tests.factories import HOUR, login, verified_supervisor


def test_pending_entries_come_with_the_bulk_action_first_and_long_days_flagged(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    supervisor = make_user("sam@example.org", [(Role.SUPERVISOR, board)])
    day = date.today() - timedelta(days=3)
    with app.app_context():
        verified_supervisor(db.session, board, supervisor)
        entries = [
            (13 * HOUR, 0, "Other"),
            (9 * HOUR, 1, "Other"),
            (9 * HOUR, 1, "Peer-run center"),
            (4 * HOUR, 2, "Other"),
        ]
        for minutes, back, setting in entries:
            db.session.add(
                SupervisedHoursEntry(
                    board_id=board.id, trainee_id=trainee.id, supervisor_id=supervisor.id,
                    kind="experience", worked_on=day - timedelta(days=back), minutes=minutes,
                    setting=setting, status="pending",
                )
            )  # fmt: skip
        db.session.commit()
    login(client, supervisor.email)
    page = client.get("/supervise").get_data(as_text=True)
    assert page.index("Confirm selected") < page.index("<table")
    assert "4 entries waiting on this page" in page
    assert page.count("Check this: more than 12 hours in one entry.") == 1
    assert page.count("Check this: more than 16 hours logged for this day.") == 2
    assert page.count('data-testid="implausible"') == 3
