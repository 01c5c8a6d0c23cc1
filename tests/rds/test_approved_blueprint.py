"""rds's typed answer to exams: ``approved_blueprint(session, board, credential type)``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import numpy as np
import pytest

from certify.models import CredentialType
from core.extensions import db
from core.models import Board, Role, User
from rds.analysis import services as svc
from rds.exam_blueprint import Blueprint, BlueprintDomain, BlueprintKsa, BlueprintTask
from rds.models import KSA, BlueprintVersion, Domain, Study, SurveyResponse, Task

SCOPE = {
    "Advocacy": [("A01", "Advocate for needed services"), ("A02", "Help exercise rights")],
    "Ethics": [("E01", "Keep confidentiality"), ("E02", "Hold boundaries")],
    "Recovery": [("R01", "Share a recovery story"), ("R02", "Support recovery goals")],
}


def make_study(board: Board, credential: CredentialType | None, title: str, seed: int) -> Study:
    """A study with scope, KSAs and 40 submitted responses, ready for the analysis."""
    session = db.session()
    study = Study(
        board_id=board.id,
        credential_type_id=credential.id if credential else None,
        title=title,
        started_on=date(2026, 1, 5),
        status="survey_closed",
    )
    session.add(study)
    session.flush()
    tasks = []
    for position, (name, statements) in enumerate(SCOPE.items()):
        domain = Domain(board_id=board.id, study_id=study.id, position=position, name=name)
        session.add(domain)
        session.flush()
        for i, (code, text) in enumerate(statements):
            tasks.append(
                Task(
                    board_id=board.id,
                    study_id=study.id,
                    domain_id=domain.id,
                    code=code,
                    position=i,
                    statement=text,
                )
            )
    session.add_all(tasks)
    session.flush()
    by_code = {t.code: t for t in tasks}
    session.add_all(
        [
            KSA(board_id=board.id, study_id=study.id, code="S1", kind="skill",
                statement="Active listening", tasks=[by_code["A01"], by_code["R01"]]),
            KSA(board_id=board.id, study_id=study.id, code="K2", kind="knowledge",
                statement="Rights of service users", tasks=[by_code["A01"]]),
        ]
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    for _ in range(40):
        ratings = {
            t.code: [int(rng.integers(1, 5)), int(rng.integers(1, 5))]
            for t in tasks
            if rng.random() > 0.1
        }
        session.add(
            SurveyResponse(
                board_id=board.id,
                study_id=study.id,
                status="submitted",
                source="import",
                ratings=ratings,
                submitted_on=date(2026, 3, 1),
            )
        )
    session.flush()
    return study


@pytest.fixture
def world(app, make_board, make_user):  # type: ignore[no-untyped-def]
    board, other = make_board("lakes"), make_board("plains")
    psych = make_user("psych@a.org", [(Role.PSYCHOMETRICIAN, board)])
    admin = make_user("admin@a.org", [(Role.BOARD_ADMIN, board)])
    with app.app_context():
        credential = CredentialType(board_id=board.id, code="CPSS", name="Peer specialist")
        second = CredentialType(board_id=board.id, code="CPRS", name="Recovery specialist")
        db.session.add_all([credential, second])
        db.session.flush()
        study = make_study(board, credential, "Peer specialist RDS", seed=1)
        db.session.commit()
        return {
            "board": board,
            "other": other,
            "psych": psych.id,
            "admin": admin.id,
            "credential": credential.id,
            "second": second.id,
            "study": study.id,
        }


def run_and_approve(study_id: int, psych_id: int, admin_id: int, when: datetime) -> int:
    session = db.session()
    study = session.get(Study, study_id)
    psych, admin = session.get(User, psych_id), session.get(User, admin_id)
    assert study is not None and psych is not None and admin is not None
    settings = {**svc.DEFAULT_SETTINGS, "items": 30, "importance_min": 1.0, "performing_min": 0.1}
    version = svc.run_analysis(session, psych, study, settings)
    # 40 random respondents: the guards ask the board to acknowledge the weak sample
    assert svc.approval_concerns(study, version.analysis())
    reason = "A pilot blueprint for the exam team's tests of form assembly."
    svc.approve(session, admin, version, "Approved at the board meeting", when, reason)
    session.commit()
    return version.id


def test_none_until_a_blueprint_is_approved(app, world) -> None:
    with app.app_context():
        session = db.session()
        board_id, credential = world["board"].id, world["credential"]
        assert svc.approved_blueprint(session, board_id, credential) is None
        study = session.get(Study, world["study"])
        psych = session.get(User, world["psych"])
        assert study is not None and psych is not None
        svc.run_analysis(session, psych, study, svc.DEFAULT_SETTINGS)  # proposed only
        session.commit()
        assert svc.approved_blueprint(session, board_id, credential) is None


def test_the_approved_blueprint_is_typed_and_matches_the_stored_result(app, world) -> None:
    when = datetime(2026, 4, 2, 15, 30, tzinfo=UTC)
    with app.app_context():
        version_id = run_and_approve(world["study"], world["psych"], world["admin"], when)
    with app.app_context():
        session = db.session()
        blueprint = svc.approved_blueprint(session, world["board"].id, world["credential"])
        version = session.get(BlueprintVersion, version_id)
        admin = session.get(User, world["admin"])
        assert version is not None and admin is not None
        stored = version.result

    assert isinstance(blueprint, Blueprint)
    assert (blueprint.study_id, blueprint.version) == (world["study"], 1)
    assert blueprint.approved_at == when
    assert blueprint.approved_by == admin.full_name
    assert blueprint.test_length == stored["total_items"] == 30
    assert [d.name for d in blueprint.domains] == ["Advocacy", "Ethics", "Recovery"]
    assert all(isinstance(d, BlueprintDomain) for d in blueprint.domains)
    assert sum(d.items for d in blueprint.domains) == 30
    for domain, row in zip(blueprint.domains, stored["domains"], strict=True):
        assert (domain.weight, domain.items) == (row["weight"], row["items"])
        assert sum(t.items for t in domain.tasks) == domain.items
        assert [t.code for t in domain.tasks] == [c for c, _ in SCOPE[domain.name]]
    tasks = {t.code: t for t in blueprint.tasks()}
    for row in stored["tasks"]:
        task = tasks[row["task_id"]]
        assert isinstance(task, BlueprintTask)
        assert (task.weight, task.items, task.retained) == (
            row["weight"],
            row["items"],
            row["retained"],
        )
    assert tasks["A02"].statement == "Help exercise rights"
    assert tasks["A01"].ksas == (
        BlueprintKsa("K2", "knowledge", "Rights of service users"),
        BlueprintKsa("S1", "skill", "Active listening"),
    )
    assert tasks["R01"].ksas == (BlueprintKsa("S1", "skill", "Active listening"),)
    assert tasks["E01"].ksas == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        blueprint.test_length = 10  # type: ignore[misc]


def test_only_the_board_and_credential_type_asked_for(app, world) -> None:
    when = datetime(2026, 4, 2, tzinfo=UTC)
    with app.app_context():
        run_and_approve(world["study"], world["psych"], world["admin"], when)
    with app.app_context():
        session = db.session()
        board_id = world["board"].id
        assert svc.approved_blueprint(session, board_id, world["credential"]) is not None
        assert svc.approved_blueprint(session, board_id, world["second"]) is None
        assert svc.approved_blueprint(session, world["other"].id, world["credential"]) is None
        study = session.get(Study, world["study"])
        assert study is not None
        study.status = "archived"
        session.flush()
        assert svc.approved_blueprint(session, board_id, world["credential"]) is None


def test_the_latest_approval_of_the_credential_type_wins(app, world) -> None:
    with app.app_context():
        run_and_approve(
            world["study"], world["psych"], world["admin"], datetime(2026, 4, 2, tzinfo=UTC)
        )
        board = db.session.get(Board, world["board"].id)
        credential = db.session.get(CredentialType, world["credential"])
        assert board is not None and credential is not None
        newer = make_study(board, credential, "Peer specialist RDS 2031", seed=2)
        db.session.commit()
        newer_id = newer.id
    with app.app_context():
        run_and_approve(newer_id, world["psych"], world["admin"], datetime(2031, 5, 1, tzinfo=UTC))
    with app.app_context():
        blueprint = svc.approved_blueprint(db.session(), world["board"].id, world["credential"])
        assert blueprint is not None and blueprint.study_id == newer_id
        assert blueprint.approved_at.year == 2031


def test_the_panels_cognitive_levels_travel_with_the_approved_blueprint(app, world) -> None:
    """Issue 15: cognitive levels per domain set by the panel are carried in the blueprint."""
    when = datetime(2026, 4, 2, 15, 30, tzinfo=UTC)
    with app.app_context():
        session = db.session()
        ethics = session.query(Domain).filter_by(study_id=world["study"], name="Ethics").one()
        ethics.cognitive_levels = {"recall": 20, "application": 60, "analysis": 20}
        session.commit()
        run_and_approve(world["study"], world["psych"], world["admin"], when)
    with app.app_context():
        blueprint = svc.approved_blueprint(db.session(), world["board"].id, world["credential"])
    assert blueprint is not None
    levels = {d.name: d.cognitive_levels for d in blueprint.domains}
    assert levels["Ethics"] == (("recall", 20), ("application", 60), ("analysis", 20))
    assert levels["Advocacy"] == ()


def test_the_blueprint_downloads_carry_cognitive_levels_and_ksas(app, client, world) -> None:
    """Issue 15: the CSV and XLSX blueprints give each domain's cognitive levels (blank when
    the panel set none) and list each task's KSAs under it."""
    import csv
    import io

    from openpyxl import load_workbook

    from tests.factories import login

    with app.app_context():
        session = db.session
        ethics = session.query(Domain).filter_by(study_id=world["study"], name="Ethics").one()
        ethics.cognitive_levels = {"recall": 20, "application": 60, "analysis": 20}
        session.commit()
        study = session.get(Study, world["study"])
        psych = session.get(User, world["psych"])
        assert study is not None and psych is not None
        svc.run_analysis(session, psych, study, {**svc.DEFAULT_SETTINGS, "items": 30})
        session.commit()
    login(client, "psych@a.org")
    base = f"/studies/{world['study']}/analysis/1/blueprint"
    rows = list(csv.DictReader(io.StringIO(client.get(f"{base}.csv").get_data(as_text=True))))
    levels = {
        r["domain"]: (r["recall_percent"], r["application_percent"], r["analysis_percent"])
        for r in rows
        if r["level"] == "domain"
    }
    assert levels == {"Advocacy": ("", "", ""), "Ethics": ("20", "60", "20"),
                      "Recovery": ("", "", "")}  # fmt: skip
    # each task's row is followed by its KSAs: knowledge before skills, the statement given
    order = [(r["level"], r["task_id"], r["ksa_code"]) for r in rows if r["level"] != "domain"]
    assert order[:4] == [("task", "A01", ""), ("ksa", "A01", "K2"), ("ksa", "A01", "S1"),
                         ("task", "A02", "")]  # fmt: skip
    assert ("ksa", "R01", "S1") in order and ("ksa", "E01", "S1") not in order
    k2 = next(r for r in rows if r["ksa_code"] == "K2")
    assert (k2["ksa_kind"], k2["statement"], k2["domain"]) == (
        "knowledge", "Rights of service users", "Advocacy",
    )  # fmt: skip
    assert k2["items"] == "" and k2["retained"] == ""

    book = load_workbook(io.BytesIO(client.get(f"{base}.xlsx").data))
    assert book.sheetnames == ["Domains", "Tasks", "KSAs", "Reliability"]
    domains = list(book["Domains"].iter_rows(values_only=True))
    assert domains[0][-3:] == ("recall_percent", "application_percent", "analysis_percent")
    assert [d[-3:] for d in domains[1:]] == [(None, None, None), (20, 60, 20), (None, None, None)]
    tasks = {r[0]: r[-1] for r in book["Tasks"].iter_rows(min_row=2, values_only=True)}
    assert tasks["A01"] == "K2; S1" and tasks["R01"] == "S1" and tasks["E01"] is None
    ksas = list(book["KSAs"].iter_rows(values_only=True))
    assert ksas == [
        ("task_id", "domain", "ksa_code", "ksa_kind", "statement"),
        ("A01", "Advocacy", "K2", "knowledge", "Rights of service users"),
        ("A01", "Advocacy", "S1", "skill", "Active listening"),
        ("R01", "Recovery", "S1", "skill", "Active listening"),
    ]
