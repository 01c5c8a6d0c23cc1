"""Numbers on board pages agree with the rules engine: the demo data and constructed cases."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from certify.applications import eligibility
from certify.board.services import PIPELINE_STAGES, figures
from certify.credentials import services as credentials
from certify.models import (
    Credential,
    TraineeProfile,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from core.extensions import db
from core.models import Board, Role, RoleAssignment
from rds.models import BlueprintVersion, Study
from tests.factories import (
    HOUR,
    create_board,
    create_credential_type,
    create_hours,
    create_user,
    login,
)

TODAY = date.today()


def _live_pipeline(board_id: int) -> dict[str, int]:
    """The pipeline counted the slow way: every trainee's live checklist, one by one."""
    trainees = db.session.execute(
        select(RoleAssignment.user_id).where(
            RoleAssignment.board_id == board_id, RoleAssignment.role == Role.TRAINEE.value
        )
    ).scalars()
    counts = dict.fromkeys(PIPELINE_STAGES, 0)
    for user_id in trainees:
        counts["Registered"] += 1
        checklist = eligibility.checklists(db.session, board_id, user_id, TODAY)
        for stage, keys in (
            ("Trained", lambda k: k == "training" or k.startswith("training:")),
            ("Hours complete", lambda k: k in ("experience", "supervision")),
            ("Exam passed", lambda k: k == "exam"),
        ):
            if any(
                (relevant := [c for c in result.checks if keys(c.key)])
                and all(c.met for c in relevant)
                for _ctype, result in checklist
            ):
                counts[stage] += 1
        held = {
            c.status
            for c in db.session.execute(
                select(Credential).where(
                    Credential.board_id == board_id, Credential.holder_id == user_id
                )
            ).scalars()
        }
        if "active" in held:
            counts["Certified"] += 1
        elif "provisional" in held:
            counts["Provisional credential"] += 1
    return counts


def _ready(session, board, user, module, cohort, exam_passed: bool) -> None:  # type: ignore[no-untyped-def]
    """A complete profile and the 40-hour training, with or without the exam."""
    session.add_all(
        [
            TraineeProfile(
                board_id=board.id, user_id=user.id, birth_date=date(1990, 5, 1),
                education="hs_diploma_or_ged", lived_experience=True,
                recovery_since=date(2020, 1, 1), ethics_attested=True, exam_passed=exam_passed,
            ),
            TrainingAttendance(
                board_id=board.id, cohort_id=cohort.id, module_id=module.id, trainee_id=user.id,
                attended_on=TODAY - timedelta(days=20), minutes=module.minutes,
            ),
        ]
    )  # fmt: skip
    session.flush()


def _shown_pipeline(html: str) -> dict[str, int]:
    rows = re.findall(
        r'<th scope="row"[^>]*>([^<]+)</th>.*?<td class="text-end">(\d+)</td>', html, re.S
    )
    return {stage: int(n) for stage, n in rows}


def test_pipeline_on_the_demo_data_agrees_with_every_checklist(app, client) -> None:  # type: ignore[no-untyped-def]
    app.config["ENV_NAME"] = "development"
    try:
        result = app.test_cli_runner().invoke(args=["demo", "load", "--crowd", "0"])
    finally:
        app.config["ENV_NAME"] = "testing"
    assert result.exit_code == 0, result.output
    with app.app_context():
        boards = {b.slug: b.id for b in db.session.execute(select(Board)).scalars()}
        for board_id in boards.values():
            stored = dict(figures(db.session, board_id, TODAY).pipeline)
            assert stored == _live_pipeline(board_id)
        lakes = dict(figures(db.session, boards["icrc-lakes"], TODAY).pipeline)
    # Jordan: 320 of 500 experience hours, no exam, a provisional credential
    assert lakes == {
        "Registered": 1,
        "Trained": 1,
        "Hours complete": 0,
        "Exam passed": 0,
        "Provisional credential": 1,
        "Certified": 0,
    }
    login(client, "lakes.admin@demo.peercert", "demo-lakes-admin")
    page = client.get(f"/boards/{boards['icrc-lakes']}").get_data(as_text=True)
    assert _shown_pipeline(page) == lakes
    pipeline = client.get(f"/boards/{boards['icrc-lakes']}/pipeline").get_data(as_text=True)
    assert _shown_pipeline(pipeline) == lakes


