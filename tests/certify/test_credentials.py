"""Credential numbering, status changes, expiry and reminders, discipline, upgrade, PDFs."""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from certify.credentials import services as credentials
from certify.models import Credential, CredentialType, ExpiryReminder
from core.extensions import db
from core.models import AuditEvent, OutboxMessage, Role, User
from tests.factories import add_hours, credential_type, login, ready_trainee


def _issue(app, board, holder, ctype_id, as_of=None):  # type: ignore[no-untyped-def]
    with app.app_context():
        credential = credentials.issue(
            db.session,
            db.session.get(User, holder.id),
            db.session.get(CredentialType, ctype_id),
            db.session.get(User, holder.id),
            as_of or date.today(),
        )
        db.session.commit()
        return credential.id, credential.number


def test_add_months_keeps_month_ends() -> None:
    assert credentials.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert credentials.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert credentials.add_months(date(2026, 11, 23), 24) == date(2028, 11, 23)


def test_numbers_are_sequential_per_board(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne, lakes = make_board("ne"), make_board("lakes")
    ne_type, lakes_type = credential_type(app, ne), credential_type(app, lakes, code="PR")
    holder = make_user("h@example.org", [(Role.TRAINEE, ne), (Role.TRAINEE, lakes)])
    numbers = [_issue(app, ne, holder, ne_type)[1] for _ in range(2)]
    numbers.append(_issue(app, lakes, holder, lakes_type)[1])
    assert numbers == ["NE-CPSS-000001", "NE-CPSS-000002", "LAKES-PR-000001"]


@pytest.mark.real_commits
def test_concurrent_issue_never_repeats_a_number(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip(reason="concurrent issue needs the PostgreSQL run (row locks)")
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    holders = [make_user(f"h{i}@example.org", [(Role.TRAINEE, board)]) for i in range(8)]
    barrier, errors, numbers = threading.Barrier(8, timeout=60), [], []

    def worker(holder):  # type: ignore[no-untyped-def]
        try:
            with app.app_context():
                barrier.wait()
                numbers.append(_issue(app, board, holder, ctype_id)[1])
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(h,)) for h in holders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(numbers) == [f"NE-CPSS-{i:06d}" for i in range(1, 9)]


@pytest.mark.real_commits
def test_two_staff_suspending_at_once_change_it_once(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 High #1, 'the same treatment for every transition two staff can race'."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip(reason="concurrent status changes need the PostgreSQL run (row locks)")
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    holder = make_user("h@example.org", [(Role.TRAINEE, board)])
    staff = [make_user(f"a{i}@example.org", [(Role.BOARD_ADMIN, board)]) for i in range(4)]
    credential_id, _ = _issue(app, board, holder, ctype_id)
    barrier, outcomes = threading.Barrier(len(staff), timeout=60), []

    def press(admin):  # type: ignore[no-untyped-def]
        client = app.test_client()
        login(client, admin.email)
        barrier.wait()
        page = client.post(
            f"/boards/{board.id}/credentials/{credential_id}/status",
            data={"target": "suspended", "reason": "Investigation", "confirm": "y"},
            follow_redirects=True,
        ).get_data(as_text=True)
        outcomes.append("refused" if "cannot become suspended" in page else "changed")

    threads = [threading.Thread(target=press, args=(a,)) for a in staff]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["changed"] + ["refused"] * (len(staff) - 1)
    with app.app_context():
        actions = db.session.execute(
            select(AuditEvent.action).where(AuditEvent.action == "credential.suspended")
        ).scalars()
        assert len(list(actions)) == 1


def test_status_changes_need_reason_and_show_publicly(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    holder = make_user("h@example.org", [(Role.TRAINEE, board)])
    admin = make_user("a@example.org", [(Role.BOARD_ADMIN, board)])
    credential_id, number = _issue(app, board, holder, ctype_id)
    login(client, admin.email)
    url = f"/boards/{board.id}/credentials/{credential_id}"
    client.post(f"{url}/status", data={"target": "suspended", "reason": "", "confirm": "y"})
    with app.app_context():
        assert db.session.get(Credential, credential_id).status == "active"
    client.post(
        f"{url}/status", data={"target": "suspended", "reason": "Investigation", "confirm": "y"}
    )
    public = app.test_client().get(f"/verify/ne/{number}").get_data(as_text=True)
    assert "Suspended" in public and "not valid" in public
    client.post(
        f"{url}/discipline",
        data={
            "kind": "revocation",
            "started_on": date.today().isoformat(),
            "public": "y",
            "public_summary": "Boundary violation with a person served.",
        },
    )
    with app.app_context():
        assert db.session.get(Credential, credential_id).status == "revoked"
        events = list(db.session.execute(select(AuditEvent.action)).scalars())
        assert "credential.suspended" in events and "credential.revoked" in events
    public = app.test_client().get(f"/verify/ne/{number}").get_data(as_text=True)
    assert "Revoked" in public and "Boundary violation" in public
    pdf = client.get(f"/credentials/{credential_id}/certificate.pdf").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "REVOKED" in text


def test_expiry_job_and_reminders(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board, cycle_months=12)
    holder = make_user("h@example.org", [(Role.TRAINEE, board)])
    issued = date(2025, 1, 15)
    credential_id, _ = _issue(app, board, holder, ctype_id, as_of=issued)
    runner = app.test_cli_runner()
    expires = date(2026, 1, 15)
    for days_left, reminders in ((100, 0), (90, 1), (85, 0), (60, 1), (29, 1), (29, 0)):
        day = (expires - timedelta(days=days_left)).isoformat()
        result = runner.invoke(args=["credentials", "expire", "--as-of", day])
        assert result.exit_code == 0, result.output
        said = f"{reminders} reminder{'' if reminders == 1 else 's'} queued"
        assert said in result.output, (days_left, result.output)
    result = runner.invoke(args=["credentials", "expire", "--as-of", "2026-01-16"])
    assert "1 credential expired" in result.output
    with app.app_context():
        assert db.session.get(Credential, credential_id).status == "expired"
        assert len(db.session.execute(select(ExpiryReminder)).scalars().all()) == 3
        subjects = db.session.execute(select(OutboxMessage.subject)).scalars().all()
        assert sum("expires in" in s for s in subjects) == 3
        assert any("has expired" in s for s in subjects)


def test_provisional_upgrades_when_requirements_met(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("lakes")
    provisional_id = credential_type(
        app, board, code="CRPS-P", level="provisional", exam_required=False
    )
    full_id = credential_type(app, board, code="PR", experience_minutes=500 * 60)
    holder = make_user("h@example.org", [(Role.TRAINEE, board)])
    supervisor = make_user("s@example.org", [(Role.SUPERVISOR, board)])
    reviewer = make_user("r@example.org", [(Role.BOARD_REVIEWER, board)])
    ready_trainee(app, board, holder, supervisor=supervisor, experience_minutes=400 * 60)
    credential_id, _ = _issue(app, board, holder, provisional_id)
    login(client, reviewer.email)
    url = f"/boards/{board.id}/credentials/{credential_id}"
    page = client.get(url).get_data(as_text=True)
    assert "400 of 500" in page
    response = client.post(
        f"{url}/upgrade", data={"credential_type_id": full_id}, follow_redirects=True
    )
    assert "Not all requirements are met yet" in response.get_data(as_text=True)
    add_hours(app, board, holder, supervisor, 100 * 60, days_ago=1)
    client.post(f"{url}/upgrade", data={"credential_type_id": full_id})
    with app.app_context():
        rows = {c.number: c.status for c in db.session.execute(select(Credential)).scalars()}
    assert rows == {"LAKES-CRPS-P-000001": "inactive", "LAKES-PR-000002": "active"}


def test_staff_of_another_board_cannot_touch_credentials(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    ne, lakes = make_board("ne"), make_board("lakes")
    ctype_id = credential_type(app, ne)
    holder = make_user("h@example.org", [(Role.TRAINEE, ne)])
    other_holder = make_user("o@example.org", [(Role.TRAINEE, ne)])
    lakes_admin = make_user("la@example.org", [(Role.BOARD_ADMIN, lakes)])
    credential_id, _ = _issue(app, ne, holder, ctype_id)
    login(client, lakes_admin.email)
    assert client.get(f"/boards/{ne.id}/credentials").status_code == 404
    assert client.get(f"/boards/{lakes.id}/credentials/{credential_id}").status_code == 404
    assert (
        client.post(
            f"/boards/{ne.id}/credentials/{credential_id}/status",
            data={"target": "revoked", "reason": "x", "confirm": "y"},
        ).status_code
        == 404
    )
    assert client.get(f"/credentials/{credential_id}/certificate.pdf").status_code == 404
    other = app.test_client()
    login(other, other_holder.email)
    assert other.get(f"/credentials/{credential_id}/wallet-card.pdf").status_code == 404
    assert app.test_client().get("/verify/ne/NE-CPSS-999999").status_code == 404
