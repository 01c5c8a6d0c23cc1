"""Eligibility: a board's requirement set and an applicant's facts -> a checklist with numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

from core.units import hours_number, hours_text

EDUCATION_LEVELS: tuple[str, ...] = ("none", "hs_diploma_or_ged", "associate", "bachelor", "master")
EDUCATION_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "none": "No diploma",
        "hs_diploma_or_ged": "High school diploma or GED",
        "associate": "Associate degree",
        "bachelor": "Bachelor's degree",
        "master": "Master's degree",
    }
)
# Seed 003: these consultants may supervise substance-use work only.
SUD_ONLY_LICENSES: frozenset[str] = frozenset({"ladc", "pladc"})
ATTESTATIONS: frozenset[str] = frozenset({"residency", "ethics"})
HOURS_KINDS: frozenset[str] = frozenset({"experience", "supervision"})
WAIVED_DETAIL = "Waived: credential from another board verified (reciprocity)"
# key -> (label, detail when met, detail when not met) of the yes/no checks.
_FLAG_TEXTS: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "lived_experience": (
            "Lived experience",
            "Self-identified",
            "Self-identification not given",
        ),
        "residency": ("Residency attestation", "Attested", "Residency attestation not signed"),
        "ethics": ("Code of ethics", "Code of ethics signed", "Code of ethics not signed"),
        "background_check": ("Background check", "Cleared", "Background check not cleared"),
        "exam": ("Exam", "Exam passed", "Exam not passed"),
        "fee": ("Fee", "Fee received", "Fee not received"),
    }
)


def _require_count(name: str, value: object, *, minimum: int = 0, optional: bool = False) -> None:
    """Raise ValueError unless value is a whole number >= minimum (or None when optional)."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, got {value!r}")


def _require_date(name: str, value: object, *, optional: bool = False) -> None:
    """Raise ValueError unless value is a calendar date (not a datetime)."""
    if value is None and optional:
        return
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{name} must be a date, got {value!r}")


def _require_level(name: str, value: str | None) -> None:
    """Raise ValueError unless value is None or a known education level."""
    if value is not None and value not in EDUCATION_LEVELS:
        raise ValueError(f"{name} must be one of {', '.join(EDUCATION_LEVELS)}, got {value!r}")


def _norm_license(code: str | None) -> str:
    """Return a license code in the form the comparisons use."""
    return (code or "").strip().casefold()


def _norm_category(name: str | None) -> str:
    """Return a training category in the form the comparisons use."""
    return (name or "").strip().casefold()


@dataclass(frozen=True)
class Requirements:
    """One credential type's requirement set; None / False / empty means not required."""

    min_age: int | None = None
    education: str | None = None
    lived_experience: bool = False
    recovery_months: int | None = None
    training_minutes: int | None = None
    training_category_minutes: Mapping[str, int] = field(default_factory=dict)
    training_lookback_years: int | None = None
    approved_training_only: bool = False
    experience_minutes: int | None = None
    supervision_minutes: int | None = None
    supervisor_licenses: frozenset[str] = frozenset()
    substance_use_credential: bool = False
    residency_attestation: bool = False
    ethics_attestation: bool = False
    background_check: bool = False
    exam_required: bool = False
    fee_required: bool = False
    reciprocity_allowed: bool = False

    def __post_init__(self) -> None:
        """Validate the numbers and freeze the mapping and license set."""
        for name in ("min_age", "recovery_months", "training_minutes", "experience_minutes",
                     "supervision_minutes"):  # fmt: skip
            _require_count(name, getattr(self, name), optional=True)
        _require_count(
            "training_lookback_years", self.training_lookback_years, minimum=1, optional=True
        )
        _require_level("education", self.education)
        categories: dict[str, int] = {}
        seen: set[str] = set()
        for category, minutes in dict(self.training_category_minutes).items():
            if not isinstance(category, str) or not category.strip():
                raise ValueError(f"training_category_minutes has an empty category: {category!r}")
            if _norm_category(category) in seen:
                raise ValueError(f"training_category_minutes names {category!r} twice")
            seen.add(_norm_category(category))
            _require_count(f"training_category_minutes[{category!r}]", minutes)
            categories[category] = minutes
        object.__setattr__(self, "training_category_minutes", MappingProxyType(categories))
        if isinstance(self.supervisor_licenses, str):
            raise ValueError("supervisor_licenses must be a set of license codes, not a string")
        licenses = frozenset(_norm_license(code) for code in self.supervisor_licenses)
        if "" in licenses:
            raise ValueError("supervisor_licenses contains an empty license code")
        object.__setattr__(self, "supervisor_licenses", licenses)


