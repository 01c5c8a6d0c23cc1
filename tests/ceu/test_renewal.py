"""Renewal: certify asks ceu through its renewal_blockers and renewal_notes hooks; after the
grace period CE since expiry makes up the lapsed cycle and the extra hours come on top;
certify's reminders 90/60/30 days before expiry say what CE is missing, once each."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from certify.credentials import services as credentials
from certify.models import Credential, ExpiryReminder
from certify.renewal.models import RenewalPolicy
from ceu.audits.services import grant_extension
from ceu.models import CeCategory, CeRuleVersion
from ceu.renewal import ce_blockers, ce_review_notes
from core.extensions import db
from core.models import Board, OutboxMessage, User
from tests.ceu.conftest import CeWorld
from tests.ceu.factories import H, create_record


def test_renewal_is_blocked_until_the_ce_is_complete(app, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        credential = db.session.get(Credential, ce.credential_id)
        admin = db.session.get(User, ce.admin.id)
        today = date.today()
        blockers = credentials.renewal_blockers(db.session, credential, today)
        assert blockers == [
            f"Continuing education for the cycle {ce.issued_on.isoformat()} to "
            f"{ce.expires_on.isoformat()}: 6 ethics hours and 14 more hours missing."
        ]
        with pytest.raises(credentials.CredentialError, match="6 ethics hours"):
            credentials.renew(db.session, credential, admin, today)
        board, holder = db.session.get(Board, ce.board.id), db.session.get(User, ce.holder.id)
        categories = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        create_record(db.session, board, holder, categories["ethics"], 6 * H, today - timedelta(2))
        general = categories["general"]
        create_record(
            db.session, board, holder, general, 10 * H, today - timedelta(3), "self_study"
        )
        assert "4 hours missing" in ce_blockers(db.session, credential, today)[0]
        create_record(db.session, board, holder, categories["general"], 4 * H, today - timedelta(4))
        assert ce_blockers(db.session, credential, today) == []
        before = credential.expires_on
        credentials.renew(db.session, credential, admin, today)
        assert credential.expires_on == credentials.add_months(before, 24)


def test_an_extension_lets_a_renewal_through(app, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        credential = db.session.get(Credential, ce.credential_id)
        admin = db.session.get(User, ce.admin.id)
        today = date.today()
        grant_extension(db.session, credential, ce.expires_on, today + timedelta(days=90), admin,
                        "Medical leave")  # fmt: skip
        assert ce_blockers(db.session, credential, today) == []
        (note,) = ce_review_notes(db.session, credential, today)  # staff see why it passed
        assert "6 ethics hours and 14 more hours missing" in note and "extension until" in note
        assert ce_blockers(db.session, credential, today + timedelta(days=91)) != []


def test_after_the_grace_period_reinstatement_needs_extra_ce(app, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        version = db.session.execute(select(CeRuleVersion)).scalar_one()
        version.reinstatement_extra_minutes = 10 * H
        db.session.add(RenewalPolicy(board_id=ce.board.id, credential_type_id=ce.ctype_id,
                                     window_days=90, grace_days=30, attestations=[]))  # fmt: skip
        credential = db.session.get(Credential, ce.credential_id)
        board, holder = db.session.get(Board, ce.board.id), db.session.get(User, ce.holder.id)
        categories = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        create_record(
            db.session, board, holder, categories["ethics"], 6 * H, ce.expires_on - timedelta(9)
        )
        create_record(
            db.session, board, holder, categories["general"], 14 * H, ce.expires_on - timedelta(8)
        )
        in_grace = ce.expires_on + timedelta(days=20)
        assert ce_blockers(db.session, credential, in_grace) == []
        late = ce.expires_on + timedelta(days=45)
        (blocker,) = ce_blockers(db.session, credential, late)
        assert (
            "reinstatement needs 10 hours of CE taken since" in blocker
            and "(0 hours so far)" in blocker
        )
        create_record(
            db.session, board, holder, categories["general"], 10 * H, ce.expires_on + timedelta(10)
        )
        assert ce_blockers(db.session, credential, late) == []


def test_after_the_grace_period_late_ce_makes_up_the_cycle_and_the_extra_comes_on_top(  # type: ignore[no-untyped-def]
    app, ce: CeWorld
) -> None:
    """Short 4 hours at expiry: reinstatement needs 4 + 10 hours taken since expiry."""
    with app.app_context():
        version = db.session.execute(select(CeRuleVersion)).scalar_one()
        version.reinstatement_extra_minutes = 10 * H
        db.session.add(RenewalPolicy(board_id=ce.board.id, credential_type_id=ce.ctype_id,
                                     window_days=90, grace_days=30, attestations=[]))  # fmt: skip
        credential = db.session.get(Credential, ce.credential_id)
        board, holder = db.session.get(Board, ce.board.id), db.session.get(User, ce.holder.id)
        categories = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        before = ce.expires_on - timedelta(days=9)
        create_record(db.session, board, holder, categories["ethics"], 6 * H, before)
        create_record(db.session, board, holder, categories["general"], 10 * H, before)
        late = ce.expires_on + timedelta(days=45)
        in_grace = ce.expires_on + timedelta(days=10)
        # in the grace period CE must still be dated in the cycle: 4 hours are missing
        assert "4 hours missing" in ce_blockers(db.session, credential, in_grace)[0]
        create_record(db.session, board, holder, categories["general"], 10 * H, in_grace)
        assert "4 hours missing" in ce_blockers(db.session, credential, in_grace)[0]
        # after it, the 10 late hours make up the 4 and leave 6 of the 10 extra
        (blocker,) = ce_blockers(db.session, credential, late)
        assert "on top of the 4 hours that make up the lapsed cycle (10 hours so far)" in blocker
        create_record(db.session, board, holder, categories["general"], 3 * H, late)
        assert ce_blockers(db.session, credential, late) != []  # 13 of 14
        create_record(db.session, board, holder, categories["general"], H, late)
        assert ce_blockers(db.session, credential, late) == []


def test_reminders_at_90_60_30_days_say_what_is_missing_and_go_once(app, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    """One reminder per step (certify's expiry job), saying what ceu says is missing."""
    with app.app_context():
        day = ce.expires_on - timedelta(days=85)
        run = credentials.expire_and_remind(db.session, day)
        assert run.reminders == 1
        message = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.to_addr == ce.holder.email)
        ).scalar_one()
        assert "expires in 85 days" in message.subject
        assert (
            f"- Continuing education for the cycle {ce.issued_on.isoformat()} to "
            f"{ce.expires_on.isoformat()}: 6 ethics hours and 14 more hours missing."
        ) in message.body_text
        assert credentials.expire_and_remind(db.session, day + timedelta(days=1)).reminders == 0
        steps = (59, 30, 3)
        runs = [credentials.expire_and_remind(db.session, ce.expires_on - timedelta(days=d))
                for d in steps]  # fmt: skip
        assert [r.reminders for r in runs] == [1, 1, 0]
        assert db.session.execute(select(func.count(ExpiryReminder.id))).scalar_one() == 3
        sent = db.session.execute(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.to_addr == ce.holder.email)
        ).scalar_one()
        assert sent == 3  # one email per step, nothing twice
