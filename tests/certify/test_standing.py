"""Stored standing agrees with the live checklist after every kind of change, and stays current."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from certify.applications import services as applications
from certify.config.services import save_credential_type, snapshot
from certify.credentials import services as credentials
from certify.hours import services as hours
from certify.hours import supervisors
from certify.models import (
    CredentialType,
    Standing,
    StandingRecompute,
    SupervisedHoursEntry,
    SupervisorProfile,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from certify.standing import services as standing
from certify.standing import tracking
from certify.training import attendance
from certify.training.services import set_approval
from core.accounts import grant_role
from core.extensions import db
from core.models import Board, Role, RoleAssignment, User
from tests.factories import (
    HOUR,
    create_board,
    create_credential_type,
    create_user,
    verified_supervisor,
)

TODAY = date.today()


def _agree(board_id: int, *user_ids: int, as_of: date = TODAY) -> None:
    drift = standing.compare(db.session, board_id, user_ids, as_of)
    assert drift == [], [d.describe() for d in drift]


def _row(board_id: int, user_id: int, ctype_id: int) -> Standing:
    return db.session.execute(
        select(Standing).where(
            Standing.board_id == board_id,
            Standing.user_id == user_id,
            Standing.credential_type_id == ctype_id,
        )
    ).scalar_one()


def _only_type(board_id: int) -> int:
    return db.session.execute(
        select(CredentialType.id).where(CredentialType.board_id == board_id)
    ).scalar_one()


def _keys(board_id: int, user_id: int, ctype_id: int) -> list[str]:
    return [c["key"] for c in _row(board_id, user_id, ctype_id).checks]


def _rules(ctype: CredentialType, **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The type's fields and rules as save_credential_type takes them, with changes."""
    now = snapshot(ctype)
    type_fields = {k: now[k] for k in ("code", "name", "level", "substance_use", "cycle_months")}
    rules = {k: v for k, v in now.items() if k not in type_fields}
    return type_fields, {**rules, **changes}


