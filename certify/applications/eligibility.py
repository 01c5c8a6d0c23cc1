"""Turns a trainee's stored records into the eligibility engine's inputs and back."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify import hooks, rules
from certify.config.services import credential_types
from certify.models import CredentialType, RequirementSet, TraineeProfile


def requirements_for(ctype: CredentialType) -> rules.Requirements:
    """The pure engine's view of a credential type's requirement set."""
    req: RequirementSet | None = ctype.requirements
    if req is None:
        return rules.Requirements(substance_use_credential=ctype.substance_use)
    return rules.Requirements(
        min_age=req.min_age,
        education=req.education,
        lived_experience=req.lived_experience,
        recovery_months=req.recovery_months,
        training_minutes=req.training_minutes,
        training_category_minutes=dict(req.training_category_minutes or {}),
        training_lookback_years=req.training_lookback_years,
        approved_training_only=req.approved_training_only,
        experience_minutes=req.experience_minutes,
        supervision_minutes=req.supervision_minutes,
        supervisor_licenses=frozenset(req.supervisor_licenses or ()),
        substance_use_credential=ctype.substance_use,
        residency_attestation=req.residency_attestation,
        ethics_attestation=req.ethics_attestation,
        background_check=req.background_check,
        exam_required=req.exam_required,
        fee_required=req.fee_required,
        reciprocity_allowed=req.reciprocity_allowed,
    )


def find_profile(session: Session, board_id: int, user_id: int) -> TraineeProfile | None:
    """The trainee's stored profile on a board, if there is one (reads only)."""
    return session.execute(
        select(TraineeProfile).where(
            TraineeProfile.board_id == board_id, TraineeProfile.user_id == user_id
        )
    ).scalar()


def profile_or_blank(session: Session, board_id: int, user_id: int) -> TraineeProfile:
    """The stored profile, or an unsaved empty one for pages that only read (no writes on GET)."""
    found = find_profile(session, board_id, user_id)
    return found if found is not None else TraineeProfile(board_id=board_id, user_id=user_id)


def profile_for(session: Session, board_id: int, user_id: int) -> TraineeProfile:
    """The trainee's profile on a board, created empty on first use (for changes)."""
    profile = find_profile(session, board_id, user_id)
    if profile is None:
        profile = TraineeProfile(board_id=board_id, user_id=user_id)
        session.add(profile)
        session.flush()
    return profile


def facts_for(
    session: Session, board_id: int, user_id: int, as_of: date | None = None
) -> rules.ApplicantFacts:
    """Everything the board and the connected modules know about the trainee, as plain values."""
    return facts_for_many(session, board_id, [user_id], as_of)[user_id]


def facts_for_many(
    session: Session, board_id: int, user_ids: Collection[int], as_of: date | None = None
) -> dict[int, rules.ApplicantFacts]:
    """facts_for of many trainees of a board, read in a constant number of queries."""
    from certify.hours.services import hours_entries_for
    from certify.training.reports import training_records_for

    ids = list(dict.fromkeys(user_ids))
    profiles = {
        p.user_id: p
        for p in session.execute(
            select(TraineeProfile).where(
                TraineeProfile.board_id == board_id, TraineeProfile.user_id.in_(ids)
            )
        ).scalars()
    }
    training = training_records_for(session, board_id, ids)
    hours = hours_entries_for(session, board_id, ids)
    day = as_of or date.today()
    found = {}
    for user_id in ids:
        profile = profiles.get(user_id) or TraineeProfile(board_id=board_id, user_id=user_id)
        provided = hooks.merge_facts(hooks.applicant_facts.results(session, profile, day))
        attestations = {
            name
            for name, given in (
                ("residency", profile.residency_attested),
                ("ethics", profile.ethics_attested),
            )
            if given
        }
        found[user_id] = rules.ApplicantFacts(
            birth_date=profile.birth_date,
            education=profile.education,
            lived_experience=bool(profile.lived_experience),
            recovery_since=profile.recovery_since,
            training=tuple(training.get(user_id, ())),
            hours=tuple(hours.get(user_id, ())),
            attestations=frozenset(attestations),
            background_check_cleared=bool(profile.background_check_cleared),
            exam_passed=bool(provided.exam_passed),
            fee_received=bool(profile.fee_received),
            reciprocity_verified=bool(profile.reciprocity_verified),
        )
    return found


def checklists(
    session: Session, board_id: int, user_id: int, as_of: date, open_only: bool = False
) -> list[tuple[CredentialType, rules.Eligibility]]:
    """The live checklist of every credential type of the board for one trainee.

    ``open_only`` leaves out retired credential types (what a trainee may still apply for).
    """
    facts = facts_for(session, board_id, user_id, as_of)
    return [
        (ctype, rules.evaluate(requirements_for(ctype), facts, as_of))
        for ctype in credential_types(session, board_id)
        if not (open_only and ctype.retired_on is not None)
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def snapshot(facts: rules.ApplicantFacts, result: rules.Eligibility) -> tuple[dict, list]:
    """JSON-ready copies of the facts and checklist, frozen into an application."""
    return _plain(facts), [_plain(check) for check in result.checks]
