"""Fixtures of the exams tests: one committed exam world per test (rolled back after)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from core.extensions import db
from tests.exams.factories import World, make_world


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        found = make_world(db.session)
        db.session.commit()
        yield found
        db.session.remove()
