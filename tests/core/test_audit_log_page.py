"""The audit log reads in words, refuses an inverted date range and exports what it shows."""

from __future__ import annotations

import csv
import io

from core import audit
from core.extensions import db
from core.models import Board, Role, User
from tests.factories import login


def _events(app, board, admin) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        actor, row = db.session.get(User, admin.id), db.session.get(Board, board.id)
        audit.record(
            db.session, actor, "requirements.updated", ("RequirementSet", 7),
            before={"training_minutes": 2400}, after={"training_minutes": 2760}, board_id=row.id,
        )  # fmt: skip
        audit.record(
            db.session, actor, "application.in_review", ("Application", 3),
            before={"status": "submitted"}, after={"status": "in_review"}, board_id=row.id,
        )  # fmt: skip
        db.session.commit()


def test_the_log_shows_changes_in_words_and_hours(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    _events(app, board, admin)
    login(client, admin.email)
    page = client.get(f"/boards/{board.id}/audit").get_data(as_text=True)
    assert "Training minimum: 40 h → 46 h" in page
    assert "Status: submitted → in review" in page and "Application in review" in page
    assert '{"status"' not in page and "in_review</" not in page


def test_an_inverted_date_range_is_refused_with_a_message(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    _events(app, board, admin)
    login(client, admin.email)
    url = f"/boards/{board.id}/audit?since=2026-12-31&until=2026-01-01"
    page = client.get(url).get_data(as_text=True)
    assert "is after" in page and "the date filters were ignored" in page
    assert "Training minimum: 40 h → 46 h" in page  # the events are still listed


def test_the_export_holds_the_filtered_events_and_only_for_the_boards_admin(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board, other = make_board("ne"), make_board("ia")
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    outsider = make_user("other@example.org", [(Role.BOARD_ADMIN, other)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    _events(app, board, admin)
    login(client, admin.email)
    response = client.get(f"/boards/{board.id}/audit.csv?action=application")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["When (UTC)", "Who", "What", "Record", "Change"]
    assert [r[2] for r in rows[1:]] == ["Application in review"]
    assert rows[1][4] == "Status: submitted → in review"
    xlsx = client.get(f"/boards/{board.id}/audit.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    for person in (outsider, reviewer):
        client.post("/logout")
        login(client, person.email)
        assert client.get(f"/boards/{board.id}/audit.csv").status_code in (403, 404)


def test_an_event_links_to_its_record_when_the_module_says_how(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    _events(app, board, admin)
    login(client, admin.email)
    page = client.get(f"/boards/{board.id}/audit").get_data(as_text=True)
    assert f'href="/boards/{board.id}/applications/3">Application 3</a>' in page
    assert "Requirement set 7" in page and '/7">Requirement set' not in page  # no link declared
