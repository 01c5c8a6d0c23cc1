"""CE providers and courses: an organization applies, the board approves it for a period
(lapsed providers can neither list courses nor post rosters), courses are approved by the
board or at once for a trusted provider, and the public catalog lists approved courses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ceu.compliance import DELIVERY_MODES
from ceu.models import CeCategory, CeCourse, CeCourseCategory, CeProvider, CeProviderMember
from core import audit, mail
from core.accounts import find_user, grant_role, normalise_email, send_activation
from core.models import Board, Role, User, utcnow
from core.urls import external_url


class ProviderError(ValueError):
    """A provider or course change a person can fix; `field` names the form field at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Application:
    name: str
    contact_name: str
    contact_email: str
    website: str = ""
    description: str = ""


def apply(session: Session, board: Board, data: Application) -> CeProvider:
    """A provider organization applies to a board (no account needed yet)."""
    name = " ".join(data.name.split())
    if not name:
        raise ProviderError("Give the organization's name.", "name")
    taken = session.execute(
        select(CeProvider).where(
            CeProvider.board_id == board.id, func.lower(CeProvider.name) == name.lower()
        )
    ).scalar()
    if taken is not None:
        raise ProviderError(
            f"{name} has already applied to {board.name}; the board will contact you.", "name"
        )
    provider = CeProvider(
        board_id=board.id,
        name=name,
        contact_name=data.contact_name.strip(),
        contact_email=normalise_email(data.contact_email),
        website=data.website.strip(),
        description=data.description.strip(),
        status="applied",
    )
    session.add(provider)
    session.flush()
    audit.record(session, None, "ce.provider.applied", provider,
                 after={"name": name, "contact": provider.contact_email})  # fmt: skip
    mail.queue(
        session,
        provider.contact_email,
        f"Your application as a CE provider with {board.name}",
        f"Hello {provider.contact_name},\n\n{board.name} received the application of {name} "
        "as a continuing education provider. You will hear from the board when it is decided.\n",
        board_id=board.id,
    )
    return provider


def decide(
    session: Session,
    provider: CeProvider,
    actor: User,
    approve: bool,
    reason: str,
    approved_from: date | None = None,
    approved_until: date | None = None,
    trusted: bool = False,
) -> None:
    """Approve a provider for a period (its contact gets a CE provider account), or reject it."""
    before = {"status": provider.status, "until": provider.approved_until}
    if approve:
        if approved_from is None or approved_until is None or approved_until < approved_from:
            raise ProviderError(
                "Give the approval period (the end after the start).", "approved_until"
            )
        provider.status, provider.trusted = "approved", trusted
        provider.approved_from, provider.approved_until = approved_from, approved_until
    else:
        if not reason.strip():
            raise ProviderError("Say why; the provider reads it.", "reason")
        provider.status = "rejected"
    provider.decision_reason = reason.strip()
    provider.decided_by_id, provider.decided_at = actor.id, utcnow()
    session.flush()
    after = {
        "status": provider.status,
        "from": approved_from,
        "until": approved_until,
        "trusted": provider.trusted,
        "reason": provider.decision_reason,
    }
    audit.record(
        session, actor, f"ce.provider.{provider.status}", provider, before=before, after=after
    )
    if approve:
        _give_account(session, provider, actor)
    else:
        mail.queue(
            session,
            provider.contact_email,
            f"Your CE provider application with {provider.board.name}",
            f"Hello {provider.contact_name},\n\nThe application of {provider.name} was not "
            f"approved.\n\nReason: {provider.decision_reason}\n",
            board_id=provider.board_id,
        )


