"""Sections 4 to 9 of the RDS report: the statistics of the engine's :class:`AnalysisResult`.

Pure, like :mod:`rds.report.document`, which assembles these sections with the front matter
and the appendix. Layout helpers come from :mod:`rds.report.layout`, charts from
:mod:`rds.analysis.charts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Table

from core.pdf import heading, para
from rds.analysis.charts import (
    MAX_BARS,
    demographics_bar,
    domain_weights_bar,
    importance_frequency_scatter,
    reliability_chart,
)
from rds.analysis.engine import AnalysisResult
from rds.analysis.results import ScaleResult
from rds.reliability import ALPHA_EXPECTED
from rds.report.layout import (
    NOT_COMPUTABLE,
    Figures,
    fmt_day,
    fmt_interval,
    fmt_number,
    fmt_percent,
    fmt_share,
    lead_paragraph,
    subheading,
    text_table,
)

if TYPE_CHECKING:  # rds.report.document imports this module; annotations need no import
    from rds.report.document import ReportContext

SUBGROUP_R_MIN = 0.80
_ICC_MODELS = {
    "ICC1": "one-way random effects, single rater",
    "ICC2": "two-way random effects, absolute agreement, single rater",
    "ICC3": "two-way mixed effects, consistency, single rater",
    "ICC1k": "one-way random effects, mean of the raters",
    "ICC2k": "two-way random effects, absolute agreement, mean of the raters",
    "ICC3k": "two-way mixed effects, consistency, mean of the raters",
}
_METHODS = {
    "multiplicative": "the mean, over the respondents who rated both scales, of importance "
    "x frequency",
    "product-of-means": "mean importance x mean frequency",
    "additive": "(mean importance + mean frequency) / 2",
    "geometric": "the square root of mean importance x mean frequency",
}


def alpha_reading(alpha: float | None) -> str:
    """Plain reading of Cronbach's alpha: excellent, good, acceptable or questionable."""
    if alpha is None:
        return NOT_COMPUTABLE
    for limit, word in ((0.90, "excellent"), (0.80, "good"), (ALPHA_EXPECTED, "acceptable")):
        if alpha >= limit:
            return word
    return "questionable"


def icc_reading(value: float | None) -> str:
    """Reading of an ICC after Koo & Li (2016): poor, moderate, good or excellent."""
    if value is None:
        return NOT_COMPUTABLE
    if value < 0.50:
        return "poor"
    if value < 0.75:
        return "moderate"
    return "good" if value <= 0.90 else "excellent"


def key_label(variable: str) -> str:
    """A demographic column's name as words: "years_experience" -> "Years experience"."""
    return variable.replace("_", " ").strip().capitalize() or variable


def _notes(result: AnalysisResult, needle: str) -> list[Flowable]:
    found = [w for w in result.warnings if needle in w]
    return [para(f"Not computable: {w}", "Small") for w in found]


def demographics_in_order(
    demographics: Mapping[str, Mapping[str, int]],
    questions: Sequence[tuple[str, str, Sequence[str]]],
) -> dict[str, dict[str, int]]:
    """Each demographic question's answer counts, questions and answers in the questionnaire's
    order (``questions``: key, label, options as asked); columns it did not ask follow."""
    position = {key: number for number, (key, _, _) in enumerate(questions)}
    options = {key: tuple(offered) for key, _, offered in questions}
    keys = sorted(demographics, key=lambda key: position.get(key, len(position)))
    return {k: in_questionnaire_order(dict(demographics[k]), options.get(k, ())) for k in keys}


def in_questionnaire_order(counts: dict[str, int], options: Sequence[str]) -> dict[str, int]:
    """The answer counts in the order the questionnaire offered them; answers it did not
    offer (an imported file's) follow in the order they first appeared."""
    ordered = {o: counts[o] for o in options if o in counts}
    return ordered | {k: v for k, v in counts.items() if k not in ordered}


