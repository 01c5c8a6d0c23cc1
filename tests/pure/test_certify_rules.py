"""Eligibility rules: each requirement met and unmet, the issue's boundary cases, properties."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certify.rules import (
    WAIVED_DETAIL,
    ApplicantFacts,
    HoursEntry,
    Requirements,
    TrainingRecord,
    evaluate,
    hours_label,
    whole_months,
    years_before,
)

H = 60
AS_OF = date(2026, 6, 15)
ICRC = {
    "Advocacy": 10 * H,
    "Mentoring/Education": 10 * H,
    "Recovery/Wellness Support": 10 * H,
    "Ethical Responsibility": 16 * H,
}
MENTAL_HEALTH_LICENSES = frozenset(
    {"psychiatrist", "psychologist", "provisional_psychologist", "aprn_np_rn", "limhp", "lmhp"}
)


def training(minutes: int, on: date = date(2025, 1, 10), **kw: object) -> TrainingRecord:
    return TrainingRecord(completed_on=on, minutes=minutes, **kw)  # type: ignore[arg-type]


def hours(minutes: int, kind: str = "experience", **kw: object) -> HoursEntry:
    kw.setdefault("worked_on", date(2026, 1, 5))
    kw.setdefault("confirmed", True)
    kw.setdefault("supervisor_verified", True)
    return HoursEntry(minutes=minutes, kind=kind, **kw)  # type: ignore[arg-type]


def check(req: Requirements, facts: ApplicantFacts, key: str, as_of: date = AS_OF):
    return evaluate(req, facts, as_of).check(key)


# --- hours_label ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "label"),
    [(0, "0"), (5, "0"), (6, "0.1"), (2399, "39.9"), (2400, "40"), (2430, "40.5"), (2310, "38.5")],
)
def test_hours_label_floors_to_a_tenth(minutes: int, label: str) -> None:
    assert hours_label(minutes) == label


def test_hours_label_rejects_negative() -> None:
    with pytest.raises(ValueError, match="minutes"):
        hours_label(-1)


# --- training total: the 40 hours -----------------------------------------------------------


def test_exactly_40_hours_is_met() -> None:
    c = check(
        Requirements(training_minutes=40 * H),
        ApplicantFacts(training=(training(2400),)),
        "training",
    )
    assert c.met and c.detail == "40 of 40 training hours"
    assert (c.have, c.need, c.unit) == (40.0, 40.0, "hours")


def test_39_98_hours_is_unmet_and_never_shows_as_40() -> None:
    c = check(
        Requirements(training_minutes=40 * H),
        ApplicantFacts(training=(training(2399),)),
        "training",
    )
    assert not c.met
    assert c.detail == "39.9 of 40 training hours"
    assert c.have == 39.9


def test_training_sums_records_and_shows_tenths() -> None:
    facts = ApplicantFacts(training=(training(20 * H), training(18 * H + 30)))
    c = check(Requirements(training_minutes=40 * H), facts, "training")
    assert not c.met and c.detail == "38.5 of 40 training hours"


def test_training_exactly_5_years_old_counts_and_one_day_more_does_not() -> None:
    req = Requirements(training_minutes=40 * H, training_lookback_years=5)
    on_edge = ApplicantFacts(training=(training(40 * H, on=date(2021, 6, 15)),))
    assert check(req, on_edge, "training").met
    too_old = ApplicantFacts(training=(training(40 * H, on=date(2021, 6, 14)),))
    c = check(req, too_old, "training")
    assert not c.met
    assert c.detail == "0 of 40 training hours (40 h older than 5 years not counted)"


def test_lookback_from_feb_29_uses_feb_28() -> None:
    assert years_before(date(2028, 2, 29), 5) == date(2023, 2, 28)
    req = Requirements(training_minutes=H, training_lookback_years=5)
    facts = ApplicantFacts(training=(training(H, on=date(2023, 2, 28)),))
    assert check(req, facts, "training", as_of=date(2028, 2, 29)).met
    facts = ApplicantFacts(training=(training(H, on=date(2023, 2, 27)),))
    assert not check(req, facts, "training", as_of=date(2028, 2, 29)).met


def test_unapproved_training_excluded_only_when_required() -> None:
    facts = ApplicantFacts(training=(training(37 * H), training(3 * H, approved=False)))
    assert check(Requirements(training_minutes=40 * H), facts, "training").met
    req = Requirements(training_minutes=40 * H, approved_training_only=True)
    c = check(req, facts, "training")
    assert not c.met
    assert c.detail == (
        "37 of 40 training hours (3 h from training not approved by the board not counted)"
    )


def test_future_training_never_counts() -> None:
    facts = ApplicantFacts(training=(training(40 * H, on=AS_OF + timedelta(days=1)),))
    c = check(Requirements(training_minutes=40 * H), facts, "training")
    assert not c.met and "40 h dated after 2026-06-15 not counted" in c.detail
    # The same record counts once its date has come.
    later = AS_OF + timedelta(days=1)
    assert check(Requirements(training_minutes=40 * H), facts, "training", as_of=later).met


# --- training categories (IC&RC 10/10/10/16) ------------------------------------------------


def icrc_facts(ethics_minutes: int) -> ApplicantFacts:
    return ApplicantFacts(
        training=(
            training(10 * H, category="Advocacy"),
            training(10 * H, category="Mentoring/Education"),
            training(10 * H, category="Recovery/Wellness Support"),
            training(ethics_minutes, category="Ethical Responsibility"),
        )
    )


def test_icrc_categories_ethics_short() -> None:
    req = Requirements(training_minutes=46 * H, training_category_minutes=ICRC)
    result = evaluate(req, icrc_facts(12 * H), AS_OF)
    assert [c.key for c in result.checks] == ["training"] + [f"training:{k}" for k in ICRC]
    ethics = result.check("training:Ethical Responsibility")
    assert not ethics.met
    assert ethics.detail == "Ethical Responsibility: 12 of 16 hours"
    assert ethics.label == "Ethical Responsibility training"
    assert (ethics.have, ethics.need) == (12.0, 16.0)
    assert result.check("training:Advocacy").met
    assert [c.key for c in result.unmet] == ["training", "training:Ethical Responsibility"]
    assert not result.eligible


def test_icrc_categories_all_met() -> None:
    req = Requirements(training_minutes=46 * H, training_category_minutes=ICRC)
    assert evaluate(req, icrc_facts(16 * H), AS_OF).eligible


def test_category_uses_same_filters_and_matches_case_insensitively() -> None:
    req = Requirements(
        training_category_minutes={"Ethical Responsibility": 16 * H},
        training_lookback_years=5,
        approved_training_only=True,
    )
    facts = ApplicantFacts(
        training=(
            training(12 * H, category="ethical responsibility "),
            training(2 * H, category="Ethical Responsibility", approved=False),
            training(2 * H, category="Ethical Responsibility", on=date(2019, 1, 1)),
            training(5 * H, category="Advocacy"),
        )
    )
    c = check(req, facts, "training:Ethical Responsibility")
    assert not c.met
    assert c.detail == (
        "Ethical Responsibility: 12 of 16 hours (2 h older than 5 years not counted; "
        "2 h from training not approved by the board not counted)"
    )


# --- experience and supervision -------------------------------------------------------------


def test_experience_counts_confirmed_past_entries_only() -> None:
    req = Requirements(experience_minutes=500 * H)
    facts = ApplicantFacts(
        hours=(
            hours(496 * H),
            hours(4 * H, confirmed=False),
            hours(10 * H, worked_on=AS_OF + timedelta(days=3)),
            hours(30 * H, kind="supervision"),
        )
    )
    c = check(req, facts, "experience")
    assert not c.met
    assert c.detail == (
        "496 of 500 experience hours (4 h not confirmed not counted; "
        "10 h dated after 2026-06-15 not counted)"
    )
    done = replace(facts, hours=(*facts.hours, hours(4 * H)))
    assert check(req, done, "experience").met


def test_an_entry_dated_exactly_on_the_check_date_counts() -> None:
    """The check date is today, not the future: hours worked that day count (both kinds)."""
    req = Requirements(experience_minutes=10 * H, supervision_minutes=2 * H)
    facts = ApplicantFacts(
        hours=(
            hours(10 * H, worked_on=AS_OF),
            hours(2 * H, "supervision", worked_on=AS_OF, supervisor_license="lmhp"),
        )
    )
    assert check(req, facts, "experience").detail == "10 of 10 experience hours"
    assert check(req, facts, "supervision").met
    day_after = AS_OF + timedelta(days=1)
    late = ApplicantFacts(hours=(hours(10 * H, worked_on=day_after),))
    assert check(req, late, "experience").detail == (
        "0 of 10 experience hours (10 h dated after 2026-06-15 not counted)"
    )


def test_hours_count_only_once_the_board_verified_the_supervisor() -> None:
    """A supervisor with an unchecked license (perhaps the trainee's second account) confirms
    nothing that counts: the checklist says how many hours wait for the verification."""
    req = Requirements(experience_minutes=48 * H, supervision_minutes=10 * H)
    unchecked = {"supervisor_verified": False, "supervisor_license": "lmhp"}
    facts = ApplicantFacts(
        hours=(hours(48 * H, **unchecked), hours(10 * H, "supervision", **unchecked))
    )
    experience, supervision = check(req, facts, "experience"), check(req, facts, "supervision")
    assert not experience.met and not supervision.met
    assert experience.detail == (
        "0 of 48 experience hours (48 h waiting for supervisor verification)"
    )
    assert supervision.detail == (
        "0 of 10 supervision hours (10 h waiting for supervisor verification)"
    )
    verified = ApplicantFacts(
        hours=tuple(replace(e, supervisor_verified=True) for e in facts.hours)
    )
    assert evaluate(req, verified, AS_OF).eligible
    # an entry not confirmed yet is "not confirmed", whatever its supervisor's license
    pending = ApplicantFacts(hours=(hours(2 * H, confirmed=False, supervisor_verified=False),))
    assert "2 h not confirmed not counted" in check(req, pending, "experience").detail


def test_sud_only_supervisor_not_counted_on_mental_health_credential() -> None:
    facts = ApplicantFacts(
        hours=(
            hours(21 * H, "supervision", supervisor_license="lmhp"),
            hours(4 * H, "supervision", supervisor_license="LADC"),
        )
    )
    # Even a list that names ladc does not make it count on a mental-health credential.
    mh = Requirements(
        supervision_minutes=25 * H, supervisor_licenses=MENTAL_HEALTH_LICENSES | {"ladc"}
    )
    c = check(mh, facts, "supervision")
    assert not c.met
    assert c.detail == (
        "21 of 25 supervision hours (4 h with a substance-use-only supervisor not counted)"
    )
    sud = replace(mh, substance_use_credential=True)
    assert check(sud, facts, "supervision").met


def test_supervisor_license_outside_the_accepted_list() -> None:
    req = Requirements(supervision_minutes=25 * H, supervisor_licenses=frozenset({"lmhp"}))
    facts = ApplicantFacts(
        hours=(
            hours(25 * H, "supervision", supervisor_license="psychiatrist"),
            hours(H, "supervision", supervisor_license=None),
        )
    )
    c = check(req, facts, "supervision")
    assert not c.met and "26 h with a supervisor license this board does not accept" in c.detail
    # No list: any supervisor counts, verified or not.
    assert check(replace(req, supervisor_licenses=frozenset()), facts, "supervision").met


def test_unconfirmed_and_future_supervision_excluded() -> None:
    req = Requirements(supervision_minutes=25 * H)
    facts = ApplicantFacts(
        hours=(
            hours(25 * H, "supervision", confirmed=False, supervisor_license="lmhp"),
            hours(25 * H, "supervision", worked_on=AS_OF + timedelta(days=1)),
        )
    )
    assert not check(req, facts, "supervision").met


# --- age, education, lived experience, recovery ---------------------------------------------


def test_age_turns_on_the_birthday() -> None:
    req = Requirements(min_age=19)
    facts = ApplicantFacts(birth_date=date(2007, 6, 15))
    c = check(req, facts, "age")
    assert c.met and c.have == 19 and c.unit == "years"
    c = check(req, facts, "age", as_of=date(2026, 6, 14))
    assert not c.met and c.detail == "Age 18 — must be at least 19"


def test_feb_29_birthday_turns_a_year_older_on_mar_1() -> None:
    req = Requirements(min_age=18)
    facts = ApplicantFacts(birth_date=date(2008, 2, 29))
    assert not check(req, facts, "age", as_of=date(2026, 2, 28)).met
    assert check(req, facts, "age", as_of=date(2026, 3, 1)).met
    assert check(req, facts, "age", as_of=date(2028, 2, 29)).met


def test_age_without_birth_date() -> None:
    c = check(Requirements(min_age=18), ApplicantFacts(), "age")
    assert not c.met and c.detail == "Date of birth not given" and c.have is None


def test_education_levels() -> None:
    req = Requirements(education="hs_diploma_or_ged")
    assert check(req, ApplicantFacts(education="bachelor"), "education").met
    assert check(req, ApplicantFacts(education="hs_diploma_or_ged"), "education").met
    assert not check(req, ApplicantFacts(education="none"), "education").met
    assert not check(req, ApplicantFacts(), "education").met


def test_lived_experience() -> None:
    req = Requirements(lived_experience=True)
    assert check(req, ApplicantFacts(lived_experience=True), "lived_experience").met
    assert not check(req, ApplicantFacts(), "lived_experience").met


def test_recovery_months() -> None:
    req = Requirements(recovery_months=24)
    c = check(req, ApplicantFacts(recovery_since=date(2024, 10, 16)), "recovery")
    assert not c.met and c.detail == "1 year 7 months of 2 years in recovery"
    assert (c.have, c.need, c.unit) == (19, 24, "months")
    assert check(req, ApplicantFacts(recovery_since=date(2024, 6, 15)), "recovery").met
    c = check(req, ApplicantFacts(), "recovery")
    assert not c.met and c.detail == "Recovery start date not given (2 years required)"


def test_whole_months_day_of_month_rule() -> None:
    assert whole_months(date(2024, 1, 31), date(2024, 2, 29)) == 0
    assert whole_months(date(2024, 1, 31), date(2024, 3, 31)) == 2
    assert whole_months(date(2024, 1, 15), date(2024, 2, 15)) == 1


# --- attestations, background check, exam, fee, reciprocity --------------------------------


@pytest.mark.parametrize(
    ("req", "key", "facts"),
    [
        (Requirements(residency_attestation=True), "residency",
         ApplicantFacts(attestations=frozenset({"residency"}))),
        (Requirements(ethics_attestation=True), "ethics",
         ApplicantFacts(attestations=frozenset({"ethics"}))),
        (Requirements(background_check=True), "background_check",
         ApplicantFacts(background_check_cleared=True)),
        (Requirements(exam_required=True), "exam", ApplicantFacts(exam_passed=True)),
        (Requirements(fee_required=True), "fee", ApplicantFacts(fee_received=True)),
    ],
)  # fmt: skip
def test_flags_met_and_unmet(req: Requirements, key: str, facts: ApplicantFacts) -> None:
    assert check(req, facts, key).met
    assert not check(req, ApplicantFacts(), key).met


def test_reciprocity_waives_training_and_exam_only() -> None:
    req = Requirements(
        training_minutes=46 * H,
        training_category_minutes=ICRC,
        exam_required=True,
        fee_required=True,
        reciprocity_allowed=True,
    )
    facts = ApplicantFacts(reciprocity_verified=True)
    result = evaluate(req, facts, AS_OF)
    for c in result.checks:
        if c.key == "fee":
            assert not c.met and not c.waived
        else:
            assert c.met and c.waived and c.detail == WAIVED_DETAIL
    # Not allowed by the board, or not verified: no waiver.
    assert not evaluate(replace(req, reciprocity_allowed=False), facts, AS_OF).check("exam").met
    assert not evaluate(req, ApplicantFacts(), AS_OF).check("training").met


# --- the checklist as a whole ---------------------------------------------------------------


def test_only_set_requirements_produce_checks_in_stable_order() -> None:
    assert evaluate(Requirements(), ApplicantFacts(), AS_OF).checks == ()
    assert evaluate(Requirements(), ApplicantFacts(), AS_OF).eligible
    req = Requirements(
        fee_required=True, exam_required=True, background_check=True, ethics_attestation=True,
        residency_attestation=True, supervision_minutes=1, experience_minutes=1,
        training_category_minutes={"B": 1, "A": 1}, training_minutes=1, recovery_months=1,
        lived_experience=True, education="none", min_age=18,
    )  # fmt: skip
    keys = [c.key for c in evaluate(req, ApplicantFacts(), AS_OF).checks]
    assert keys == [
        "age", "education", "lived_experience", "recovery", "training", "training:B",
        "training:A", "experience", "supervision", "residency", "ethics", "background_check",
        "exam", "fee",
    ]  # fmt: skip
    with pytest.raises(KeyError):
        evaluate(Requirements(), ApplicantFacts(), AS_OF).check("age")


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Requirements(training_minutes=-1), "training_minutes"),
        (lambda: Requirements(training_category_minutes={"Advocacy": -60}), "Advocacy"),
        (lambda: Requirements(min_age=-3), "min_age"),
        (lambda: Requirements(recovery_months=-1), "recovery_months"),
        (lambda: Requirements(training_lookback_years=0), "training_lookback_years"),
        (lambda: Requirements(education="phd"), "education"),
        (lambda: TrainingRecord(date(2025, 1, 1), -5), "minutes"),
        (lambda: HoursEntry(date(2025, 1, 1), -5, "experience", True), "minutes"),
        (lambda: HoursEntry(date(2025, 1, 1), 60, "volunteering", True), "kind"),
        (lambda: ApplicantFacts(attestations=frozenset({"loyalty"})), "attestations"),
        (lambda: ApplicantFacts(education="phd"), "education"),
    ],
)
def test_nonsense_input_raises_value_error_naming_the_field(make, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        make()


def test_dates_after_as_of_raise() -> None:
    with pytest.raises(ValueError, match="birth_date"):
        evaluate(Requirements(min_age=18), ApplicantFacts(birth_date=date(2030, 1, 1)), AS_OF)
    with pytest.raises(ValueError, match="recovery_since"):
        evaluate(
            Requirements(recovery_months=12), ApplicantFacts(recovery_since=date(2030, 1, 1)), AS_OF
        )


# --- properties -----------------------------------------------------------------------------

days = st.integers(min_value=-4000, max_value=30).map(lambda d: AS_OF + timedelta(days=d))
records = st.builds(
    TrainingRecord,
    completed_on=days,
    minutes=st.integers(0, 3000),
    category=st.sampled_from([None, *ICRC]),
    approved=st.booleans(),
)
requirements = st.builds(
    Requirements,
    training_minutes=st.one_of(st.none(), st.integers(0, 5000)),
    training_category_minutes=st.dictionaries(st.sampled_from(list(ICRC)), st.integers(0, 1200)),
    training_lookback_years=st.one_of(st.none(), st.integers(1, 10)),
    approved_training_only=st.booleans(),
    experience_minutes=st.one_of(st.none(), st.integers(0, 5000)),
)


@given(requirements, st.lists(records, max_size=8), records)
def test_adding_a_counted_record_never_turns_a_met_check_unmet(req, base, extra) -> None:
    before = evaluate(req, ApplicantFacts(training=tuple(base)), AS_OF)
    after = evaluate(req, ApplicantFacts(training=(*base, extra)), AS_OF)
    assert [c.key for c in before.checks] == [c.key for c in after.checks]
    for b, a in zip(before.checks, after.checks, strict=True):
        assert not b.met or a.met
        assert (a.have or 0) >= (b.have or 0)
    assert not before.eligible or after.eligible


@given(requirements, st.lists(records, max_size=8), st.integers(0, 8), st.integers(0, 600))
def test_eligibility_is_monotonic_in_minutes(req, base, index, more) -> None:
    if not base:
        return
    i = index % len(base)
    grown = list(base)
    grown[i] = replace(base[i], minutes=base[i].minutes + more)
    before = evaluate(req, ApplicantFacts(training=tuple(base)), AS_OF)
    after = evaluate(req, ApplicantFacts(training=tuple(grown)), AS_OF)
    assert not before.eligible or after.eligible
    for b, a in zip(before.checks, after.checks, strict=True):
        assert not b.met or a.met


@given(st.integers(0, 100_000))
def test_hours_label_never_overstates(minutes: int) -> None:
    assert float(hours_label(minutes)) <= minutes / 60 < float(hours_label(minutes)) + 0.1


# --- purity ---------------------------------------------------------------------------------


def test_rules_module_imports_neither_flask_nor_sqlalchemy() -> None:
    source = Path(__file__).resolve().parents[2] / "certify" / "rules.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    # core.units, the one hours rule, is pure itself (tests/pure/test_purity.py)
    imported = {name.split(".")[0] for name in imported - {"core.units"}}
    assert not imported & {"flask", "sqlalchemy", "flask_sqlalchemy", "core", "certify"}
