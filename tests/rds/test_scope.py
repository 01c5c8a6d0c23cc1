"""Scope of service: studies, domains, tasks, KSAs, tasks.csv import/export, cloning, access."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role
from rds.models import KSA, Domain, SmeVote, Study, SubjectMatterExpert, Task
from tests.factories import login
from tests.shared import RDS_SAMPLE, needs_rds_sample

SAMPLE = (RDS_SAMPLE or Path("missing-rds-sample")) / "tasks.csv"


def study_id_for(app: Any, title: str = "Peer Recovery RDS", version: int = 1) -> int:
    with app.app_context():
        return db.session.execute(
            select(Study.id).where(Study.title == title, Study.version == version)
        ).scalar_one()


def new_study(client: Any, board: Any, app: Any, title: str = "Peer Recovery RDS") -> int:
    response = client.post(
        f"/boards/{board.id}/studies/new",
        data={
            "title": title,
            "credential_type_id": "0",
            "purpose": "Update",
            "started_on": "2026-01-05",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return study_id_for(app, title)


def upload(client: Any, study_id: int, data: bytes, name: str = "tasks.csv", **extra: str) -> Any:
    return client.post(
        f"/studies/{study_id}/scope/import",
        data={"file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
    )


def psychometrician(make_board: Any, make_user: Any, client: Any, slug: str = "lakes") -> Any:
    board = make_board(slug)
    user = make_user(f"psy@{slug}.org", [(Role.PSYCHOMETRICIAN, board)])
    login(client, user.email)
    return board


def imported_study(client: Any, make_board: Any, make_user: Any, app: Any) -> tuple[Any, int]:
    """A logged-in psychometrician's study holding the 42 sample tasks."""
    board = psychometrician(make_board, make_user, client)
    study_id = new_study(client, board, app)
    assert upload(client, study_id, SAMPLE.read_bytes()).status_code == 302
    return board, study_id


def count(model: Any, **where: Any) -> int:
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.execute(query).scalar_one()