@dataclass(frozen=True)
class TrainingRecord:
    """Minutes of training completed on one date, optionally in one category."""

    completed_on: date
    minutes: int
    category: str | None = None
    approved: bool = True
    program: str = ""

    def __post_init__(self) -> None:
        """Reject negative minutes and non-dates."""
        _require_date("TrainingRecord.completed_on", self.completed_on)
        _require_count(f"TrainingRecord.minutes ({self.program or 'no program'})", self.minutes)


@dataclass(frozen=True)
class HoursEntry:
    """One logged block of experience or supervision, with its supervisor's sign-off.

    It counts only when ``confirmed`` by a supervisor whose license the board verified
    (``supervisor_verified``): a supervisor nobody checked could be the trainee themselves.
    """

    worked_on: date
    minutes: int
    kind: str
    confirmed: bool
    supervisor_license: str | None = None
    supervisor_verified: bool = False

    def __post_init__(self) -> None:
        """Reject negative minutes, unknown kinds and non-dates."""
        _require_date("HoursEntry.worked_on", self.worked_on)
        _require_count(f"HoursEntry.minutes ({self.worked_on})", self.minutes)
        if self.kind not in HOURS_KINDS:
            raise ValueError(
                f"HoursEntry.kind must be 'experience' or 'supervision', got {self.kind!r}"
            )


@dataclass(frozen=True)
class ApplicantFacts:
    """What is known about an applicant, as plain values."""

    birth_date: date | None = None
    education: str | None = None
    lived_experience: bool = False
    recovery_since: date | None = None
    training: tuple[TrainingRecord, ...] = ()
    hours: tuple[HoursEntry, ...] = ()
    attestations: frozenset[str] = frozenset()
    background_check_cleared: bool = False
    exam_passed: bool = False
    fee_received: bool = False
    reciprocity_verified: bool = False

    def __post_init__(self) -> None:
        """Validate dates, education level and attestation names; freeze the collections."""
        _require_date("birth_date", self.birth_date, optional=True)
        _require_date("recovery_since", self.recovery_since, optional=True)
        _require_level("education", self.education)
        object.__setattr__(self, "training", tuple(self.training))
        object.__setattr__(self, "hours", tuple(self.hours))
        if isinstance(self.attestations, str):
            raise ValueError("attestations must be a set of names, not a string")
        attestations = frozenset(self.attestations)
        if attestations - ATTESTATIONS:
            unknown = ", ".join(sorted(attestations - ATTESTATIONS))
            raise ValueError(f"attestations has unknown names: {unknown}")
        object.__setattr__(self, "attestations", attestations)


@dataclass(frozen=True)
class Check:
    """One requirement's outcome; have/need are in unit (hours, years or months)."""

    key: str
    label: str
    met: bool
    detail: str
    have: float | None = None
    need: float | None = None
    unit: str = ""
    waived: bool = False


@dataclass(frozen=True)
class Eligibility:
    """The checklist for one applicant and one requirement set on one date."""

    as_of: date
    checks: tuple[Check, ...]

    @property
    def eligible(self) -> bool:
        """Whether every check is met (vacuously true with no requirements)."""
        return all(c.met for c in self.checks)

    @property
    def unmet(self) -> tuple[Check, ...]:
        """The checks not met, in checklist order."""
        return tuple(c for c in self.checks if not c.met)

    def check(self, key: str) -> Check:
        """Return the check with this key; KeyError when the requirement was not set."""
        for c in self.checks:
            if c.key == key:
                return c
        raise KeyError(key)


_GAP_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "lived_experience": "the self-identification of lived experience",
        "education": "the education requirement",
        "ethics": "the signed code of ethics",
        "residency": "the residency attestation",
    }
)


def _gap(check: Check) -> tuple[float, str]:
    """How much of one unmet requirement is missing (0..1, 1 for a yes/no) and its words."""
    if check.unit == "hours" and check.have is not None and check.need:
        left = max(round((check.need - check.have) * 60), 0)
        amount = hours_label(left)
        label = check.label.lower()
        if label.endswith(" hours"):
            noun = label[: -len(" hours")]
            words = f"{amount} {noun} hour{'' if amount == '1' else 's'}"
        else:
            words = f"{amount} hour{'' if amount == '1' else 's'} of {check.label}"
        return (check.need - check.have) / check.need, words
    if check.unit == "months" and check.have is not None and check.need:
        left = max(int(check.need - check.have), 0)
        return (check.need - check.have) / check.need, f"{months_label(left)} in recovery"
    if check.unit == "years" and check.need:
        return 1.0, f"the minimum age of {int(check.need)}"
    return 1.0, _GAP_NAMES.get(check.key, f"the {check.label[:1].lower()}{check.label[1:]}")


