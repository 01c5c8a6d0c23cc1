"""The one-sentence summary of what is still missing, biggest counted gap first."""

from __future__ import annotations

from datetime import date

from certify.rules import Check, Eligibility, missing_summary

DAY = date(2026, 12, 1)


def test_counted_gaps_lead_by_share_missing_then_yes_no_requirements_in_order() -> None:
    result = Eligibility(
        DAY,
        (
            Check("age", "Minimum age", True, "", 30, 18, "years"),
            Check("training", "Training hours", False, "", 38.5, 40, "hours"),
            Check("exam", "Exam", False, "Exam not passed"),
            Check("supervised", "Supervised hours", False, "", 320, 500, "hours"),
            Check("ethics", "Code of ethics", False, "Code of ethics not signed"),
            Check("recovery", "Time in recovery", False, "", 10, 24, "months"),
        ),
    )
    assert missing_summary(result) == (
        "1 year 2 months in recovery, 180 supervised hours, 1.5 training hours, the exam and "
        "the signed code of ethics still missing"
    )


def test_one_hour_is_singular_a_category_reads_as_hours_of_it_and_nothing_missing_is_empty() -> (
    None
):
    one = Eligibility(DAY, (Check("training:Ethics", "Ethics training", False, "", 5, 6, "hours"),))
    assert missing_summary(one) == "1 hour of Ethics training still missing"
    quarter = Eligibility(
        DAY, (Check("training", "Training hours", False, "", 39.75, 40, "hours"),)
    )
    assert missing_summary(quarter) == "0.25 training hours still missing"
    assert missing_summary(Eligibility(DAY, (Check("exam", "Exam", True, ""),))) == ""


def test_education_met_names_what_the_person_has_and_unmet_names_what_is_required() -> None:
    from datetime import date as day

    from certify.rules import ApplicantFacts, Requirements, evaluate

    need = Requirements(education="hs_diploma_or_ged")
    met = evaluate(need, ApplicantFacts(birth_date=day(1990, 1, 1), education="bachelor"), DAY)
    assert met.check("education").detail == "Bachelor's degree"
    short = evaluate(need, ApplicantFacts(birth_date=day(1990, 1, 1), education="none"), DAY)
    assert "(required: High school diploma or GED)" in short.check("education").detail
