"""The audit log in words: minutes as hours, codes as words, only what changed."""

from __future__ import annotations

from core.audit_text import change_lines, words


def test_a_rule_change_reads_in_hours_and_unchanged_fields_are_left_out() -> None:
    before = {"training_minutes": 2400, "min_age": 18, "cycle_months": 24}
    after = {"training_minutes": 2760, "min_age": 18, "cycle_months": 24}
    assert change_lines(before, after) == ["Training minimum: 40 h → 46 h"]


def test_statuses_read_as_words_and_values_only_after_are_listed() -> None:
    assert change_lines({"status": "in_review"}, {"status": "approved_for_exam"}) == [
        "Status: in review → approved for exam"
    ]
    assert change_lines(None, {"reason": "Hours audit", "unmet": [], "paid": True}) == [
        "Reason: Hours audit",
        "Unmet: —",
        "Paid: yes",
    ]
    assert change_lines({"status": "active"}, None) == ["Status: active → —"]
    assert words("credential.issued") == "Credential issued"
    assert words("ApplicationDocument") == "Application document"
    assert words("application.info_requested") == "Application info requested"


def test_a_value_that_is_not_a_mapping_is_still_shown() -> None:
    assert change_lines(["a", "b"], None) == ["Before: a, b"]
    assert change_lines(None, None) == []