def missing_summary(result: Eligibility) -> str:
    """What is still missing, in one sentence, the biggest counted gap first.

    Counted requirements (hours, months) come first, the one with the largest share still
    missing leading; yes/no requirements follow in checklist order: "1.5 training hours and
    the exam still missing". Empty when every requirement is met.
    """
    counted, flags = [], []
    for order, check in enumerate(result.unmet):
        share, words = _gap(check)
        if check.unit in ("hours", "months") and check.have is not None and check.need:
            counted.append((-share, order, words))
        else:
            flags.append(words)
    parts = [words for _, _, words in sorted(counted)] + flags
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{listed} still missing"


def hours_label(minutes: int) -> str:
    """A count of minutes as hours under core.units' display rule (never rounded up)."""
    _require_count("minutes", minutes)
    return hours_text(minutes)


def months_label(months: int) -> str:
    """Show a number of months as '1 year 8 months', '2 years' or '5 months'."""
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if rest or not years:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " ".join(parts)


def whole_years(start: date, end: date) -> int:
    """Completed years from start to end; a Feb 29 start completes a year on Mar 1 if needed."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def whole_months(start: date, end: date) -> int:
    """Completed months: (y2-y1)*12 + (m2-m1), less one when end's day is before start's."""
    return (end.year - start.year) * 12 + (end.month - start.month) - (end.day < start.day)


def years_before(day: date, years: int) -> date:
    """The same calendar date `years` earlier; Feb 29 becomes Feb 28."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _tally(rated: Iterable[tuple[int, str]], reasons: tuple[str, ...]) -> tuple[int, str]:
    """Sum minutes counted (reason "") and note the excluded ones in the order of reasons."""
    by_reason = dict.fromkeys(("", *reasons), 0)
    for minutes, reason in rated:
        by_reason[reason] += minutes
    notes = [
        f"{hours_label(by_reason[r])} h {r}" + ("" if r in _SAYS_WHY else " not counted")
        for r in reasons
        if by_reason[r]
    ]
    return by_reason[""], f" ({'; '.join(notes)})" if notes else ""


def _minutes_check(
    key: str, label: str, have: int, need: int, detail: str, waived: bool = False
) -> Check:
    """An hours check; met at exactly the required minutes."""
    if waived:
        return Check(
            key, label, True, WAIVED_DETAIL, hours_number(have), hours_number(need), "hours", True
        )
    return Check(key, label, have >= need, detail, hours_number(have), hours_number(need), "hours")


def _training_checks(req: Requirements, facts: ApplicantFacts, as_of: date) -> list[Check]:
    """The total and per-category training checks."""
    years = req.training_lookback_years
    cutoff = years_before(as_of, years) if years is not None else None
    future = f"dated after {as_of.isoformat()}"
    old = f"older than {years} year{'s' if years != 1 else ''}"
    unapproved = "from training not approved by the board"

    def reason(record: TrainingRecord) -> str:
        if record.completed_on > as_of:
            return future
        if cutoff is not None and record.completed_on < cutoff:
            return old
        if req.approved_training_only and not record.approved:
            return unapproved
        return ""

    rated = [(record, reason(record)) for record in facts.training]
    reasons = (old, unapproved, future)
    waived = req.reciprocity_allowed and facts.reciprocity_verified
    checks = []
    if req.training_minutes is not None:
        have, note = _tally(((r.minutes, why) for r, why in rated), reasons)
        need = req.training_minutes
        detail = f"{hours_label(have)} of {hours_label(need)} training hours{note}"
        checks.append(_minutes_check("training", "Training hours", have, need, detail, waived))
    for category, need in req.training_category_minutes.items():
        name = _norm_category(category)
        in_category = ((r.minutes, why) for r, why in rated if _norm_category(r.category) == name)
        have, note = _tally(in_category, reasons)
        detail = f"{category}: {hours_label(have)} of {hours_label(need)} hours{note}"
        key, label = f"training:{category}", f"{category} training"
        checks.append(_minutes_check(key, label, have, need, detail, waived))
    return checks


_UNCONFIRMED = "not confirmed"
# confirmed by a supervisor whose license the board has not verified (yet): never counted
_UNVERIFIED = "waiting for supervisor verification"
_SAYS_WHY: frozenset[str] = frozenset({_UNVERIFIED})
_SUD_ONLY = "with a substance-use-only supervisor"
_NOT_ACCEPTED = "with a supervisor license this board does not accept"


