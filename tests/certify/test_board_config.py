"""Board configuration: credential types with their rules, the summary text, endorsements."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from certify.config.services import describe_requirements, save_credential_type
from certify.models import (
    Application,
    Credential,
    CredentialType,
    Endorsement,
    RequirementSet,
)
from core.extensions import db
from core.models import AuditEvent, Board, Role, User
from tests.factories import login

IC_RC = {
    "code": "pr",
    "name": "Certified Recovery Peer Specialist",
    "level": "full",
    "substance_use": "y",
    "cycle_months": "24",
    "min_age": "18",
    "education": "hs_diploma_or_ged",
    "lived_experience": "y",
    "recovery_months": "12",
    "training_hours": "46",
    "categories-0-name": "Advocacy",
    "categories-0-hours": "10",
    "categories-1-name": "Mentoring/Education",
    "categories-1-hours": "10",
    "categories-2-name": "Recovery/Wellness Support",
    "categories-2-hours": "10",
    "categories-3-name": "Ethical Responsibility",
    "categories-3-hours": "16",
    "training_lookback_years": "5",
    "approved_training_only": "y",
    "experience_hours": "500",
    "supervision_hours": "25.25",
    "supervisor_licenses": ["psychiatrist", "lmhp", "ladc"],
    "residency_attestation": "y",
    "ethics_attestation": "y",
    "background_check": "y",
    "exam_required": "y",
    "fee_required": "y",
    "reciprocity_allowed": "y",
}


def _admin(make_board, make_user, client, slug: str = "lakes") -> Board:  # type: ignore[no-untyped-def]
    board = make_board(slug)
    make_user(f"{slug}.admin@example.org", [(Role.BOARD_ADMIN, board)])
    login(client, f"{slug}.admin@example.org")
    return board


def _type(board_id: int, code: str = "PR") -> CredentialType:
    ctype = db.session.execute(
        select(CredentialType).where(
            CredentialType.board_id == board_id, CredentialType.code == code
        )
    ).scalar_one()
    return ctype


def _make_type(app, board: Board, code: str = "CPSS", **rules: Any) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        actor = db.session.execute(select(User)).scalars().first()
        ctype, _ = save_credential_type(
            db.session,
            actor,
            db.session.get(Board, board.id),
            {
                "code": code,
                "name": f"Type {code}",
                "level": "full",
                "substance_use": False,
                "cycle_months": 24,
            },  # fmt: skip
            rules,
            confirm_no_requirements=True,  # some tests need a type without requirements
        )
        db.session.commit()
        return ctype.id


def test_create_icrc_type_stores_minutes_categories_and_licenses(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    board = _admin(make_board, make_user, client)
    response = client.post(f"/boards/{board.id}/config/credential-types/new", data=IC_RC)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        ctype = _type(board.id)
        req = ctype.requirements
        assert (ctype.name, ctype.substance_use, ctype.cycle_months) == (IC_RC["name"], True, 24)
        assert req.board_id == board.id
        assert req.training_minutes == 46 * 60
        assert req.training_category_minutes == {
            "Advocacy": 600,
            "Mentoring/Education": 600,
            "Recovery/Wellness Support": 600,
            "Ethical Responsibility": 960,
        }
        assert req.supervision_minutes == 25 * 60 + 15
        assert req.experience_minutes == 500 * 60
        assert req.supervisor_licenses == ["psychiatrist", "lmhp", "ladc"]
        assert (req.min_age, req.education, req.recovery_months) == (18, "hs_diploma_or_ged", 12)
        assert req.training_lookback_years == 5 and req.approved_training_only
        assert req.exam_required and req.reciprocity_allowed and req.background_check
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "credential_type.created")
        ).scalar_one()
        assert event.before is None and event.after["training_minutes"] == 2760
    page = client.get(f"/boards/{board.id}/config/credential-types").get_data(as_text=True)
    assert "46 training hours (Advocacy 10, Mentoring/Education 10" in page
    assert "25.25 hours of supervision by: Psychiatrist" in page
    # the edit form shows hours again, categories included
    form = client.get(f"/boards/{board.id}/config/credential-types/{ctype.id}/edit")
    html = form.get_data(as_text=True)
    assert 'value="46"' in html and 'value="Ethical Responsibility"' in html
    assert 'step="0.25"' in html and "substance use only" in html


def test_describe_requirements_reads_like_the_rules() -> None:
    ctype = CredentialType(code="CPSS", name="Certified Peer Support Specialist", cycle_months=24)
    req = RequirementSet(
        min_age=19,
        education="hs_diploma_or_ged",
        lived_experience=True,
        recovery_months=24,
        training_minutes=40 * 60,
        training_category_minutes={"Advocacy": 600, "Ethics": 630},
        training_lookback_years=5,
        approved_training_only=True,
        experience_minutes=500 * 60,
        supervision_minutes=25 * 60,
        supervisor_licenses=["psychiatrist", "psychologist"],
        exam_required=True,
    )
    ctype.requirements = req
    assert describe_requirements(req) == [
        "Age 19 or older",
        "High school diploma or GED",
        "Lived experience (self-identified)",
        "2 years of lived recovery",
        "40 training hours (Advocacy 10, Ethics 10.5) within the last 5 years "
        "from approved programs",
        "500 hours of work experience",
        "25 hours of supervision by: Psychiatrist, Licensed Psychologist",
        "Exam passed",
        "Renewal every 24 months",
    ]
    # a snapshot (plain mapping) reads the same; an empty set says so
    assert describe_requirements({"recovery_months": 18}, 12) == [
        "18 months of lived recovery",
        "Renewal every 12 months",
    ]
    assert describe_requirements({}) == ["No requirements set"]


def test_duplicate_code_gets_a_message_not_an_error(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = _admin(make_board, make_user, client)
    other = make_board("ne")
    _make_type(app, board, "PR")
    _make_type(app, other, "PR")  # the same code on another board is fine
    response = client.post(f"/boards/{board.id}/config/credential-types/new", data=IC_RC)
    assert response.status_code == 200
    assert "already has a credential type with the code PR" in response.get_data(as_text=True)
    with app.app_context():
        count = db.session.execute(
            select(CredentialType).where(CredentialType.board_id == board.id)
        ).all()
        assert len(count) == 1


def test_category_hours_over_total_and_bad_numbers(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = _admin(make_board, make_user, client)
    url = f"/boards/{board.id}/config/credential-types/new"
    page = client.post(url, data={**IC_RC, "training_hours": "40"}).get_data(as_text=True)
    assert "The category hours add up to 46, more than the 40 total training hours" in page
    assert 'value="Ethical Responsibility"' in page  # what was typed is kept
    page = client.post(url, data={**IC_RC, "cycle_months": "121", "min_age": "12"})
    text = page.get_data(as_text=True)
    assert "Use 1 to 120 months." in text and "Use an age between 14 and 100." in text
    page = client.post(url, data={**IC_RC, "training_hours": "40.1"}).get_data(as_text=True)
    assert "Enter hours in steps of 0.25" in page
    page = client.post(url, data={**IC_RC, "categories-4-hours": "3"}).get_data(as_text=True)
    assert "Name the category these hours are for." in page
    # issue 16: a field's own error and a rule contradiction are reported together
    both = client.post(url, data={**IC_RC, "name": "", "training_hours": "40"})
    text = both.get_data(as_text=True)
    assert "This field is required." in text
    assert "The category hours add up to 46, more than the 40 total training hours" in text
    with app.app_context():
        assert db.session.execute(select(CredentialType)).first() is None


def test_edit_writes_audit_before_after_and_keeps_application_snapshots(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    board = _admin(make_board, make_user, client)
    type_id = _make_type(app, board, "CPSS", training_minutes=2400, min_age=18)
    trainee = make_user("t@example.org", [(Role.TRAINEE, board)])
    snapshot = [{"key": "training", "met": False, "detail": "38.5 of 40 training hours"}]
    with app.app_context():
        db.session.add(
            Application(
                board_id=board.id,
                trainee_id=trainee.id,
                credential_type_id=type_id,
                status="submitted",
                eligibility_snapshot=snapshot,
            )
        )
        db.session.commit()
    data = {"code": "CPSS", "name": "Type CPSS", "level": "full", "cycle_months": "24",
            "min_age": "19", "training_hours": "46"}  # fmt: skip
    response = client.post(f"/boards/{board.id}/config/credential-types/{type_id}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        ctype = db.session.get(CredentialType, type_id)
        assert ctype.requirements.training_minutes == 46 * 60
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "credential_type.updated")
        ).scalar_one()
        assert event.board_id == board.id and event.entity_id == str(type_id)
        assert event.before["training_minutes"] == 2400 and event.before["min_age"] == 18
        assert event.after["training_minutes"] == 2760 and event.after["min_age"] == 19
        application = db.session.execute(select(Application)).scalar_one()
        assert application.eligibility_snapshot == snapshot
        assert application.status == "submitted"
    # saving again without changes writes no second event
    client.post(f"/boards/{board.id}/config/credential-types/{type_id}/edit", data=data)
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "credential_type.updated")
        ).all()
        assert len(events) == 1


def test_reviewer_gets_403_and_other_board_admin_404(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    lakes, ne = make_board("lakes"), make_board("ne")
    type_id = _make_type(app, lakes, "PR")
    with app.app_context():
        endorsement = Endorsement(board_id=lakes.id, code="A", name="Adult")
        db.session.add(endorsement)
        db.session.commit()
        endorsement_id = endorsement.id
    base = f"/boards/{lakes.id}/config"
    paths = [
        f"{base}/credential-types",
        f"{base}/credential-types.csv",
        f"{base}/credential-types/new",
        f"{base}/credential-types/{type_id}/edit",
        f"{base}/endorsements",
        f"{base}/endorsements/{endorsement_id}/remove",
    ]
    make_user("rev@example.org", [(Role.BOARD_REVIEWER, lakes)])
    login(client, "rev@example.org")
    for path in paths:
        assert client.get(path).status_code == 403, path
    client.post("/logout")
    make_user("ne.admin@example.org", [(Role.BOARD_ADMIN, ne)])
    login(client, "ne.admin@example.org")
    for path in paths:
        assert client.get(path).status_code == 404, path
    response = client.post(f"{base}/credential-types/{type_id}/edit", data={**IC_RC})
    assert response.status_code == 404
    assert (
        client.post(
            f"{base}/endorsements/{endorsement_id}/remove", data={"reason": "x"}
        ).status_code
        == 404
    )  # noqa: E501
    # the other board's type is not reachable through this admin's board either
    assert client.get(f"/boards/{ne.id}/config/credential-types/{type_id}/edit").status_code == 404
    with app.app_context():
        assert db.session.get(Endorsement, endorsement_id) is not None
        assert db.session.get(CredentialType, type_id).requirements.training_minutes is None


def test_endorsements_add_and_remove_blocked_while_in_use(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = _admin(make_board, make_user, client)
    url = f"/boards/{board.id}/config/endorsements"
    assert "No endorsements yet" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"code": "f", "name": "Family"}).status_code == 302
    assert (
        client.post(url, data={"code": "fo", "name": "Forensic", "enhanced": "y"}).status_code
        == 302
    )  # noqa: E501
    again = client.post(url, data={"code": "F", "name": "Family again"}).get_data(as_text=True)
    assert "already has an endorsement with the code F" in again
    type_id = _make_type(app, board, "CPSS")
    holder = make_user("holder@example.org", [(Role.TRAINEE, board)])
    with app.app_context():
        family, forensic = (
            db.session.execute(select(Endorsement).where(Endorsement.code == code)).scalar_one()
            for code in ("F", "FO")
        )
        assert forensic.enhanced and not family.enhanced
        db.session.add(
            Credential(
                board_id=board.id, holder_id=holder.id, credential_type_id=type_id,
                number="LAKES-0001", status="active", issued_on=date(2026, 1, 1),
                expires_on=date(2028, 1, 1), endorsements=["F"],
            )
        )  # fmt: skip
        db.session.commit()
        family_id, forensic_id = family.id, forensic.id
    confirm = client.get(f"{url}/{family_id}/remove").get_data(as_text=True)
    assert "1 credential carries this endorsement" in confirm
    refused = client.post(
        f"{url}/{family_id}/remove", data={"reason": "Merged"}, follow_redirects=True
    )  # noqa: E501
    assert "cannot be removed while in use" in refused.get_data(as_text=True)
    # FO is a substring-free code match: "F" in use does not block "FO", and vice versa
    assert "No credential carries it today" in client.get(f"{url}/{forensic_id}/remove").get_data(
        as_text=True
    )  # noqa: E501
    assert "This field is required" in client.post(f"{url}/{forensic_id}/remove", data={}).get_data(
        as_text=True
    )  # noqa: E501
    assert (
        client.post(f"{url}/{forensic_id}/remove", data={"reason": "Not offered"}).status_code
        == 302
    )  # noqa: E501
    with app.app_context():
        assert db.session.get(Endorsement, family_id) is not None
        assert db.session.get(Endorsement, forensic_id) is None
        removed = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "endorsement.removed")
        ).scalar_one()
        assert removed.before["code"] == "FO" and removed.after == {"reason": "Not offered"}


def test_board_panel_nav_and_csv(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = _admin(make_board, make_user, client)
    _make_type(app, board, "CPSS", training_minutes=2400)
    page = client.get(f"/boards/{board.id}").get_data(as_text=True)
    assert 'data-testid="panel-credential-rules"' in page and "Type CPSS (CPSS)" in page
    assert f'href="/boards/{board.id}/config/credential-types"' in page
    assert ">Rules<" in page
    csv_text = client.get(f"/boards/{board.id}/config/credential-types.csv").get_data(as_text=True)
    assert "CPSS,Type CPSS,full,no,24,40 training hours · Renewal every 24 months" in csv_text


def test_platform_admin_configures_any_board(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    make_user("root@example.org", [(Role.PLATFORM_ADMIN, None)])
    login(client, "root@example.org")
    assert client.get(f"/boards/{board.id}/config/credential-types").status_code == 200
    response = client.post(
        f"/boards/{board.id}/config/credential-types/new",
        data={
            "code": "CPSS",
            "name": "Certified Peer Support Specialist",
            "level": "full",
            "cycle_months": "24",
            "min_age": "19",
            "training_hours": "40",
        },  # fmt: skip
    )
    assert response.status_code == 302
    with app.app_context():
        req = _type(board.id, "CPSS").requirements
        assert (req.min_age, req.training_minutes, req.supervisor_licenses) == (19, 2400, [])
        assert req.training_category_minutes == {} and req.exam_required is False
