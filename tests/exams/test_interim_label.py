"""An approved blueprint from an interim run says so on the exam pages too (issue 10)."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from rds.models import BlueprintVersion, Study
from rds.survey.services import INTERIM_OPEN
from tests.exams.factories import World
from tests.factories import login


def test_the_exam_pages_name_an_interim_blueprint(app, world: World) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, world.manager.email)
    page = client.get(f"/boards/{world.board.id}/exams").get_data(as_text=True)
    assert 'data-testid="interim"' not in page  # run on the closed survey
    with app.app_context():
        version = db.session.execute(select(BlueprintVersion)).scalars().first()
        assert version is not None
        version.options = {**(version.options or {}), "interim": True}
        study = db.session.get(Study, version.study_id)
        assert study is not None
        study.status = "survey_open"
        db.session.commit()
    page = client.get(f"/boards/{world.board.id}/exams").get_data(as_text=True)
    assert 'data-testid="interim"' in page and INTERIM_OPEN in page
