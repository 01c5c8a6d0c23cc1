"""Operations (issue 11): the log of a full browser run holds no personal data.

Runs after the other browser tests (pytest takes a directory's files in name order): every
line the application logged while chromium clicked through sign-ups, applications, hours,
CE, exams and RDS studies is searched for the email and the name of every person who existed
or was created meanwhile, and for anything shaped like an email address.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from core.extensions import db
from core.models import User

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def test_the_browser_run_logged_requests_and_no_personal_data(
    app, browser, live_server, browser_run_log
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        people = db.session.execute(select(User.email, User.full_name)).all()
    secrets = browser_run_log.people | {v for person in people for v in person if v}
    lines = list(browser_run_log.lines)
    requests = [json.loads(line) for line in lines if '"event": "request"' in line]
    # the browser tests before this one really went through the logged app
    assert len(requests) > 50, len(requests)
    assert {r["status"] for r in requests} >= {200, 302}
    every = "\n".join(lines)
    leaked = sorted(s for s in secrets if len(s) > 3 and s in every)
    assert leaked == [], leaked
    assert [m.group(0) for m in EMAIL.finditer(every)] == []
