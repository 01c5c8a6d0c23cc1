"""Low finding of issue 11: lengths and ranges are validated at the form layer, field by field.

The probe saw 500s on huge numbers, far-future dates and values longer than their database
column. The rule: every text field of every form has a length limit, every number field is
finite and bounded on both sides, every date field lies between 1900 and 2199. Fields with
their own narrower validators keep them; the rest get the bounds from core.forms when they
bind. The walk below binds every form class of the application (FlaskForms and the rows of
their lists), so a form added later is held to the rule too.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date, timedelta

import pytest
import wtforms
from sqlalchemy import select
from wtforms.validators import NumberRange

from certify.models import SupervisedHoursEntry
from core.extensions import db
from core.forms import date_in_range, finite_number, longest
from core.models import Role
from tests.factories import login

MODULES = ("core", "certify", "rds", "exams", "ceu", "verify")


def _form_classes() -> list[type[wtforms.Form]]:
    for top in MODULES:
        package = importlib.import_module(top)
        for info in pkgutil.walk_packages(package.__path__, f"{top}."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
    found: list[type[wtforms.Form]] = []
    todo = list(wtforms.Form.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in MODULES:
            found.append(cls)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


def _unbounded(field: wtforms.Field) -> str | None:
    if isinstance(field, (wtforms.FormField, wtforms.FieldList)):
        return None  # their rows are form classes of their own, walked separately
    if isinstance(field, wtforms.StringField) and not isinstance(field, wtforms.PasswordField):
        return None if longest(field) is not None else "text without a length limit"
    if isinstance(field, (wtforms.IntegerField, wtforms.DecimalField, wtforms.FloatField)):
        ranges = [v for v in field.validators if isinstance(v, NumberRange)]
        if finite_number not in field.validators:
            return "number that may be NaN or infinite"
        if not any(v.min is not None for v in ranges) or not any(v.max is not None for v in ranges):
            return "number without a lower and an upper bound"
    if isinstance(field, wtforms.DateField) and date_in_range not in field.validators:
        return "date without a range"
    return None


def test_every_field_of_every_form_is_bounded(app) -> None:  # type: ignore[no-untyped-def]
    classes = _form_classes()
    assert len(classes) > 80  # the walk really finds the application's forms
    problems = []
    with app.test_request_context(method="POST"):
        for cls in classes:
            form = cls(meta={"csrf": False})
            for field in form:
                problem = _unbounded(field)
                if problem:
                    problems.append(f"{cls.__module__}.{cls.__name__}.{field.name}: {problem}")
    assert problems == []


@pytest.mark.parametrize(
    ("hours", "worked_on", "message"),
    [
        ("NaN", None, "Enter a number."),
        ("Infinity", None, "Enter a number."),
        ("1e30", None, "Enter a number between -1,000,000,000 and 1,000,000,000."),
        ("2.5", "9999-12-31", "Enter a date between 1900 and 2199"),
    ],
)
def test_hours_with_an_impossible_number_or_date_get_a_message_not_a_500(
    app, client, make_board, make_user, hours, worked_on, message
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    login(client, trainee.email)
    response = client.post(
        "/me/hours/new",
        data={
            "board_id": board.id,
            "kind": "experience",
            "worked_on": worked_on or (date.today() - timedelta(days=1)).isoformat(),
            "hours": hours,
            "setting": "Peer-run organization",
            "paid": "volunteer",
            "performance_domain": "Advocacy",
            "supervisor_email": "sup@x.org",
            "supervisor_name": "Sam Supervisor",
        },
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(SupervisedHoursEntry)).first() is None


def test_text_without_a_limit_of_its_own_gets_one(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    """The sign-in email had no Length validator: a megabyte of it was accepted and echoed."""
    page = client.post("/login", data={"email": "a" * 5000 + "@x.org", "password": "x"})
    assert page.status_code in (200, 400)
    assert "a" * 5000 not in page.get_data(as_text=True)
