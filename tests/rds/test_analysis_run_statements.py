"""The analysis run reads the survey in a fixed number of SQL statements, whatever its size.

A 5,000-response survey took 23-32 s in one request when the answers were read (and decoded)
twice and the rules looped over them in Python (issue 15); a count that grows with the
respondents would be a query per response.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from core.extensions import db
from core.models import Role, User
from rds.analysis import services as svc
from rds.models import Study, SurveyResponse
from rds.survey.screening import screening_report
from tests.rds.test_survey import make_study

TASKS = [(f"{d}{i}", f"Domain {d}", f"Task {d}{i}") for d in "ABC" for i in range(4)]


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def listen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def _answer(app, study_id: int, board_id: int, count: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        for k in range(count):
            ratings = {code: [(k + j) % 5, (k * j) % 5] for j, (code, _, _) in enumerate(TASKS)}
            db.session.add(
                SurveyResponse(
                    board_id=board_id,
                    study_id=study_id,
                    status="submitted",
                    source="web",
                    ratings=ratings,
                    demographics={"role": "Peer supervisor" if k % 2 else "Trainee"},
                    seconds_taken=600,
                )
            )
        db.session.commit()


def _run(app, study_id: int, user_id: int) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Statements of the run and of the screening page's report; respondents analysed."""
    with app.app_context():
        study = db.session.get(Study, study_id)
        actor = db.session.get(User, user_id)
        assert study is not None and actor is not None
        with counted() as run:
            version = svc.run_analysis(db.session, actor, study, {})
        respondents = version.analysis().n_respondents
        db.session.rollback()
        db.session.expire_all()
        study = db.session.get(Study, study_id)
        assert study is not None
        with counted() as screening:
            screening_report(db.session, study)
        return len(run), len(screening), respondents


def test_the_run_reads_the_survey_in_a_fixed_number_of_statements(
    app, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("lakes")
    psych = make_user("psych@lakes.org", [(Role.PSYCHOMETRICIAN, board)])
    small = make_study(app, board, TASKS, status="survey_open", title="Small")
    large = make_study(app, board, TASKS, status="survey_open", title="Large")
    _answer(app, small, board.id, 3)
    _answer(app, large, board.id, 40)
    few = _run(app, small, psych.id)
    many = _run(app, large, psych.id)
    assert few[2] == 3 and many[2] == 40
    assert few[:2] == many[:2], f"statements grow with the respondents: {few} vs {many}"
