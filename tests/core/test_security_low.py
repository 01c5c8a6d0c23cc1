"""The probe's low findings (issue 11, "Low"): each as it was seen, now refused or handled."""

from __future__ import annotations

from sqlalchemy import select, update

from certify.models import SupervisedHoursEntry
from core.extensions import db
from core.models import OutboxMessage, Role, User
from core.passwords import is_common
from tests.certify.test_hours import _log
from tests.factories import login
from tests.rds.test_scope import psychometrician, upload


def test_hsts_on_https_and_no_store_on_pages_and_downloads(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    login(client, admin.email)
    page = client.get(f"/boards/{board.id}")
    assert page.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in page.headers  # plain HTTP: browsers ignore it
    download = client.get(f"/boards/{board.id}/hours.csv")
    assert download.status_code == 200 and "no-store" in download.headers["Cache-Control"]
    secure = client.get(f"/boards/{board.id}", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    static = client.get("/core-static/tables.js")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_common_passwords_are_refused(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    for common in ("password123", "Password2024!", "1234567890", "qwertyuiop", "aaaaaaaaaaaa"):
        assert is_common(common), common
    for fine in ("correct horse battery", "Tr0ub4dor&3x-lamp", "river table ninety"):
        assert not is_common(fine), fine
    response = client.post(
        "/register",
        data={
            "email": "new@example.org",
            "full_name": "New Person",
            "password": "Password2024!",
            "confirm": "Password2024!",
        },
    )
    assert "among the first that guessers try" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.execute(select(User).where(User.email == "new@example.org")).first() is None
        )
    user = make_user("someone@example.org")
    login(client, user.email)
    changed = client.post(
        "/account/password",
        data={
            "current": "correct horse battery",
            "password": "qwertyuiop1",
            "confirm": "qwertyuiop1",
        },
    )
    assert "among the first that guessers try" in changed.get_data(as_text=True)


def test_a_200_character_name_can_log_hours(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    """The subject of the supervisor's email is built from the trainee's name; it now fits."""
    board = make_board("ne")
    trainee = make_user("long@example.org", [(Role.TRAINEE, board)])
    with app.app_context():
        db.session.execute(update(User).where(User.id == trainee.id).values(full_name="N" * 200))
        db.session.commit()
    login(client, trainee.email)
    response = _log(client, board, supervisor_email="new.sup@example.org")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        assert db.session.execute(select(SupervisedHoursEntry)).scalar_one()
        subjects = db.session.execute(select(OutboxMessage.subject)).scalars().all()
        assert all(len(subject) <= 200 for subject in subjects)
        from core import mail

        message = mail.queue(db.session, "x@example.org", "N" * 300 + " logged hours", "Body")
        assert len(message.subject) == 200 and message.subject.endswith("…")


def test_huge_numbers_in_filters_are_not_a_server_error(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    login(client, admin.email)
    for url in (
        f"/boards/{board.id}/applications?page=99999999999999999999999",
        f"/boards/{board.id}/credentials?page=99999999999999999999999",
        f"/boards/{board.id}/audit?page=9999999999999999999",
        f"/boards/{board.id}/credentials?expiring=99999999999999999999",
    ):
        assert client.get(url).status_code in (200, 400), url


def test_a_csv_field_over_128_kb_is_refused_with_a_message(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = psychometrician(make_board, make_user, client)
    client.post(
        f"/boards/{board.id}/studies/new",
        data={
            "title": "Big",
            "credential_type_id": "0",
            "purpose": "x",
            "started_on": "2026-01-05",
        },
    )
    from rds.models import Study

    with app.app_context():
        study_id = db.session.execute(select(Study.id)).scalar_one()
    body = b"task_id,domain,statement\nT1,D," + b'"' + b"x" * 200_000 + b'"\n'
    response = upload(client, study_id, body)
    assert response.status_code in (200, 400), response.status_code
    text = response.get_data(as_text=True)
    assert "131,072" in text or "too long" in text.lower() or "longer" in text.lower()


def test_an_upload_quota_per_person(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    import io

    from certify.models import ApplicationDocument
    from tests.factories import credential_type, ready_trainee

    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    ready_trainee(app, board, trainee)
    login(client, trainee.email)
    app_url = client.post("/me/applications/start", data={"credential_type_id": ctype_id}).headers[
        "Location"
    ]
    pdf = b"%PDF-1.4\n" + b"0" * 400_000 + b"\n%%EOF\n"
    app.config["UPLOAD_QUOTA_MB"] = 1
    try:
        pages = [
            client.post(
                f"{app_url}/documents",
                data={"kind": "diploma", "file": (io.BytesIO(pdf), f"d{n}.pdf")},
                content_type="multipart/form-data",
                follow_redirects=True,
            ).get_data(as_text=True)
            for n in range(3)
        ]
    finally:
        app.config.pop("UPLOAD_QUOTA_MB")
    assert "limit of 1 MB per person" in pages[2]
    with app.app_context():
        assert len(db.session.execute(select(ApplicationDocument)).all()) == 2
