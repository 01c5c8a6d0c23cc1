"""rds lists a board's credential types in certify's one order (rds may import only the model)."""

from __future__ import annotations

from datetime import date
from typing import Any

from certify.applications import eligibility
from certify.config.services import credential_types
from core.extensions import db
from rds.scope import studies
from tests.factories import create_credential_type


def test_rds_and_certify_list_credential_types_in_the_same_order(app: Any, make_board: Any) -> None:
    board, other = make_board("ne"), make_board("lakes")
    with app.app_context():
        # names sort the other way round from codes, so an order by name would show
        for code, name, level in (
            ("CPSS", "A peer specialist", "full"),
            ("CRPS", "B recovery specialist", "full"),
            ("CPSS-P", "C provisional peer", "provisional"),
            ("ARPS-P", "D provisional recovery", "provisional"),
        ):
            create_credential_type(db.session, board, code=code, level=level).name = name
        create_credential_type(db.session, other, code="OTHER")
        db.session.flush()
        certify_order = [(c.id, c.code) for c in credential_types(db.session, board.id)]
        assert [code for _, code in certify_order] == ["ARPS-P", "CPSS-P", "CPSS", "CRPS"]
        assert list(studies.credential_types(db.session, board.id)) == [
            key for key, _ in certify_order
        ]
        checklist = eligibility.checklists(db.session, board.id, 0, date.today())
        assert [ctype.code for ctype, _ in checklist] == ["ARPS-P", "CPSS-P", "CPSS", "CRPS"]
        db.session.rollback()