def _hours_checks(req: Requirements, facts: ApplicantFacts, as_of: date) -> list[Check]:
    """The experience and supervision checks."""
    future = f"dated after {as_of.isoformat()}"

    def reason(entry: HoursEntry) -> str:
        if entry.worked_on > as_of:
            return future
        if not entry.confirmed:
            return _UNCONFIRMED
        if not entry.supervisor_verified:
            return _UNVERIFIED
        if entry.kind == "supervision":
            code = _norm_license(entry.supervisor_license)
            # Substance-use-only licenses never supervise other credentials, whatever the list.
            if code in SUD_ONLY_LICENSES and not req.substance_use_credential:
                return _SUD_ONLY
            if req.supervisor_licenses and code not in req.supervisor_licenses:
                return _NOT_ACCEPTED
        return ""

    checks = []
    for kind, need_or_none in (
        ("experience", req.experience_minutes),
        ("supervision", req.supervision_minutes),
    ):
        if need_or_none is None:
            continue
        need = need_or_none
        rated = ((e.minutes, reason(e)) for e in facts.hours if e.kind == kind)
        have, note = _tally(rated, (_SUD_ONLY, _NOT_ACCEPTED, _UNCONFIRMED, _UNVERIFIED, future))
        detail = f"{hours_label(have)} of {hours_label(need)} {kind} hours{note}"
        checks.append(_minutes_check(kind, f"{kind.capitalize()} hours", have, need, detail))
    return checks


def _person_checks(req: Requirements, facts: ApplicantFacts, as_of: date) -> list[Check]:
    """The age, education, lived experience and recovery checks."""
    checks = []
    if req.min_age is not None:
        born, need = facts.birth_date, req.min_age
        if born is not None and born > as_of:
            raise ValueError(f"birth_date {born} is after {as_of}")
        age = None if born is None else whole_years(born, as_of)
        met = age is not None and age >= need
        if age is None:
            detail = "Date of birth not given"
        else:
            detail = (
                f"Age {age} (at least {need})" if met else f"Age {age} — must be at least {need}"
            )
        checks.append(Check("age", "Minimum age", met, detail, age, need, "years"))
    if req.education is not None:
        need_label = EDUCATION_LABELS[req.education]
        if facts.education is None:
            met, detail = False, f"Education not given (required: {need_label})"
        else:
            met = EDUCATION_LEVELS.index(facts.education) >= EDUCATION_LEVELS.index(req.education)
            detail = EDUCATION_LABELS[facts.education]
            if not met:
                detail += f" (required: {need_label})"
        checks.append(Check("education", "Education", met, detail))
    if req.lived_experience:
        label, yes, no = _FLAG_TEXTS["lived_experience"]
        met = facts.lived_experience
        checks.append(Check("lived_experience", label, met, yes if met else no))
    if req.recovery_months is not None:
        since, need = facts.recovery_since, req.recovery_months
        if since is not None and since > as_of:
            raise ValueError(f"recovery_since {since} is after {as_of}")
        months = None if since is None else whole_months(since, as_of)
        if months is None:
            detail = f"Recovery start date not given ({months_label(need)} required)"
        else:
            detail = f"{months_label(months)} of {months_label(need)} in recovery"
        met = months is not None and months >= need
        checks.append(Check("recovery", "Time in recovery", met, detail, months, need, "months"))
    return checks


def evaluate(requirements: Requirements, facts: ApplicantFacts, as_of: date) -> Eligibility:
    """Check every set requirement against the applicant's facts as of a date."""
    _require_date("as_of", as_of)
    req = requirements
    checks = _person_checks(req, facts, as_of)
    checks += _training_checks(req, facts, as_of)
    checks += _hours_checks(req, facts, as_of)
    flags = [
        (req.residency_attestation, "residency", "residency" in facts.attestations),
        (req.ethics_attestation, "ethics", "ethics" in facts.attestations),
        (req.background_check, "background_check", facts.background_check_cleared),
        (req.exam_required, "exam", facts.exam_passed),
        (req.fee_required, "fee", facts.fee_received),
    ]
    for required, key, met in flags:
        if not required:
            continue
        label, yes, no = _FLAG_TEXTS[key]
        if key == "exam" and req.reciprocity_allowed and facts.reciprocity_verified:
            checks.append(Check(key, label, True, WAIVED_DETAIL, waived=True))
        else:
            checks.append(Check(key, label, met, yes if met else no))
    return Eligibility(as_of=as_of, checks=tuple(checks))
