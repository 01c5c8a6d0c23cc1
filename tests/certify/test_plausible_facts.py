"""Plausible facts only (issue 10): every path where a date or hours enter refuses the
impossible — dates before the person's birth or the board's earliest record date, hours that
are not whole quarter hours, a future disciplinary step not scheduled explicitly, recovery
before birth — and a credential type without requirements needs a confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from certify import plausibility
from certify.credentials import services as credentials
from certify.hours import services as hours
from certify.models import (
    Application,
    Credential,
    CredentialType,
    SupervisedHoursEntry,
    TraineeProfile,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from certify.training import attendance
from certify.training.services import TrainingError, save_module
from core.extensions import db
from core.models import OutboxMessage, Role
from tests.factories import create_board, create_credential_type, create_user, login

TODAY = date.today()
BORN = date(1988, 4, 12)


@contextmanager
def _earliest(app: Any, setting: str) -> Iterator[None]:
    before = app.config["EARLIEST_RECORD_DATE"]
    app.config["EARLIEST_RECORD_DATE"] = setting
    try:
        yield
    finally:
        app.config["EARLIEST_RECORD_DATE"] = before


def test_the_earliest_record_date_setting_reads_per_board() -> None:
    setting = "ne-dbh=2015-01-01, 2005-06-01"
    assert plausibility.parse_earliest(setting, "ne-dbh") == date(2015, 1, 1)
    assert plausibility.parse_earliest(setting, "lakes") == date(2005, 6, 1)
    assert plausibility.parse_earliest("", "lakes") == plausibility.DEFAULT_EARLIEST
    assert plausibility.quarter_hours_problem(138) and not plausibility.quarter_hours_problem(135)


def _trainee(session: Any, board: Any, email: str = "tia@x.org") -> Any:
    trainee = create_user(session, email, [(Role.TRAINEE, board)])
    session.add(TraineeProfile(board_id=board.id, user_id=trainee.id, birth_date=BORN))
    session.flush()
    return trainee


def _entry(board: Any, worked_on: date, minutes: int = 120) -> hours.EntryInput:
    return hours.EntryInput(
        board_id=board.id, kind="experience", worked_on=worked_on, minutes=minutes,
        setting="Other", paid=False, supervisor_email="sup@x.org", supervisor_name="Sam",
    )  # fmt: skip


def test_hours_refuse_1900_a_day_before_birth_and_non_quarter_hours(app) -> None:
    with app.test_request_context():
        session = db.session
        board = create_board(session, "ne")
        trainee = _trainee(session, board)
        for worked_on, minutes, field, words in (
            (date(1900, 1, 1), 120, "worked_on", "before the person's date of birth"),
            (BORN - timedelta(days=1), 120, "worked_on", "before the person's date of birth"),
            (TODAY - timedelta(days=1), 138, "hours", "steps of 0.25"),  # 2.3 h
        ):
            with pytest.raises(hours.HoursError) as refused:
                hours.log_entry(session, trainee, _entry(board, worked_on, minutes), TODAY)
            assert words in refused.value.errors[field]
        # without a date of birth, the board's earliest record date still holds
        other = create_user(session, "ann@x.org", [(Role.TRAINEE, board)])
        with pytest.raises(hours.HoursError) as refused:
            hours.log_entry(session, other, _entry(board, date(1900, 1, 1)), TODAY)
        assert (
            "2000-01-01, the earliest date this board accepts" in refused.value.errors["worked_on"]
        )
        with _earliest(app, "ne=2020-01-01, 2000-01-01"):
            with pytest.raises(hours.HoursError):
                hours.log_entry(session, other, _entry(board, date(2019, 12, 31)), TODAY)
            hours.log_entry(session, other, _entry(board, date(2020, 1, 1)), TODAY)
        # today itself is a working day, not the future
        hours.log_entry(session, trainee, _entry(board, TODAY, 135), TODAY)
        assert session.execute(select(func.count(SupervisedHoursEntry.id))).scalar_one() == 2
        assert session.execute(select(func.count(OutboxMessage.id))).scalar_one() == 0


def test_the_hours_form_shows_the_date_problem_and_emails_nobody(
    app, client, make_board, make_user
) -> None:
    board = make_board("ne")
    make_user("tia@x.org", [(Role.TRAINEE, board)])
    login(client, "tia@x.org")
    page = client.post(
        "/me/hours/new",
        data={"board_id": board.id, "kind": "experience", "worked_on": "1900-01-01",
              "hours": "2", "setting": "Other", "paid": "volunteer",
              "supervisor_email": "sup@x.org", "supervisor_name": "Sam"},
    )  # fmt: skip
    assert "1900-01-01 is before 2000-01-01" in page.text
    with app.app_context():
        assert db.session.execute(select(func.count(OutboxMessage.id))).scalar_one() == 0


def test_training_attendance_and_modules_refuse_the_impossible(app) -> None:
    with app.test_request_context():
        session = db.session
        board = create_board(session, "ne")
        trainer = create_user(session, "trainer@x.org", [(Role.TRAINER, board)])
        trainee = _trainee(session, board)
        program = TrainingProgram(board_id=board.id, name="Peer 40", provider="Academy")
        module = TrainingModule(board_id=board.id, program=program, title="Core", minutes=600)
        cohort = TrainingCohort(board_id=board.id, program=program, name="Fall", starts_on=TODAY)
        session.add_all([program, module, cohort])
        session.flush()
        for day, minutes, words in (
            (BORN - timedelta(days=3), 60, "before the person's date of birth"),
            (TODAY - timedelta(days=1), 50, "not a whole number of quarter hours"),
        ):
            with pytest.raises(TrainingError, match=words):
                attendance.record_attendance(
                    session, trainer, cohort, trainee.email, module.id, day, minutes, TODAY
                )
        roster = (
            "email,module,date,minutes\n"
            f"tia@x.org,1,{(TODAY - timedelta(days=2)).isoformat()},50\n"
            "tia@x.org,1,1987-01-01,60\n"
        ).encode()
        with pytest.raises(attendance.RosterError) as bad:
            attendance.import_roster(session, trainer, cohort, roster, TODAY)
        found = {(p.row, p.column) for p in bad.value.problems}
        assert {(2, "minutes"), (3, "date")} <= found
        with pytest.raises(TrainingError, match="quarter hours"):
            save_module(session, trainer, program, None, "Ethics", 50, None, None)


def test_recovery_before_birth_and_birth_in_the_future_are_refused(
    app, client, make_board, make_user
) -> None:
    board = make_board("ne")
    make_user("tia@x.org", [(Role.TRAINEE, board)])
    login(client, "tia@x.org")
    form = {"birth_date": "1988-04-12", "recovery_since": "1970-01-01", "education": ""}
    page = client.post("/me/profile", data=form)
    assert page.status_code == 400
    assert "In recovery since 1970-01-01 is before the date of birth (1988-04-12)" in page.text
    with app.app_context():
        assert db.session.execute(select(TraineeProfile.recovery_since)).scalar() is None
    assert client.post("/me/profile", data={**form, "recovery_since": "2019-06-01"}).status_code
    with app.app_context():
        assert db.session.execute(select(TraineeProfile.recovery_since)).scalar() == date(
            2019, 6, 1
        )


def test_a_future_disciplinary_step_only_when_scheduled(app) -> None:
    with app.test_request_context():
        session = db.session
        board = create_board(session, "ne")
        admin = create_user(session, "admin@x.org", [(Role.BOARD_ADMIN, board)])
        holder = create_user(session, "holder@x.org", [(Role.TRAINEE, board)])
        ctype = create_credential_type(session, board, "CPSS")
        credential = Credential(
            board_id=board.id, holder_id=holder.id, credential_type_id=ctype.id,
            number="NE-CPSS-0001", status="active", issued_on=TODAY - timedelta(days=30),
            expires_on=TODAY + timedelta(days=700),
        )  # fmt: skip
        session.add(credential)
        session.flush()
        later = date(2031, 1, 1)
        with pytest.raises(credentials.CredentialError, match="is in the future"):
            credentials.discipline(
                session, credential, admin, "probation", later, False, "", "notes", today=TODAY
            )
        with pytest.raises(credentials.CredentialError, match="takes effect when it is recorded"):
            credentials.discipline(
                session, credential, admin, "suspension", later, False, "", "x", True, TODAY
            )
        with pytest.raises(credentials.CredentialError, match="earliest date"):
            credentials.discipline(
                session, credential, admin, "complaint", date(1990, 1, 1), False, "", "x",
                today=TODAY,
            )  # fmt: skip
        step = credentials.discipline(
            session, credential, admin, "probation", TODAY + timedelta(days=30), False, "",
            "starts next month", scheduled=True, today=TODAY,
        )  # fmt: skip
        assert step.started_on == TODAY + timedelta(days=30) and credential.status == "active"


def test_a_credential_type_without_requirements_needs_a_confirmation(
    app, client, make_board, make_user
) -> None:
    board = make_board("ne")
    make_user("admin@x.org", [(Role.BOARD_ADMIN, board)])
    login(client, "admin@x.org")
    empty = {"code": "OPEN", "name": "Open credential", "level": "full", "cycle_months": "24"}
    url = f"/boards/{board.id}/config/credential-types/new"
    warned = client.post(url, data=empty)
    assert warned.status_code == 200 and 'data-testid="no-requirements-warning"' in warned.text
    assert "requires nothing" in warned.text
    with app.app_context():
        assert db.session.execute(select(func.count(CredentialType.id))).scalar_one() == 0
    saved = client.post(url, data={**empty, "confirm_no_requirements": "y"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.execute(select(func.count(CredentialType.id))).scalar_one() == 1


def test_a_retired_credential_type_keeps_its_holders_and_takes_no_new_applicant(
    app, client, make_board, make_user
) -> None:
    from certify.applications import services as applications

    board = make_board("ne")
    make_user("admin@x.org", [(Role.BOARD_ADMIN, board)])
    holder = make_user("holder@x.org", [(Role.TRAINEE, board)])
    make_user("new@x.org", [(Role.TRAINEE, board)])
    drafter = make_user("draft@x.org", [(Role.TRAINEE, board)])
    with app.app_context():
        ctype = create_credential_type(db.session, db.session.merge(board), "OLD")
        db.session.add(
            Credential(
                board_id=board.id, holder_id=holder.id, credential_type_id=ctype.id,
                number="NE-OLD-0001", status="active", issued_on=TODAY - timedelta(days=30),
                expires_on=TODAY + timedelta(days=700),
            )
        )  # fmt: skip
        draft = applications.start(db.session, db.session.merge(drafter), ctype)
        db.session.commit()
        type_id, draft_id = ctype.id, draft.id
    login(client, "admin@x.org")
    url = f"/boards/{board.id}/config/credential-types/{type_id}/retire"
    assert "holders keep their credentials" in client.get(url).text
    assert client.post(url, data={"reason": "Replaced by CPRS"}).status_code == 400  # unticked
    assert client.post(url, data={"reason": "Replaced by CPRS", "confirm": "y"}).status_code == 302
    assert 'data-testid="retired-OLD"' in client.get(f"/boards/{board.id}/config/").text
    client.post("/logout")
    # the holder keeps the credential and still sees it as held
    login(client, "holder@x.org")
    mine = client.get(f"/me/certification?board_id={board.id}").text
    assert "NE-OLD-0001" in mine
    client.post("/logout")
    # a newcomer is not offered it, and cannot apply by posting the form anyway
    login(client, "new@x.org")
    assert "Apply for" not in client.get(f"/me/certification?board_id={board.id}").text
    refused = client.post(
        "/me/applications/start", data={"credential_type_id": type_id}, follow_redirects=True
    )
    assert "no longer takes applications" in refused.text
    with app.app_context():
        ctype = db.session.get(CredentialType, type_id)
        assert ctype.retired_on == TODAY
        credential = db.session.execute(select(Credential)).scalar_one()
        assert credential.status == "active"
        # a draft begun before the retirement cannot be handed in
        draft = db.session.get(Application, draft_id)
        with pytest.raises(applications.WorkflowError, match="retired"):
            applications.submit(db.session, draft, draft.trainee, TODAY, confirmed=True)


def test_requirement_hours_are_whole_quarter_hours_in_the_service_too(app) -> None:
    from certify.config.services import rule_problems

    fields = {"code": "X", "name": "X", "level": "full", "substance_use": False,
              "cycle_months": 24}  # fmt: skip
    problems = rule_problems(
        fields, {"training_minutes": 2398, "training_category_minutes": {"Ethics": 50}}
    )
    assert "quarter hours" in problems["training_minutes"]
    assert "quarter hours" in problems["categories"]
    assert rule_problems(fields, {"training_minutes": 2400}) == {}
