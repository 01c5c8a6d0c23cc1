"""The Role Delineation Study report as a PDF, in the order of an NCCA-style RDS report.

Pure: takes a :class:`ReportContext` (the study's scope, panel and decisions as plain values)
and the engine's :class:`~rds.analysis.engine.AnalysisResult` (or its stored JSON document,
read once with ``AnalysisResult.from_dict``) and returns PDF bytes. Layout
comes from :mod:`core.pdf` (letterhead, page numbers, table of contents) and the generic
flowables of :mod:`rds.report.layout`; sections 4 to 9 (the statistics, with the charts of
:mod:`rds.analysis.charts`) from :mod:`rds.report.sections`. A statistic the engine could
not compute (``None``) is printed as "not computable" with the engine's warning.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from core.pdf import build_document, generated_label, heading, para, toc_flowable
from rds.analysis.engine import AnalysisResult
from rds.analysis.results import MISSING_DATA_POLICY, finite_or_none
from rds.reliability import ALPHA_EXPECTED
from rds.report.layout import (
    BOLD_FONT,
    NOT_COMPUTABLE,
    STYLES,
    TEXT_WIDTH,
    DraftPass,
    Figures,
    WrappedText,
    fmt_day,
    fmt_number,
    fmt_percent,
    fmt_points,
    fmt_share,
    key_value_table,
    lead_paragraph,
    story_headings,
    subheading,
    text_paragraphs,
    text_table,
)
from rds.report.sections import (
    blueprint_items,
    blueprint_section,
    demographics_section,
    frequency_appendix,
    reliability_section,
    retention_section,
    status_line,
    subgroups_section,
    task_ratings_section,
)
from rds.stats import cochran_sample_size
from rds.weight_judgments import LARGE_DIFFERENCE, compare_weights, comparison_text
from rds.workshop.cvr import task_cvr

__all__ = ["ReportContext", "rds_report"]

MAX_WARNINGS = 60
_CENTRE = {n: STYLES[n].clone(f"{n}C", alignment=1) for n in ("Title", "Subtitle", "Heading2")}
_TASK = STYLES["Body"].clone("Task", spaceBefore=3, spaceAfter=1)
_BULLET = STYLES["Body"].clone("Bullet", leftIndent=14, bulletIndent=4, spaceAfter=2)
_KSA = STYLES["Small"].clone("Ksa", fontSize=8.5, leading=11)


@dataclass(frozen=True)
class PreviousBlueprint:
    """The previous approved blueprint of the same credential, for the comparison."""

    label: str  # e.g. "version 3 of the 2019 study, approved 2019-06-01"
    domains: tuple[tuple[str, int], ...]  # (domain, items)
    tasks: tuple[str, ...]  # codes of its retained tasks


@dataclass(frozen=True)
class ReportContext:
    """What the report says beyond the engine's statistics: scope, panel and decisions."""

    board_name: str
    credential_name: str
    study_title: str
    study_version: int
    purpose: str
    target_audience: str
    minimum_requirements: str
    started_on: date
    survey_opens_on: date | None
    survey_closes_on: date | None
    incumbents: int | None
    invitations: int | None
    sme_panel: tuple[tuple[str, str, int | None], ...]  # (name, background, years)
    domains: tuple[tuple[str, tuple[tuple[str, str, tuple[str, ...]], ...]], ...]
    overrides: tuple[tuple[str, bool, str], ...]  # (task code, retained?, reason)
    blueprint_status: str  # "proposed" | "approved"
    approved_by: str | None
    approved_on: date | None
    generated_at: datetime  # aware UTC
    # the survey as respondents saw it
    importance_anchors: tuple[str, ...] = ()
    frequency_anchors: tuple[str, ...] = ()
    questions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (key, label, options)
    # invitations: (first sent, last sent), reminders sent and the day of the last one
    invitations_sent: tuple[date, date] | None = None
    reminders: int = 0
    last_reminder_on: date | None = None
    # data screening (the summary kept with the blueprint version) and the study's minimum
    screening: Mapping[str, Any] | None = None
    min_respondents: int | None = None
    # the SME workshop: (code, keep, revise, drop, resolution, note) per task
    sme_votes: tuple[tuple[str, int, int, int, str | None, str | None], ...] = ()
    # approval; "Interim — survey open" for a blueprint run while the survey was open
    interim: str | None = None
    approval_note: str | None = None
    approval_concerns: tuple[str, ...] = ()
    acknowledgement: str | None = None
    cognitive_levels: tuple[tuple[str, str], ...] = ()  # (domain, "recall 30%, ...")
    weight_changes: tuple[tuple[str, float, str], ...] = ()  # the SME review: (domain, points, why)
    # direct judgments of the domain weights: each judge's (source, {domain: percent})
    weight_judgments: tuple[tuple[str, Mapping[str, float]], ...] = ()
    previous: PreviousBlueprint | None = None

    def __post_init__(self) -> None:
        if self.blueprint_status not in ("proposed", "approved"):
            raise ValueError("blueprint_status: must be 'proposed' or 'approved'")
        generated_label(self.generated_at)  # raises ValueError for a naive datetime