def demographics_section(
    result: AnalysisResult,
    figure: Figures,
    questions: tuple[tuple[str, str, tuple[str, ...]], ...] = (),
    intro: list[Flowable] | None = None,
) -> list[Flowable]:
    """Section 5: the sample, then each demographic question's answers (table and chart)."""
    out: list[Flowable] = [heading("5 Sample and population"), *(intro or [])]
    demographics = result.demographics
    if not demographics:
        return [*out, para("The survey asked no demographic questions.")]
    n = result.n_respondents
    asked = {key: (label, options) for key, label, options in questions}
    out.append(
        para(
            f"{n:,} respondents analysed, by their answers to the demographic questions (in the "
            "questionnaire's order). Shares are of those who answered each question. The board "
            "holds no breakdown of its incumbents by these questions, so the sample is compared "
            "with the population in size only (section 3)."
        )
    )
    for variable, counts in demographics_in_order(demographics, questions).items():
        label = asked.get(variable, (key_label(variable), ()))[0]
        answered = sum(counts.values())
        share = {lvl: fmt_share(c, answered) for lvl, c in counts.items()}
        rows = [[lvl, f"{c:,}", share[lvl]] for lvl, c in counts.items()]
        rows.append(["Answered", f"{answered:,}", fmt_share(answered, n)])
        png = demographics_bar(counts, label, width=4.6)
        if len(counts) > MAX_BARS:  # too long to stand beside the chart: stack them
            table = text_table(rows, ["Answer", "n", "%"], [4.6, 1.2, 1.2], (1, 2))
            chart = figure(png, f"Respondents by {label}; the numbers are in the table above.")
            out += [subheading(label), table, KeepTogether(chart)]
            continue
        table = text_table(rows, ["Answer", "n", "%"], [1.45, 0.5, 0.55], (1, 2))
        parts = ", ".join(f"{lvl} {c:,} ({share[lvl]})" for lvl, c in counts.items())
        chart = figure(png, f"Respondents by {label}: {parts}.", 4.4 * inch)
        side = Table([[table, chart]], colWidths=[2.6 * inch, 4.4 * inch])
        side.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        out.append(KeepTogether([subheading(label), side]))
    return out


def task_ratings_section(
    ctx: ReportContext, result: AnalysisResult, figure: Figures
) -> list[Flowable]:
    """Section 6: every task's ratings, criticality and retention, with the scatter plot."""
    tasks, options = result.tasks, result.options
    method = options.method
    imin, pmin = float(options.importance_min), options.performing_min
    scale = (options.scale_min, options.scale_max)
    overridden = set(_overrides(ctx, result))
    kept = sum(1 for t in tasks if t.retained)
    intro = para(
        "n is the number of importance (imp.) ratings of the task; their mean, standard "
        "deviation (SD) and standard error of the mean (SE) leave out blanks; freq. is the "
        "frequency rating. % performing (% perf.) "
        f"is the share of frequency ratings above 0. Criticality ({method}) is "
        f"{_METHODS.get(method, method)}. {kept} of {len(tasks)} tasks were retained. The "
        "frequency ratings' n, SD and SE are in Appendix C."
    )
    png = importance_frequency_scatter(tasks, imin, pmin, scale=scale)
    chart = figure(
        png,
        f"Mean importance against mean frequency of the {len(tasks)} tasks; circles: retained "
        f"({kept}), crosses: not retained ({len(tasks) - kept}); dashed line: importance "
        f"minimum {imin:.2f}. The values are in the table below.",
    )
    rows = [
        [
            t.task_id,
            t.domain,
            f"{t.n_importance:,}",
            *(fmt_number(v) for v in (t.mean_importance, t.sd_importance, t.se_importance)),
            fmt_number(t.mean_frequency),
            fmt_percent(t.pct_performing),
            fmt_number(t.criticality),
            ("Yes" if t.retained else "No") + (" (override)" * (t.task_id in overridden)),
        ]
        for t in tasks
    ]
    header = ["Task", "Domain", "n", "Mean imp.", "SD", "SE", "Mean freq."]
    header += ["% perf.", "Criticality", "Retained"]
    widths = [0.55, 1.35, 0.45, 0.75, 0.5, 0.5, 0.75, 0.75, 0.7, 0.7]
    heading6 = heading("6 Task ratings")
    return [KeepTogether([heading6, intro, *chart]), text_table(rows, header, widths, range(2, 9))]


