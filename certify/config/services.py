"""Board configuration services: credential types, their requirement sets and endorsements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from certify.models import (
    EDUCATION_LEVELS,
    SUPERVISOR_LICENSES,
    Credential,
    CredentialType,
    Endorsement,
    RequirementSet,
)
from core import audit
from core.models import Board, User
from core.units import hours_text

TYPE_FIELDS = ("code", "name", "level", "substance_use", "cycle_months")
RULE_FIELDS = (
    "min_age", "education", "lived_experience", "recovery_months", "training_minutes",
    "training_category_minutes", "training_lookback_years", "approved_training_only",
    "experience_minutes", "supervision_minutes", "supervisor_licenses", "residency_attestation",
    "ethics_attestation", "background_check", "exam_required", "fee_required",
    "reciprocity_allowed",
)  # fmt: skip
BOOL_RULES = frozenset(
    {"lived_experience", "approved_training_only", "residency_attestation", "ethics_attestation",
     "background_check", "exam_required", "fee_required", "reciprocity_allowed"}
)  # fmt: skip
LEVELS = {"provisional": "Provisional", "full": "Full"}


class BoardConfigError(ValueError):
    """A configuration change a person can fix; field names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- plain-language text -------------------------------------------------------------------


def _months_text(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{months} month{'s' if months != 1 else ''}"


def _get(req: Any, name: str) -> Any:
    return req.get(name) if isinstance(req, Mapping) else getattr(req, name, None)


def _training_text(req: Any) -> str | None:
    total = _get(req, "training_minutes")
    categories = _get(req, "training_category_minutes") or {}
    lookback = _get(req, "training_lookback_years")
    approved = _get(req, "approved_training_only")
    if not (total or categories or lookback or approved):
        return None
    parts = ", ".join(f"{name} {hours_text(minutes)}" for name, minutes in categories.items())
    if total:
        text = f"{hours_text(total)} training hours" + (f" ({parts})" if parts else "")
    elif parts:
        text = f"Training hours by category: {parts}"
    else:
        text = "Training"
    if lookback:
        text += f" within the last {lookback} year{'s' if lookback != 1 else ''}"
    if approved:
        text += " from approved programs"
    return text


def _supervision_text(req: Any) -> str | None:
    minutes = _get(req, "supervision_minutes")
    licenses = [SUPERVISOR_LICENSES[k][0] for k in _get(req, "supervisor_licenses") or []
                if k in SUPERVISOR_LICENSES]  # fmt: skip
    if minutes and licenses:
        return f"{hours_text(minutes)} hours of supervision by: {', '.join(licenses)}"
    if minutes:
        return f"{hours_text(minutes)} hours of supervision"
    if licenses:
        return f"Supervisors accepted: {', '.join(licenses)}"
    return None


def _renewal_text(req: Any, cycle_months: int | None) -> str | None:
    """The renewal cycle (what CE it asks for is the CE module's to say)."""
    return f"Renewal every {cycle_months} months" if cycle_months else None


def describe_requirements(req: Any, cycle_months: int | None = None) -> list[str]:
    """One plain-language line per requirement of a RequirementSet (or a mapping of its fields)."""
    if cycle_months is None and isinstance(req, RequirementSet) and req.credential_type:
        cycle_months = req.credential_type.cycle_months
    lines: list[str | None] = []
    if _get(req, "min_age"):
        lines.append(f"Age {_get(req, 'min_age')} or older")
    education = _get(req, "education")
    if education:
        lines.append(EDUCATION_LEVELS.get(education, education))
    if _get(req, "lived_experience"):
        lines.append("Lived experience (self-identified)")
    if _get(req, "recovery_months"):
        lines.append(f"{_months_text(_get(req, 'recovery_months'))} of lived recovery")
    lines.append(_training_text(req))
    if _get(req, "experience_minutes"):
        lines.append(f"{hours_text(_get(req, 'experience_minutes'))} hours of work experience")
    lines.append(_supervision_text(req))
    flags = (
        ("residency_attestation", "Lives or works in the jurisdiction (attested)"),
        ("ethics_attestation", "Code of ethics signed"),
        ("background_check", "Background check cleared"),
        ("exam_required", "Exam passed"),
        ("fee_required", "Fee received"),
        ("reciprocity_allowed", "Reciprocity: a verified credential from another board "
         "waives training and exam"),
    )  # fmt: skip
    lines.extend(text for name, text in flags if _get(req, name))
    lines.append(_renewal_text(req, cycle_months))
    return [line for line in lines if line] or ["No requirements set"]


# --- checks shared by the form and the service ---------------------------------------------


def rule_problems(type_fields: Mapping[str, Any], rules: Mapping[str, Any]) -> dict[str, str]:
    """Field name -> message for every rule that contradicts another; empty when consistent."""
    problems: dict[str, str] = {}
    cycle = type_fields.get("cycle_months")
    if not isinstance(cycle, int) or not 1 <= cycle <= 120:
        problems["cycle_months"] = "The renewal cycle must be 1 to 120 months."
    if type_fields.get("level") not in LEVELS:
        problems["level"] = "Choose provisional or full."
    age = rules.get("min_age")
    if age is not None and not 14 <= age <= 100:
        problems["min_age"] = "The minimum age must be between 14 and 100."
    categories = rules.get("training_category_minutes") or {}
    seen: set[str] = set()
    for name in categories:
        if name.strip().casefold() in seen:
            problems["categories"] = f"The category '{name}' is listed twice."
        seen.add(name.strip().casefold())
    for name in ("training_minutes", "experience_minutes", "supervision_minutes"):
        if (rules.get(name) or 0) % 15:
            problems[name] = "Use whole quarter hours (steps of 0.25)."
    if any(minutes % 15 for minutes in categories.values()):
        problems["categories"] = "Use whole quarter hours (steps of 0.25) for each category."
    total, category_sum = rules.get("training_minutes"), sum(categories.values())
    if total is not None and categories and category_sum > total:
        problems["categories"] = (
            f"The category hours add up to {hours_text(category_sum)}, more than the "
            f"{hours_text(total)} total training hours. Raise the total or lower a category."
        )
    unknown = [k for k in rules.get("supervisor_licenses") or [] if k not in SUPERVISOR_LICENSES]
    if unknown:
        problems["supervisor_licenses"] = f"Unknown license types: {', '.join(unknown)}."
    education = rules.get("education")
    if education is not None and education not in EDUCATION_LEVELS:
        problems["education"] = "Choose an education level from the list."
    return problems


# Rules that require something of an applicant (the others only qualify a requirement).
REQUIRING_RULES = (
    "min_age", "education", "lived_experience", "recovery_months", "training_minutes",
    "training_category_minutes", "experience_minutes", "supervision_minutes",
    "residency_attestation", "ethics_attestation", "background_check", "exam_required",
    "fee_required",
)  # fmt: skip
NO_REQUIREMENTS = (
    "This credential type requires nothing: every trainee would read “You meet every "
    "requirement” and could apply at once. Set its requirements, or tick the box to confirm "
    "that it really has none."
)


def requires_nothing(rules: Mapping[str, Any]) -> bool:
    """Whether a requirement set asks nothing of an applicant (no value or a zero everywhere)."""
    return not any(rules.get(name) for name in REQUIRING_RULES)


# --- credential types ----------------------------------------------------------------------


def credential_types(session: Session, board_id: int) -> list[CredentialType]:
    """The board's credential types in their one order: provisional before full, then by code.

    Every list of a board's credential types uses this function, so pages, checklists and
    exports agree. rds, which may import only the model, repeats the order in
    `rds.scope.studies.credential_types`.
    """
    return list(
        session.execute(
            select(CredentialType)
            .where(CredentialType.board_id == board_id)
            # "provisional" sorts after "full": descending puts the provisional level first
            .order_by(CredentialType.level.desc(), CredentialType.code)
            .options(selectinload(CredentialType.requirements))
        ).scalars()
    )


def snapshot(ctype: CredentialType) -> dict[str, Any]:
    """The credential type and its requirement set as plain values, for the audit trail."""
    values = {name: getattr(ctype, name) for name in TYPE_FIELDS}
    req = ctype.requirements
    for name in RULE_FIELDS:
        value = getattr(req, name) if req is not None else None
        if name == "training_category_minutes":
            value = dict(value or {})
        elif name == "supervisor_licenses":
            value = list(value or [])
        values[name] = value
    return values


def _code_taken(session: Session, model: Any, board_id: int, code: str, own_id: int | None) -> bool:
    query = select(model.id).where(
        model.board_id == board_id, func.upper(model.code) == code.upper()
    )
    if own_id is not None:
        query = query.where(model.id != own_id)
    return session.execute(query.limit(1)).first() is not None


def save_credential_type(
    session: Session,
    actor: User,
    board: Board,
    type_fields: Mapping[str, Any],
    rules: Mapping[str, Any],
    ctype: CredentialType | None = None,
    confirm_no_requirements: bool = False,
) -> tuple[CredentialType, bool]:
    """Create or change a credential type with its rules; return it and whether it changed.

    Existing applications keep their snapshots: nothing here reads or writes them. A type
    that requires nothing is saved only with ``confirm_no_requirements`` (it would tell every
    trainee they meet every requirement).
    """
    if ctype is not None and ctype.board_id != board.id:
        raise BoardConfigError("code", "This credential type belongs to another board.")
    problems = rule_problems(type_fields, rules)
    if problems:
        raise BoardConfigError(*next(iter(problems.items())))
    if requires_nothing(rules) and not confirm_no_requirements:
        raise BoardConfigError("confirm_no_requirements", NO_REQUIREMENTS)
    code = type_fields["code"]
    taken = f"{board.name} already has a credential type with the code {code}; choose another."
    if _code_taken(session, CredentialType, board.id, code, ctype.id if ctype else None):
        raise BoardConfigError("code", taken)
    before = snapshot(ctype) if ctype is not None else None
    if ctype is None:
        ctype = CredentialType(board_id=board.id)
    for name in TYPE_FIELDS:
        setattr(ctype, name, type_fields[name])
    if ctype.requirements is None:
        ctype.requirements = RequirementSet(board_id=board.id)
    for name in RULE_FIELDS:
        value = rules.get(name)
        if name == "training_category_minutes":
            value = dict(value or {})
        elif name == "supervisor_licenses":
            value = [k for k in SUPERVISOR_LICENSES if k in set(value or [])]
        elif name in BOOL_RULES:
            value = bool(value)
        setattr(ctype.requirements, name, value)
    try:
        with session.begin_nested():
            session.add(ctype)
            session.flush()
    except IntegrityError as exc:  # a concurrent request took the code first
        raise BoardConfigError("code", taken) from exc
    after = snapshot(ctype)
    if before == after:
        return ctype, False
    action = "credential_type.created" if before is None else "credential_type.updated"
    audit.record(session, actor, action, ctype, before=before, after=after, board_id=board.id)
    return ctype, True


def retire_credential_type(
    session: Session, actor: User, ctype: CredentialType, today: date, reason: str
) -> None:
    """Retire a credential type: its holders keep their credentials; nobody new applies."""
    if ctype.retired_on is not None:
        raise BoardConfigError("reason", f"{ctype.code} is already retired.")
    if not reason.strip():
        raise BoardConfigError("reason", "Give the reason for the record.")
    ctype.retired_on = today
    session.flush()
    audit.record(
        session, actor, "credential_type.retired", ctype, before={"retired_on": None},
        after={"retired_on": today, "reason": reason.strip()}, board_id=ctype.board_id,
    )  # fmt: skip


def reopen_credential_type(session: Session, actor: User, ctype: CredentialType) -> None:
    """Take applications for a retired credential type again."""
    if ctype.retired_on is None:
        raise BoardConfigError("reason", f"{ctype.code} is not retired.")
    before = {"retired_on": ctype.retired_on}
    ctype.retired_on = None
    session.flush()
    audit.record(
        session, actor, "credential_type.reopened", ctype, before=before,
        after={"retired_on": None}, board_id=ctype.board_id,
    )  # fmt: skip


# --- endorsements --------------------------------------------------------------------------


def endorsements(session: Session, board_id: int) -> list[Endorsement]:
    """The board's endorsements, core ones before enhanced, then by code."""
    return list(
        session.execute(
            select(Endorsement)
            .where(Endorsement.board_id == board_id)
            .order_by(Endorsement.enhanced, Endorsement.code)
        ).scalars()
    )


def add_endorsement(
    session: Session, actor: User, board: Board, code: str, name: str, enhanced: bool
) -> Endorsement:
    """Add an endorsement to the board; the code must be new on this board."""
    taken = f"{board.name} already has an endorsement with the code {code}; choose another."
    if _code_taken(session, Endorsement, board.id, code, None):
        raise BoardConfigError("code", taken)
    endorsement = Endorsement(board_id=board.id, code=code, name=name, enhanced=enhanced)
    try:
        with session.begin_nested():
            session.add(endorsement)
            session.flush()
    except IntegrityError as exc:
        raise BoardConfigError("code", taken) from exc
    after = {"code": code, "name": name, "enhanced": enhanced}
    audit.record(session, actor, "endorsement.created", endorsement, after=after)
    return endorsement


def credentials_with_endorsement(session: Session, endorsement: Endorsement) -> int:
    """How many of the board's credentials carry the endorsement's code."""
    # The text match narrows the rows portably (JSON vs. text columns); Python decides exactly.
    rows = session.execute(
        select(Credential.endorsements).where(
            Credential.board_id == endorsement.board_id,
            cast(Credential.endorsements, String).contains(endorsement.code, autoescape=True),
        )
    ).scalars()
    return sum(1 for codes in rows if endorsement.code in (codes or []))


def remove_endorsement(
    session: Session, actor: User, endorsement: Endorsement, reason: str
) -> None:
    """Delete an endorsement no credential carries; refuse with a message otherwise."""
    in_use = credentials_with_endorsement(session, endorsement)
    if in_use:
        raise BoardConfigError(
            "reason",
            f"{in_use} credential{'s carry' if in_use != 1 else ' carries'} the endorsement "
            f"{endorsement.code} ({endorsement.name}); it cannot be removed while in use.",
        )
    before = {"code": endorsement.code, "name": endorsement.name, "enhanced": endorsement.enhanced}
    audit.record(
        session, actor, "endorsement.removed", endorsement, before=before, after={"reason": reason}
    )
    session.delete(endorsement)
    session.flush()


def endorsement_names(session: Session, board_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """The name of each endorsement code of these boards, by (board id, code): one query, none
    when no board is given."""
    boards = set(board_ids)
    if not boards:
        return {}
    rows = session.execute(
        select(Endorsement.board_id, Endorsement.code, Endorsement.name).where(
            Endorsement.board_id.in_(boards)
        )
    )
    return {(board_id, code): name for board_id, code, name in rows}