def _give_account(session: Session, provider: CeProvider, actor: User) -> None:
    user = find_user(session, provider.contact_email)
    if user is None:
        user = User(email=provider.contact_email, full_name=provider.contact_name or provider.name)
        session.add(user)
        session.flush()
    grant_role(session, user, Role.CE_PROVIDER, provider.board)
    if not any(m.user_id == user.id for m in provider.members):
        session.add(CeProviderMember(provider_id=provider.id, user_id=user.id))
        session.flush()
    audit.record(session, actor, "ce.provider.member_added", provider,
                 after={"email": user.email})  # fmt: skip
    until = provider.approved_until.isoformat() if provider.approved_until else ""
    if user.activated_at is None:
        send_activation(session, user)
    mail.queue(
        session,
        user.email,
        f"{provider.name} is an approved CE provider of {provider.board.name}",
        f"Hello {user.full_name},\n\n{provider.board.name} approved {provider.name} as a "
        f"continuing education provider until {until}. Log in to list courses and post "
        f"attendance rosters:\n{external_url('auth.login')}\n",
        board_id=provider.board_id,
    )


def extend_approval(
    session: Session, provider: CeProvider, actor: User, until: date, trusted: bool
) -> None:
    """Renew an approved provider's period (or change whether its courses need review)."""
    if provider.status != "approved" or provider.approved_from is None:
        raise ProviderError("Only an approved provider's period can be renewed.")
    if until < provider.approved_from:
        raise ProviderError("The period cannot end before it started.", "approved_until")
    before = {"until": provider.approved_until, "trusted": provider.trusted}
    provider.approved_until, provider.trusted = until, trusted
    session.flush()
    audit.record(session, actor, "ce.provider.renewed", provider, before=before,
                 after={"until": until, "trusted": trusted})  # fmt: skip


def provider_of(session: Session, user: User, board_id: int) -> CeProvider | None:
    """The provider a person acts for at a board."""
    return session.execute(
        select(CeProvider)
        .join(CeProviderMember, CeProviderMember.provider_id == CeProvider.id)
        .where(CeProviderMember.user_id == user.id, CeProvider.board_id == board_id)
        .order_by(CeProvider.id)
    ).scalar()


def providers_query(board_id: int, status: str = "") -> Select[Any]:
    query = select(CeProvider).where(CeProvider.board_id == board_id)
    if status:
        query = query.where(CeProvider.status == status)
    return query.order_by(CeProvider.status, CeProvider.name)


# --- courses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseInput:
    title: str
    description: str
    delivery_mode: str
    starts_on: date
    ends_on: date
    location: str
    minutes_by_category: tuple[tuple[int, int], ...]  # (category id, minutes)


def save_course(
    session: Session,
    provider: CeProvider,
    actor: User,
    data: CourseInput,
    today: date,
    course: CeCourse | None = None,
) -> CeCourse:
    """List a course (or correct one not yet approved); a trusted provider's is approved at once."""
    if not provider.approved_on(today):
        raise ProviderError(
            f"{provider.name} is not an approved provider today ({provider.standing(today)}): "
            "it cannot list courses."
        )
    if course is not None and course.status == "approved":
        raise ProviderError("An approved course cannot change; list a new one.")
    if not data.title.strip():
        raise ProviderError("Give the course's title.", "title")
    if data.delivery_mode not in DELIVERY_MODES:
        raise ProviderError("Choose how it is delivered.", "delivery_mode")
    if data.ends_on < data.starts_on:
        raise ProviderError("The course ends before it starts.", "ends_on")
    parts = [(c, m) for c, m in data.minutes_by_category if m > 0]
    if not parts:
        raise ProviderError("Give the hours of at least one category.", "categories")
    categories = {
        c.id: c
        for c in session.execute(
            select(CeCategory).where(CeCategory.board_id == provider.board_id)
        ).scalars()
    }
    if any(c not in categories for c, _ in parts) or len({c for c, _ in parts}) != len(parts):
        raise ProviderError("Choose each of the board's categories once.", "categories")
    trusted = provider.trusted
    before = None
    if course is None:
        course = CeCourse(board_id=provider.board_id, provider_id=provider.id)
        session.add(course)
    else:
        before = {"title": course.title, "minutes": course.minutes, "status": course.status}
    course.title, course.description = data.title.strip(), data.description.strip()
    course.delivery_mode, course.location = data.delivery_mode, data.location.strip()
    course.starts_on, course.ends_on = data.starts_on, data.ends_on
    course.minutes = sum(m for _, m in parts)
    course.categories = [
        CeCourseCategory(category_id=c, minutes=m, category=categories[c]) for c, m in parts
    ]
    course.status = "approved" if trusted else "pending"
    course.decision_reason = (
        "Approved automatically: the board trusts this provider." if trusted else ""
    )
    course.decided_by_id, course.decided_at = None, utcnow() if trusted else None
    session.flush()
    audit.record(session, actor, "ce.course.saved", course, before=before,
                 after={"title": course.title, "minutes": course.minutes,
                        "status": course.status})  # fmt: skip
    return course