def frequency_appendix(result: AnalysisResult) -> list[Flowable]:
    """Appendix C: every task's statistics on both scales, in full."""
    rows = [
        [
            t.task_id,
            f"{t.n_importance:,}",
            *(fmt_number(v) for v in (t.mean_importance, t.sd_importance, t.se_importance)),
            f"{t.n_frequency:,}",
            *(fmt_number(v) for v in (t.mean_frequency, t.sd_frequency, t.se_frequency)),
            fmt_percent(t.pct_performing),
            fmt_number(t.criticality, 3),
            fmt_number(t.reliability_importance, 3),
        ]
        for t in result.tasks
    ]
    header = ["Task", "n imp.", "Mean", "SD", "SE", "n freq.", "Mean", "SD", "SE", "% perf."]
    header += ["Criticality", "Rel."]
    widths = [0.55, 0.55, 0.55, 0.5, 0.5, 0.6, 0.55, 0.5, 0.5, 0.65, 0.75, 0.6]
    intro = para(
        "Importance (imp.) and frequency (freq.) of every task: the number of ratings, mean, "
        "standard deviation and standard error of the mean, the share performing and the "
        "criticality to three decimals; Rel. is the reliability of the task's mean importance "
        "at its own number of raters (Spearman-Brown from the single-rater ICC2)."
    )
    return [
        heading("Appendix C: Full task statistics"),
        intro,
        text_table(rows, header, widths, range(1, 12)),
    ]


def reliability_sentences(
    name: str, scale: ScaleResult, respondents: int, average: float | None
) -> str:
    """What a scale's reliability table says, in sentences that never print a missing value
    as if it were one."""
    alpha, complete = scale.alpha, scale.n_complete
    if alpha is None:
        first = (
            f"Cronbach's alpha of the {name} ratings could not be computed (see the note below)."
        )
    else:
        first = (
            f"Cronbach's alpha of the {name} ratings is {alpha:.3f} "
            f"(95% CI {fmt_interval(scale.alpha_ci95)}): {alpha_reading(alpha)}."
        )
    if complete >= respondents == 1:
        who = "The one respondent rated every task on this scale."
    elif complete >= respondents:
        who = f"All {respondents:,} respondents rated every task on this scale."
    elif scale.icc_shown == "mixed":
        who = (
            f"{complete:,} of the {respondents:,} respondents rated every task on this scale; "
            "the ICCs below use every rating (variance components, see the note), and alpha "
            "every pair of ratings."
        )
    else:
        who = (
            f"{complete:,} of the {respondents:,} respondents rated every task on this scale; "
            "the ICCs below rest on them alone (alpha uses every pair of ratings)."
        )
    if average is None:
        icc = "The average-measure ICC2k could not be computed."
    else:
        icc = f"The average-measure ICC2k is {average:.3f}: {icc_reading(average)}."
    return f"{first} {who} {icc}"


def _scale_section(name: str, scale: ScaleResult, result: AnalysisResult) -> list[Flowable]:
    alpha, alpha_ci = scale.alpha, scale.alpha_ci95
    shown = scale.shown()
    mixed = scale.icc_shown == "mixed" and scale.mixed is not None
    average = shown["ICC2k"].value if "ICC2k" in shown else None
    text = reliability_sentences(name, scale, result.n_respondents, average)
    rows = [["Cronbach's alpha", "tasks as items", fmt_number(alpha, 3), fmt_interval(alpha_ci)]]
    rows[0].append(alpha_reading(alpha))
    for form, model in _ICC_MODELS.items():
        value, ci = (shown[form].value, shown[form].ci95) if form in shown else (None, None)
        rows.append([form, model, fmt_number(value, 3), fmt_interval(ci), icc_reading(value)])
    header = ["Statistic", "Model", "Value", "95% CI", "Reading"]
    out: list[Flowable] = [subheading(f"{name.capitalize()} ratings"), para(text)]
    out.append(text_table(rows, header, [1.2, 2.7, 0.7, 1.4, 1.0], (2,)))
    if any(row[2] == NOT_COMPUTABLE for row in rows):
        out += _notes(result, f"{name} ") or [para("Not computable: see section 3.", "Small")]
    block: list[Flowable] = [KeepTogether(out)]
    if mixed and scale.mixed is not None:
        m = scale.mixed
        parts = [
            f"The ICCs above come from the variance components of a two-way crossed "
            f"random-effects model ({m.method}) fitted to all {m.n_ratings:,} ratings of "
            f"{m.n_tasks} tasks by {m.n_respondents:,} respondents: task variance "
            f"{fmt_number(m.var_tasks, 4)}, respondent variance "
            f"{fmt_number(m.var_respondents, 4)}, "
            f"residual {fmt_number(m.var_residual, 4)}"
            + ("" if m.converged else " (the fit did not converge: read them with care)")
            + "."
        ]
        anova = scale.anova
        if anova is not None and anova.f_tasks is not None:
            parts.append(
                f"Complete-case ANOVA ({anova.n_respondents:,} respondents who rated every "
                f"task): tasks F({anova.df_tasks}, {anova.df_error}) = {anova.f_tasks:.2f}, "
                f"p = {_p(anova.p_tasks)}; its ICC2k is "
                f"{fmt_number(scale.icc['ICC2k'].value if 'ICC2k' in scale.icc else None, 3)}."
            )
        block.append(para(" ".join(parts), "Small"))
    if scale.tasks_left_out:
        block.append(
            para(
                "Left out of this scale's reliability (no rating): "
                + ", ".join(scale.tasks_left_out)
                + ".",
                "Small",
            )
        )
    return block


