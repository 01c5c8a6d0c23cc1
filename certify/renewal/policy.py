"""A credential type's renewal policy as stored, or the defaults when the board set none."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import Credential
from certify.renewal.models import RenewalPolicy
from certify.renewal.phase import Phase, phase_of

DEFAULT_WINDOW_DAYS = 90


def policy_for(session: Session, credential_type_id: int, board_id: int) -> RenewalPolicy:
    """The stored policy, or an unsaved default: a 90-day window, no grace, staff review all."""
    found = session.execute(
        select(RenewalPolicy).where(RenewalPolicy.credential_type_id == credential_type_id)
    ).scalar()
    if found is not None:
        return found
    return RenewalPolicy(
        board_id=board_id,
        credential_type_id=credential_type_id,
        window_days=DEFAULT_WINDOW_DAYS,
        grace_days=0,
        attestations=[],
        fee_required=False,
        review="all",
        reinstatement_fee=False,
        reinstatement_exam=False,
    )


def policies_by_type(session: Session, board_id: int) -> dict[int, RenewalPolicy]:
    """A board's stored policies by credential type (one query)."""
    return {
        p.credential_type_id: p
        for p in session.execute(
            select(RenewalPolicy).where(RenewalPolicy.board_id == board_id)
        ).scalars()
    }


def credential_phase(session: Session, credential: Credential, as_of: date) -> Phase:
    policy = policy_for(session, credential.credential_type_id, credential.board_id)
    return phase_of(credential.expires_on, policy.window_days, policy.grace_days, as_of)


def grace_end(session: Session, credential: Credential) -> date:
    """The last day the credential can still be renewed rather than reinstated."""
    return credential_phase(session, credential, credential.expires_on).grace_ends_on