def test_stored_and_live_agree_after_each_kind_of_change(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        session = db.session
        board = create_board(session, "ne")
        admin = create_user(session, "admin@example.org", [(Role.BOARD_ADMIN, board)])
        sup = create_user(session, "sup@example.org", [(Role.SUPERVISOR, board)])
        ctype = create_credential_type(
            session, board, "PR", experience_minutes=10 * HOUR, supervision_minutes=2 * HOUR,
            supervisor_licenses=["limhp"], approved_training_only=True,
        )  # fmt: skip
        session.commit()

        # registered: a trainee role gives rows at once, nothing met yet
        trainee = create_user(session, "tia@example.org", [(Role.TRAINEE, board)])
        session.commit()
        row = _row(board.id, trainee.id, ctype.id)
        assert (row.eligible, row.training_met, row.hours_met, row.exam_met) == (
            False, False, False, False,
        )  # fmt: skip
        _agree(board.id, trainee.id)

        # profile saved by the trainee
        profile = applications.eligibility.profile_for(session, board.id, trainee.id)
        applications.update_profile(
            session, trainee, profile, birth_date=date(1990, 5, 1), ethics_attested=True
        )
        session.commit()
        assert {c["key"]: c["met"] for c in _row(board.id, trainee.id, ctype.id).checks}["age"]
        _agree(board.id, trainee.id)

        # training recorded, from a program the board has not approved yet
        program = TrainingProgram(board_id=board.id, name="Peer 40", provider="Academy")
        module = TrainingModule(board_id=board.id, program=program, title="Core", minutes=2400)
        cohort = TrainingCohort(
            board_id=board.id, program=program, name="Spring", starts_on=TODAY - timedelta(30)
        )
        session.add_all([program, module, cohort])
        session.commit()
        attendance.record_attendance(
            session, admin, cohort, trainee.email, module.id, TODAY - timedelta(20), 2400, TODAY
        )
        session.commit()
        assert _row(board.id, trainee.id, ctype.id).training_met is False
        _agree(board.id, trainee.id)
        # the board approves the program: its hours count now
        set_approval(session, admin, program, True, "Curriculum reviewed")
        session.commit()
        assert _row(board.id, trainee.id, ctype.id).training_met is True
        _agree(board.id, trainee.id)

        # hours logged (pending), then confirmed by a supervisor the rules do not accept
        supervisors.save_profile(session, sup, board.id, "ladc", "L-1", "NE")
        session.commit()
        entries = []
        for days, kind, minutes in ((3, "experience", 600), (2, "supervision", 120)):
            data = hours.EntryInput(
                board_id=board.id, kind=kind, worked_on=TODAY - timedelta(days), minutes=minutes,
                setting="Other", paid=False, supervisor_email=sup.email,
            )  # fmt: skip
            entries.append(hours.log_entry(session, trainee, data, TODAY))
            session.commit()
            _agree(board.id, trainee.id)
        supervisors.confirm_entries(session, sup, entries)
        session.commit()
        checks = {c["key"]: c for c in _row(board.id, trainee.id, ctype.id).checks}
        # confirmed, but nobody at the board verified the license: nothing counts yet
        assert not checks["experience"]["met"] and checks["experience"]["have"] == 0
        assert not checks["experience"]["met"] and checks["experience"]["need"] == 10
        _agree(board.id, trainee.id)
        license_of = select(SupervisorProfile).where(SupervisorProfile.user_id == sup.id)
        supervisors.verify_supervisor(session, admin, session.execute(license_of).scalar_one())
        session.commit()
        checks = {c["key"]: c for c in _row(board.id, trainee.id, ctype.id).checks}
        assert checks["experience"]["met"] and checks["experience"]["have"] == 10
        assert not checks["supervision"]["met"]  # an LADC supervises substance use only
        _agree(board.id, trainee.id)
        # the supervisor's license is corrected: verified again, the supervision hours count
        supervisors.save_profile(session, sup, board.id, "limhp", "L-2", "NE")
        session.commit()
        assert _row(board.id, trainee.id, ctype.id).hours_met is False  # not verified again yet
        supervisors.verify_supervisor(session, admin, session.execute(license_of).scalar_one())
        session.commit()
        assert _row(board.id, trainee.id, ctype.id).hours_met is True
        _agree(board.id, trainee.id)

        # an entry rejected
        extra = hours.EntryInput(
            board_id=board.id, kind="experience", worked_on=TODAY - timedelta(5), minutes=60,
            setting="Other", paid=False, supervisor_email=sup.email,
        )  # fmt: skip
        rejected = hours.log_entry(session, trainee, extra, TODAY)
        session.commit()
        supervisors.reject_entry(session, sup, rejected, "Not supervised by me")
        session.commit()
        _agree(board.id, trainee.id)

        # exam result recorded by staff: every requirement met
        applications.record_staff_facts(session, admin, profile, exam_passed=True)
        session.commit()
        row = _row(board.id, trainee.id, ctype.id)
        assert row.exam_met is True and row.eligible is True and row.unmet == 0
        _agree(board.id, trainee.id)

        # the board changes its rules: more experience hours needed
        type_fields, rules = _rules(ctype, experience_minutes=20 * HOUR)
        save_credential_type(session, admin, board, type_fields, rules, ctype)
        session.commit()
        row = _row(board.id, trainee.id, ctype.id)
        assert row.hours_met is False and row.eligible is False
        _agree(board.id, trainee.id)

        # a new credential type: everybody gets a row for it
        other = create_credential_type(session, board, "CPSS", exam_required=False)
        session.commit()
        assert _row(board.id, trainee.id, other.id).eligible is True
        _agree(board.id, trainee.id)

        # application and credential changes
        application = applications.start(session, trainee, other)
        applications.submit(session, application, trainee, TODAY)
        session.commit()
        credentials.issue(session, trainee, other, admin, TODAY)
        session.commit()
        _agree(board.id, trainee.id)

        # no longer a trainee of the board: no rows to count
        session.execute(
            select(RoleAssignment).where(RoleAssignment.user_id == trainee.id)
        ).scalars().all()
        for assignment in list(trainee.roles):
            if assignment.role == Role.TRAINEE.value:
                session.delete(assignment)
        session.commit()
        left = session.execute(select(Standing).where(Standing.user_id == trainee.id)).all()
        assert left == []
        _agree(board.id, trainee.id)


def test_time_alone_changes_a_standing_and_the_daily_refresh_follows(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        ctype = create_credential_type(session, board, "CPSS", min_age=19)
        trainee = create_user(session, "young@example.org", [(Role.TRAINEE, board)])
        turns_19 = TODAY.replace(year=TODAY.year - 19) + timedelta(days=1)
        if (turns_19.month, turns_19.day) == (2, 29):  # keep the test on a plain date
            turns_19 += timedelta(days=1)
        profile = applications.eligibility.profile_for(session, board.id, trainee.id)
        profile.birth_date = turns_19
        session.commit()
        row = _row(board.id, trainee.id, ctype.id)
        age = {c["key"]: c for c in row.checks}["age"]
        assert age["met"] is False and row.valid_until is not None
        birthday = TODAY + timedelta(days=1)
        assert row.valid_until <= birthday
        assert standing.due(session, board.id, birthday) == 1
        board_id, trainee_id, ctype_id = board.id, trainee.id, ctype.id

    result = app.test_cli_runner().invoke(
        args=["standing", "refresh", "--as-of", birthday.isoformat()]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        row = _row(board_id, trainee_id, ctype_id)
        assert {c["key"]: c for c in row.checks}["age"]["met"] is True
        assert row.as_of == birthday and row.valid_until > birthday
        _agree(board_id, trainee_id, as_of=birthday)


def test_a_rule_change_on_a_large_board_is_a_resumable_job(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from certify.board.services import figures

    monkeypatch.setattr(tracking, "INLINE_LIMIT", 2)
    monkeypatch.setattr(standing, "BATCH", 2)
    with app.app_context():
        session = db.session
        board = create_board(session, "big")
        admin = create_user(session, "admin@example.org", [(Role.BOARD_ADMIN, board)])
        ctype = create_credential_type(session, board, "CPSS", min_age=19)
        people = [
            create_user(session, f"t{i}@example.org", [(Role.TRAINEE, board)]) for i in range(5)
        ]
        session.commit()  # five people at once: more than the inline limit, so queued
        job = standing.next_job(session, board.id)
        assert job is not None and job.status == "pending"
        session.execute(update(StandingRecompute).values(status="done"))
        standing.recompute_people(session, board.id, [p.id for p in people], TODAY)
        session.commit()
        _agree(board.id, *(p.id for p in people))

        type_fields, rules = _rules(ctype, min_age=None)
        save_credential_type(session, admin, board, type_fields, rules, ctype)
        session.commit()
        shown = figures(session, board.id, TODAY).recompute
        assert shown is not None and (shown.done, shown.total) == (0, 5)
        assert "age" in _keys(board.id, people[0].id, ctype.id)  # the old rules still
        job = standing.next_job(session, board.id)
        assert job is not None
        assert standing.run_job_batch(session, job, TODAY)  # one batch, then "interrupted"
        session.commit()
        assert (job.status, job.done) == ("running", 2)
        assert figures(session, board.id, TODAY).recompute.done == 2  # type: ignore[union-attr]
        slug, board_id, ctype_id, ids = board.slug, board.id, ctype.id, [p.id for p in people]

    result = app.test_cli_runner().invoke(args=["standing", "recompute", slug])
    assert result.exit_code == 0, result.output
    assert "big: 4 of 5 people (running)" in result.output  # resumed after the first two
    assert "big: 5 of 5 people (done)" in result.output
    with app.app_context():
        assert standing.next_job(db.session, board_id) is None
        assert not any("age" in _keys(board_id, i, ctype_id) for i in ids)
        _agree(board_id, *ids)
        assert figures(db.session, board_id, TODAY).recompute is None


def test_verify_reports_drift_and_fix_repairs_it(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        create_credential_type(session, board, "CPSS")
        trainee = create_user(session, "tia@example.org", [(Role.TRAINEE, board)])
        session.commit()
        trainee_id = trainee.id
        runner = app.test_cli_runner()
        clean = runner.invoke(args=["standing", "verify"])
        assert clean.exit_code == 0 and "checked 1 people: 0 with drift" in clean.output
        session.execute(
            update(Standing).where(Standing.user_id == trainee.id).values(eligible=True)
        )
        session.commit()
    drifted = runner.invoke(args=["standing", "verify", "--board", "ne"])
    assert drifted.exit_code == 1 and "1 with drift" in drifted.output
    assert f"person {trainee_id}" in drifted.output
    fixed = runner.invoke(args=["standing", "verify", "--fix"])
    assert fixed.exit_code == 0 and "(fixed)" in fixed.output
    assert runner.invoke(args=["standing", "verify"]).exit_code == 0


def test_a_new_trainee_role_on_a_board_gets_rows(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        ctype = create_credential_type(session, board, "CPSS")
        person = create_user(session, "later@example.org")
        session.commit()
        assert session.execute(select(Standing)).first() is None
        grant_role(session, person, Role.TRAINEE, board)
        session.commit()
        assert _row(board.id, person.id, ctype.id).eligible is False


@pytest.mark.real_commits
def test_two_changes_to_one_person_at_once_leave_no_drift(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    """Two supervisors confirm hours of one trainee at the same moment: the recompute of the
    second to commit sees the first's hours too (the person's row is locked meanwhile)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip(reason="concurrent commits need the PostgreSQL run (row locks)")
    board = make_board("ne")
    with app.app_context():
        create_credential_type(
            db.session, db.session.get(Board, board.id), "PR", experience_minutes=16 * HOUR
        )
        db.session.commit()
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    sups = [make_user(f"s{i}@example.org", [(Role.SUPERVISOR, board)]) for i in range(2)]
    with app.app_context():
        for i, sup in enumerate(sups):
            # hours count only when the board verified the supervisor's license
            verified_supervisor(
                db.session, db.session.get(Board, board.id), db.session.get(User, sup.id)
            )
            db.session.add(
                SupervisedHoursEntry(
                    board_id=board.id,
                    trainee_id=trainee.id,
                    supervisor_id=sup.id,
                    kind="experience",
                    worked_on=TODAY - timedelta(days=i + 1),
                    minutes=480,
                    setting="Other",
                    status="pending",
                )  # fmt: skip
            )
        db.session.commit()
    barrier, errors = threading.Barrier(2, timeout=60), []

    def confirm(sup_id: int) -> None:
        try:
            with app.app_context():
                entry = db.session.execute(
                    select(SupervisedHoursEntry).where(SupervisedHoursEntry.supervisor_id == sup_id)
                ).scalar_one()
                entry.status = "confirmed"
                db.session.flush()
                barrier.wait(timeout=10)  # both changed, neither committed
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(s.id,)) for s in sups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        row = db.session.execute(
            select(Standing).where(Standing.user_id == trainee.id)
        ).scalar_one()
        assert {c["key"]: c["have"] for c in row.checks}["experience"] == 16
        _agree(board.id, trainee.id)