def decide_course(
    session: Session, course: CeCourse, actor: User, approve: bool, reason: str
) -> None:
    """The board approves a course or rejects it with a reason the provider reads."""
    if course.status != "pending":
        raise ProviderError("Only a course waiting for review can be decided.")
    if not approve and not reason.strip():
        raise ProviderError("Say why; the provider reads it.", "reason")
    course.status = "approved" if approve else "rejected"
    course.decision_reason = reason.strip()
    course.decided_by_id, course.decided_at = actor.id, utcnow()
    session.flush()
    audit.record(session, actor, f"ce.course.{course.status}", course, before={"status": "pending"},
                 after={"status": course.status, "reason": course.decision_reason})  # fmt: skip
    for member in course.provider.members:
        mail.queue(
            session,
            member.user.email,
            f"Course {course.status}: {course.title}",
            f"Hello {member.user.full_name},\n\n{course.provider.board.name} "
            f"{'approved' if approve else 'did not approve'} the course “{course.title}”."
            + (f"\n\nReason: {course.decision_reason}" if course.decision_reason else "")
            + "\n",
            board_id=course.board_id,
        )


def courses_query(board_id: int, status: str = "", provider_id: int | None = None) -> Select[Any]:
    query = select(CeCourse).where(CeCourse.board_id == board_id)
    if status:
        query = query.where(CeCourse.status == status)
    if provider_id is not None:
        query = query.where(CeCourse.provider_id == provider_id)
    return query.order_by(CeCourse.starts_on.desc(), CeCourse.id.desc())


@dataclass(frozen=True)
class CatalogSearch:
    text: str = ""
    category_id: int | None = None
    mode: str = ""
    since: date | None = None
    until: date | None = None


def catalog_query(board_id: int, search: CatalogSearch, today: date) -> Select[Any]:
    """Approved courses of providers approved today, filtered; still-open ones first."""
    query = (
        select(CeCourse)
        .join(CeProvider, CeProvider.id == CeCourse.provider_id)
        .where(
            CeCourse.board_id == board_id,
            CeCourse.status == "approved",
            CeProvider.status == "approved",
            CeProvider.approved_from <= today,
            CeProvider.approved_until >= today,
        )
        .options(joinedload(CeCourse.provider))
    )
    if search.text.strip():
        pattern = f"%{search.text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(CeCourse.title).like(pattern),
                func.lower(CeCourse.description).like(pattern),
                func.lower(CeProvider.name).like(pattern),
            )
        )
    if search.category_id:
        query = query.where(
            CeCourse.id.in_(
                select(CeCourseCategory.course_id).where(
                    CeCourseCategory.category_id == search.category_id
                )
            )
        )
    if search.mode in DELIVERY_MODES:
        query = query.where(CeCourse.delivery_mode == search.mode)
    if search.since is not None:
        query = query.where(CeCourse.ends_on >= search.since)
    if search.until is not None:
        query = query.where(CeCourse.starts_on <= search.until)
    return query.order_by((CeCourse.ends_on < today), CeCourse.starts_on, CeCourse.id)