def _p(value: float | None) -> str:
    if value is None:
        return NOT_COMPUTABLE
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def domain_reliability_section(result: AnalysisResult) -> list[Flowable]:
    """Alpha and the average-measure ICC per performance domain and scale, and the
    reliability of the task means at their own number of raters."""
    by_domain = result.domain_reliability
    out: list[Flowable] = [subheading("Reliability by performance domain")]
    if not by_domain:
        return [*out, para("Reliability per domain was not computed for this analysis.")]
    rows = []
    for domain, scales in by_domain.items():
        for name, s in scales.items():
            shown = s.shown()
            icc2k = shown["ICC2k"].value if "ICC2k" in shown else None
            rows.append(
                [domain, name, s.n_tasks, fmt_number(s.alpha, 3), alpha_reading(s.alpha),
                 fmt_number(icc2k, 3)]
            )  # fmt: skip
    header = ["Performance domain", "Scale", "Tasks", "Alpha", "Reading", "ICC2k"]
    out.append(text_table(rows, header, [2.4, 0.9, 0.6, 0.7, 1.4, 1.0], (2, 3, 5)))
    means = [t.reliability_importance for t in result.tasks if t.reliability_importance is not None]
    if means:
        out.append(
            para(
                "Reliability of each task's mean importance at its own number of raters "
                "(Spearman-Brown from the single-rater ICC2): from "
                f"{min(means):.3f} to {max(means):.3f} over the {len(means)} tasks "
                "(each task's value is in Appendix C)."
            )
        )
    return out


def reliability_section(result: AnalysisResult, figure: Figures) -> list[Flowable]:
    """Section 6: Cronbach's alpha and the ICCs of each rating scale."""
    scales = result.scales
    intro = para(
        "Cronbach's alpha treats the tasks as items: at least 0.90 is excellent, 0.80 good, "
        f"{ALPHA_EXPECTED:.2f} acceptable (the level expected) and lower values questionable. "
        "The intraclass correlations (ICC) treat the tasks as targets and the respondents as "
        "raters, from every rating when the mixed model could be fitted (else on the "
        "respondents who rated every task), and are read after Koo and Li (2016): "
        "below 0.50 poor, 0.50 to 0.75 moderate, 0.75 to 0.90 good, above 0.90 excellent. The "
        "average-measure forms (ICC1k to ICC3k) tell how reliably the respondents' mean ratings "
        "order the tasks, which is what the blueprint weights rest on; single-rater forms are "
        "expected to be much lower."
    )
    parts = "; ".join(
        f"{name} {fmt_number(s.alpha, 3)} ({fmt_interval(s.alpha_ci95)})"
        for name, s in scales.items()
    )
    caption = (
        f"Cronbach's alpha and its 95% CI per scale; dashed line: {ALPHA_EXPECTED:.2f} "
        f"expected. {parts}."
    )
    chart = figure(reliability_chart(scales), caption)
    out: list[Flowable] = [KeepTogether([heading("7 Reliability"), intro, *chart])]
    for name, scale in scales.items():
        out += _scale_section(name, scale, result)
    return [*out, *domain_reliability_section(result)]


