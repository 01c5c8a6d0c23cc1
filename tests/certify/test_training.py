"""Training: programs, approval, cohorts, attendance, roster import, hours, coverage, isolation."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from certify.models import (
    CredentialType,
    RequirementSet,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from certify.training import reports as training_reports
from core.extensions import db
from core.models import AuditEvent, OutboxMessage, Role, utcnow
from tests.factories import login

TODAY = utcnow().date()
HOUR = 60
ICRC = {
    "Advocacy": 10 * HOUR,
    "Mentoring/Education": 10 * HOUR,
    "Recovery/Wellness Support": 10 * HOUR,
    "Ethical Responsibility": 16 * HOUR,
}


def _program(
    app: Any,
    board: Any,
    modules: list[tuple[str, int, str | None, str | None]],
    name: str = "Peer 46",
    approved: bool = True,
) -> int:
    """Store a program with (title, minutes, category, domain) modules; return its id."""
    with app.app_context():
        program = TrainingProgram(
            board_id=board.id,
            name=name,
            provider="Peer Academy",
            approved=approved,
            approved_at=utcnow() if approved else None,
        )
        for position, (title, minutes, category, domain) in enumerate(modules, start=1):
            program.modules.append(
                TrainingModule(
                    board_id=board.id,
                    position=position,
                    title=title,
                    minutes=minutes,
                    category=category,
                    performance_domain=domain,
                )
            )
        db.session.add(program)
        db.session.commit()
        return program.id


def _cohort(app: Any, board: Any, program_id: int, trainer: Any = None) -> int:
    with app.app_context():
        cohort = TrainingCohort(
            board_id=board.id,
            program_id=program_id,
            name="Spring",
            starts_on=TODAY - timedelta(days=10),
            trainer_id=trainer.id if trainer else None,
        )
        db.session.add(cohort)
        db.session.commit()
        return cohort.id


def _icrc(app: Any, board: Any) -> None:
    with app.app_context():
        ctype = CredentialType(board_id=board.id, code="CRPS", name="Certified Recovery Peer")
        ctype.requirements = RequirementSet(
            board_id=board.id,
            training_minutes=46 * HOUR,
            training_category_minutes=ICRC,
            approved_training_only=True,
        )
        db.session.add(ctype)
        db.session.commit()


def _rows(app: Any, model: Any) -> list[Any]:
    with app.app_context():
        return list(db.session.execute(select(model).order_by(model.id)).scalars())


def _events(app: Any, action: str) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(db.session.execute(query).scalars())


def _upload(client: Any, board: Any, cohort_id: int, text: str) -> Any:
    data = {"roster": (io.BytesIO(text.encode()), "roster.csv")}
    return client.post(
        f"/boards/{board.id}/training/cohorts/{cohort_id}/roster",
        data=data,
        content_type="multipart/form-data",
    )


MODULES = [
    ("History of the peer movement", 10 * HOUR, "Advocacy", "Advocacy"),
    ("Sharing your recovery story", 10 * HOUR, "Mentoring/Education", "Mentoring"),
    ("Wellness Recovery Action Plan (WRAP)", 10 * HOUR, "Recovery/Wellness Support", None),
    ("Ethics and boundaries", 16 * HOUR, "Ethical Responsibility", "Ethics"),
]


def test_program_create_modules_and_approval_are_audited(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    ne = make_board("ne")
    _icrc(app, ne)
    admin = make_user("admin@x.org", [(Role.BOARD_ADMIN, ne)])
    make_user("trainer@x.org", [(Role.TRAINER, ne)])
    login(client, admin.email)
    response = client.post(
        f"/boards/{ne.id}/training/programs/new", data={"name": "Peer 40", "provider": "Academy"}
    )
    program = _rows(app, TrainingProgram)[0]
    assert response.headers["Location"].endswith(f"/training/programs/{program.id}")
    assert (program.name, program.approved) == ("Peer 40", False)
    assert _events(app, "training.program.created")[0].after == {
        "name": "Peer 40",
        "provider": "Academy",
    }
    url = f"/boards/{ne.id}/training/programs/{program.id}"
    # approving an empty curriculum is refused
    refused = client.post(
        f"{url}/approval", data={"decision": "approve", "reason": "ok", "confirm": "y"}
    )
    assert refused.status_code == 400 and "Add the curriculum" in refused.get_data(as_text=True)
    for title, hours, category in (("Ethics", "1.25", "ethical responsibility"), ("WRAP", "2", "")):
        data = {"title": title, "hours": hours, "category": category, "performance_domain": ""}
        assert client.post(url, data=data).status_code == 302
    bad = client.post(url, data={"title": "Odd", "hours": "1.1"})
    assert "quarter hours" in bad.get_data(as_text=True)
    modules = _rows(app, TrainingModule)
    assert [(m.title, m.minutes, m.category, m.position) for m in modules] == [
        ("Ethics", 75, "Ethical Responsibility", 1),  # the board's spelling of the category
        ("WRAP", 120, None, 2),
    ]
    client.post(f"{url}/modules/{modules[1].id}/move", data={"direction": "up"})
    assert [m.title for m in sorted(_rows(app, TrainingModule), key=lambda m: m.position)] == [
        "WRAP",
        "Ethics",
    ]
    listing = client.get(f"/boards/{ne.id}/training").get_data(as_text=True)
    assert "Peer 40" in listing and "3.25" in listing and "Not approved" in listing
    # no reason, no confirmation: nothing changes
    assert client.post(f"{url}/approval", data={"decision": "approve"}).status_code == 400
    assert not _rows(app, TrainingProgram)[0].approved
    ok = client.post(
        f"{url}/approval",
        data={"decision": "approve", "reason": "Curriculum reviewed", "confirm": "y"},
    )
    assert ok.status_code == 302
    program = _rows(app, TrainingProgram)[0]
    assert program.approved and program.approved_at is not None
    event = _events(app, "training.program.approved")[0]
    assert event.after["reason"] == "Curriculum reviewed" and event.before["approved"] is False
    with app.app_context():
        mails = db.session.execute(select(OutboxMessage.to_addr, OutboxMessage.subject)).all()
    assert ("trainer@x.org", "Training program approved: Peer 40") in mails
    assert ">Approved<" in client.get(f"/boards/{ne.id}/training").get_data(as_text=True)
    client.post(
        f"{url}/approval", data={"decision": "withdraw", "reason": "Outdated", "confirm": "y"}
    )
    assert not _rows(app, TrainingProgram)[0].approved
    assert _events(app, "training.program.approval_withdrawn")[0].after["reason"] == "Outdated"


def test_per_person_attendance_and_its_checks(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne = make_board("ne")
    trainer = make_user("trainer@x.org", [(Role.TRAINER, ne)])
    make_user("ana@x.org", [(Role.TRAINEE, ne)])
    make_user("staff@x.org", [(Role.BOARD_REVIEWER, ne)])  # not a trainee
    program_id = _program(app, ne, MODULES)
    login(client, trainer.email)
    created = client.post(
        f"/boards/{ne.id}/training/cohorts/new",
        data={"program_id": program_id, "name": "Fall", "starts_on": TODAY.isoformat()},
    )
    cohort = _rows(app, TrainingCohort)[0]
    assert created.status_code == 302 and cohort.trainer_id == trainer.id
    assert _events(app, "training.cohort.created")
    module = _rows(app, TrainingModule)[3]  # 16 h ethics
    url = f"/boards/{ne.id}/training/cohorts/{cohort.id}"

    def post(**changes: Any) -> Any:
        data = {
            "email": "ANA@x.org",
            "module_id": module.id,
            "attended_on": TODAY.isoformat(),
            "minutes": "900",
            **changes,
        }
        return client.post(url, data=data)

    for changes, message in (
        ({"minutes": "961"}, "Enter 0 to 960 minutes"),
        ({"attended_on": (TODAY + timedelta(days=1)).isoformat()}, "in the future"),
        ({"email": "staff@x.org"}, "No trainee of this board"),
        ({"minutes": "2.5"}, "Not a valid integer"),
    ):
        response = post(**changes)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _rows(app, TrainingAttendance) == []
    assert post().status_code == 302
    assert post(minutes="960").status_code == 302  # the same trainee and module: corrected
    rows = _rows(app, TrainingAttendance)
    assert [(r.minutes, r.recorded_by_id) for r in rows] == [(960, trainer.id)]
    change = _events(app, "training.attendance.changed")[0]
    assert (change.before["minutes"], change.after["minutes"]) == (900, 960)
    page = client.get(url).get_data(as_text=True)
    assert "Ana" in page and "16.0" in page


def test_roster_upload_stores_and_updates(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne = make_board("ne")
    admin = make_user("admin@x.org", [(Role.BOARD_ADMIN, ne)])
    ana = make_user("ana@x.org", [(Role.TRAINEE, ne)])
    make_user("ben@x.org", [(Role.TRAINEE, ne)])
    cohort_id = _cohort(app, ne, _program(app, ne, MODULES))
    login(client, admin.email)
    template = client.get(f"/boards/{ne.id}/training/cohorts/{cohort_id}/roster-template.csv")
    assert template.mimetype == "text/csv"
    assert template.get_data(as_text=True).splitlines()[0] == "email,module,date,minutes"
    day = (TODAY - timedelta(days=2)).isoformat()
    roster = (
        "\ufeffEmail,Module,Date,Minutes\n"
        f"ana@x.org,History of the peer movement,{day},600\n"
        f"ana@x.org,4,{day},480\n"
        f"BEN@x.org,ethics and boundaries,{day},960\n"
        "\n"
    )
    response = _upload(client, ne, cohort_id, roster)
    assert response.status_code == 302
    stored = {(r.trainee_id, r.module_id): r.minutes for r in _rows(app, TrainingAttendance)}
    assert sorted(stored.values()) == [480, 600, 960]
    assert _events(app, "training.roster.imported")[0].after["created"] == 3
    again = f"email,module,date,minutes\nana@x.org,4,{day},960\n"
    assert _upload(client, ne, cohort_id, again).status_code == 302
    ethics = _rows(app, TrainingModule)[3]
    assert {
        r.minutes
        for r in _rows(app, TrainingAttendance)
        if r.trainee_id == ana.id and r.module_id == ethics.id
    } == {960}
    assert len(_rows(app, TrainingAttendance)) == 3
    assert _events(app, "training.attendance.changed")[0].after["minutes"] == 960
    export = client.get(f"/boards/{ne.id}/training/cohorts/{cohort_id}/attendance.csv")
    assert "ben@x.org" in export.get_data(as_text=True)


def test_bad_roster_stores_nothing_and_names_every_bad_row(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    ne = make_board("ne")
    trainer = make_user("trainer@x.org", [(Role.TRAINER, ne)])
    make_user("ana@x.org", [(Role.TRAINEE, ne)])
    cohort_id = _cohort(app, ne, _program(app, ne, MODULES), trainer)
    login(client, trainer.email)
    day = (TODAY - timedelta(days=1)).isoformat()
    roster = (
        "email,module,date,minutes\n"
        f"ana@x.org,1,{day},600\n"  # good
        f"nobody@x.org,1,{day},60\n"  # row 3: unknown email
        f"ana@x.org,2,{(TODAY + timedelta(days=3)).isoformat()},60\n"  # row 4: future date
        f"ana@x.org,3,{day},601\n"  # row 5: above the module's 600 minutes
    )
    response = _upload(client, ne, cohort_id, roster)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _rows(app, TrainingAttendance) == []
    assert page.count('data-testid="roster-problem"') == 3
    for row, column, text in (
        (3, "email", "nobody@x.org"),
        (4, "date", "in the future"),
        (5, "minutes", "more than the module"),
    ):
        assert f"<td>{row}</td><td>{column}</td><td>" in page and text in page
    others = (
        "email,module,date,minutes\n"
        f"ana@x.org,Unknown module,{day},60\n"
        "ana@x.org,1,03/04/2026,60\n"
        f"ana@x.org,2,{day},1.5\n"
        f"ana@x.org,2,{day},60\n"
        f"ana@x.org,2,{day},60\n"
    )
    page = _upload(client, ne, cohort_id, others).get_data(as_text=True)
    for expected in (
        "No module &#39;Unknown module&#39;",
        "is not a date as YYYY-MM-DD",
        "not a whole number",
        "Repeats row 4",
    ):
        assert expected in page
    assert _rows(app, TrainingAttendance) == []
    header = _upload(client, ne, cohort_id, "mail,module\nx,1\n").get_data(as_text=True)
    assert "no &#39;email&#39; column" in header


def test_trainee_hours_by_category_are_computed(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne = make_board("ne")
    _icrc(app, ne)
    ana = make_user("ana@x.org", [(Role.TRAINEE, ne)])
    ben = make_user("ben@x.org", [(Role.TRAINEE, ne)])
    admin = make_user("admin@x.org", [(Role.BOARD_ADMIN, ne)])
    cohort_id = _cohort(app, ne, _program(app, ne, MODULES))
    day = (TODAY - timedelta(days=3)).isoformat()
    login(client, admin.email)
    rows = [f"ana@x.org,{i},{day},{minutes}" for i, (_, minutes, _, _) in enumerate(MODULES, 1)]
    rows.append(f"ben@x.org,4,{day},480")  # half of ethics
    assert (
        _upload(client, ne, cohort_id, "email,module,date,minutes\n" + "\n".join(rows)).status_code
        == 302
    )
    client.post("/logout")
    login(client, ana.email)
    page = client.get("/me/training").get_data(as_text=True)
    assert "46.0</strong> training hours" in page
    for label, hours in (
        ("Advocacy training", "10.0 of 10.0"),
        ("Ethical Responsibility training", "16.0 of 16.0"),
        ("Training hours", "46.0 of 46.0"),
    ):
        assert label in page and hours in page
    assert page.count("progress-bar pw-100 bg-success") == 5
    with app.test_request_context():
        from core.models import User

        [mine] = training_reports.trainee_training(db.session, db.session.get(User, ben.id), TODAY)
        checks = {c.key: c for c in mine.goals[0].checks}
        assert checks["training:Ethical Responsibility"].have == 8.0
        assert not checks["training:Ethical Responsibility"].met and not checks["training"].met
        assert dict(mine.by_category) == {"Ethical Responsibility": 480}
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="panel-training"' in dashboard and "46.0</strong>" in dashboard


def test_a_trainee_sees_only_their_own_training(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne = make_board("ne")
    ana = make_user("ana@x.org", [(Role.TRAINEE, ne)])
    ben = make_user("ben@x.org", [(Role.TRAINEE, ne)])
    program_id = _program(app, ne, [("Secret module", 90, "Advocacy", None)])
    cohort_id = _cohort(app, ne, program_id)
    with app.app_context():
        module_id = db.session.execute(select(TrainingModule.id)).scalar()
        db.session.add(
            TrainingAttendance(
                board_id=ne.id,
                cohort_id=cohort_id,
                module_id=module_id,
                trainee_id=ana.id,
                attended_on=TODAY,
                minutes=90,
            )
        )
        db.session.commit()
    login(client, ben.email)
    page = client.get("/me/training").get_data(as_text=True)
    assert "Secret module" not in page and "0.0</strong> training hours" in page
    for path in (
        "",
        f"/programs/{program_id}",
        f"/cohorts/{cohort_id}",
        f"/cohorts/{cohort_id}/attendance.csv",
        "/coverage",
    ):
        assert client.get(f"/boards/{ne.id}/training{path}").status_code == 403
    client.post("/logout")
    login(client, ana.email)
    assert "Secret module" in client.get("/me/training").get_data(as_text=True)


def test_other_boards_staff_get_404(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne, lakes = make_board("ne"), make_board("lakes")
    make_user("ana@x.org", [(Role.TRAINEE, ne)])
    ne_trainer = make_user("ne.trainer@x.org", [(Role.TRAINER, ne)])
    program_id = _program(app, ne, MODULES)
    cohort_id = _cohort(app, ne, program_id, ne_trainer)
    module_id = _rows(app, TrainingModule)[0].id
    lakes_admin = make_user("admin@lakes.org", [(Role.BOARD_ADMIN, lakes), (Role.TRAINER, lakes)])
    login(client, lakes_admin.email)
    roster = f"email,module,date,minutes\nana@x.org,1,{TODAY.isoformat()},60\n"
    for board in (ne, lakes):  # their own board's URL with ne's ids, and ne's URLs
        base = f"/boards/{board.id}/training"
        for path in (
            f"/programs/{program_id}",
            f"/programs/{program_id}/modules/{module_id}",
            f"/cohorts/{cohort_id}",
            f"/cohorts/{cohort_id}/attendance.csv",
            f"/cohorts/{cohort_id}/roster-template.csv",
        ):
            assert client.get(base + path).status_code == 404, base + path
        attendance = {
            "email": "ana@x.org",
            "module_id": module_id,
            "attended_on": TODAY.isoformat(),
            "minutes": "60",
        }
        assert client.post(f"{base}/cohorts/{cohort_id}", data=attendance).status_code == 404
        assert _upload(client, board, cohort_id, roster).status_code == 404
        approval = {"decision": "withdraw", "reason": "x", "confirm": "y"}
        assert (
            client.post(f"{base}/programs/{program_id}/approval", data=approval).status_code == 404
        )
    for path in ("", "/cohorts", "/coverage", "/coverage.csv", "/programs.csv"):
        assert client.get(f"/boards/{ne.id}/training{path}").status_code == 404
        assert client.get(f"/boards/{lakes.id}/training{path}").status_code == 200
    assert _rows(app, TrainingAttendance) == [] and _rows(app, TrainingProgram)[0].approved
    # a trainer of the same board reaches only the cohorts they lead
    client.post("/logout")
    other = make_user("other.trainer@x.org", [(Role.TRAINER, ne)])
    login(client, other.email)
    assert client.get(f"/boards/{ne.id}/training/cohorts/{cohort_id}").status_code == 404
    client.post("/logout")
    login(client, ne_trainer.email)
    assert client.get(f"/boards/{ne.id}/training/cohorts/{cohort_id}").status_code == 200
    assert "Spring" in client.get("/dashboard").get_data(as_text=True)


def test_training_records_feed_the_eligibility_engine(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne, lakes = make_board("ne"), make_board("lakes")
    ana = make_user("ana@x.org", [(Role.TRAINEE, ne), (Role.TRAINEE, lakes)])
    approved = _program(app, ne, [("Ethics", 120, "Ethical Responsibility", None)])
    pending = _program(app, ne, [("Intro", 60, None, None)], name="Draft", approved=False)
    elsewhere = _program(app, lakes, [("Lakes", 30, "Advocacy", None)], name="Lakes")
    with app.app_context():
        for program_id, board, minutes, days in (
            (approved, ne, 100, 3),
            (pending, ne, 60, 9),
            (elsewhere, lakes, 30, 1),
        ):
            cohort = TrainingCohort(
                board_id=board.id, program_id=program_id, name="C", starts_on=TODAY
            )
            db.session.add(cohort)
            db.session.flush()
            module = db.session.execute(
                select(TrainingModule).where(TrainingModule.program_id == program_id)
            ).scalar_one()
            db.session.add(
                TrainingAttendance(
                    board_id=board.id,
                    cohort_id=cohort.id,
                    module_id=module.id,
                    trainee_id=ana.id,
                    attended_on=TODAY - timedelta(days=days),
                    minutes=minutes,
                )
            )
        db.session.commit()
        records = training_reports.training_records(db.session, ne.id, ana.id)
    assert sorted(
        (r.completed_on, r.minutes, r.category, r.approved, r.program) for r in records
    ) == [
        (TODAY - timedelta(days=9), 60, None, False, "Draft"),
        (TODAY - timedelta(days=3), 100, "Ethical Responsibility", True, "Peer 46"),
    ]


def test_coverage_matrix_page_and_csv(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne = make_board("ne")
    admin = make_user("admin@x.org", [(Role.BOARD_ADMIN, ne)])
    psychometrician = make_user("psy@x.org", [(Role.PSYCHOMETRICIAN, ne)])
    _program(app, ne, MODULES)
    _program(
        app,
        ne,
        [("Advocacy 101", 90, None, "advocacy"), ("Crisis", 60, None, "Crisis support")],
        name="Short course",
    )
    _program(app, ne, [("Hidden", 60, None, "Unapproved domain")], name="Draft", approved=False)
    login(client, psychometrician.email)
    assert "Coverage matrix" in client.get(f"/boards/{ne.id}").get_data(as_text=True)
    page = client.get(f"/boards/{ne.id}/training/coverage").get_data(as_text=True)
    assert "Short course" in page and "Draft" not in page and "not covered" in page
    csv_text = client.get(f"/boards/{ne.id}/training/coverage.csv").get_data(as_text=True)
    lines = csv_text.splitlines()
    assert lines[0] == (
        "program,provider,Advocacy,Crisis support,Ethics,Mentoring,Unapproved domain,"
        "no domain,total hours"
    )
    assert lines[1] == "Peer 46,Peer Academy,10.0,0.0,16.0,10.0,0.0,10.0,46.0"
    assert lines[2] == "Short course,Peer Academy,1.5,1.0,0.0,0.0,0.0,0.0,2.5"
    client.post("/logout")
    login(client, admin.email)
    nav = client.get("/dashboard").get_data(as_text=True)
    assert f"/boards/{ne.id}/training" in nav