def _title_page(ctx: ReportContext, result: AnalysisResult, toc: Flowable) -> list[Flowable]:
    facts = [
        ("Board", ctx.board_name),
        ("Credential", ctx.credential_name),
        ("Study", f"{ctx.study_title}, version {ctx.study_version}"),
        ("Study started", fmt_day(ctx.started_on)),
        ("Validation survey", f"{fmt_day(ctx.survey_opens_on)} to {fmt_day(ctx.survey_closes_on)}"),
        ("Respondents analysed", f"{result.n_respondents:,}"),
        ("Exam blueprint", status_line(ctx, result)),
        ("Report date", generated_label(ctx.generated_at).removeprefix("Generated ")),
    ]
    return [
        Spacer(1, 1.1 * inch),
        para(ctx.board_name, _CENTRE["Heading2"]),
        para("Role Delineation Study Report", _CENTRE["Title"]),
        para(
            f"{ctx.credential_name} · {ctx.study_title} · version {ctx.study_version}",
            _CENTRE["Subtitle"],
        ),
        Spacer(1, 0.4 * inch),
        key_value_table(facts),
        PageBreak(),
        para("Contents", "TOCHeading"),
        toc,
        PageBreak(),
    ]


def _missing_share(result: AnalysisResult) -> float | None:
    """The share of importance ratings left blank by the analysed respondents."""
    cells = result.n_respondents * len(result.tasks)
    if not cells:
        return None
    return 1 - sum(t.n_importance for t in result.tasks) / cells


def _rated_every_task(result: AnalysisResult) -> bool:
    return bool(result.tasks) and all(
        t.n_importance == result.n_respondents and t.n_frequency == result.n_respondents
        for t in result.tasks
    )


