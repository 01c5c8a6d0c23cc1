"""CE demo data: rules for both demo boards, a provider with courses, the certificant's CE.

The Nebraska demo board follows seed 004's job descriptions (18 hours a calendar year, 12 of
them peer specific); the Great Lakes board follows IC&RC Peer Recovery (20 hours every two
years, at least 6 in ethics). Safe to run twice: everything is looked up before it is made.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import Credential, CredentialType
from ceu.models import (
    CeCategory,
    CeCourse,
    CeCourseCategory,
    CeEvidence,
    CeProvider,
    CeProviderMember,
    CeRecord,
    CeRecordPart,
    CeRuleCap,
    CeRuleMinimum,
    CeRuleVersion,
    CeSettings,
)
from core import audit
from core.accounts import find_user, grant_role
from core.models import Board, Role, User, utcnow
from core.modules import DemoContext

H = 60
PROVIDER_EMAIL = "provider@demo.peercert"
PROVIDER_PASSWORD = "demo-provider"
ONLINE = ["live_online", "self_study"]

CATEGORIES = {
    "ne-dbh": [
        ("peer", "Peer specific", "Peer support practice: WRAP, WHAM, whole health, recovery."),
        ("ethics", "Ethics", "Ethics and boundaries in peer support."),
        ("general", "General", "Other approved topics: motivational interviewing, co-occurring."),
    ],
    "icrc-lakes": [
        ("ethics", "Ethics", "Ethical responsibility (IC&RC)."),
        ("hiv", "HIV/bloodborne pathogens", "HIV, hepatitis and other bloodborne pathogens."),
        ("general", "General", "Advocacy, mentoring/education, recovery and wellness support."),
    ],
}
# board slug -> credential type code -> rule version
RULES: dict[str, dict[str, dict[str, Any]]] = {
    "ne-dbh": {
        "CPSS": {
            "total_minutes": 18 * H,
            "cycle_kind": "calendar",
            "calendar_months": 12,
            "calendar_first_year": 2020,
            "proration": "proportional",
            "rounding": "down_hour",
            "reinstatement_extra_minutes": 6 * H,
            "minimums": {"peer": 12 * H},
            "caps": [("Self-study and online", 50, ONLINE, None)],
        },
        "CFPSS": {
            "total_minutes": 36 * H,
            "cycle_kind": "renewal",
            "minimums": {"ethics": 6 * H},
            "caps": [("Self-study and online", 50, ONLINE, None)],
        },
    },
    "icrc-lakes": {
        "PR": {
            "total_minutes": 20 * H,
            "cycle_kind": "renewal",
            "carry_over_minutes": 5 * H,
            "reinstatement_extra_minutes": 10 * H,
            "minimums": {"ethics": 6 * H},
            "caps": [("Self-study", 50, ["self_study"], None)],
        }
    },
}
# title, mode, first day, last day, {category: minutes}, location
COURSES = [
    ("WRAP facilitator refresher", "in_person", date(2026, 3, 10), date(2026, 3, 10),
     {"peer": 6 * H}, "Lincoln, NE"),
    ("Whole Health Action Management (WHAM)", "live_online", date(2026, 5, 20),
     date(2026, 5, 21), {"peer": 6 * H}, "Online (webinar)"),
    ("Ethics and boundaries for peer specialists", "self_study", date(2026, 1, 1),
     date(2027, 12, 31), {"ethics": 3 * H}, "On demand"),
    ("Motivational interviewing basics", "in_person", date(2026, 12, 8), date(2026, 12, 8),
     {"general": 4 * H}, "Omaha, NE"),
    ("Trauma-informed peer support", "live_online", date(2026, 12, 15), date(2026, 12, 15),
     {"peer": 3 * H}, "Online (webinar)"),
]  # fmt: skip
PENDING_COURSE = ("Co-occurring disorders for peers", "self_study", date(2027, 1, 1),
                  date(2027, 12, 31), {"general": 2 * H, "peer": H}, "On demand")  # fmt: skip
# Casey Certified's CE at the Nebraska board: course title, completed on
CASEY_COURSES = [
    ("WRAP facilitator refresher", date(2026, 3, 10)),
    ("Whole Health Action Management (WHAM)", date(2026, 5, 21)),
    ("Ethics and boundaries for peer specialists", date(2026, 8, 1)),
]
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
    b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _one(session: Session, model: Any, **keys: Any) -> Any:
    return session.execute(select(model).filter_by(**keys)).scalar()


def _categories(session: Session, board: Board) -> dict[str, CeCategory]:
    found = {}
    for position, (code, name, description) in enumerate(CATEGORIES[board.slug]):
        category = _one(session, CeCategory, board_id=board.id, code=code)
        if category is None:
            category = CeCategory(
                board_id=board.id, code=code, name=name, description=description, position=position
            )
            session.add(category)
            session.flush()
        found[code] = category
    if session.get(CeSettings, board.id) is None:
        session.add(CeSettings(board_id=board.id, show_ceus=False, audit_consequence="none"))
    return found


def _rules(session: Session, board: Board, categories: dict[str, CeCategory]) -> None:
    for code, spec in RULES[board.slug].items():
        ctype = _one(session, CredentialType, board_id=board.id, code=code)
        if ctype is None or _one(session, CeRuleVersion, credential_type_id=ctype.id):
            continue
        fields = {k: v for k, v in spec.items() if k not in ("minimums", "caps")}
        version = CeRuleVersion(
            board_id=board.id,
            credential_type_id=ctype.id,
            effective_on=date(2020, 1, 1),
            **fields,
            minimums=[
                CeRuleMinimum(category_id=categories[c].id, minutes=m)
                for c, m in spec["minimums"].items()
            ],
            caps=[
                CeRuleCap(
                    label=label,
                    percent=percent,
                    modes=modes,
                    category_id=categories[cat].id if cat else None,
                )
                for label, percent, modes, cat in spec["caps"]
            ],
        )
        session.add(version)
        session.flush()
        audit.record(session, None, "ce.rules.saved", version, after={"credential_type": code})


def _provider(session: Session, board: Board, admin: User) -> CeProvider:
    provider = _one(session, CeProvider, board_id=board.id, name="Peer Academy Nebraska")
    if provider is None:
        provider = CeProvider(
            board_id=board.id,
            name="Peer Academy Nebraska",
            contact_name="Morgan Provider",
            contact_email=PROVIDER_EMAIL,
            website="https://peer-academy.example.org",
            description="WRAP, WHAM and whole health trainings for peer specialists.",
            status="approved",
            approved_from=date(2025, 1, 1),
            approved_until=date(2027, 12, 31),
            decided_by_id=admin.id,
            decided_at=utcnow(),
        )
        session.add(provider)
        session.flush()
        audit.record(session, admin, "ce.provider.approved", provider, after={"demo": True})
    user = find_user(session, PROVIDER_EMAIL)
    if user is None:
        user = User(email=PROVIDER_EMAIL, full_name="Morgan Provider", activated_at=utcnow())
        user.set_password(PROVIDER_PASSWORD)
        session.add(user)
        session.flush()
    grant_role(session, user, Role.CE_PROVIDER, board)
    if _one(session, CeProviderMember, provider_id=provider.id, user_id=user.id) is None:
        session.add(CeProviderMember(provider_id=provider.id, user_id=user.id))
    if _one(session, CeProvider, board_id=board.id, name="Recovery Coaching Collective") is None:
        session.add(
            CeProvider(
                board_id=board.id,
                name="Recovery Coaching Collective",
                contact_name="Alex Applicant",
                contact_email="collective@example.org",
                description="Online courses on recovery coaching and co-occurring conditions.",
                status="applied",
            )
        )
    session.flush()
    return provider


def _courses(
    session: Session, provider: CeProvider, categories: dict[str, CeCategory], admin: User
) -> dict[str, CeCourse]:
    found = {}
    for spec, status in [(c, "approved") for c in COURSES] + [(PENDING_COURSE, "pending")]:
        title, mode, first, last, minutes, location = spec
        course = _one(session, CeCourse, provider_id=provider.id, title=title)
        if course is None:
            course = CeCourse(
                board_id=provider.board_id,
                provider_id=provider.id,
                title=title,
                minutes=sum(minutes.values()),
                delivery_mode=mode,
                starts_on=first,
                ends_on=last,
                location=location,
                status=status,
                decided_by_id=admin.id if status == "approved" else None,
                decided_at=utcnow() if status == "approved" else None,
                categories=[
                    CeCourseCategory(category_id=categories[c].id, minutes=m)
                    for c, m in minutes.items()
                ],
            )
            session.add(course)
            session.flush()
        found[title] = course
    return found


def _casey(
    session: Session,
    board: Board,
    casey: User,
    courses: dict[str, CeCourse],
    categories: dict[str, CeCategory],
) -> None:
    if _one(session, CeRecord, holder_id=casey.id, board_id=board.id) is not None:
        return
    if _one(session, Credential, holder_id=casey.id, board_id=board.id) is None:
        return
    for title, day in CASEY_COURSES:
        course = courses[title]
        session.add(
            CeRecord(
                board_id=board.id,
                holder_id=casey.id,
                course_id=course.id,
                source="course",
                title=course.title,
                provider_name=course.provider.name,
                completed_on=day,
                minutes=course.minutes,
                delivery_mode=course.delivery_mode,
                status="accepted",
                created_by_id=casey.id,
                parts=[
                    CeRecordPart(category_id=c.category_id, minutes=c.minutes)
                    for c in course.categories
                ],
            )
        )
    other = CeRecord(
        board_id=board.id,
        holder_id=casey.id,
        source="other",
        title="State peer support conference: recovery stories session",
        provider_name="Nebraska Peer Network",
        completed_on=date(2026, 10, 9),
        minutes=2 * H,
        delivery_mode="in_person",
        status="pending",
        created_by_id=casey.id,
        parts=[CeRecordPart(category_id=categories["general"].id, minutes=2 * H)],
    )
    session.add(other)
    session.flush()
    _evidence(session, other, casey)
    audit.record(session, casey, "ce.record.submitted", other, after={"demo": True})


def _evidence(session: Session, record: CeRecord, uploader: User) -> None:
    from ceu.records.services import evidence_dir

    stored = f"demo-{record.id}.pdf"
    (evidence_dir() / stored).write_bytes(EVIDENCE_PDF)
    session.add(
        CeEvidence(
            board_id=record.board_id,
            record_id=record.id,
            original_name="conference-certificate.pdf",
            stored_name=stored,
            content_type="application/pdf",
            size_bytes=len(EVIDENCE_PDF),
            uploaded_by_id=uploader.id,
        )
    )
    session.flush()


def load(session: Session, context: DemoContext) -> None:
    """CE rules for both boards, a provider with courses, and the demo certificant's CE."""
    boards, users = context.boards, context.users
    ne, lakes = boards["ne-dbh"], boards["icrc-lakes"]
    for board in (ne, lakes):
        _rules(session, board, _categories(session, board))
    ne_categories = _categories(session, ne)
    admin = users["ne.admin@demo.peercert"]
    provider = _provider(session, ne, admin)
    context.add_account(PROVIDER_EMAIL, PROVIDER_PASSWORD, Role.CE_PROVIDER, ne)
    courses = _courses(session, provider, ne_categories, admin)
    _casey(session, ne, users["certified@demo.peercert"], courses, ne_categories)