def subgroups_section(result: AnalysisResult) -> list[Flowable]:
    """Section 7: each large enough subgroup's criticality against everyone else's."""
    groups = result.subgroups
    out = [
        heading("9 Subgroup comparisons"),
        para(
            f"For every demographic group of at least {result.options.min_group} "
            "respondents, the criticality of the retained tasks computed from the group's "
            "ratings is correlated (Pearson r) with that computed from all other respondents. "
            f"An r of at least {SUBGROUP_R_MIN:.2f} shows that the group sees the role the "
            "same way; lower values are flagged for review."
        ),
    ]
    small = result.small_subgroups
    if small:
        listed = "; ".join(f"{key_label(s.variable)} = {s.level} ({s.n})" for s in small)
        out.append(
            para(f"Too small to compare (under {result.options.min_group}): {listed}.", "Small")
        )
    if not groups:
        return [*out, para("No demographic group was large enough to compare.")]
    low = [g for g in groups if g.r is not None and g.r < SUBGROUP_R_MIN]
    out.append(para(f"{len(low)} of {len(groups)} groups fall below {SUBGROUP_R_MIN:.2f}."))
    rows = []
    for g in groups:
        r = g.r
        flag = NOT_COMPUTABLE if r is None else "below 0.80: review" if r < SUBGROUP_R_MIN else ""
        if g.flagged:
            flag = (flag + "; " if flag else "") + "moves a domain"
        ci = fmt_interval(g.r_ci95, 2) if g.r_ci95 is not None else ""
        rows.append([key_label(g.variable), g.level, f"{g.n:,}", fmt_number(r, 3), ci, flag])
    header = ["Variable", "Group", "n", "r", "95% CI", "Flag"]
    out.append(text_table(rows, header, [1.3, 2.1, 0.6, 0.6, 1.1, 1.3], (2, 3)))
    for g in (g for g in groups if g.r is None):
        out += _notes(result, f"{g.variable}={g.level}")
    moved = [(g, d) for g in groups for d in g.domains if d.flagged]
    tolerance = result.options.subgroup_item_tolerance
    if any(g.domains for g in groups):
        out.append(
            para(
                "Each group's own blueprint: the items each domain would get from the group's "
                "ratings alone, against the blueprint, with Cohen's d (group minus everyone "
                "else) of the respondents' mean task criticality in the domain. A group that "
                f"moves a domain by more than {tolerance} items is flagged: "
                f"{len(moved)} such group and domain pair{'s' if len(moved) != 1 else ''}."
            )
        )
    if moved:
        rows = [
            [f"{key_label(g.variable)} = {g.level}", d.domain, str(d.items), f"{d.items_change:+d}",
             fmt_number(d.d, 2), fmt_interval(d.d_ci95, 2)]
            for g, d in moved
        ]  # fmt: skip
        header = ["Group", "Domain", "Items", "Change", "d", "95% CI of d"]
        out.append(text_table(rows, header, [1.8, 1.9, 0.6, 0.7, 0.6, 1.4], (2, 3, 4)))
    return out


def _overrides(ctx: ReportContext, result: AnalysisResult) -> dict[str, tuple[bool, str]]:
    """Task code -> (retained?, reason): the context's overrides, then any others the engine
    applied (``retained_by == "override"``) whose reason the context does not hold."""
    found = {code: (kept, reason) for code, kept, reason in ctx.overrides}
    for t in result.tasks:
        if t.retained_by == "override" and t.task_id not in found:
            found[t.task_id] = (t.retained, "reason not recorded")
    return found


