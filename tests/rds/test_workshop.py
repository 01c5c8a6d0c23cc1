"""SME workshop: the panel, private voting links, votes without an account, tally, resolving."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, OutboxMessage, Role
from rds.models import SmeVote, Study, SubjectMatterExpert, Task
from rds.workshop import services as workshop
from tests.factories import login
from tests.rds.test_scope import count, imported_study

PANEL_CSV = (
    "name,email,background,years_experience\n"
    "Ann Lee,ann@example.org,Certified peer specialist,6\n"
    "Bo Diaz,bo@example.org,Peer supervisor,\n"
)


def sme_upload(client: Any, study_id: int, text: str) -> Any:
    return client.post(
        f"/studies/{study_id}/workshop/smes/import",
        data={"file": (io.BytesIO(text.encode()), "panel.csv")},
        content_type="multipart/form-data",
    )


def links_by_email(app: Any) -> dict[str, str]:
    """The vote token of each emailed link, newest per address."""
    with app.app_context():
        messages = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        return {
            m.to_addr: re.search(r"/workshop/vote/(\S+)", m.body_text).group(1)  # type: ignore[union-attr]
            for m in messages
            if "/workshop/vote/" in m.body_text
        }


def panel_with_links(
    app: Any, client: Any, make_board: Any, make_user: Any
) -> tuple[Any, int, dict[str, str]]:
    board, study_id = imported_study(client, make_board, make_user, app)
    assert sme_upload(client, study_id, PANEL_CSV).status_code == 302
    assert client.post(f"/studies/{study_id}/workshop/links").status_code == 302
    return board, study_id, links_by_email(app)


def task_ids(app: Any, study_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.execute(
                select(Task.id).where(Task.study_id == study_id).order_by(Task.position)
            ).scalars()
        )


def test_record_the_panel_one_by_one_and_by_csv(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id = imported_study(client, make_board, make_user, app)
    base = f"/studies/{study_id}/workshop"
    page = client.get(base).get_data(as_text=True)
    assert "No experts yet" in page and "12-15" in page
    added = client.post(
        f"{base}/smes", data={"name": "Cy Ray", "email": "Cy@Example.org", "years_experience": "4"}
    )
    assert added.status_code == 302
    again = client.post(f"{base}/smes", data={"name": "Cy", "email": "cy@example.org"})
    assert "is already on this study" in again.get_data(as_text=True)
    bad = (
        "name,email,background,years_experience\n"
        "Ann Lee,ann@example.org,,6\n"
        ",nobody@example.org,,\n"
        "Dup,ann@example.org,,\n"
        "Zed,not-an-email,,\n"
        "Old,old@example.org,,ninety\n"
        "Cy again,cy@example.org,,\n"
    )
    response = sme_upload(client, study_id, bad)
    text = response.get_data(as_text=True)
    assert "Nobody was added" in text
    for fragment in (
        "row 3, column name",
        "row 4, column email: ann@example.org is listed twice",
        "row 5, column email",
        "row 6, column years_experience",
        "row 7, column email: cy@example.org is already on the panel",
    ):
        assert fragment in text
    with app.app_context():
        assert count(SubjectMatterExpert, study_id=study_id) == 1
    assert sme_upload(client, study_id, PANEL_CSV).status_code == 302
    with app.app_context():
        smes = {s.email: s for s in db.session.execute(select(SubjectMatterExpert)).scalars()}
        assert set(smes) == {"cy@example.org", "ann@example.org", "bo@example.org"}
        assert (
            smes["ann@example.org"].years_experience == 6
            and smes["bo@example.org"].years_experience is None
        )
        assert {"rds.sme.added", "rds.sme.imported"} <= set(
            db.session.execute(select(AuditEvent.action)).scalars()
        )
    listing = client.get(base).get_data(as_text=True)
    assert listing.count('data-testid="sme-row"') == 3 and "Add 9 more" in listing


def test_vote_by_private_link_without_login(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id, tokens = panel_with_links(app, client, make_board, make_user)
    assert set(tokens) == {"ann@example.org", "bo@example.org"}
    with app.app_context():
        ann = db.session.execute(
            select(SubjectMatterExpert).where(SubjectMatterExpert.email == "ann@example.org")
        ).scalar_one()
        assert ann.vote_token_hash == hashlib.sha256(tokens["ann@example.org"].encode()).hexdigest()
    ids = task_ids(app, study_id)
    client.post("/logout")
    page = client.get(f"/workshop/vote/{tokens['ann@example.org']}")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('data-testid="vote-task"') == 42
    votes = {
        f"choice-{ids[0]}": "keep",
        f"choice-{ids[1]}": "revise",
        f"comment-{ids[1]}": "Say 'person'",
        f"choice-{ids[2]}": "drop",
    }
    assert client.post(f"/workshop/vote/{tokens['ann@example.org']}", data=votes).status_code == 302
    # a comment without a choice and an unknown choice: nothing of this post is stored
    wrong = {f"choice-{ids[0]}": "drop", f"comment-{ids[3]}": "hm", f"choice-{ids[4]}": "maybe"}
    rejected = client.post(f"/workshop/vote/{tokens['ann@example.org']}", data=wrong)
    assert "2 answers need a correction" in rejected.get_data(as_text=True)
    # changing a vote updates the row
    client.post(f"/workshop/vote/{tokens['ann@example.org']}", data={f"choice-{ids[2]}": "revise"})
    client.post(
        f"/workshop/vote/{tokens['bo@example.org']}",
        data={f"choice-{ids[0]}": "keep", f"choice-{ids[2]}": "drop"},
    )
    with app.app_context():
        rows = {
            (v.sme_id, v.task_id): (v.choice, v.comment)
            for v in db.session.execute(select(SmeVote)).scalars()
        }
        assert len(rows) == 5
        assert rows[(ann.id, ids[0])] == ("keep", "") and rows[(ann.id, ids[1])] == (
            "revise",
            "Say 'person'",
        )
        assert rows[(ann.id, ids[2])] == ("revise", "")
    assert client.get("/workshop/vote/not-a-token").status_code == 404
    login(client, "psy@lakes.org")
    tally = client.get(f"/studies/{study_id}/workshop/tally").get_data(as_text=True)
    assert "Keep 2 · Revise 0 · Drop 0 · majority: keep" in tally
    assert "Keep 0 · Revise 1 · Drop 1 · no majority" in tally
    assert "Ann Lee</strong> (revise): Say &#39;person&#39;" in tally
    assert "0 of 42 tasks resolved" in tally and "2 of 2 experts voted" in tally
    # a new link replaces the old one
    with app.app_context():
        ann_id = ann.id
    client.post(f"/studies/{study_id}/workshop/smes/{ann_id}/link")
    assert client.get(f"/workshop/vote/{tokens['ann@example.org']}").status_code == 404
    assert client.get(f"/workshop/vote/{links_by_email(app)['ann@example.org']}").status_code == 200


def test_resolve_every_task_and_close_voting(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id, tokens = panel_with_links(app, client, make_board, make_user)
    ids = task_ids(app, study_id)
    base = f"/studies/{study_id}/workshop"
    assert client.post(f"{base}/status", data={"to": "workshop"}).status_code == 302
    missing = client.post(
        f"{base}/tasks/{ids[1]}/resolve",
        data={f"t{ids[1]}-resolution": "revise", f"t{ids[1]}-statement": ""},
    )
    assert "Enter the revised task statement" in missing.get_data(as_text=True)
    client.post(f"{base}/tasks/{ids[0]}/resolve", data={f"t{ids[0]}-resolution": "keep"})
    client.post(
        f"{base}/tasks/{ids[1]}/resolve",
        data={
            f"t{ids[1]}-resolution": "revise",
            f"t{ids[1]}-statement": "Revised words",
            f"t{ids[1]}-note": "Panel wording",
        },
    )
    client.post(
        f"{base}/tasks/{ids[2]}/resolve",
        data={f"t{ids[2]}-resolution": "drop", f"t{ids[2]}-note": "Not a peer task"},
    )
    with app.app_context():
        study = db.session.get(Study, study_id)
        assert study.status == "workshop"
        assert workshop.unresolved_count(db.session, study) == 39
        first, second, third = (db.session.get(Task, i) for i in ids[:3])
        assert (first.sme_resolution, second.sme_resolution, third.sme_resolution) == (
            "keep",
            "revise",
            "drop",
        )
        assert second.statement == "Revised words" and third.sme_note == "Not a peer task"
        event = db.session.execute(
            select(AuditEvent).where(
                AuditEvent.action == "rds.task.resolved", AuditEvent.entity_id == str(ids[1])
            )
        ).scalar_one()
        assert event.after["statement"] == "Revised words" and event.before["resolution"] is None
        for task_id in ids[3:]:
            workshop.resolve_task(db.session, None, db.session.get(Task, task_id), "keep", "", "")  # type: ignore[arg-type]
        db.session.commit()
        assert workshop.unresolved_count(db.session, study) == 0
    assert "42 of 42 tasks resolved" in client.get(base).get_data(as_text=True)
    assert "A03," not in client.get(f"/studies/{study_id}/scope/tasks.csv").data.decode()  # dropped
    with app.app_context():
        db.session.get(Study, study_id).status = "survey_open"
        db.session.commit()
    assert client.get(f"/workshop/vote/{tokens['ann@example.org']}").status_code == 410
    assert (
        client.post(
            f"/workshop/vote/{tokens['ann@example.org']}", data={f"choice-{ids[0]}": "drop"}
        ).status_code
        == 410
    )
    for url, data in [
        (f"{base}/smes", {"name": "X", "email": "x@example.org"}),
        (f"{base}/links", {}),
        (f"{base}/tasks/{ids[0]}/resolve", {f"t{ids[0]}-resolution": "drop"}),
        (f"{base}/status", {"to": "draft"}),
    ]:
        assert client.post(url, data=data).status_code == 409, url
    assert client.get(f"{base}/tally").status_code == 200
    with app.app_context():
        assert db.session.get(Task, ids[0]).sme_resolution == "keep"
        assert count(SmeVote) == 0


def test_workshop_routes_are_board_scoped(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id, tokens = panel_with_links(app, client, make_board, make_user)
    ids = task_ids(app, study_id)
    with app.app_context():
        sme_id = db.session.execute(select(SubjectMatterExpert.id)).scalars().first()
    base = f"/studies/{study_id}/workshop"
    routes = [
        ("GET", base),
        ("GET", f"{base}/tally"),
        ("POST", f"{base}/status"),
        ("POST", f"{base}/smes"),
        ("POST", f"{base}/smes/import"),
        ("POST", f"{base}/smes/{sme_id}/delete"),
        ("POST", f"{base}/links"),
        ("POST", f"{base}/smes/{sme_id}/link"),
        ("POST", f"{base}/tasks/{ids[0]}/resolve"),
    ]
    other = make_board("ne")
    make_user("psy@ne.org", [(Role.PSYCHOMETRICIAN, other)])
    make_user("t@lakes.org", [(Role.TRAINEE, board)])
    client.post("/logout")
    login(client, "psy@ne.org")
    for method, url in routes:
        assert client.open(url, method=method).status_code == 404, url
    client.post("/logout")
    login(client, "t@lakes.org")
    for method, url in routes:
        assert client.open(url, method=method).status_code == 403, url
    with app.app_context():
        assert count(SubjectMatterExpert, study_id=study_id) == 2
        assert db.session.get(Task, ids[0]).sme_resolution is None


def test_vote_page_is_rate_limited(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id, tokens = panel_with_links(app, client, make_board, make_user)
    client.post("/logout")
    url = f"/workshop/vote/{tokens['bo@example.org']}"
    previous = app.config["PUBLIC_RATE_LIMIT"]
    app.config["PUBLIC_RATE_LIMIT"] = "3 per 37 seconds"  # an odd window: a bucket of its own
    try:
        codes = [client.get(url).status_code for _ in range(4)]
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = previous
    assert codes == [200, 200, 200, 429]


def test_replacing_the_scope_drops_its_votes(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, study_id, tokens = panel_with_links(app, client, make_board, make_user)
    ids = task_ids(app, study_id)
    client.post(f"/workshop/vote/{tokens['ann@example.org']}", data={f"choice-{ids[0]}": "keep"})
    with app.app_context():
        assert count(SmeVote) == 1
    response = client.post(
        f"/studies/{study_id}/scope/import",
        data={"file": (io.BytesIO(b"task_id,domain,statement\nX1,Other,New task\n"), "t.csv"),
              "replace": "y"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        assert count(SmeVote) == 0 and count(Task, study_id=study_id) == 1
        assert count(SubjectMatterExpert, study_id=study_id) == 2
