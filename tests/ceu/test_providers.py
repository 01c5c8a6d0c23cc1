"""Providers apply in public, the board approves them for a period (a login comes with it),
trusted providers' courses need no review, and the catalog is public and searchable."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ceu.models import CeCategory, CeCourse, CeProvider
from core.extensions import db
from core.models import Board, User
from tests.ceu.conftest import CeWorld
from tests.ceu.factories import H, create_course, create_provider
from tests.factories import login


def test_apply_approve_list_a_course_and_the_board_approves_it(app, client, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/ce/ne/providers/apply",
        data={"name": "Recovery Coaching Collective", "contact_name": "Alex Applicant",
              "contact_email": "alex@example.org", "description": "Online courses"},
    )  # fmt: skip
    assert response.status_code == 302
    again = client.post("/ce/ne/providers/apply", data={"name": "recovery coaching collective",
                        "contact_name": "A", "contact_email": "a@example.org"})  # fmt: skip
    assert "has already applied" in again.get_data(as_text=True)
    with app.app_context():
        provider_id = db.session.execute(select(CeProvider.id)).scalar_one()
    login(client, ce.admin.email)
    today = date.today()
    client.post(
        f"/boards/{ce.board.id}/ce/providers/{provider_id}",
        data={"submit": "1", "decision": "approve", "approved_from": today.isoformat(),
              "approved_until": (today + timedelta(days=700)).isoformat(), "confirm": "y"},
    )  # fmt: skip
    with app.app_context():
        provider = db.session.get(CeProvider, provider_id)
        assert provider.status == "approved"
        alex = db.session.execute(select(User).where(User.email == "alex@example.org")).scalar_one()
        alex.set_password("correct horse battery")
        alex.activated_at = alex.created_at
        db.session.commit()
        ethics = db.session.execute(
            select(CeCategory).where(CeCategory.code == "ethics")
        ).scalar_one()
    login(client, "alex@example.org")
    page = client.get(f"/boards/{ce.board.id}/ce/provider/courses/new").get_data(as_text=True)
    assert "Contact hours by category" in page
    client.post(
        f"/boards/{ce.board.id}/ce/provider/courses/new",
        data={"title": "Boundaries online", "delivery_mode": "live_online",
              "starts_on": today.isoformat(), "ends_on": today.isoformat(),
              "categories-0-category_id": str(ethics.id), "categories-0-hours": "3"},
    )  # fmt: skip
    with app.app_context():
        course = db.session.execute(select(CeCourse)).scalar_one()
        assert (course.status, course.minutes) == ("pending", 3 * H)
        course_id = course.id
    client.get(f"/boards/{ce.board.id}/ce/provider")  # shows (and clears) the flash message
    assert "Boundaries online" not in client.get("/ce/ne/courses").get_data(as_text=True)
    login(client, ce.reviewer.email)
    client.post(f"/boards/{ce.board.id}/ce/courses/{course_id}", data={"decision": "approve"})
    assert "Boundaries online" in client.get("/ce/ne/courses").get_data(as_text=True)


def test_a_trusted_providers_course_is_approved_at_once_and_a_lapsed_one_cannot_list(
    app, ce: CeWorld
) -> None:  # type: ignore[no-untyped-def]
    from ceu.providers.services import CourseInput, ProviderError, save_course

    with app.app_context():
        board = db.session.get(Board, ce.board.id)
        admin = db.session.get(User, ce.admin.id)
        ethics = db.session.execute(
            select(CeCategory).where(CeCategory.code == "ethics")
        ).scalar_one()
        today = date.today()
        data = CourseInput("Ethics", "", "in_person", today, today, "", ((ethics.id, 2 * H),))
        trusted = create_provider(db.session, board, name="Trusted Org", trusted=True)
        assert save_course(db.session, trusted, admin, data, today).status == "approved"
        lapsed = create_provider(
            db.session, board, name="Lapsed Org", approved_until=today - timedelta(1)
        )
        try:
            save_course(db.session, lapsed, admin, data, today)
        except ProviderError as exc:
            assert "lapsed" in str(exc)
        else:
            raise AssertionError("a lapsed provider listed a course")


def test_the_catalog_searches_by_category_mode_and_date(app, client, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        board = db.session.get(Board, ce.board.id)
        by_code = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        provider = create_provider(db.session, board)
        today = date.today()
        create_course(db.session, provider, {"ethics": 3 * H}, by_code, "Ethics webinar",
                      "live_online", today + timedelta(10), today + timedelta(10))  # fmt: skip
        create_course(db.session, provider, {"peer": 6 * H}, by_code, "WRAP in person",
                      "in_person", today + timedelta(40), today + timedelta(41))  # fmt: skip
        create_course(db.session, provider, {"peer": 6 * H}, by_code, "Not yet approved",
                      status="pending")  # fmt: skip
        db.session.commit()
        ethics_id = by_code["ethics"].id
    page = client.get("/ce/ne/courses").get_data(as_text=True)
    assert "Ethics webinar" in page and "WRAP in person" in page and "Not yet approved" not in page
    page = client.get(f"/ce/ne/courses?category={ethics_id}").get_data(as_text=True)
    assert "Ethics webinar" in page and "WRAP in person" not in page
    page = client.get("/ce/ne/courses?mode=in_person").get_data(as_text=True)
    assert "WRAP in person" in page and "Ethics webinar" not in page
    later = (date.today() + timedelta(days=30)).isoformat()
    page = client.get(f"/ce/ne/courses?from={later}").get_data(as_text=True)
    assert "WRAP in person" in page and "Ethics webinar" not in page
    assert client.get("/ce/nowhere/courses").status_code == 404


def test_the_dashboard_offers_courses_that_fill_the_gap(app, client, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        board = db.session.get(Board, ce.board.id)
        by_code = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        provider = create_provider(db.session, board)
        today = date.today()
        create_course(db.session, provider, {"ethics": 3 * H}, by_code, "Ethics webinar",
                      "live_online", today + timedelta(10), today + timedelta(10))  # fmt: skip
        db.session.commit()
    login(client, ce.holder.email)
    page = client.get("/me/ce").get_data(as_text=True)
    assert 'data-testid="ce-suggestions"' in page and "Ethics webinar" in page
