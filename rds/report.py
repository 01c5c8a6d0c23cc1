"""The Role Delineation Study report as a PDF, in the order of an NCCA-style RDS report.

Pure: takes a :class:`ReportContext` (the study's scope, panel and decisions as plain values)
and the engine's JSON document (``AnalysisResult.to_dict()``) and returns PDF bytes. Layout
comes from :mod:`core.pdf` (letterhead, page numbers, table of contents) and the charts from
:mod:`rds.charts`. A statistic the engine could not compute (``None``) is printed as
"not computable" with the engine's warning.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from core.pdf import (
    build_document,
    data_table,
    generated_label,
    heading,
    image_from_png,
    para,
    styles,
    toc_flowable,
)
from rds import charts
from rds.stats import cochran_sample_size

__all__ = ["ReportContext", "alpha_reading", "icc_reading", "rds_report"]

NOT_COMPUTABLE = "not computable"
SUBGROUP_R_MIN = 0.80
CHART_WIDTH = 6.2 * inch
MAX_WARNINGS = 60
_SHEET = styles()
_CENTRE = {
    name: _SHEET[name].clone(f"{name}Centre", alignment=1)
    for name in ("Title", "Subtitle", "Body", "Heading2")
}
_BULLET = _SHEET["Body"].clone("Bullet", leftIndent=14, bulletIndent=4, spaceAfter=2)
_KSA = _SHEET["Small"].clone("Ksa", leftIndent=30, bulletIndent=20, fontSize=8.5, leading=11)
_ICC_MODELS = {
    "ICC1": "one-way random effects, single rater",
    "ICC2": "two-way random effects, absolute agreement, single rater",
    "ICC3": "two-way mixed effects, consistency, single rater",
    "ICC1k": "one-way random effects, mean of the raters",
    "ICC2k": "two-way random effects, absolute agreement, mean of the raters",
    "ICC3k": "two-way mixed effects, consistency, mean of the raters",
}
_METHODS = {
    "multiplicative": "the mean, over respondents who rated both scales, of importance x "
    "frequency",
    "product-of-means": "mean importance x mean frequency",
    "additive": "(mean importance + mean frequency) / 2",
    "geometric": "the square root of mean importance x mean frequency",
}


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

    def __post_init__(self) -> None:
        if self.blueprint_status not in ("proposed", "approved"):
            raise ValueError("blueprint_status: must be 'proposed' or 'approved'")
        generated_label(self.generated_at)  # raises for a naive datetime


def alpha_reading(alpha: float | None) -> str:
    """Plain reading of Cronbach's alpha: excellent, good, acceptable or questionable."""
    if alpha is None:
        return NOT_COMPUTABLE
    for limit, word in ((0.90, "excellent"), (0.80, "good"), (0.70, "acceptable")):
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


def _fmt(value: Any, digits: int = 2) -> str:
    return NOT_COMPUTABLE if value is None else f"{float(value):.{digits}f}"


def _pct(value: Any, digits: int = 1) -> str:
    return NOT_COMPUTABLE if value is None else f"{100 * float(value):.{digits}f}%"


def _ci(pair: Sequence[float] | None, digits: int = 3) -> str:
    if not pair or pair[0] is None or pair[1] is None:
        return NOT_COMPUTABLE
    return f"{pair[0]:.{digits}f} to {pair[1]:.{digits}f}"


def _day(value: date | None) -> str:
    return "not recorded" if value is None else value.isoformat()


def _paragraphs(text: str, fallback: str) -> list[Flowable]:
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return [para(" ".join(b.split()), "Body") for b in blocks] or [para(fallback, "Body")]


def _bold_lead(lead: str, text: str, style: Any = None) -> Paragraph:
    return Paragraph(f"<b>{escape(lead)}</b> {escape(text)}", style or _SHEET["Body"])


def _warnings_about(result: Mapping, *needles: str) -> list[str]:
    return [w for w in result.get("warnings") or [] if all(n in w for n in needles)]