def retention_section(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    """Section 8: the tasks not retained and why, and the overrides."""
    imin, pmin = float(result.options.importance_min), result.options.performing_min
    overrides = _overrides(ctx, result)
    out = [
        heading("8 Retention decisions"),
        para(
            retention_rule_text(result) + " The psychometrician may override the decision "
            "with a written reason."
        ),  # fmt: skip
        subheading("Tasks not retained"),
    ]
    rows = []
    for t in (t for t in result.tasks if not t.retained):
        mean, share = t.mean_importance, t.pct_performing
        why = []
        if mean is None or mean < imin:
            why.append(f"mean importance {fmt_number(mean)} below {imin:.2f}")
        if share is None or share < float(pmin):
            why.append(f"{fmt_percent(share)} performing, below {fmt_percent(pmin, 0)}")
        if t.task_id in overrides:
            why.append(f"override: {overrides[t.task_id][1]}")
        reason = "; ".join(why) or "no criticality"
        rows.append([t.task_id, t.domain, fmt_number(mean), fmt_percent(share), reason])
    header = ["Task", "Domain", "Mean importance", "% performing", "Reason"]
    widths = [0.6, 1.7, 0.9, 0.9, 2.9]
    out.append(
        text_table(rows, header, widths, (2, 3)) if rows else para("Every task was retained.")
    )
    out.append(subheading("Overrides"))
    if not overrides:
        out.append(para("No retention decision was overridden."))
    else:
        rows = [[c, "Retained" if k else "Not retained", r] for c, (k, r) in overrides.items()]
        out.append(text_table(rows, ["Task", "Decision", "Reason"], [0.8, 1.2, 5.0]))
    return [*out, *stability_section(result)]


def retention_rule_text(result: AnalysisResult) -> str:
    """The retention rule of this analysis, in words."""
    o = result.options
    basis = "over the respondents who perform it" if o.importance_basis == "performers" else ""
    if o.importance_rule == "lower-bound":
        level = fmt_percent(o.confidence, 0)
        stat = f"the lower limit of the {level} confidence interval of its mean importance"
    else:
        stat = "its mean importance"
    text = (
        f"A task is retained when {stat}{' ' + basis if basis else ''} is at least "
        f"{float(o.importance_min):.2f} and at least {fmt_percent(o.performing_min, 0)} of the "
        "respondents perform it"
    )
    if o.criticality_min is not None:
        text += f", and its criticality is at least {float(o.criticality_min):.2f}"
    return text + "."


def stability_section(result: AnalysisResult) -> list[Flowable]:
    """Bootstrap stability of the retention decisions and of the domains' item counts."""
    out: list[Flowable] = [subheading("Stability of the retention decisions")]
    shares = [t for t in result.tasks if t.bootstrap_retained is not None]
    o = result.options
    if not shares:
        return [*out, para("No bootstrap stability was computed for this analysis.")]
    borderline = [t for t in shares if t.borderline]
    out.append(
        para(
            f"The respondents were resampled {o.bootstrap} times with replacement (seed "
            f"{o.bootstrap_seed}, so the figures can be reproduced) and the rule applied to each "
            f"resample. A task retained in fewer than {fmt_percent(o.stability, 0)} of the "
            f"resamples, or dropped in fewer, is borderline: {len(borderline)} of "
            f"{len(shares)} tasks, listed for the SME review."
        )
    )
    if borderline:
        rows = [
            [t.task_id, t.domain, "yes" if t.retained else "no", fmt_percent(t.bootstrap_retained)]
            for t in borderline
        ]
        header = ["Task", "Domain", "Retained", "Retained in resamples"]
        out.append(text_table(rows, header, [0.8, 3.2, 1.0, 2.0], (3,)))
    ranges = [d for d in result.domains if d.items_min is not None and d.items_max is not None]
    if ranges:
        rows = [[d.domain, str(d.items), f"{d.items_min} to {d.items_max}"] for d in ranges]
        header = ["Performance domain", "Items", "Range over the resamples"]
        out.append(text_table(rows, header, [3.6, 1.0, 2.4], (1,)))
    return out


def blueprint_items(result: AnalysisResult) -> int:
    """The items the blueprint really apportions (0 when no task is retained)."""
    return sum(d.items for d in result.domains)


def status_line(ctx: ReportContext, result: AnalysisResult) -> str:
    """The blueprint's status as the title page and section 10 state it."""
    if blueprint_items(result) == 0:
        if ctx.blueprint_status == "approved":
            return (
                "Recorded as approved, but empty: no task was retained and no item is "
                "apportioned, so it cannot serve as an exam blueprint."
            )
        return "Empty: no task was retained and no item is apportioned; it cannot be approved."
    interim = f"{ctx.interim}: run on the responses in so far. " if ctx.interim else ""
    if ctx.blueprint_status == "approved":
        approved = f"Approved by {ctx.approved_by or 'the board'} on {fmt_day(ctx.approved_on)}."
        return interim + approved
    return interim + "Proposed: not yet approved by the board."


def _comparison(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    previous = ctx.previous
    if previous is None:
        return [
            subheading("Comparison with the previous blueprint"),
            para("No earlier blueprint of this credential was approved: this is the first."),
        ]
    before = dict(previous.domains)
    names = [d.domain for d in result.domains] + [n for n in before if n not in
                                                   {d.domain for d in result.domains}]  # fmt: skip
    now = {d.domain: d.items for d in result.domains}
    rows = []
    for name in names:
        old, new = before.get(name), now.get(name)
        change = (
            "new domain" if old is None else "domain removed" if new is None else f"{new - old:+d}"
        )
        rows.append([name, "-" if old is None else old, "-" if new is None else new, change])
    kept = {t.task_id for t in result.tasks if t.retained}
    added = sorted(kept - set(previous.tasks))
    dropped = sorted(set(previous.tasks) - kept)
    out = [
        subheading("Comparison with the previous blueprint"),
        para(
            f"Against {previous.label}: items per domain, and the tasks added and dropped "
            "(by task code)."
        ),  # fmt: skip
        text_table(
            rows, ["Performance domain", "Before", "Now", "Change"], [3.4, 1.1, 1.1, 1.4], (1, 2)
        ),
        para(f"Tasks added: {', '.join(added) or 'none'}."),
        para(f"Tasks dropped: {', '.join(dropped) or 'none'}."),
    ]
    return out


def blueprint_section(
    ctx: ReportContext, result: AnalysisResult, figure: Figures
) -> list[Flowable]:
    """Section 10: weights, items and cognitive levels per domain, items per retained task with
    its KSAs, and the comparison with the previous approved blueprint."""
    domains, tasks = result.domains, result.tasks
    status = lead_paragraph("Status:", status_line(ctx, result))
    if blueprint_items(result) == 0:
        text = (
            f"The test length asked for was {result.total_items} items, but no task met the "
            "retention rule (section 8), so no item is apportioned to any domain. A blueprint "
            "needs retained tasks: change the retention options or record overrides, and run "
            "the analysis again."
        )
        return [heading("10 Exam blueprint"), status, para(text), *_comparison(ctx, result)]
    intro = para(
        "A retained task weighs its criticality over the sum for all retained tasks and a domain "
        f"the sum of its tasks' weights. The {blueprint_items(result)} items are "
        "apportioned to the domains, then to their tasks, by largest remainder (Raymond, 2002); "
        "a domain's share is therefore its weight rounded to whole items."
    )
    parts = "; ".join(f"{d.domain} {fmt_percent(d.weight)}, {d.items} items" for d in domains)
    chart = figure(domain_weights_bar(domains), f"Weight and items per domain: {parts}.")
    head = KeepTogether([heading("10 Exam blueprint"), status, intro, *chart])
    levels = dict(ctx.cognitive_levels)
    rows: list[list[object]] = [
        [d.domain, d.n_tasks, d.n_retained, fmt_percent(d.weight), d.items,
         levels.get(d.domain, "not set")]
        for d in domains
    ]  # fmt: skip
    weight = sum(d.weight for d in domains)
    n_tasks, n_retained = sum(d.n_tasks for d in domains), sum(d.n_retained for d in domains)
    rows.append(["Total", n_tasks, n_retained, fmt_percent(weight), blueprint_items(result), ""])
    header = ["Performance domain", "Tasks", "Retained", "Weight", "Items", "Cognitive levels"]
    out = [head, text_table(rows, header, [2.3, 0.7, 0.8, 0.8, 0.7, 1.7], (1, 2, 3, 4))]
    out.append(subheading("Items per task"))
    statements = {code: (text, ksas) for _, ts in ctx.domains for code, text, ksas in ts}
    for d in domains:
        kept = [t for t in tasks if t.domain == d.domain and t.retained]
        rows = []
        for t in kept:
            text, ksas = statements.get(t.task_id, ("", ()))
            cell = "\n".join([text, *(f"- {k}" for k in ksas)])
            rows.append([t.task_id, cell, fmt_percent(t.weight, 2), t.items])
        if rows:
            out.append(para(f"{d.domain} ({d.items} items)", "Heading3"))
            header = ["Task", "Task statement and its KSAs", "Weight", "Items"]
            out.append(text_table(rows, header, [0.7, 4.6, 0.9, 0.8], (2, 3)))
    return [*out, *_comparison(ctx, result)]
