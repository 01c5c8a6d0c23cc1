"""The board's CE rules page: categories, settings, rule versions in plain words."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ceu.models import CeRuleVersion, CeSettings
from core.extensions import db
from tests.ceu.conftest import CeWorld
from tests.factories import login


def test_the_rules_page_states_the_rule_and_how_ce_is_counted(client, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    login(client, ce.reviewer.email)
    page = client.get(f"/boards/{ce.board.id}/ce/rules").get_data(as_text=True)
    assert "20 hours of continuing education every renewal cycle of 24 months" in page
    assert "At least 6 hours in Ethics." in page
    assert "Self-study and online: at most 50% of the total" in page
    assert "Hours past a cap count toward nothing" in page
    assert "New version" not in page  # reviewers read; admins change


def test_an_admin_saves_a_new_version_and_an_impossible_one_is_refused(
    app, client, ce: CeWorld
) -> None:  # type: ignore[no-untyped-def]
    login(client, ce.admin.email)
    url = f"/boards/{ce.board.id}/ce/rules/{ce.ctype_id}/new"
    form = client.get(url).get_data(as_text=True)
    assert 'name="total_hours" required step="0.25" type="number" value="20.00"' in form
    data = {
        "effective_on": date(2030, 1, 1).isoformat(),
        "total_hours": "18",
        "cycle_kind": "calendar",
        "calendar_months": "12",
        "calendar_first_year": "2020",
        "minimums-0-category_id": str(ce.categories["ethics"]),
        "minimums-0-hours": "",
        "minimums-1-category_id": str(ce.categories["general"]),
        "minimums-1-hours": "",
        "minimums-2-category_id": str(ce.categories["peer"]),
        "minimums-2-hours": "12",
        "caps-0-scope": f"category:{ce.categories['peer']}",
        "caps-0-percent": "50",
        "caps-0-label": "Peer",
        "proration": "proportional",
        "rounding": "down_hour",
        "carry_over_hours": "0",
        "reinstatement_hours": "0",
    }
    page = client.post(url, data=data).get_data(as_text=True)
    assert "below the Peer minimum and could never be met" in page
    data["caps-0-percent"] = "80"
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        version = db.session.execute(
            select(CeRuleVersion).where(CeRuleVersion.effective_on == date(2030, 1, 1))
        ).scalar_one()
        assert (version.total_minutes, version.cycle_kind, version.calendar_months) == (
            1080,
            "calendar",
            12,
        )
        assert [m.minutes for m in version.minimums] == [720]
    page = client.get(f"/boards/{ce.board.id}/ce/rules").get_data(as_text=True)
    assert "upcoming" in page and "every calendar period of 12 months" in page


def test_settings_show_ceus(app, client, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    login(client, ce.admin.email)
    client.post(
        f"/boards/{ce.board.id}/ce/settings", data={"show_ceus": "y", "audit_consequence": "none"}
    )
    with app.app_context():
        assert db.session.get(CeSettings, ce.board.id).show_ceus
    login(client, ce.holder.email)
    assert "0.6 ethics CEUs and 1.4 more CEUs missing" in client.get("/me/ce").get_data(
        as_text=True
    )
