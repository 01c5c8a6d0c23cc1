"""Certify's hooks: other modules add applicant facts and renewal blockers without certify
importing them, and reading pages never writes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from certify import hooks
from certify.applications import eligibility
from certify.credentials import services as credentials
from certify.models import Credential, CredentialType, TraineeProfile
from core.extensions import db
from core.models import Role
from tests.factories import credential_type, login, ready_trainee


@pytest.fixture
def exam_provider() -> Iterator[list[bool]]:
    """A stand-in exams module: says 'passed' for whoever is listed."""
    passed: list[bool] = []

    def exam_result(session, profile, as_of):  # type: ignore[no-untyped-def]
        return hooks.ProvidedFacts(exam_passed=True if passed else None)

    hooks.applicant_facts.connect(exam_result)
    yield passed
    hooks.applicant_facts.disconnect(exam_result)


def test_certify_connects_the_staff_recorded_exam_as_a_provider(app) -> None:  # type: ignore[no-untyped-def]
    assert hooks.staff_recorded_exam in hooks.applicant_facts.providers


def test_merge_counts_a_pass_from_any_provider() -> None:
    said = hooks.merge_facts
    assert said([]).exam_passed is None
    assert said([hooks.ProvidedFacts(), hooks.ProvidedFacts(False)]).exam_passed is False
    assert said([hooks.ProvidedFacts(False), hooks.ProvidedFacts(True)]).exam_passed is True


def test_an_exam_provider_decides_the_exam_requirement(
    app, make_board, make_user, exam_provider
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    ready_trainee(app, board, trainee, exam_passed=False)
    today = date.today()
    with app.app_context():
        [(_, before)] = eligibility.checklists(db.session, board.id, trainee.id, today)
        assert [c.key for c in before.checks if not c.met] == ["exam"]
        exam_provider.append(True)
        [(_, after)] = eligibility.checklists(db.session, board.id, trainee.id, today)
        assert after.eligible


def test_a_renewal_blocker_from_another_module_stops_renewal(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    holder = make_user("holder@example.org", [(Role.TRAINEE, board)])
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])

    def ce_short(session, credential, as_of):  # type: ignore[no-untyped-def]
        return ["4.5 ethics CE hours missing."]

    with app.app_context():
        credential = Credential(
            board_id=board.id,
            credential_type_id=ctype_id,
            holder_id=holder.id,
            number="NE-1",
            status="active",
            issued_on=date.today() - timedelta(days=700),
            expires_on=date.today() + timedelta(days=30),
        )
        db.session.add(credential)
        db.session.flush()
        assert credentials.renewal_blockers(db.session, credential, date.today()) == []
        hooks.renewal_blockers.connect(ce_short)
        try:
            blockers = credentials.renewal_blockers(db.session, credential, date.today())
            assert blockers == ["4.5 ethics CE hours missing."]
            with pytest.raises(credentials.CredentialError, match="ethics CE hours missing"):
                credentials.renew(
                    db.session, credential, db.session.get(type(admin), admin.id), date.today()
                )
        finally:
            hooks.renewal_blockers.disconnect(ce_short)
        db.session.rollback()


def test_reading_trainee_and_review_pages_writes_nothing(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    """A trainee with no profile yet opens their pages; no INSERT, UPDATE or DELETE runs."""
    board = make_board("ne")
    credential_type(app, board)
    trainee = make_user("new@example.org", [(Role.TRAINEE, board)])
    login(client, trainee.email)
    writes: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement.split("\n", 1)[0])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        for url in ("/me/certification", "/me/profile", "/dashboard"):
            assert client.get(url).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert writes == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TraineeProfile)) == 0
        assert db.session.scalar(select(func.count()).select_from(CredentialType)) == 1
