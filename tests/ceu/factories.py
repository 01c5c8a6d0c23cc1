"""CE test data: functions that add rows to the session they are given and flush."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from certify.models import Credential, CredentialType
from ceu.models import (
    CeCategory,
    CeCourse,
    CeCourseCategory,
    CeProvider,
    CeProviderMember,
    CeRecord,
    CeRecordPart,
    CeRuleCap,
    CeRuleMinimum,
    CeRuleVersion,
)
from core.accounts import grant_role
from core.models import Board, Role, User

H = 60


def create_categories(session: Session, board: Board, *codes: str) -> dict[str, CeCategory]:
    found = {}
    for position, code in enumerate(codes or ("ethics", "general", "peer")):
        category = CeCategory(
            board_id=board.id,
            code=code,
            name=code.replace("_", " ").capitalize(),
            position=position,
        )
        session.add(category)
        found[code] = category
    session.flush()
    return found


def create_rule(
    session: Session,
    ctype: CredentialType,
    categories: dict[str, CeCategory],
    total: int = 20 * H,
    minimums: dict[str, int] | None = None,
    caps: list[tuple[str, int, list[str], str | None]] | None = None,
    effective_on: date = date(2000, 1, 1),
    **fields: Any,
) -> CeRuleVersion:
    """A rule version (default IC&RC: 20 hours per renewal cycle, 6 in ethics)."""
    minimums = {"ethics": 6 * H} if minimums is None else minimums
    version = CeRuleVersion(
        board_id=ctype.board_id,
        credential_type_id=ctype.id,
        effective_on=effective_on,
        total_minutes=total,
        minimums=[
            CeRuleMinimum(category_id=categories[c].id, minutes=m) for c, m in minimums.items()
        ],
        caps=[
            CeRuleCap(
                label=label,
                percent=pct,
                modes=modes,
                category_id=categories[cat].id if cat else None,
            )
            for label, pct, modes, cat in (caps or [])
        ],
        **fields,
    )
    session.add(version)
    session.flush()
    return version


def create_credential(
    session: Session,
    holder: User,
    ctype: CredentialType,
    number: str,
    issued_on: date,
    expires_on: date,
    status: str = "active",
) -> Credential:
    credential = Credential(
        board_id=ctype.board_id,
        holder_id=holder.id,
        credential_type_id=ctype.id,
        number=number,
        status=status,
        issued_on=issued_on,
        expires_on=expires_on,
    )
    session.add(credential)
    session.flush()
    return credential


def create_record(
    session: Session,
    board: Board,
    holder: User,
    category: CeCategory,
    minutes: int,
    completed_on: date,
    mode: str = "in_person",
    status: str = "accepted",
    source: str = "other",
    title: str = "Workshop",
    course: CeCourse | None = None,
) -> CeRecord:
    record = CeRecord(
        board_id=board.id,
        holder_id=holder.id,
        course_id=course.id if course else None,
        source=source,
        title=title,
        completed_on=completed_on,
        minutes=minutes,
        delivery_mode=mode,
        status=status,
        parts=[CeRecordPart(category_id=category.id, minutes=minutes)],
    )
    session.add(record)
    session.flush()
    return record


def create_provider(
    session: Session,
    board: Board,
    member: User | None = None,
    name: str = "Peer Academy",
    approved_from: date = date(2025, 1, 1),
    approved_until: date = date(2030, 12, 31),
    trusted: bool = False,
    status: str = "approved",
) -> CeProvider:
    provider = CeProvider(
        board_id=board.id,
        name=name,
        contact_name="Morgan",
        contact_email=f"{name.split()[0].lower()}@example.org",
        status=status,
        approved_from=approved_from if status == "approved" else None,
        approved_until=approved_until if status == "approved" else None,
        trusted=trusted,
    )
    session.add(provider)
    session.flush()
    if member is not None:
        grant_role(session, member, Role.CE_PROVIDER, board)
        session.add(CeProviderMember(provider_id=provider.id, user_id=member.id))
        session.flush()
    return provider


def create_course(
    session: Session,
    provider: CeProvider,
    categories: dict[str, int],
    by_code: dict[str, CeCategory],
    title: str = "WRAP refresher",
    mode: str = "in_person",
    starts_on: date = date(2026, 3, 2),
    ends_on: date = date(2026, 3, 3),
    status: str = "approved",
) -> CeCourse:
    course = CeCourse(
        board_id=provider.board_id,
        provider_id=provider.id,
        title=title,
        minutes=sum(categories.values()),
        delivery_mode=mode,
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        categories=[
            CeCourseCategory(category_id=by_code[c].id, minutes=m) for c, m in categories.items()
        ],
    )
    session.add(course)
    session.flush()
    return course
