"""Demo verification data: the demo employer's organization monitoring the demo credentials."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import Credential
from core.modules import DemoContext
from verify.badges.services import sign_missing
from verify.employers import monitoring
from verify.models import EmployerMember, EmployerOrganization, RosterCheck

EMPLOYER_EMAIL = "employer@demo.peercert"


def load(session: Session, context: DemoContext) -> None:
    """Sign every demo credential; the demo employer monitors them all (safe to run twice)."""
    for board in context.boards.values():
        sign_missing(session, board)
    employer = context.users.get(EMPLOYER_EMAIL)
    if employer is None:
        return
    member = session.execute(
        select(EmployerMember).where(EmployerMember.user_id == employer.id)
    ).scalar()
    if member is not None:
        return
    organization = EmployerOrganization(name="Prairie Peer Services")
    session.add(organization)
    session.flush()
    member = EmployerMember(organization_id=organization.id, user_id=employer.id, is_owner=True)
    session.add(member)
    session.flush()
    credentials = session.execute(select(Credential).order_by(Credential.id)).scalars().all()
    if not credentials:
        return
    check = RosterCheck(
        organization_id=organization.id,
        filename="demo-staff.csv",
        uploaded_by_id=employer.id,
        rows=[
            {
                "row": position,
                "name": credential.holder.full_name,
                "number": credential.number,
                "board": credential.board.slug,
                "problem": "",
            }
            for position, credential in enumerate(credentials, start=2)
        ],
    )
    session.add(check)
    session.flush()
    monitoring.enroll(session, member, check, context.today or date.today())