class _Figures:
    """Numbers the figures of the report and sets each chart above its caption."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, png: bytes, caption: str) -> Flowable:
        self.count += 1
        image = image_from_png(png, CHART_WIDTH)
        return KeepTogether([image, para(f"Figure {self.count}. {caption}", "Caption")])


def _key_values(rows: Sequence[tuple[str, str]]) -> Flowable:
    return data_table([[k, v] for k, v in rows], ["", ""], col_widths=[2.2 * inch, 4.8 * inch])


def _title_page(ctx: ReportContext, result: Mapping) -> list[Flowable]:
    approval = "Proposed (not yet approved by the board)"
    if ctx.blueprint_status == "approved":
        approval = f"Approved by {ctx.approved_by or 'the board'} on {_day(ctx.approved_on)}"
    window = f"{_day(ctx.survey_opens_on)} to {_day(ctx.survey_closes_on)}"
    return [
        Spacer(1, 1.1 * inch),
        para(ctx.board_name, _CENTRE["Heading2"]),
        para("Role Delineation Study Report", _CENTRE["Title"]),
        para(ctx.credential_name, _CENTRE["Subtitle"]),
        para(f"{ctx.study_title} · version {ctx.study_version}", _CENTRE["Body"]),
        Spacer(1, 0.5 * inch),
        _key_values(
            [
                ("Board", ctx.board_name),
                ("Credential", ctx.credential_name),
                ("Study", f"{ctx.study_title}, version {ctx.study_version}"),
                ("Study started", _day(ctx.started_on)),
                ("Validation survey", window),
                ("Respondents", f"{int(result.get('n_respondents') or 0):,}"),
                ("Exam blueprint", approval),
                ("Report date", generated_label(ctx.generated_at).removeprefix("Generated ")),
            ]
        ),
        PageBreak(),
        para("Contents", "TOCHeading"),
        toc_flowable(),
        PageBreak(),
    ]


def _purpose(ctx: ReportContext) -> list[Flowable]:
    intro = (
        f"This report documents the role delineation study (RDS) of the {ctx.credential_name} "
        f"for the {ctx.board_name}: the scope of service drafted by subject matter experts, the "
        "validation survey of practising incumbents, the analysis of their ratings and the "
        "exam blueprint derived from it. It follows the structure the NCCA Standards for the "
        "Accreditation of Certification Programs and the AERA/APA/NCME Standards for "
        "Educational and Psychological Testing expect; the study is to be repeated every 5 to "
        "7 years."
    )
    return [heading("1 Purpose"), *_paragraphs(ctx.purpose, intro), para(intro)]


def _scope(ctx: ReportContext) -> list[Flowable]:
    out: list[Flowable] = [heading("2 Scope of service and SME panel")]
    out += [heading("Target audience", 2), *_paragraphs(ctx.target_audience, "Not recorded.")]
    out += [heading("Minimum requirements", 2)]
    out += _paragraphs(ctx.minimum_requirements, "Not recorded.")
    out.append(heading("Performance domains", 2))
    rows = [
        [name, len(tasks), sum(len(t[2]) for t in tasks)] for name, tasks in ctx.domains
    ]  # fmt: skip
    out.append(
        data_table(rows, ["Performance domain", "Task statements", "KSA statements"],
                   [4.2 * inch, 1.4 * inch, 1.4 * inch], numeric_cols=(1, 2))  # fmt: skip
        if rows
        else para("No performance domains were recorded.")
    )
    out.append(heading("Subject matter expert panel", 2))
    panel = ctx.sme_panel
    if not panel:
        return [*out, para("No subject matter experts were recorded for this study.")]
    years = [y for _, _, y in panel if y is not None]
    text = f"The scope of service was drafted and reviewed by a panel of {len(panel)} SMEs"
    if years:
        text += f" with {sum(years) / len(years):.1f} years of experience on average"
    out.append(para(text + "."))
    rows = [[n, b, "not recorded" if y is None else y] for n, b, y in panel]
    widths = [2.2 * inch, 3.6 * inch, 1.2 * inch]
    return [*out, data_table(rows, ["Name", "Background", "Years"], widths, numeric_cols=(2,))]


def _method(ctx: ReportContext, result: Mapping, options: Mapping) -> list[Flowable]:
    achieved = int(result.get("n_respondents") or 0)
    sample = result.get("sample_size")
    if sample is None and ctx.incumbents:
        s = cochran_sample_size(ctx.incumbents, min(achieved, ctx.incumbents))
        margin = s.margin_of_error if achieved <= ctx.incumbents else None
        sample = {"population": s.population, "required": s.required, "margin_of_error": margin}
    low, high = options.get("scale_min", 0), options.get("scale_max", 4)
    scale_text = f"from {low:g} to {high:g}"
    if (low, high) == (0, 4):
        scale_text = (
            "importance from 0 (not important) to 4 (extremely important) and frequency from "
            "0 (never) to 4 (repeatedly)"
        )
    out = [
        heading("3 Survey method"),
        para(
            "The validation survey was conducted over the internet from "
            f"{_day(ctx.survey_opens_on)} to {_day(ctx.survey_closes_on)}. Incumbents answered "
            f"anonymously and rated every task statement on two scales: {scale_text}. A "
            "frequency of 0 means the respondent does not perform the task."
        ),
        heading("Sample", 2),
    ]
    rows: list[tuple[str, str]] = []
    if sample is None:
        rows.append(("Incumbents (population)", "not recorded"))
        rows.append(("Required sample", f"{NOT_COMPUTABLE}: the number of incumbents is unknown"))
    else:
        rows.append(("Incumbents (population N)", f"{int(sample['population']):,}"))
        rows.append(("Required sample (Cochran, with finite population correction)",
                     f"{int(sample['required']):,}"))  # fmt: skip
    rows.append(("Invitations sent", "not recorded" if ctx.invitations is None
                 else f"{ctx.invitations:,}"))  # fmt: skip
    rows.append(("Responses achieved", f"{achieved:,}"))
    base = ctx.invitations or (sample or {}).get("population")
    if base:
        whom = "invited" if ctx.invitations else "incumbents"
        rows.append(("Response rate", f"{100 * achieved / base:.1f}% of the {base:,} {whom}"))
    else:
        rows.append(("Response rate", f"{NOT_COMPUTABLE}: no invitations or population"))
    if sample is not None:
        moe = sample.get("margin_of_error")
        rows.append(("Margin of error (95% confidence)", f"{NOT_COMPUTABLE} (see notes)"
                     if moe is None else f"±{100 * moe:.1f} percentage points"))  # fmt: skip
        short = int(sample["required"]) - achieved
        rows.append(("Required sample reached", "yes" if short <= 0 else f"no: {short:,} short"))
    out.append(_key_values(rows))
    out.append(
        para(
            "Required sample: n0 = z² p (1 - p) / e² = 384.16 with z = 1.96, p = 0.5 and "
            "e = 0.05; n = n0 / (1 + (n0 - 1) / N), rounded up. Margin of error achieved: "
            "1.96 × sqrt(0.25 / n × (N - n) / (N - 1)).",
            "Small",
        )
    )
    warnings = list(result.get("warnings") or [])
    if warnings:
        out.append(heading("Notes from the analysis", 2))
        out += [Paragraph(escape(w), _BULLET, bulletText="•") for w in warnings[:MAX_WARNINGS]]
        if len(warnings) > MAX_WARNINGS:
            out.append(para(f"... and {len(warnings) - MAX_WARNINGS} more."))
    return out


def _demographics(result: Mapping, figure: _Figures) -> list[Flowable]:
    out: list[Flowable] = [heading("4 Respondent demographics")]
    demographics: Mapping[str, Mapping[str, int]] = result.get("demographics") or {}
    if not demographics:
        return [*out, para("The survey asked no demographic questions.")]
    n = int(result.get("n_respondents") or 0)
    out.append(para(f"{n:,} respondents. Shares are of those who answered each question."))
    for variable, counts in demographics.items():
        label = variable.replace("_", " ").strip().capitalize() or variable
        answered = sum(counts.values())
        rows = [[lvl, f"{c:,}", _pct(c / answered if answered else None)] for lvl, c in
                counts.items()]  # fmt: skip
        rows.append(["Answered", f"{answered:,}", _pct(answered / n if n else None)])
        parts = ", ".join(f"{lvl} {c:,} ({_pct(c / answered)})" for lvl, c in counts.items())
        caption = f"Respondents by {label.lower()}: {parts}." if len(counts) <= 15 else (
            f"Respondents by {label.lower()}; the numbers are in the table above.")  # fmt: skip
        out += [
            heading(label, 2),
            data_table(rows, ["Answer", "Respondents", "Share"],
                       [3.6 * inch, 1.2 * inch, 1.2 * inch], numeric_cols=(1, 2)),  # fmt: skip
            Spacer(1, 6),
            figure(charts.demographics_bar(counts, label), caption),
        ]
    return out


def _task_ratings(ctx: ReportContext, result: Mapping, options: Mapping, figure: _Figures):
    tasks = result.get("tasks") or []
    method = str(options.get("method", "multiplicative"))
    imin, pmin = float(options.get("importance_min", 2.0)), options.get("performing_min")
    overridden = {code for code, _, _ in ctx.overrides}
    kept = sum(1 for t in tasks if t.get("retained"))
    out = [
        heading("5 Task ratings"),
        para(
            f"Means and standard deviations are over the non-missing ratings of each task; "
            f"% performing is the share of frequency ratings above 0. Criticality ({method}) "
            f"is {_METHODS.get(method, method)}. {kept} of {len(tasks)} tasks were retained."
        ),
        figure(
            charts.importance_frequency_scatter(
                tasks, imin, None if pmin is None else float(pmin),
                scale=(options.get("scale_min", 0), options.get("scale_max", 4))),  # fmt: skip
            f"Mean importance against mean frequency for each of the {len(tasks)} tasks; "
            f"circles: retained ({kept}), crosses: not retained ({len(tasks) - kept}); dashed "
            f"line: importance minimum {imin:.2f}. The values are in the table below.",
        ),
    ]
    rows = [
        [t["task_id"], t["domain"], _fmt(t.get("mean_importance")), _fmt(t.get("sd_importance")),
         _fmt(t.get("mean_frequency")), _pct(t.get("pct_performing")),
         _fmt(t.get("criticality")),
         ("Yes" if t.get("retained") else "No")
         + (" (override)" if t["task_id"] in overridden else "")]  # fmt: skip
        for t in tasks
    ]
    header = ["Task", "Domain", "Mean importance", "SD", "Mean frequency", "% performing",
              "Criticality", "Retained"]  # fmt: skip
    widths = [0.6, 1.75, 0.8, 0.55, 0.8, 0.85, 0.8, 0.85]
    return [*out, data_table(rows, header, [w * inch for w in widths], range(2, 7))]


def _reliability(result: Mapping, figure: _Figures) -> list[Flowable]:
    scales: Mapping[str, Mapping] = result.get("scales") or {}
    out: list[Flowable] = [
        heading("6 Reliability"),
        para(
            "Cronbach's alpha treats the tasks as items: at least 0.90 is excellent, 0.80 good, "
            "0.70 acceptable (the level expected) and lower values questionable. The intraclass "
            "correlations (ICC) treat the tasks as targets and the respondents as raters, on the "
            "respondents who rated every task; they are read after Koo and Li (2016): below "
            "0.50 poor, 0.50 to 0.75 moderate, 0.75 to 0.90 good, above 0.90 excellent. The "
            "average-measure forms (ICC1k to ICC3k) tell how reliably the panel's mean ratings "
            "order the tasks, which is what the blueprint weights rest on; single-rater forms "
            "are expected to be much lower."
        ),
    ]
    parts = [f"{name} {_fmt(s.get('alpha'), 3)} ({_ci(s.get('alpha_ci95'))})"
             for name, s in scales.items()]  # fmt: skip
    out.append(figure(charts.reliability_chart(scales),
                      "Cronbach's alpha with its 95% confidence interval per rating scale; "
                      f"dashed line: 0.70 expected. {'; '.join(parts)}."))  # fmt: skip
    for name, scale in scales.items():
        alpha, icc = scale.get("alpha"), scale.get("icc") or {}
        avg = (icc.get("ICC2k") or {}).get("value")
        text = (f"Cronbach's alpha of the {name} ratings is {_fmt(alpha, 3)} (95% CI "
                f"{_ci(scale.get('alpha_ci95'))}): {alpha_reading(alpha)}.")  # fmt: skip
        text += (f" {int(scale.get('n_complete') or 0):,} respondents rated every task; the "
                 f"average-measure ICC2k of {_fmt(avg, 3)} is {icc_reading(avg)}.")  # fmt: skip
        rows = [["Cronbach's alpha", "tasks as items", _fmt(alpha, 3),
                 _ci(scale.get("alpha_ci95")), alpha_reading(alpha)]]  # fmt: skip
        for form, model in _ICC_MODELS.items():
            entry = icc.get(form) or {}
            value = entry.get("value")
            rows.append([form, model, _fmt(value, 3), _ci(entry.get("ci95")), icc_reading(value)])
        out += [
            heading(f"{name.capitalize()} ratings", 2),
            para(text),
            data_table(rows, ["Statistic", "Model", "Value", "95% CI", "Reading"],
                       [1.05 * inch, 2.75 * inch, 0.8 * inch, 1.4 * inch, 1.0 * inch],
                       numeric_cols=(2,)),  # fmt: skip
        ]
        missing = alpha is None or any((icc.get(f) or {}).get("value") is None for f in _ICC_MODELS)
        if missing:
            notes = _warnings_about(result, f"{name} ") or ["See the notes in section 3."]
            out += [para(f"Not computable: {w}", "Small") for w in notes]
    return out


def _subgroups(result: Mapping, options: Mapping) -> list[Flowable]:
    groups = result.get("subgroups") or []
    out: list[Flowable] = [
        heading("7 Subgroup comparisons"),
        para(
            f"For every demographic group with at least {options.get('min_group', 30)} "
            "respondents, the criticality of the retained tasks computed from the group's "
            "ratings is correlated (Pearson r) with the criticality computed from all other "
            f"respondents. An r of at least {SUBGROUP_R_MIN:.2f} shows that the group sees the "
            "role the same way; lower values are flagged for the panel's review."
        ),
    ]
    if not groups:
        return [*out, para("No demographic group was large enough to compare.")]
    low = [g for g in groups if g.get("r") is not None and g["r"] < SUBGROUP_R_MIN]
    out.append(para(f"{len(low)} of {len(groups)} groups fall below {SUBGROUP_R_MIN:.2f}."))
    rows = []
    for g in groups:
        r = g.get("r")
        flag = "not computable" if r is None else ("Below 0.80: review" if r < 0.80 else "")
        rows.append([g["variable"], g["level"], f"{int(g['n']):,}", _fmt(r, 3), flag])
    out.append(data_table(rows, ["Variable", "Group", "n", "r", "Flag"],
                          [1.5 * inch, 2.5 * inch, 0.8 * inch, 0.8 * inch, 1.4 * inch],
                          numeric_cols=(2, 3)))  # fmt: skip
    for g in groups:
        if g.get("r") is None:
            for w in _warnings_about(result, f"{g['variable']}={g['level']}"):
                out.append(para(f"Not computable: {w}", "Small"))
    return out


def _retention(ctx: ReportContext, result: Mapping, options: Mapping) -> list[Flowable]:
    tasks = result.get("tasks") or []
    imin, pmin = float(options.get("importance_min", 2.0)), options.get("performing_min", 0.5)
    overrides = {code: (kept, reason) for code, kept, reason in ctx.overrides}
    out: list[Flowable] = [
        heading("8 Retention decisions"),
        para(f"A task is retained when its mean importance is at least {imin:.2f} and at least "
             f"{_pct(pmin, 0)} of the respondents perform it, unless the psychometrician "
             "overrides the decision with a written reason."),  # fmt: skip
        heading("Tasks not retained", 2),
    ]
    rows = []
    for t in (t for t in tasks if not t.get("retained")):
        mean, share = t.get("mean_importance"), t.get("pct_performing")
        why = []
        if mean is None or mean < imin:
            why.append(f"mean importance {_fmt(mean)} below {imin:.2f}")
        if pmin is not None and (share is None or share < float(pmin)):
            why.append(f"{_pct(share)} performing, below {_pct(pmin, 0)}")
        if t["task_id"] in overrides:
            why.append(f"override: {overrides[t['task_id']][1]}")
        rows.append([t["task_id"], t["domain"], _fmt(mean), _pct(share),
                     "; ".join(why) or "no criticality"])  # fmt: skip
    out.append(
        data_table(rows, ["Task", "Domain", "Mean importance", "% performing", "Reason"],
                   [0.6 * inch, 1.7 * inch, 0.9 * inch, 0.9 * inch, 2.9 * inch], (2, 3))
        if rows else para("Every task was retained.")
    )  # fmt: skip
    out.append(heading("Overrides", 2))
    if not ctx.overrides:
        return [*out, para("No retention decision was overridden.")]
    rows = [[code, "Retained" if kept else "Not retained", reason]
            for code, kept, reason in ctx.overrides]  # fmt: skip
    widths = [0.8 * inch, 1.2 * inch, 5.0 * inch]
    return [*out, data_table(rows, ["Task", "Decision", "Reason"], widths)]


def _blueprint(ctx: ReportContext, result: Mapping, figure: _Figures) -> list[Flowable]:
    domains = result.get("domains") or []
    tasks = result.get("tasks") or []
    total = int(result.get("total_items") or 0)
    status = "Proposed: not yet approved by the board."
    if ctx.blueprint_status == "approved":
        status = f"Approved by {ctx.approved_by or 'the board'} on {_day(ctx.approved_on)}."
    out: list[Flowable] = [
        heading("9 Exam blueprint"),
        _bold_lead("Status:", status),
        para(f"Each retained task weighs its criticality over the sum for all retained tasks; a "
             f"domain weighs the sum of its tasks. The {total} items are apportioned to the "
             "domains, then to their tasks, by largest remainder (Raymond, 2002)."),  # fmt: skip
    ]
    parts = "; ".join(f"{d['domain']} {_pct(d.get('weight'))}, {d.get('items', 0)} items"
                      for d in domains)  # fmt: skip
    out.append(figure(charts.domain_weights_bar(domains),
                      f"Weight and items per performance domain: {parts}."))  # fmt: skip
    rows = [[d["domain"], d.get("n_tasks", 0), d.get("n_retained", 0), _pct(d.get("weight")),
             d.get("items", 0)] for d in domains]  # fmt: skip
    rows.append(["Total", sum(d.get("n_tasks", 0) for d in domains),
                 sum(d.get("n_retained", 0) for d in domains),
                 _pct(sum(d.get("weight") or 0 for d in domains)),
                 sum(d.get("items", 0) for d in domains)])  # fmt: skip
    out.append(data_table(rows, ["Performance domain", "Tasks", "Retained", "Weight", "Items"],
                          [3.4 * inch, 0.85 * inch, 0.85 * inch, 1.0 * inch, 0.9 * inch],
                          numeric_cols=(1, 2, 3, 4)))  # fmt: skip
    out.append(heading("Items per task", 2))
    statements = {code: text for _, ts in ctx.domains for code, text, _ in ts}
    for d in domains:
        kept = [t for t in tasks if t["domain"] == d["domain"] and t.get("retained")]
        if not kept:
            continue
        rows = [[t["task_id"], statements.get(t["task_id"], ""), _pct(t.get("weight"), 2),
                 t.get("items", 0)] for t in kept]  # fmt: skip
        out += [para(f"{d['domain']} ({d.get('items', 0)} items)", "Heading3"),
                data_table(rows, ["Task", "Task statement", "Weight", "Items"],
                           [0.7 * inch, 4.6 * inch, 0.9 * inch, 0.8 * inch], (2, 3))]  # fmt: skip
    return out


def _appendix(ctx: ReportContext, result: Mapping) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), heading("Appendix A: Task and KSA statements")]
    scope = ctx.domains
    if not scope:  # no scope recorded: list the analysed task ids by domain
        by_domain: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
        for t in result.get("tasks") or []:
            by_domain.setdefault(t["domain"], []).append((t["task_id"], "", ()))
        scope = tuple((d, tuple(ts)) for d, ts in by_domain.items())
    for number, (domain, tasks) in enumerate(scope, start=1):
        out.append(heading(f"A.{number} {domain}", 2))
        for code, statement, ksas in tasks:
            out.append(_bold_lead(code, statement or "(statement not recorded)"))
            out += [Paragraph(escape(k), _KSA, bulletText="–") for k in ksas]
    return out


def rds_report(context: ReportContext, result: Mapping) -> bytes:
    """Return the RDS report as PDF bytes, from the study context and the engine's result dict.

    ``result`` is ``AnalysisResult.to_dict()`` (or its JSON); missing statistics print as
    "not computable" with the engine's warning.
    """
    options: Mapping[str, Any] = result.get("options") or {}
    figure = _Figures()
    story: list[Flowable] = _title_page(context, result)
    sections = [
        _purpose(context),
        _scope(context),
        _method(context, result, options),
        _demographics(result, figure),
        _task_ratings(context, result, options, figure),
        _reliability(result, figure),
        _subgroups(result, options),
        _retention(context, result, options),
        _blueprint(context, result, figure),
    ]
    for section in sections:
        story += [CondPageBreak(2.2 * inch), *section]
    story += _appendix(context, result)
    out = io.BytesIO()
    build_document(
        out,
        "Role Delineation Study report",
        story,
        organisation=context.board_name,
        subtitle=f"{context.credential_name} · {context.study_title} "
        f"(version {context.study_version})",
        generated_at=context.generated_at,
        title_block=False,
    )
    return out.getvalue()