def test_create_study_domains_tasks_and_ksas(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = psychometrician(make_board, make_user, client)
    study_id = new_study(client, board, app)
    base = f"/studies/{study_id}/scope"
    assert (
        client.post(
            base, data={"target_audience": "Peers", "minimum_requirements": "GED"}
        ).status_code
        == 302
    )
    for name in ("Advocacy", "Mentoring and Education"):
        assert client.post(f"{base}/domains", data={"name": name}).status_code == 302
    dup = client.post(f"{base}/domains", data={"name": "advocacy"})
    assert "already has a domain named" in dup.get_data(as_text=True)
    with app.app_context():
        advocacy, mentoring = db.session.execute(
            select(Domain).where(Domain.study_id == study_id).order_by(Domain.position)
        ).scalars()
        adv_id, men_id = advocacy.id, mentoring.id
    page = client.get(base).get_data(as_text=True)
    assert 'value="A01"' in page and 'value="ME01"' in page  # suggested codes
    client.post(
        f"{base}/domains/{adv_id}/tasks",
        data={f"d{adv_id}-code": "A01", f"d{adv_id}-statement": "Advocate"},
    )
    client.post(
        f"{base}/domains/{adv_id}/tasks",
        data={f"d{adv_id}-code": "A02", f"d{adv_id}-statement": "Help"},
    )
    taken = client.post(
        f"{base}/domains/{men_id}/tasks",
        data={f"d{men_id}-code": "a01", f"d{men_id}-statement": "Teach"},
    )
    assert "already used in this study" in taken.get_data(as_text=True)
    assert 'value="A03"' in client.get(base).get_data(as_text=True)
    with app.app_context():
        a1, a2 = db.session.execute(
            select(Task).where(Task.study_id == study_id).order_by(Task.position)
        ).scalars()
        a1_id, a2_id = a1.id, a2.id
    client.post(f"{base}/tasks/{a2_id}/move", data={"direction": "up"})
    client.post(f"{base}/domains/{men_id}/move", data={"direction": "up"})
    client.post(f"{base}/domains/{men_id}/rename", data={f"r{men_id}-name": "Mentoring"})
    edit = client.post(
        f"{base}/tasks/{a1_id}", data={"code": "M01", "statement": "Mentor", "domain_id": men_id}
    )
    assert edit.status_code == 302
    assert client.post(f"{base}/domains/{adv_id}/delete").status_code == 302  # refused: not empty
    ksa = client.post(
        f"{base}/ksas/new",
        data={"kind": "skill", "code": "S1", "statement": "Listening", "task_ids": [a1_id, a2_id]},
    )
    assert ksa.status_code == 302
    with app.app_context():
        study = db.session.get(Study, study_id)
        assert (study.target_audience, study.minimum_requirements) == ("Peers", "GED")
        names = [
            (d.name, [t.code for t in sorted(d.tasks, key=lambda t: t.position)])
            for d in sorted(study.domains, key=lambda d: d.position)
        ]
        assert names == [("Mentoring", ["M01"]), ("Advocacy", ["A02"])]
        skill = db.session.execute(select(KSA).where(KSA.study_id == study_id)).scalar_one()
        assert skill.kind == "skill" and sorted(t.code for t in skill.tasks) == ["A02", "M01"]
        actions = set(db.session.execute(select(AuditEvent.action)).scalars())
        for action in (
            "rds.study.created",
            "rds.scope.facts",
            "rds.domain.added",
            "rds.task.added",
            "rds.task.moved",
            "rds.domain.moved",
            "rds.domain.renamed",
            "rds.task.updated",
            "rds.ksa.added",
        ):
            assert action in actions
    client.post(f"{base}/tasks/{a2_id}/delete")
    assert client.post(f"{base}/domains/{adv_id}/delete").status_code == 302
    with app.app_context():
        assert count(Domain, study_id=study_id) == 1 and count(Task, study_id=study_id) == 1


@needs_rds_sample
def test_import_sample_and_export_identical(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id = imported_study(client, make_board, make_user, app)
    with app.app_context():
        assert count(Task, study_id=study_id) == 42 and count(Domain, study_id=study_id) == 6
    exported = client.get(f"/studies/{study_id}/scope/tasks.csv")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="tasks.csv"'
    assert exported.data == SAMPLE.read_bytes()
    xlsx = client.get(f"/studies/{study_id}/scope/tasks.xlsx").data
    rows = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    assert rows[0] == ("task_id", "domain", "statement") and len(rows) == 43
    # importing over an existing scope needs the replace box, then the xlsx round-trips too
    refused = upload(client, study_id, xlsx, "tasks.xlsx")
    assert "tick the box to replace them" in refused.get_data(as_text=True)
    assert upload(client, study_id, xlsx, "tasks.xlsx", replace="y").status_code == 302
    assert client.get(f"/studies/{study_id}/scope/tasks.csv").data == SAMPLE.read_bytes()


def test_ksa_column_round_trip(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = psychometrician(make_board, make_user, client)
    study_id = new_study(client, board, app)
    text = (
        b"task_id,domain,statement,ksa\r\n"
        b"A01,Advocacy,Advocate for services,K1: Knowledge of rights; S1: Skill in listening\r\n"
        b"A02,Advocacy,Help with rights,K1\r\n"
        b"C01,Crisis Support,Respond to crisis,\r\n"
    )
    assert upload(client, study_id, text).status_code == 302
    with app.app_context():
        k1 = db.session.execute(
            select(KSA).where(KSA.study_id == study_id, KSA.code == "K1")
        ).scalar_one()
        assert k1.kind == "knowledge" and sorted(t.code for t in k1.tasks) == ["A01", "A02"]
    exported = client.get(f"/studies/{study_id}/scope/tasks.csv").data.decode()
    assert exported.splitlines()[2] == "A02,Advocacy,Help with rights,K1: Knowledge of rights"


def test_bad_csv_stores_nothing_and_names_every_row(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = psychometrician(make_board, make_user, client)
    study_id = new_study(client, board, app)
    bad = (
        b"task_id,domain,statement,ksa\n"
        b"A01,Advocacy,Advocate,\n"
        b"A01,Advocacy,Duplicate id,\n"
        b",Advocacy,No id,\n"
        b"A03,,No domain,\n"
        b"A04,Advocacy,,\n"
        b"A05,Advocacy,Fine,X9: unknown kind\n"
        b"A06,Advocacy,Fine,K7\n"
    )
    response = upload(client, study_id, bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nothing was imported" in page
    for row, message in (
        (3, "duplicate task id"),
        (4, "task id is blank"),
        (5, "domain is blank"),
        (6, "task statement is blank"),
        (7, "cannot read"),
        (8, "K7 has no statement"),
    ):
        assert f"<td>{row}</td>" in page and message in page
    with app.app_context():
        assert count(Task, study_id=study_id) == 0 and count(Domain, study_id=study_id) == 0
    missing = upload(client, study_id, b"id,area\nA01,Advocacy\n")
    assert "required column is missing" in missing.get_data(as_text=True)


@needs_rds_sample
def test_clone_copies_the_scope(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id = imported_study(client, make_board, make_user, app)
    with app.app_context():
        study = db.session.get(Study, study_id)
        study.target_audience = "Peers in recovery"
        first, second = study.tasks[0], study.tasks[1]
        first.sme_resolution = "drop"
        db.session.add(
            KSA(
                board_id=board.id,
                study_id=study_id,
                code="K1",
                statement="Rights",
                tasks=[first, second],
            )
        )
        sme = SubjectMatterExpert(
            board_id=board.id, study_id=study_id, name="Ann", email="ann@x.org"
        )
        db.session.add(sme)
        db.session.flush()
        db.session.add(SmeVote(board_id=board.id, sme_id=sme.id, task_id=first.id, choice="drop"))
        study.status = "survey_open"
        db.session.commit()
    assert "except the 1 task" in client.get(f"/studies/{study_id}/clone").get_data(as_text=True)
    assert (
        client.post(f"/studies/{study_id}/clone", data={"started_on": "2031-02-01"}).status_code
        == 200
    )  # unconfirmed
    response = client.post(
        f"/studies/{study_id}/clone", data={"started_on": "2031-02-01", "confirm": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        clone = db.session.get(Study, study_id_for(app, version=2))
        assert (clone.previous_id, clone.status, clone.started_on) == (
            study_id,
            "draft",
            date(2031, 2, 1),
        )
        assert clone.target_audience == "Peers in recovery"
        assert len(clone.tasks) == 41 and len(clone.domains) == 6
        assert all(t.sme_resolution is None for t in clone.tasks)
        k1 = db.session.execute(select(KSA).where(KSA.study_id == clone.id)).scalar_one()
        assert [t.code for t in k1.tasks] == ["A02"]
        assert count(SubjectMatterExpert, study_id=clone.id) == 0
    assert (
        client.post(
            f"/studies/{study_id_for(app, version=2)}/scope/domains", data={"name": "New"}
        ).status_code
        == 302
    )


@needs_rds_sample
def test_frozen_once_the_survey_opens(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id = imported_study(client, make_board, make_user, app)
    with app.app_context():
        study = db.session.get(Study, study_id)
        study.status = "survey_open"
        task, domain = study.tasks[0], study.domains[0]
        task_id, domain_id = task.id, domain.id
        db.session.commit()
    base = f"/studies/{study_id}/scope"
    page = client.get(base).get_data(as_text=True)
    assert "scope is frozen" in page and "Add task" not in page
    for url, data in [
        (base, {"target_audience": "x"}),
        (f"{base}/domains", {"name": "X"}),
        (f"{base}/domains/{domain_id}/rename", {f"r{domain_id}-name": "X"}),
        (
            f"{base}/domains/{domain_id}/tasks",
            {f"d{domain_id}-code": "Z1", f"d{domain_id}-statement": "Z"},
        ),
        (f"{base}/tasks/{task_id}", {"code": "Z", "statement": "Z", "domain_id": domain_id}),
        (f"{base}/tasks/{task_id}/move", {"direction": "down"}),
        (f"{base}/tasks/{task_id}/delete", {}),
        (f"{base}/ksas/new", {"kind": "skill", "code": "S1", "statement": "S"}),
        (f"{base}/import", {}),
    ]:
        assert client.post(url, data=data).status_code == 409, url
    assert client.get(f"{base}/tasks.csv").data == SAMPLE.read_bytes()
    with app.app_context():
        assert count(Task, study_id=study_id) == 42 and count(KSA, study_id=study_id) == 0


def _routes(study_id: int, domain_id: int, task_id: int, ksa_id: int) -> list[tuple[str, str]]:
    s = f"/studies/{study_id}"
    return [
        ("GET", f"{s}/scope"),
        ("POST", f"{s}/scope"),
        ("POST", f"{s}/scope/domains"),
        ("POST", f"{s}/scope/domains/{domain_id}/rename"),
        ("POST", f"{s}/scope/domains/{domain_id}/move"),
        ("POST", f"{s}/scope/domains/{domain_id}/delete"),
        ("POST", f"{s}/scope/domains/{domain_id}/tasks"),
        ("GET", f"{s}/scope/tasks/{task_id}"),
        ("POST", f"{s}/scope/tasks/{task_id}/move"),
        ("POST", f"{s}/scope/tasks/{task_id}/delete"),
        ("GET", f"{s}/scope/ksas/new"),
        ("GET", f"{s}/scope/ksas/{ksa_id}"),
        ("POST", f"{s}/scope/ksas/{ksa_id}/delete"),
        ("GET", f"{s}/scope/import"),
        ("GET", f"{s}/scope/tasks.csv"),
        ("GET", f"{s}/scope/tasks.xlsx"),
        ("GET", f"{s}/clone"),
        ("POST", f"{s}/clone"),
    ]


@needs_rds_sample
def test_other_boards_get_404_and_trainees_403(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id = imported_study(client, make_board, make_user, app)
    with app.app_context():
        study = db.session.get(Study, study_id)
        task, domain = study.tasks[0], study.domains[0]
        ksa = KSA(board_id=board.id, study_id=study_id, code="K1", statement="K", tasks=[task])
        db.session.add(ksa)
        db.session.commit()
        ids = (study_id, domain.id, task.id, ksa.id)
    other = make_board("ne")
    make_user("psy@ne.org", [(Role.PSYCHOMETRICIAN, other)])
    make_user("t@lakes.org", [(Role.TRAINEE, board)])
    client.post("/logout")
    login(client, "psy@ne.org")
    for method, url in _routes(*ids) + [
        ("GET", f"/boards/{board.id}/studies"),
        ("GET", f"/boards/{board.id}/studies/new"),
    ]:
        assert client.open(url, method=method).status_code == 404, (method, url)
    assert client.get(f"/boards/{other.id}/studies").status_code == 200
    client.post("/logout")
    login(client, "t@lakes.org")
    for method, url in _routes(*ids):
        assert client.open(url, method=method).status_code == 403, (method, url)
    with app.app_context():
        assert count(Task, study_id=study_id) == 42 and count(KSA, study_id=study_id) == 1


@needs_rds_sample
def test_studies_list_dashboard_and_stale_warning(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id = imported_study(client, make_board, make_user, app)
    admin = make_user("admin@lakes.org", [(Role.BOARD_ADMIN, board)])
    listing = client.get(f"/boards/{board.id}/studies").get_data(as_text=True)
    assert (
        listing.count('data-testid="study-row"') == 1 and '<td class="text-end">42</td>' in listing
    )
    assert "Studies" in client.get("/dashboard").get_data(as_text=True)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert (
        'data-testid="panel-rds-studies"' in dashboard and "42 task statements drafted" in dashboard
    )
    assert 'data-testid="rds-stale"' not in client.get(f"/boards/{board.id}").get_data(as_text=True)
    with app.app_context():
        db.session.get(Study, study_id).started_on = date.today() - timedelta(days=365 * 5 + 10)
        db.session.commit()
    board_page = client.get(f"/boards/{board.id}").get_data(as_text=True)
    assert (
        'data-testid="rds-stale"' in board_page
        and "An RDS is updated every 5-7 years" in board_page
    )
    assert "more than 5 years ago" in client.get("/dashboard").get_data(as_text=True)
    client.post("/logout")
    login(client, admin.email)
    assert client.get(f"/boards/{board.id}/studies").status_code == 200
    assert (
        client.get(f"/boards/{board.id}/studies.csv").data.decode().count("Peer Recovery RDS") == 1
    )
