"""Renewal policies of the demo boards (safe to run twice)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import CredentialType
from certify.renewal.models import RenewalPolicy
from core.modules import DemoContext

ATTESTATIONS = [
    "The continuing education I report is true and complete, and I keep its certificates "
    "for an audit.",
    "I have read the board's code of ethics and practice by it.",
]
# board slug -> credential type code -> policy
POLICIES = {
    "ne-dbh": {
        "CPSS": dict(window_days=90, grace_days=30, attestations=ATTESTATIONS,
                     fee_required=True, review="flagged", reinstatement_fee=True),
        "CFPSS": dict(window_days=90, grace_days=30, attestations=ATTESTATIONS,
                      fee_required=True, review="flagged", reinstatement_fee=True),
    },
    "icrc-lakes": {
        "PR": dict(window_days=120, grace_days=60, attestations=ATTESTATIONS[:1],
                   fee_required=True, review="all", reinstatement_fee=True,
                   reinstatement_exam=True),
    },
}  # fmt: skip


def load(session: Session, context: DemoContext) -> None:
    for slug, types in POLICIES.items():
        board = context.boards[slug]
        for code, values in types.items():
            ctype = session.execute(
                select(CredentialType).where(
                    CredentialType.board_id == board.id, CredentialType.code == code
                )
            ).scalar()
            if ctype is None:
                continue
            found = session.execute(
                select(RenewalPolicy).where(RenewalPolicy.credential_type_id == ctype.id)
            ).scalar()
            if found is None:
                session.add(RenewalPolicy(board_id=board.id, credential_type_id=ctype.id, **values))
    session.flush()