def _summary(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    n = result.n_respondents
    facts = []
    screened = ctx.screening or {}
    submitted = int(screened.get("submitted", n))
    sample = f"{n:,} respondent{'s' if n != 1 else ''} analysed"
    if submitted != n:
        sample += f" of {submitted:,} submitted ({submitted - n:,} excluded by the data screening)"
    rate = _response_rate(ctx, result)
    if rate:
        sample += f"; response rate {rate}"
    facts.append(("Sample", sample + "."))
    alphas = "; ".join(
        f"{name} {fmt_number(s.alpha, 2) if s.alpha is not None else 'not computable'}"
        for name, s in result.scales.items()
    )
    facts.append(("Reliability (Cronbach's alpha)", alphas + "."))
    items = blueprint_items(result)
    if items == 0:
        facts.append(("Exam blueprint", "Empty: no task was retained and no item is apportioned."))
    else:
        kept = sum(t.retained for t in result.tasks)
        per = ", ".join(f"{d.domain} {d.items}" for d in result.domains)
        facts.append(
            (
                "Exam blueprint",
                f"{items} items over {kept} retained tasks of {len(result.tasks)}: {per}.",
            )
        )
    facts.append(("Status", status_line(ctx, result)))
    decisions = [f"{len(ctx.overrides)} retention override{'s' if len(ctx.overrides) != 1 else ''}"]
    resolved = [v for v in ctx.sme_votes if v[4]]
    if resolved:
        dropped = sum(1 for v in resolved if v[4] == "drop")
        revised = sum(1 for v in resolved if v[4] == "revise")
        decisions.append(
            f"the SME panel dropped {dropped} and revised {revised} draft task statements"
        )
    if ctx.approval_concerns:
        decisions.append(
            f"approved with {len(ctx.approval_concerns)} acknowledged concern"
            f"{'s' if len(ctx.approval_concerns) != 1 else ''} (Appendix E)"
        )
    facts.append(("Key decisions", "; ".join(decisions) + "."))
    intro = para(
        f"This report documents the role delineation study (RDS) of the {ctx.credential_name} "
        f"for the {ctx.board_name}: the scope of service drafted by subject matter experts "
        "(SMEs), the validation survey of incumbents, the analysis of their ratings and the "
        "exam blueprint derived from it, in the order that the NCCA Standards for the "
        "Accreditation of Certification Programs and the AERA/APA/NCME Standards for "
        "Educational and Psychological Testing expect. The study is repeated every 5 to 7 years."
    )
    return [heading("1 Executive summary"), intro, key_value_table(facts)]


def _purpose(ctx: ReportContext) -> list[Flowable]:
    out = [heading("2 Purpose and scope of service"), *text_paragraphs(ctx.purpose, "")]
    out += [subheading("Target audience"), *text_paragraphs(ctx.target_audience)]
    out += [subheading("Minimum requirements"), *text_paragraphs(ctx.minimum_requirements)]
    out.append(subheading("Performance domains"))
    rows = [[name, len(tasks), sum(len(t[2]) for t in tasks)] for name, tasks in ctx.domains]
    header = ["Performance domain", "Task statements", "KSA statements"]
    out.append(text_table(rows, header, [4.2, 1.4, 1.4], (1, 2)) if rows else para("Not recorded."))
    return out


def _response_rate(ctx: ReportContext, result: AnalysisResult) -> str | None:
    achieved = int((ctx.screening or {}).get("submitted", result.n_respondents))
    if ctx.invitations:
        return f"{fmt_share(achieved, ctx.invitations)} of the {ctx.invitations:,} invited"
    if ctx.incumbents:
        return f"{fmt_share(achieved, ctx.incumbents)} of the {ctx.incumbents:,} incumbents"
    return None


def _sample_rows(ctx: ReportContext, result: AnalysisResult) -> list[tuple[str, str]]:
    achieved = result.n_respondents
    sample = result.sample_size
    moe = None if sample is None else finite_or_none(sample.margin_of_error)
    if sample is None and ctx.incumbents:
        sample = cochran_sample_size(ctx.incumbents, min(achieved, ctx.incumbents))
        moe = finite_or_none(sample.margin_of_error) if achieved <= ctx.incumbents else None
    if sample is None:
        rows = [("Incumbents (population N)", "not recorded")]
        rows.append(("Required sample", f"{NOT_COMPUTABLE}: the number of incumbents is unknown"))
    else:
        rows = [("Incumbents (population N)", f"{sample.population:,}")]
        rows.append(
            ("Required sample (Cochran, finite population correction)", f"{sample.required:,}")
        )
    if ctx.invitations:
        rows.append(("Personal invitations sent", f"{ctx.invitations:,}"))
    else:
        rows.append(
            ("Personal invitations", "none: the survey was answered through its public link")
        )
    screened = ctx.screening or {}
    if screened and int(screened.get("submitted", achieved)) != achieved:
        rows.append(("Responses submitted", f"{int(screened['submitted']):,}"))
        rows.append(("Excluded by the data screening", f"{int(screened.get('excluded', 0)):,}"))
    rows.append(("Responses analysed", f"{achieved:,}"))
    rows.append(("Response rate", _response_rate(ctx, result) or NOT_COMPUTABLE))
    if sample is not None:
        text = f"±{fmt_points(moe)} percentage points" if moe is not None else NOT_COMPUTABLE
        short = sample.required - achieved
        rows.append(("Margin of error (95% confidence)", text))
        rows.append(("Required sample reached", "yes" if short <= 0 else f"no: {short:,} short"))
    if ctx.min_respondents:
        rows.append(("The study's minimum for a blueprint", f"{ctx.min_respondents:,} respondents"))
    return rows


def _method(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    low, high = result.options.scale_min, result.options.scale_max
    n_panel = len(ctx.sme_panel)
    out: list[Flowable] = [heading("3 Method"), subheading("Scope-of-service workshop")]
    out.append(
        para(
            f"A panel of {n_panel} subject matter expert{'s' if n_panel != 1 else ''} (section 4, "
            "Appendix D) drafted the performance domains, task statements and the knowledge, "
            "skills and abilities (KSAs) each task needs. Each expert then voted keep, revise or "
            "drop on every draft task through a private link, and the psychometrician recorded "
            "the panel's resolution of each task; dropped tasks left the survey."
            if n_panel
            else "No subject matter expert panel is recorded for this study; the scope of "
            "service was entered directly."
        )
    )
    n_tasks = len(result.tasks)
    out += [
        subheading("Survey development"),
        para(
            f"The validation survey presented the {n_tasks} task statements the panel kept or "
            "revised, one page per performance domain, after the demographic questions "
            f"({len(ctx.questions)} asked). Appendix B shows the instrument as respondents saw "
            "it. Respondents answered anonymously: no name, address or clock time is stored "
            "with the answers."
        ),
        subheading("Rating scales and anchors"),
    ]
    if ctx.importance_anchors and ctx.frequency_anchors:
        rows = [
            [str(int(low) + i), imp, freq]
            for i, (imp, freq) in enumerate(
                zip(ctx.importance_anchors, ctx.frequency_anchors, strict=False)
            )
        ]
        out.append(text_table(rows, ["Point", "Importance", "Frequency"], [0.8, 3.1, 3.1], (0,)))
    out.append(
        para(
            f"Both scales run from {low:g} to {high:g}. The lowest frequency point means that the "
            "respondent does not perform the task; % performing is the share of frequency "
            "ratings above it."
        )
    )
    out += [subheading("Sampling frame and invitations")]
    frame = (
        f"The population is the board's {ctx.incumbents:,} incumbents."
        if ctx.incumbents
        else "The number of incumbents was not recorded, so the required sample could not be set."
    )
    if ctx.invitations:
        sent = ctx.invitations_sent
        when = f" from {fmt_day(sent[0])} to {fmt_day(sent[1])}" if sent else ""
        frame += f" {ctx.invitations:,} personal invitations were emailed{when}"
        if ctx.reminders:
            frame += (
                f"; {ctx.reminders:,} reminders went to those who had not answered, the last on "
                f"{fmt_day(ctx.last_reminder_on)}"
            )
        frame += "."
    else:
        frame += (
            " No personal invitations were sent: the survey was answered through its public link."
        )
    frame += (
        f" The survey ran from {fmt_day(ctx.survey_opens_on)} to {fmt_day(ctx.survey_closes_on)}."
    )
    out += [para(frame), key_value_table(_sample_rows(ctx, result))]
    out.append(
        para(
            "Required sample: n0 = z² p (1 - p) / e² = 384.16 with z = 1.96, p = 0.5 and "
            "e = 0.05; n = n0 / (1 + (n0 - 1) / N), rounded up. Margin of error achieved: "
            "1.96 × sqrt(0.25 / n × (N - n) / (N - 1)).",
            "Small",
        )
    )
    out += _screening(ctx, result)
    imin, pmin = float(result.options.importance_min), result.options.performing_min
    method = result.options.method
    out += [
        subheading("Retention rule and rationale"),
        para(
            f"A task is retained when its mean importance is at least {imin:.2f} and at least "
            f"{fmt_percent(pmin, 0)} of the respondents perform it: a task that matters little "
            "or that most incumbents never do is not one an entry-level exam should sample. A "
            "psychometrician may keep or drop a task against the rule with a written reason "
            "(section 8)."
        ),
        subheading("Weighting and rounding"),
        para(
            f"Criticality ({method}) is {_METHOD_TEXT.get(method, method)}. "
            "A retained task weighs its criticality over the sum for all retained tasks; a "
            "domain weighs the sum of its tasks. The test length is apportioned to the domains "
            "and then to their tasks by largest remainder, so every count is a whole number and "
            "the counts add up to the test length."
        ),
    ]
    warnings = list(result.warnings)
    if warnings:
        out.append(subheading("Notes from the analysis"))
        out += [Paragraph(escape(w), _BULLET, bulletText="•") for w in warnings[:MAX_WARNINGS]]
        if len(warnings) > MAX_WARNINGS:
            out.append(para(f"... and {len(warnings) - MAX_WARNINGS} more."))
    return out


_METHOD_TEXT = {
    "multiplicative": "the mean, over the respondents who rated both scales, of importance "
    "x frequency",
    "product-of-means": "mean importance x mean frequency",
    "additive": "(mean importance + mean frequency) / 2",
    "geometric": "the square root of mean importance x mean frequency",
}


def _screening(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    out: list[Flowable] = [subheading("Data screening and missing data")]
    screened = ctx.screening
    if screened:
        rules = screened.get("rules") or []
        rows = [
            [r.get("title", r.get("rule", "")), r.get("text", ""), f"{int(r.get('flagged', 0)):,}",
             "excluded" if r.get("excluded") else "kept"]
            for r in rules
        ]  # fmt: skip
        decided = (
            f"The psychometrician's decision: {screened.get('reason')}"
            if screened.get("decided") and screened.get("reason")
            else "No screening decision was recorded: only blank submissions were excluded."
        )
        out += [
            para(
                "Before the analysis each submitted response was checked against the rules "
                f"below; {int(screened.get('excluded', 0)):,} of "
                f"{int(screened.get('submitted', 0)):,} were excluded. {decided}"
            ),
            text_table(
                rows, ["Rule", "What it flags", "Flagged", "Decision"], [1.5, 3.9, 0.7, 0.9], (2,)
            ),
        ]
    else:
        out.append(para("No data screening was recorded for this analysis."))
    share = _missing_share(result)
    if _rated_every_task(result):
        missing = "Every analysed respondent rated every task on both scales."
    else:
        missing = (
            "Not every respondent rated every task: "
            f"{fmt_percent(share)} of the importance ratings are blank."
        )
    out.append(para(missing))
    if result.excluded_respondents:
        n = len(result.excluded_respondents)
        out.append(
            para(
                f"{n} respondent{'s' if n != 1 else ''} gave no rating at all and "
                f"{'are' if n != 1 else 'is'} left out of every count."
            )  # fmt: skip
        )
    return [*out, lead_paragraph("Missing-data policy:", MISSING_DATA_POLICY)]


def _sme_panel(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    out: list[Flowable] = [heading("4 SME panel and content validity")]
    if not ctx.sme_panel:
        out.append(para("No subject matter experts were recorded for this study."))
        return [*out, *_post_survey_review(ctx, result)]
    years = [y for _, _, y in ctx.sme_panel if y is not None]
    text = f"The panel had {len(ctx.sme_panel)} members"
    if years:
        text += (
            f" with {sum(years) / len(years):.1f} years of experience on average "
            f"(from {min(years)} to {max(years)})"
        )
    out.append(para(text + "; the roster with their qualifications is in Appendix D."))
    if not ctx.sme_votes:
        out.append(para("No votes of the panel on the draft task statements were recorded."))
        return [*out, *_post_survey_review(ctx, result)]
    out.append(
        para(
            "Content validity ratio (CVR, Lawshe 1975) per draft task: (n_e - N/2) / (N/2) with "
            "n_e the experts voting keep (essential) among the N who voted. The critical CVR is "
            "the exact one for N votes at the 5% level (Ayre and Scally, 2014); a task below it "
            "lacks a significant consensus that it is essential. The last column is the panel's "
            "resolution."
        )
    )
    rows = []
    below = 0
    for code, keep, revise, drop, resolution, note in ctx.sme_votes:
        row = task_cvr(keep, revise, drop)
        if row.significant is False:
            below += 1
        crit = fmt_number(row.critical, 3) if row.critical is not None else "none (N < 5)"
        resolved = (resolution or "unresolved") + (f": {note}" if note else "")
        rows.append([code, keep, revise, drop, fmt_number(row.ratio, 2), crit, resolved])
    header = ["Task", "Keep", "Revise", "Drop", "CVR", "Critical", "Resolution"]
    out.append(text_table(rows, header, [0.6, 0.55, 0.6, 0.55, 0.6, 0.9, 3.2], (1, 2, 3, 4, 5)))
    out.append(para(f"{below} of {len(rows)} draft tasks fall below the critical CVR."))
    return [*out, *_post_survey_review(ctx, result)]


def _post_survey_review(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    out: list[Flowable] = [subheading("Post-survey review")]
    reviewed = [(c, k, r) for c, k, r in ctx.overrides if r.lower().startswith("sme review")]
    if not ctx.weight_changes and not reviewed:
        out.append(
            para("The panel changed no domain weight and no task's retention after the survey.")
        )
        return [*out, *_judged_weights(ctx, result)]
    if ctx.weight_changes:
        rows = [[d, f"{c:+.1f} points", r] for d, c, r in ctx.weight_changes]
        out.append(para("The panel changed these domains' empirical weights (then renormalised):"))
        out.append(text_table(rows, ["Performance domain", "Change", "Reason"], [2.3, 1.1, 3.6]))
    if reviewed:
        rows = [[c, "kept" if k else "dropped", r] for c, k, r in reviewed]
        out.append(text_table(rows, ["Task", "Decision", "Reason"], [0.8, 1.0, 5.2]))
    return [*out, *_judged_weights(ctx, result)]


def _judged_weights(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    """The domain weights judged directly (percent per domain) beside the empirical ones."""
    if not ctx.weight_judgments:
        return []
    out: list[Flowable] = [subheading("Domain weights judged directly")]
    judges = len(ctx.weight_judgments)
    smes = sum(source == "sme" for source, _ in ctx.weight_judgments)
    who = [
        f"{smes} SME{'s' if smes != 1 else ''}" if smes else "",
        f"{judges - smes} respondent{'s' if judges - smes != 1 else ''}" if judges - smes else "",
    ]
    out.append(
        para(
            f"{' and '.join(w for w in who if w)} said what percent of the exam each domain "
            "deserves (each judge's percents add up to 100). The mean judged weight is set "
            "beside the empirical weight of this blueprint (after any change by the panel); "
            f"a difference of {LARGE_DIFFERENCE:g} percentage points or more is flagged. The "
            "judgments do not change the blueprint."
        )
    )
    rows = compare_weights(
        [percents for _, percents in ctx.weight_judgments],
        [(d.domain, d.weight) for d in result.domains],
    )
    table = [
        [
            r.domain,
            r.judges,
            "not judged" if r.judged_mean is None else f"{r.judged_mean:.1f}%",
            f"{r.empirical:.1f}%",
            "" if r.difference is None else f"{r.difference:+.1f}",
            "large" if r.large else "",
        ]
        for r in rows
    ]
    header = ["Performance domain", "Judges", "Judged", "Empirical", "Difference", "Flag"]
    out.append(text_table(table, header, [2.5, 0.7, 1.0, 1.0, 1.0, 0.8], (1, 2, 3, 4)))
    out.append(para(comparison_text(rows, judges)))
    return out


def _limitations(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    points = []
    n = result.n_respondents
    sample = result.sample_size
    if sample is not None and sample.achieved < sample.required:
        points.append(
            f"The sample of {n:,} falls short of the {sample.required:,} required for "
            f"{sample.population:,} incumbents: the task means carry more sampling error than "
            "planned."
        )
    if ctx.incumbents is None:
        points.append("The number of incumbents is unknown, so the sample's adequacy is unknown.")
    if ctx.min_respondents and n < ctx.min_respondents:
        points.append(
            f"Fewer respondents ({n:,}) than the study's minimum ({ctx.min_respondents:,})."
        )
    for name, s in result.scales.items():
        if s.alpha is None:
            points.append(f"The reliability of the {name} ratings could not be computed.")
        elif s.alpha < ALPHA_EXPECTED:
            points.append(
                f"Cronbach's alpha of the {name} ratings ({s.alpha:.2f}) is below "
                f"{ALPHA_EXPECTED:.2f}."
            )
    if not _rated_every_task(result):
        points.append(
            f"{fmt_percent(_missing_share(result))} of the importance ratings are blank; tasks "
            "with fewer ratings have wider standard errors (section 6)."
        )
    if not ctx.invitations:
        points.append(
            "Respondents answered through a public link, so who answered cannot be checked "
            "against the population beyond the screening question and the demographics."
        )
    points.append(
        "The board holds no breakdown of its incumbents by the demographic questions, so the "
        "sample's representativeness is judged by size and by the subgroup comparisons only."
    )
    if blueprint_items(result) == 0:
        points.append("No task was retained: there is no blueprint to use.")
    return [
        heading("11 Limitations"),
        *(Paragraph(escape(p), _BULLET, bulletText="•") for p in points),
    ]


def _appendix(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), heading("Appendix A: Task and KSA statements")]
    scope = ctx.domains
    if not scope:  # no scope recorded: list the analysed task ids by domain
        by_domain: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
        for t in result.tasks:
            by_domain.setdefault(t.domain, []).append((t.task_id, "", ()))
        scope = tuple((d, tuple(ts)) for d, ts in by_domain.items())
    codes = [stringWidth(code, BOLD_FONT, _TASK.fontSize) for _, ts in scope for code, _, _ in ts]
    indent = min(1.6 * inch, max([0.75 * inch, *(w + 10 for w in codes)]))  # the code column
    for number, (domain, tasks) in enumerate(scope, start=1):
        out.append(subheading(f"A.{number} {domain}"))
        for code, statement, ksas in tasks:
            text = statement or "(statement not recorded)"
            block = [WrappedText(text, _TASK, TEXT_WIDTH, indent=indent, label=code)]
            block += [
                WrappedText(k, _KSA, TEXT_WIDTH, indent=indent + 12, bullet="–") for k in ksas
            ]
            out.append(KeepTogether(block) if ksas else block[0])
    return out


def _instrument(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), heading("Appendix B: The survey instrument")]
    out.append(
        para(
            "The questions in the order respondents met them: the demographic questions, then "
            "one page per performance domain on which each task is rated on both scales."
        )
    )
    if ctx.questions:
        out.append(subheading("About you"))
        for number, (_, label, options) in enumerate(ctx.questions, start=1):
            out.append(para(f"Q{number}. {label}"))
            out += [Paragraph(escape(o), _BULLET, bulletText="○") for o in options]
    low = int(result.options.scale_min)
    for title, anchors in (
        ("Importance", ctx.importance_anchors),
        ("Frequency", ctx.frequency_anchors),
    ):
        if anchors:
            scale = "; ".join(f"{low + i} {a}" for i, a in enumerate(anchors))
            out.append(para(f"{title} scale: {scale}.", "Small"))
    if ctx.importance_anchors:
        out.append(
            para(
                "Each task: “How important is this task to your work?” (importance) and "
                "“How often do you perform it?” (frequency), on the scales above.",
                "Small",
            )
        )
    for domain, tasks in ctx.domains:
        out.append(subheading(domain))
        out += [WrappedText(text or "", _TASK, TEXT_WIDTH, indent=0.75 * inch, label=code)
                for code, text, _ in tasks]  # fmt: skip
    return out


def _roster(ctx: ReportContext) -> list[Flowable]:
    out: list[Flowable] = [heading("Appendix D: SME roster")]
    if not ctx.sme_panel:
        return [*out, para("No subject matter experts were recorded for this study.")]
    rows = [
        [n, b or "not recorded", "not recorded" if y is None else y] for n, b, y in ctx.sme_panel
    ]
    header = ["Name", "Qualifications and background", "Years of experience"]
    return [*out, text_table(rows, header, [2.2, 3.4, 1.4], (2,))]


def _approval(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    out: list[Flowable] = [heading("Appendix E: Approval note")]
    out.append(lead_paragraph("Status:", status_line(ctx, result)))
    if ctx.blueprint_status != "approved":
        return [*out, para("The board has not approved this blueprint version.")]
    out.append(lead_paragraph("Note for the record:", ctx.approval_note or "none recorded"))
    if ctx.approval_concerns:
        out.append(para("The approver acknowledged these concerns:"))
        out += [Paragraph(escape(c), _BULLET, bulletText="•") for c in ctx.approval_concerns]
        out.append(lead_paragraph("Reason given:", ctx.acknowledgement or "none recorded"))
    else:
        out.append(para("No approval concern (sample, reliability, minimum respondents) applied."))
    return out


def rds_report(context: ReportContext, result: AnalysisResult | Mapping[str, Any]) -> bytes:
    """Return the RDS report as PDF bytes, from the study context and the engine's result.

    ``result`` is the :class:`AnalysisResult` or its ``to_dict()`` document (or that
    document's JSON), which is read once with ``AnalysisResult.from_dict``; missing
    statistics print as "not computable" with the engine's warning.
    """
    if not isinstance(result, AnalysisResult):
        result = AnalysisResult.from_dict(result)
    figure = Figures()
    sections = [
        _summary(context, result),
        _purpose(context),
        _method(context, result),
        _sme_panel(context, result),
        demographics_section(result, figure, context.questions),
        task_ratings_section(context, result, figure),
        reliability_section(result, figure),
        retention_section(context, result),
        subgroups_section(result),
        blueprint_section(context, result, figure),
        _limitations(context, result),
    ]
    toc = toc_flowable()
    story = [DraftPass(), *_title_page(context, result, toc)]
    for section in sections:
        story += [CondPageBreak(2.2 * inch), *section]
    story += _appendix(context, result)
    story += _instrument(context, result)
    story += [PageBreak(), *frequency_appendix(result)]
    story += [PageBreak(), *_roster(context)]
    story += [CondPageBreak(3 * inch), *_approval(context, result)]
    # Seeding the contents with this report's headings gives the first build pass a table of
    # contents of its final length, so page numbers settle after two passes instead of three.
    for level, text in story_headings(story):
        toc.addEntry(level, escape(text), 0)
    out = io.BytesIO()
    subtitle = (
        f"{context.credential_name} · {context.study_title} (version {context.study_version})"
    )
    build_document(
        out,
        "Role Delineation Study report",
        story,
        organisation=context.board_name,
        subtitle=subtitle,
        generated_at=context.generated_at,
        title_block=False,
    )
    return out.getvalue()
