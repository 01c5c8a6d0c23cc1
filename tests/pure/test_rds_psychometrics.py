"""The analysis a psychometrician would sign (issue 15): missing data, reliability by scale
and domain, retention options with stability, warnings, subgroups; checked against the pure
functions, pingouin and hand-worked figures, and read back from the stored JSON."""

from __future__ import annotations

import math

import numpy as np
import pingouin as pg
import pytest

from rds.analysis.engine import AnalysisResult, analyze
from rds.mixed_icc import mixed_icc
from rds.subgroups import cohens_d, fisher_ci, respondent_domain_scores
from tests.pure.test_rds_result_roundtrip import check_round_trip, stored

NAN = np.nan
TASKS = [f"T{j + 1}" for j in range(8)]
DOMAINS = ["Alpha"] * 3 + ["Beta"] * 3 + ["Gamma"] * 2


def survey(n: int = 120, missing: float = 0.08, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = np.array([3.2, 2.8, 2.5, 3.0, 2.2, 1.9, 2.6, 0.8])
    person = rng.normal(0, 0.5, (n, 1))
    imp = np.clip(np.rint(base + person + rng.normal(0, 0.7, (n, 8))), 0, 4)
    freq = np.clip(np.rint(base - 0.4 + person + rng.normal(0, 0.8, (n, 8))), 0, 4)
    imp[rng.random(imp.shape) < missing] = NAN
    freq[rng.random(freq.shape) < missing] = NAN
    return imp, freq


def test_every_rating_is_used_and_blank_respondents_are_left_out() -> None:
    imp, freq = survey()
    padded_i = np.vstack([np.full((1, 8), NAN), imp, np.full((1, 8), NAN)])
    padded_f = np.vstack([np.full((1, 8), NAN), freq, np.full((1, 8), NAN)])
    demo = {"role": ["x"] + ["Peer"] * 120 + ["y"]}
    result = analyze(TASKS, DOMAINS, padded_i, padded_f, demo, items=30, bootstrap=0)
    plain = analyze(TASKS, DOMAINS, imp, freq, {"role": ["Peer"] * 120}, items=30, bootstrap=0)
    assert result.n_respondents == 120 and result.excluded_respondents == (0, 121)
    assert result.demographics == {"role": {"Peer": 120}}
    assert any("2 respondents gave no rating at all" in w for w in result.warnings)
    assert result.tasks == plain.tasks and result.scales == plain.scales
    scale = result.scales["importance"]
    assert scale.icc_shown == "mixed" and scale.n_respondents == 120
    direct = mixed_icc(imp.T)
    assert scale.mixed is not None and scale.mixed.n_ratings == int((~np.isnan(imp)).sum())
    for form, value in scale.mixed.icc.items():
        assert value.value == pytest.approx(direct.estimates[form].value, abs=1e-12)
    assert scale.shown() is scale.mixed.icc
    # complete-case forms kept, with psych/pingouin's F tests
    complete = imp[~np.isnan(imp).any(axis=1)]
    assert scale.n_complete == complete.shape[0] and scale.anova is not None
    long = pg.intraclass_corr(
        data=_long(complete), targets="task", raters="resp", ratings="y"
    ).set_index("Type")
    for form, row in (("ICC1", "ICC(1,1)"), ("ICC2", "ICC(A,1)"), ("ICC3", "ICC(C,1)")):
        icc = scale.icc[form]
        assert icc.value == pytest.approx(row_value(long, row, "ICC"), abs=1e-12)
        assert icc.f == pytest.approx(row_value(long, row, "F"), rel=1e-10)
        assert icc.df1 == row_value(long, row, "df1") and icc.df2 == row_value(long, row, "df2")
        assert icc.p == pytest.approx(row_value(long, row, "pval"), rel=1e-8, abs=1e-300)
    assert scale.anova.f_tasks == pytest.approx(row_value(long, "ICC(C,1)", "F"), rel=1e-10)
    assert scale.anova.df_error == (8 - 1) * (complete.shape[0] - 1)


def _long(x: np.ndarray):
    import pandas as pd

    rows = [(j, r, x[r, j]) for r in range(x.shape[0]) for j in range(x.shape[1])]
    return pd.DataFrame(rows, columns=["task", "resp", "y"])


def row_value(table, row: str, column: str) -> float:
    return float(table.loc[row, column])


def test_reliability_per_domain_and_of_task_means() -> None:
    imp, freq = survey()
    result = analyze(TASKS, DOMAINS, imp, freq, items=30, bootstrap=0)
    assert list(result.domain_reliability) == ["Alpha", "Beta", "Gamma"]
    beta = result.domain_reliability["Beta"]["frequency"]
    cols = [3, 4, 5]
    ref = pg.cronbach_alpha(data=_frame(freq[:, cols]), nan_policy="pairwise")
    assert beta.alpha == pytest.approx(ref[0], abs=1e-12)
    direct = mixed_icc(freq[:, cols].T)
    assert beta.mixed is not None
    # (the same fit; the optimiser's path differs by the empty respondents it was given)
    assert beta.mixed.icc["ICC2"].value == pytest.approx(direct.estimates["ICC2"].value, abs=1e-9)
    assert beta.n_tasks == 3
    icc2 = result.scales["importance"].mixed.icc["ICC2"].value  # type: ignore[union-attr]
    for task in result.tasks:
        k = task.n_importance
        assert task.reliability_importance == pytest.approx(k * icc2 / (1 + (k - 1) * icc2))


def _frame(x: np.ndarray):
    import pandas as pd

    return pd.DataFrame(x)


def test_a_task_without_ratings_leaves_the_scale_standing() -> None:
    imp, freq = survey()
    freq[:, 4] = NAN
    result = analyze(TASKS, DOMAINS, imp, freq, items=30, bootstrap=0)
    scale = result.scales["frequency"]
    assert scale.tasks_left_out == ("T5",) and scale.alpha is not None
    assert scale.mixed is not None and scale.mixed.n_tasks == 7
    assert result.domain_reliability["Beta"]["frequency"].tasks_left_out == ("T5",)
    assert any("left out of the frequency reliability: T5" in w for w in result.warnings)
    once = freq.copy()
    once[1:, 3] = NAN  # T4 rated once: no variance, left out of alpha only
    once[0, 3] = 2.0
    single = analyze(TASKS, DOMAINS, imp, once, items=30, bootstrap=0).scales["frequency"]
    ref = pg.cronbach_alpha(data=_frame(np.delete(once, [3, 4], axis=1)), nan_policy="pairwise")
    assert single.alpha == pytest.approx(ref[0], abs=1e-12)
    assert single.mixed is not None and single.mixed.n_tasks == 7


def test_retention_options() -> None:
    imp, freq = survey()
    base = analyze(TASKS, DOMAINS, imp, freq, items=30, bootstrap=0)
    performers = analyze(
        TASKS, DOMAINS, imp, freq, items=30, bootstrap=0, importance_basis="performers"
    )
    for t in performers.tasks:
        assert t.importance_statistic == t.mean_importance_performers
        mask = (freq[:, TASKS.index(t.task_id)] > 0) & ~np.isnan(imp[:, TASKS.index(t.task_id)])
        assert t.n_importance_performers == int(mask.sum())
    lower = analyze(TASKS, DOMAINS, imp, freq, items=30, bootstrap=0, importance_rule="lower-bound")
    assert sum(t.retained for t in lower.tasks) <= sum(t.retained for t in base.tasks)
    for t in lower.tasks:
        assert t.importance_statistic is not None and t.mean_importance is not None
        assert t.importance_statistic < t.mean_importance
    crit = sorted(t.criticality for t in base.tasks if t.retained)  # type: ignore[type-var]
    strict = analyze(TASKS, DOMAINS, imp, freq, items=30, bootstrap=0, criticality_min=crit[2])
    assert sum(t.retained for t in strict.tasks) == len(crit) - 2
    with pytest.raises(ValueError, match="criticality range 0-16"):
        analyze(TASKS, DOMAINS, imp, freq, criticality_min=17)


def test_bootstrap_stability_is_reproducible() -> None:
    imp, freq = survey()
    a = analyze(TASKS, DOMAINS, imp, freq, items=30, bootstrap=60, bootstrap_seed=4)
    b = analyze(TASKS, DOMAINS, imp, freq, items=30, bootstrap=60, bootstrap_seed=4)
    assert a.to_dict() == b.to_dict()
    for t in a.tasks:
        assert t.bootstrap_retained is not None and 0 <= t.bootstrap_retained <= 1
        assert t.borderline == (0.1 < t.bootstrap_retained < 0.9)
    for d in a.domains:
        assert d.items_min is not None and d.items_max is not None
        assert d.items_min <= d.items <= d.items_max or d.n_retained == 0
    off = analyze(TASKS, DOMAINS, imp, freq, items=30, bootstrap=0)
    assert off.tasks[0].bootstrap_retained is None and off.domains[0].items_min is None


def test_warnings_that_were_silent() -> None:
    imp, freq = survey(n=20)
    few = analyze(TASKS, DOMAINS, imp, freq, items=30, bootstrap=0, min_respondents=25)
    assert any("rests on 20 respondents, fewer than the minimum of 25" in w for w in few.warnings)
    zero = analyze(TASKS, DOMAINS, imp, freq, items=0, bootstrap=0)
    assert any("test length is 0 items" in w for w in zero.warnings)
    short = analyze(TASKS, DOMAINS, imp, freq, items=1, bootstrap=0)
    assert any("0 items although" in w for w in short.warnings)
    one_up = analyze(
        TASKS, DOMAINS, np.clip(imp, 1, 4), np.clip(freq, 1, 4), scale_min=1, bootstrap=0
    )
    assert any("no 'not performed' point" in w for w in one_up.warnings)
    never = freq.copy()
    never[:, 0] = 0.0  # nobody performs T1: criticality 0
    kept = analyze(TASKS, DOMAINS, imp, never, bootstrap=0, retained_overrides={"T1": True})
    assert any("T1 is retained with weight 0" in w for w in kept.warnings)


def test_subgroups_with_blueprints_effect_sizes_and_small_levels() -> None:
    imp, freq = survey(n=150)
    # the first 50 respondents rate domain Gamma's first task far higher
    imp[:50, 6] = 4.0
    freq[:50, 6] = 4.0
    role = ["Crisis"] * 50 + ["Peer"] * 90 + ["Other"] * 10
    result = analyze(TASKS, DOMAINS, imp, freq, {"role": role}, items=40, bootstrap=0, min_group=30)
    assert [(g.variable, g.level, g.n) for g in result.small_subgroups] == [("role", "Other", 10)]
    crisis = result.subgroups[0]
    assert crisis.level == "Crisis" and crisis.r is not None and crisis.r_ci95 is not None
    assert crisis.r_ci95 == pytest.approx(fisher_ci(crisis.r, crisis.r_tasks))
    gamma = next(d for d in crisis.domains if d.domain == "Gamma")
    assert gamma.items > gamma.others_items and gamma.flagged and crisis.flagged
    assert sum(d.items for d in crisis.domains) == 40
    assert math.isclose(sum(d.weight for d in crisis.domains), 1.0)
    retained = np.array([t.retained for t in result.tasks])
    scores = respondent_domain_scores(
        imp, freq, "multiplicative", [0, 0, 0, 1, 1, 1, 2, 2], 3, retained
    )
    members = np.array([r == "Crisis" for r in role])
    effect = cohens_d(scores[members, 2], scores[~members, 2])
    assert gamma.d == pytest.approx(effect.d) and gamma.d_ci95 == pytest.approx(
        (effect.ci_low, effect.ci_high)
    )
    base = next(d for d in result.domains if d.domain == "Gamma")
    assert gamma.items_change == gamma.items - base.items


def test_the_full_result_reads_back_equal() -> None:
    imp, freq = survey(n=150)
    imp[0] = NAN
    freq[0] = NAN
    freq[:, 4] = NAN
    role = ["Crisis"] * 50 + ["Peer"] * 90 + ["Other"] * 10
    result = analyze(
        TASKS, DOMAINS, imp, freq, {"role": role}, items=40, bootstrap=30, population=400
    )
    assert result.excluded_respondents == (0,) and result.small_subgroups
    assert result.subgroups[0].domains and result.domain_reliability
    check_round_trip(result)
    back = AnalysisResult.from_dict(stored(result))
    assert back.scales["importance"].mixed == result.scales["importance"].mixed
    assert back.subgroups[0].domains == result.subgroups[0].domains


def test_an_older_document_reads_with_neutral_values() -> None:
    scale = {"alpha": 0.9, "alpha_ci95": [0.8, 0.95], "n_complete": 10, "icc": {}}
    result = AnalysisResult.from_dict(
        {
            "scales": {"importance": scale},
            "subgroups": [{"variable": "role", "level": "Peer", "n": 40, "r": 0.9}],
        }
    )
    s = result.scales["importance"]
    assert s.mixed is None and s.anova is None and s.icc_shown is None and s.shown() == {}
    assert result.domain_reliability == {} and result.excluded_respondents == ()
    assert result.subgroups[0].domains == () and result.subgroups[0].r_ci95 is None


def test_which_iccs_are_shown_in_the_edge_cases() -> None:
    one = analyze(TASKS, DOMAINS, np.full((1, 8), 3.0), np.full((1, 8), 2.0), bootstrap=0)
    assert one.scales["importance"].icc_shown is None and one.scales["importance"].mixed is None
    flat = analyze(TASKS, DOMAINS, np.full((12, 8), 2.0), np.full((12, 8), 2.0), bootstrap=0)
    scale = flat.scales["importance"]
    assert scale.icc_shown is None and all(v.value is None for v in scale.icc.values())
    imp, freq = survey(missing=0.3)
    thirty = analyze(TASKS, DOMAINS, imp, freq, bootstrap=0)
    assert thirty.scales["importance"].n_complete < 10
    assert thirty.scales["importance"].icc_shown == "mixed"