def test_320_of_500_hours_and_no_exam_is_neither_hours_complete_nor_exam_passed(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "lakes")
        admin = create_user(session, "admin@example.org", [(Role.BOARD_ADMIN, board)])
        sup = create_user(session, "sup@example.org", [(Role.SUPERVISOR, board)])
        provisional = create_credential_type(
            session, board, "CRPS-P", level="provisional", exam_required=False
        )
        full = create_credential_type(session, board, "PR", experience_minutes=500 * HOUR)
        program = TrainingProgram(board_id=board.id, name="Peer 40", provider="A", approved=True)
        module = TrainingModule(board_id=board.id, program=program, title="All", minutes=40 * HOUR)
        cohort = TrainingCohort(board_id=board.id, program=program, name="S", starts_on=TODAY)
        session.add_all([program, module, cohort])
        session.flush()
        # in the middle: 320 of 500 hours, no exam, a provisional credential
        jordan = create_user(session, "jordan@example.org", [(Role.TRAINEE, board)])
        _ready(session, board, jordan, module, cohort, exam_passed=False)
        create_hours(session, board, jordan, sup, 320 * HOUR, days_ago=10)
        credentials.issue(session, jordan, provisional, admin, TODAY - timedelta(days=5))
        # done: every requirement met, a full credential
        casey = create_user(session, "casey@example.org", [(Role.TRAINEE, board)])
        _ready(session, board, casey, module, cohort, exam_passed=True)
        create_hours(session, board, casey, sup, 500 * HOUR, days_ago=100)
        credentials.issue(session, casey, full, admin, TODAY)
        # certified by override: holds the full credential, the checklist says exam not passed
        sam = create_user(session, "sam@example.org", [(Role.TRAINEE, board)])
        _ready(session, board, sam, module, cohort, exam_passed=False)
        credentials.issue(session, sam, full, admin, TODAY)
        # a former holder whose credential was revoked counts in neither credential stage
        kim = create_user(session, "kim@example.org", [(Role.TRAINEE, board)])
        revoked = credentials.issue(session, kim, provisional, admin, TODAY)
        credentials.change_status(session, revoked, "revoked", admin, "Falsified record")
        session.commit()

        shown = dict(figures(session, board.id, TODAY).pipeline)
        assert shown == _live_pipeline(board.id)
        assert shown == {
            "Registered": 4,
            "Trained": 3,  # jordan, casey, sam: 40 training hours each
            "Hours complete": 1,  # casey only: 320 of 500 is not complete
            "Exam passed": 1,  # casey only: sam's checklist says "Exam not passed"
            "Provisional credential": 1,  # jordan, apart from the full holders
            "Certified": 2,  # casey and sam
        }
        jordan_full = dict(eligibility.checklists(session, board.id, jordan.id, TODAY))[full]
        assert jordan_full.check("experience").detail.startswith("320 of 500")
        assert not jordan_full.check("exam").met


def test_expiring_counts_are_one_grouped_statement_with_the_same_numbers(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        admin = create_user(session, "admin@example.org", [(Role.BOARD_ADMIN, board)])
        ctype = create_credential_type(session, board, "CPSS", cycle_months=1)
        for i, days_ago in enumerate((3, 5, 20, 40, 80)):
            person = create_user(session, f"p{i}@example.org", [(Role.TRAINEE, board)])
            credentials.issue(session, person, ctype, admin, TODAY - timedelta(days=days_ago))
        session.commit()
        expiring = figures(session, board.id, TODAY).expiring
        ends = sorted(c.expires_on for c in session.execute(select(Credential)).scalars())
        expected = {
            days: sum(TODAY <= end <= TODAY + timedelta(days=days) for end in ends)
            for days in (30, 60, 90)
        }
        assert expiring == expected and expiring[30] >= 3


def test_superseded_or_empty_proposals_are_not_offered_for_approval(app, client) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "lakes")
        admin = create_user(session, "admin@example.org", [(Role.BOARD_ADMIN, board)])

        def study(title: str, previous: Study | None = None) -> Study:
            row = Study(
                board_id=board.id, title=title, started_on=date(2026, 1, 5),
                version=2 if previous else 1, previous_id=previous.id if previous else None,
            )  # fmt: skip
            session.add(row)
            session.flush()
            return row

        def blueprint(of: Study, number: int, status: str, items: int) -> None:
            session.add(
                BlueprintVersion(
                    board_id=board.id,
                    study_id=of.id,
                    version=number,
                    status=status,
                    result={
                        "total_items": 120,
                        "domains": [{"domain": "Advocacy", "items": items, "n_retained": 1}],
                    },
                    approved_at=None if status == "proposed" else datetime_now(),
                )  # fmt: skip
            )

        # an empty proposal (the survey thresholds left no task): never offered
        empty = study("Empty RDS")
        blueprint(empty, 1, "proposed", 0)
        # redone as a new study version: the old study's proposal is superseded by it
        old = study("Redone RDS")
        blueprint(old, 1, "proposed", 120)
        new = study("Redone RDS", previous=old)
        blueprint(new, 1, "proposed", 100)
        # approved after the proposal was made: nothing newer waits
        done = study("Approved RDS")
        blueprint(done, 1, "proposed", 90)
        blueprint(done, 2, "approved", 100)
        session.commit()
        ids = {s.title + str(s.version): s.id for s in (empty, old, new, done)}
        email = admin.email
    login(client, email)
    page = client.get(f"/boards/{board.id}").get_data(as_text=True)
    panel = page.split('data-testid="board-panel-blueprints"')[1]
    offered = re.findall(r"/studies/(\d+)/analysis/(\d+)/approve", panel)
    assert offered == [(str(ids["Redone RDS2"]), "1")]
    assert "waits for your approval" in panel


def datetime_now():  # type: ignore[no-untyped-def]
    from core.models import utcnow

    return utcnow()


def test_the_overview_does_not_evaluate_anyone(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The overview and pipeline count stored rows: no checklist is computed for the page."""
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        create_user(session, "admin@example.org", [(Role.BOARD_ADMIN, board)])
        create_credential_type(session, board, "CPSS")
        for i in range(3):
            create_user(session, f"t{i}@example.org", [(Role.TRAINEE, board)])
        session.commit()
        board_id = board.id

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a board page evaluated a checklist")

    monkeypatch.setattr(eligibility, "checklists", refuse)
    monkeypatch.setattr(eligibility, "facts_for_many", refuse)
    login(client, "admin@example.org")
    for url in (f"/boards/{board_id}", f"/boards/{board_id}/pipeline"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _shown_pipeline(response.get_data(as_text=True))["Registered"] == 3
