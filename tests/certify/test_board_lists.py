"""Board lists read by key: every row once, back and forth; number lookups; export counts."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from certify.credentials import services as credentials
from certify.hours import supervisors
from certify.models import SupervisedHoursEntry
from core import audit
from core.boards import audit_page, paginate_keyset
from core.extensions import db
from core.models import Board, Role
from tests.factories import create_board, create_credential_type, create_user, login

TODAY = date.today()


def _entries(session, board, trainee, supervisor, n: int) -> None:  # type: ignore[no-untyped-def]
    """n entries on few days (many share a date: the id breaks the tie), some pending."""
    for i in range(n):
        session.add(
            SupervisedHoursEntry(
                board_id=board.id,
                trainee_id=trainee.id,
                supervisor_id=supervisor.id,
                kind="experience",
                worked_on=TODAY - timedelta(days=i % 7),
                minutes=30 + i,
                setting="Other",
                status="pending" if i % 3 == 0 else "confirmed",
            )  # fmt: skip
        )
    session.flush()


def test_hours_pages_by_key_show_every_entry_once_in_order(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        trainee = create_user(session, "t@example.org", [(Role.TRAINEE, board)])
        sup = create_user(session, "s@example.org", [(Role.SUPERVISOR, board)])
        _entries(session, board, trainee, sup, 60)
        for status, expected in (("", 60), ("pending", 20)):
            pages, cursor = [], None
            while True:
                listing = supervisors.board_entries(session, board.id, status, older=cursor)
                pages.append([e.id for e in listing.page.items])
                assert listing.page.total == expected
                cursor = listing.page.older
                if cursor is None:
                    break
            seen = [entry_id for page in pages for entry_id in page]
            assert len(seen) == len(set(seen)) == expected
            assert [len(p) for p in pages] == [25] * (expected // 25) + [expected % 25]
            rows = {e.id: (e.worked_on, e.id) for e in session.query(SupervisedHoursEntry)}
            assert seen == sorted(seen, key=lambda i: rows[i], reverse=True)
            # and back: "newer" from the last page gives the page before it
            last = supervisors.board_entries(session, board.id, status, older=None)
            if len(pages) > 1:
                second = supervisors.board_entries(session, board.id, status, older=last.page.older)
                back = supervisors.board_entries(session, board.id, status, newer=second.page.newer)
                assert [e.id for e in back.page.items] == pages[0]
                assert back.page.newer is None  # the newest page has nothing newer


def test_audit_log_pages_by_key(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        admin = create_user(session, "a@example.org", [(Role.BOARD_ADMIN, board)])
        for i in range(30):
            audit.record(session, admin, f"test.event{i % 2}", board, after={"i": i})
        first = audit_page(session, board)
        second = audit_page(session, board, older=first.older)
        ids = [e.id for e in first.items] + [e.id for e in second.items]
        assert first.total >= 30 and len(ids) == len(set(ids)) == first.total
        assert ids == sorted(ids, reverse=True) and second.older is None
        assert [e.id for e in audit_page(session, board, newer=second.newer).items] == [
            e.id for e in first.items
        ]
        odd = audit_page(session, board, action="test.event1")
        assert odd.total == 15 and {e.action for e in odd.items} == {"test.event1"}


def test_the_pages_link_older_and_newer_and_exports_say_how_many_rows(app, client) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        create_user(session, "admin@example.org", [(Role.BOARD_ADMIN, board)])
        trainee = create_user(session, "t@example.org", [(Role.TRAINEE, board)])
        sup = create_user(session, "s@example.org", [(Role.SUPERVISOR, board)])
        _entries(session, board, trainee, sup, 30)
        session.commit()
        board_id = board.id
    login(client, "admin@example.org")
    first = client.get(f"/boards/{board_id}/hours").get_data(as_text=True)
    assert first.count('data-testid="board-entry-row"') == 25
    assert 'Export CSV <span class="small">(30 rows)</span>' in first
    older = re.search(r'href="([^"]*older=[^"]+)"', first)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('data-testid="board-entry-row"') == 5
    pending = client.get(f"/boards/{board_id}/hours?status=pending").get_data(as_text=True)
    assert "(10 rows)" in pending
    csv = client.get(f"/boards/{board_id}/hours.csv?status=pending").get_data(as_text=True)
    assert len(csv.splitlines()) == 11 and csv.splitlines()[0].startswith("id,board,trainee")
    xlsx = client.get(f"/boards/{board_id}/hours.xlsx?status=pending")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_a_credential_number_is_found_by_its_start(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        admin = create_user(session, "admin@example.org", [(Role.BOARD_ADMIN, board)])
        ctype = create_credential_type(session, board, "CPSS")
        holders = [create_user(session, f"holder{i}@example.org") for i in range(12)]
        for person in holders:
            credentials.issue(session, person, ctype, admin, TODAY)
        session.flush()

        def found(search: str) -> list[str]:
            query = credentials.credentials_query(board.id, "", search, None, TODAY)
            return [c.number for c in session.execute(query).scalars()]

        assert found("NE-CPSS-000001") == ["NE-CPSS-000001"]
        assert found("NE-CPSS-00001") == ["NE-CPSS-000010", "NE-CPSS-000011", "NE-CPSS-000012"]
        assert found("ne-cpss-00001") == found("NE-CPSS-00001")  # typed in lower case
        assert found("NE-CPSS-0000%") == []  # a wildcard is a character, not a pattern
        assert found("holder1") == [f"NE-CPSS-{n:06d}" for n in (2, 11, 12)]  # name or email
        assert found("Holder1") == found("holder1")
        assert found("12") == found("000012") == ["NE-CPSS-000012"]  # the serial alone


def _board(slug: str) -> Board:  # pragma: no cover - for debugging
    return db.session.query(Board).filter_by(slug=slug).one()


def test_a_list_read_by_key_counts_up_to_its_cap_and_then_says_more_than(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        trainee = create_user(session, "t@example.org", [(Role.TRAINEE, board)])
        sup = create_user(session, "s@example.org", [(Role.SUPERVISOR, board)])
        _entries(session, board, trainee, sup, 60)
        query = select(SupervisedHoursEntry).where(SupervisedHoursEntry.board_id == board.id)
        keys = [(SupervisedHoursEntry.worked_on, date), (SupervisedHoursEntry.id, int)]
        exact = paginate_keyset(session, query, keys, count_cap=60)
        assert (exact.total, exact.more_than, exact.total_text) == (60, False, "60")
        capped = paginate_keyset(session, query, keys, count_cap=59)
        assert (capped.total, capped.more_than, capped.total_text) == (59, True, "more than 59")
        assert [e.id for e in capped.items] == [e.id for e in exact.items]  # the same page
        assert paginate_keyset(session, query, keys, count_cap=None).total == 60
