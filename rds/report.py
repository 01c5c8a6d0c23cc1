"""The Role Delineation Study report as a PDF, in the order of an NCCA-style RDS report.

Pure: takes a :class:`ReportContext` (the study's scope, panel and decisions as plain values)
and the engine's JSON document (``AnalysisResult.to_dict()``) and returns PDF bytes. Layout
comes from :mod:`core.pdf` (letterhead, page numbers, table of contents) and the charts from
:mod:`rds.charts`. A statistic the engine could not compute (``None``) is printed as
"not computable" with the engine's warning.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from core.pdf import (
    GOLD,
    NAVY,
    RULE,
    SANS_BOLD,
    ZEBRA,
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
MAX_WARNINGS = 60
_TEXT_WIDTH = 7.0 * inch  # letter paper less the 0.75 in margins of core.pdf
_SHEET = styles()
_CENTRE = {n: _SHEET[n].clone(f"{n}C", alignment=1) for n in ("Title", "Subtitle", "Heading2")}
_LABEL = _SHEET["TableCell"].clone("Label", fontName=SANS_BOLD, textColor=NAVY)
_TASK = _SHEET["Body"].clone("Task", spaceBefore=3, spaceAfter=1)
_BULLET = _SHEET["Body"].clone("Bullet", leftIndent=14, bulletIndent=4, spaceAfter=2)
_KSA = _SHEET["Small"].clone("Ksa", fontSize=8.5, leading=11)
_BOLD = SANS_BOLD
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
        generated_label(self.generated_at)  # raises ValueError for a naive datetime


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


def _ci(pair: Sequence[float | None] | None, digits: int = 3) -> str:
    if not pair or pair[0] is None or pair[1] is None:
        return NOT_COMPUTABLE
    return f"{pair[0]:.{digits}f} to {pair[1]:.{digits}f}"


def _day(value: date | None) -> str:
    return "not recorded" if value is None else value.isoformat()


def _label(variable: str) -> str:
    """A demographic column's name as words: "years_experience" -> "Years experience"."""
    return variable.replace("_", " ").strip().capitalize() or variable


def _paragraphs(text: str, fallback: str = "Not recorded.") -> list[Flowable]:
    blocks = [" ".join(b.split()) for b in text.replace("\r\n", "\n").split("\n\n")]
    return [para(b) for b in blocks if b] or ([para(fallback)] if fallback else [])


def _lead(lead: str, text: str, style: Any = None) -> Paragraph:
    return Paragraph(f"<b>{escape(lead)}</b> {escape(text)}", style or _SHEET["Body"])


def _notes(result: Mapping, needle: str) -> list[Flowable]:
    found = [w for w in result.get("warnings") or [] if needle in w]
    return [para(f"Not computable: {w}", "Small") for w in found]


def _draft(canv: Any) -> bool:
    """Whether `canv` belongs to the first build pass, which only measures (see `_DraftPass`)."""
    return bool(getattr(canv, "_rds_draft_pass", False))


class _DraftPass(Flowable):
    """Zero-size first flowable of the story that marks the first build pass's canvas.

    The table of contents needs two build passes (it is seeded so that two suffice, and the
    seed's missing links guarantee a second one). The first pass only measures page breaks,
    so the text cells and images, which cost the most to draw, skip drawing on it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.passes = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.passes += 1
        self.canv._rds_draft_pass = self.passes == 1


class _Picture(Flowable):
    """An image flowable that is not drawn (not encoded) on the draft pass."""

    def __init__(self, png: bytes, width: float) -> None:
        super().__init__()
        self.image = image_from_png(png, width)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.image.wrap(avail_width, avail_height)

    def draw(self) -> None:
        if not _draft(self.canv):
            self.image.drawOn(self.canv, 0, 0)


class _Text(Flowable):
    """Plain text wrapped once, at creation, to a known width and drawn line by line.

    A 300-task report holds thousands of table cells and statements; laying each out as a
    Paragraph in every build pass is what makes reportlab slow. An optional `label` (a task
    code, in bold) starts the first line at 0 and a `bullet` sits 10 pt left of `indent`.
    """

    def __init__(
        self,
        text: str,
        style: ParagraphStyle,
        width: float,
        *,
        indent: float = 0,
        label: str = "",
        bullet: str = "",
    ) -> None:
        super().__init__()
        self.style, self.indent, self.label, self.bullet = style, indent, label, bullet
        size = style.fontSize
        self.lines = simpleSplit(text, style.fontName, size, width - indent) or [""]
        self.height = style.leading * len(self.lines)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        if _draft(self.canv):
            return
        style, size = self.style, self.style.fontSize
        text = self.canv.beginText()  # one text object per cell: cheaper than drawString
        text.setFillColor(style.textColor)
        y = self.height - size  # the first baseline where a Paragraph puts it
        if self.label:
            text.setFont(_BOLD, size)
            text.setTextOrigin(0, y)
            text.textOut(self.label)
        text.setFont(style.fontName, size, style.leading)
        if self.bullet:
            text.setTextOrigin(self.indent - 10, y)
            text.textOut(self.bullet)
        if style.alignment == TA_RIGHT:
            for line in self.lines:
                width = stringWidth(line, style.fontName, size)
                text.setTextOrigin(self.width - width, y)
                text.textOut(line)
                y -= style.leading
        else:
            text.setTextOrigin(self.indent, y)
            for line in self.lines:
                text.textLine(line)
        self.canv.drawText(text)


def _table(rows: list, header: list[str], widths: Sequence[float], numeric=()) -> Flowable:
    """A `data_table` (widths in inches) whose text cells are pre-wrapped `_Text`s."""
    right = set(numeric)
    cells = [
        [
            value
            if isinstance(value, Flowable)
            else _Text(
                "" if value is None else str(value),
                _SHEET["TableCellRight" if col in right else "TableCell"],
                widths[col] * inch - 10,
            )  # cell padding: 5 pt either side
            for col, value in enumerate(row)
        ]
        for row in rows
    ]
    return data_table(cells, header, [w * inch for w in widths], numeric_cols=numeric)


def _key_values(rows: Sequence[tuple[str, str]]) -> Flowable:
    """A two-column table of labels and values, without a header row."""
    cells = [[Paragraph(escape(k), _LABEL), para(v, "TableCell")] for k, v in rows]
    style = TableStyle(
        [
            ("ROWBACKGROUNDS", (0, 0), (-1, -1), [ZEBRA, colors.white]),
            ("LINEABOVE", (0, 0), (-1, 0), 1, GOLD),
            ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    return Table(cells, colWidths=[2.6 * inch, 4.4 * inch], style=style)


class _Figures:
    """Numbers the report's figures: a chart and its caption, for a KeepTogether block.

    Never nest KeepTogether blocks: an inner one reports an "infinite" height to the outer
    one, which then always starts a new page.
    """

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, png: bytes, caption: str, width: float = 6.2 * inch) -> list[Flowable]:
        self.count += 1
        return [_Picture(png, width), para(f"Figure {self.count}. {caption}", "Caption")]


def _title_page(ctx: ReportContext, result: Mapping, toc: Flowable) -> list[Flowable]:
    approval = "Proposed (not yet approved by the board)"
    if ctx.blueprint_status == "approved":
        approval = f"Approved by {ctx.approved_by or 'the board'} on {_day(ctx.approved_on)}"
    facts = [
        ("Board", ctx.board_name),
        ("Credential", ctx.credential_name),
        ("Study", f"{ctx.study_title}, version {ctx.study_version}"),
        ("Study started", _day(ctx.started_on)),
        ("Validation survey", f"{_day(ctx.survey_opens_on)} to {_day(ctx.survey_closes_on)}"),
        ("Respondents", f"{int(result.get('n_respondents') or 0):,}"),
        ("Exam blueprint", approval),
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
        _key_values(facts),
        PageBreak(),
        para("Contents", "TOCHeading"),
        toc,
        PageBreak(),
    ]


def _purpose(ctx: ReportContext) -> list[Flowable]:
    intro = (
        f"This report documents the role delineation study (RDS) of the {ctx.credential_name} "
        f"for the {ctx.board_name}: the scope of service drafted by subject matter experts "
        "(SMEs), the validation survey of incumbents, the analysis of their ratings and the "
        "exam blueprint derived from it, in the order that the NCCA Standards for the "
        "Accreditation of Certification Programs and the AERA/APA/NCME Standards for "
        "Educational and Psychological Testing expect. The study is repeated every 5 to 7 years."
    )
    return [heading("1 Purpose"), *_paragraphs(ctx.purpose, ""), para(intro)]


def _scope(ctx: ReportContext) -> list[Flowable]:
    out = [heading("2 Scope of service and SME panel"), heading("Target audience", 2)]
    out += _paragraphs(ctx.target_audience)
    out += [heading("Minimum requirements", 2), *_paragraphs(ctx.minimum_requirements)]
    out.append(heading("Performance domains", 2))
    rows = [[name, len(tasks), sum(len(t[2]) for t in tasks)] for name, tasks in ctx.domains]
    header = ["Performance domain", "Task statements", "KSA statements"]
    out.append(_table(rows, header, [4.2, 1.4, 1.4], (1, 2)) if rows else para("Not recorded."))
    out.append(heading("Subject matter expert panel", 2))
    if not ctx.sme_panel:
        return [*out, para("No subject matter experts were recorded for this study.")]
    years = [y for _, _, y in ctx.sme_panel if y is not None]
    text = f"The scope of service was drafted by a panel of {len(ctx.sme_panel)} SMEs"
    if years:
        text += f" with {sum(years) / len(years):.1f} years of experience on average"
    rows = [[n, b, "not recorded" if y is None else y] for n, b, y in ctx.sme_panel]
    table = _table(rows, ["Name", "Background", "Years of experience"], [2.2, 3.4, 1.4], (2,))
    return [*out, para(text + "."), table]


def _sample_rows(ctx: ReportContext, result: Mapping) -> list[tuple[str, str]]:
    achieved = int(result.get("n_respondents") or 0)
    sample = result.get("sample_size")
    if sample is None and ctx.incumbents:
        s = cochran_sample_size(ctx.incumbents, min(achieved, ctx.incumbents))
        moe = s.margin_of_error if achieved <= ctx.incumbents else None
        sample = {"population": s.population, "required": s.required, "margin_of_error": moe}
    invited = "not recorded" if ctx.invitations is None else f"{ctx.invitations:,}"
    if sample is None:
        rows = [("Incumbents (population N)", "not recorded")]
        rows.append(("Required sample", f"{NOT_COMPUTABLE}: the number of incumbents is unknown"))
    else:
        rows = [("Incumbents (population N)", f"{int(sample['population']):,}")]
        rows.append(
            (
                "Required sample (Cochran, finite population correction)",
                f"{int(sample['required']):,}",
            )
        )
    rows += [("Invitations sent", invited), ("Responses achieved", f"{achieved:,}")]
    base = ctx.invitations or (sample or {}).get("population")
    whom = "invited" if ctx.invitations else "incumbents"
    rate = f"{100 * achieved / base:.1f}% of the {base:,} {whom}" if base else NOT_COMPUTABLE
    rows.append(("Response rate", rate))
    if sample is not None:
        moe = sample.get("margin_of_error")
        text = f"±{100 * moe:.1f} percentage points" if moe is not None else NOT_COMPUTABLE
        short = int(sample["required"]) - achieved
        rows.append(("Margin of error (95% confidence)", text))
        rows.append(("Required sample reached", "yes" if short <= 0 else f"no: {short:,} short"))
    return rows


def _method(ctx: ReportContext, result: Mapping, options: Mapping) -> list[Flowable]:
    low, high = options.get("scale_min", 0), options.get("scale_max", 4)
    scales = f"importance and frequency, from {low:g} to {high:g}"
    if (low, high) == (0, 4):
        scales = (
            "importance from 0 (not important) to 4 (extremely important) and frequency "
            "from 0 (never) to 4 (repeatedly)"
        )
    out = [
        heading("3 Survey method"),
        para(
            f"The validation survey ran over the internet from {_day(ctx.survey_opens_on)} to "
            f"{_day(ctx.survey_closes_on)}. Incumbents answered anonymously and rated every "
            f"task statement on two scales: {scales}. A frequency of 0 means that the "
            "respondent does not perform the task."
        ),
        heading("Sample", 2),
        _key_values(_sample_rows(ctx, result)),
        para(
            "Required sample: n0 = z² p (1 - p) / e² = 384.16 with z = 1.96, p = 0.5 and "
            "e = 0.05; n = n0 / (1 + (n0 - 1) / N), rounded up. Margin of error achieved: "
            "1.96 × sqrt(0.25 / n × (N - n) / (N - 1)).",
            "Small",
        ),
    ]
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
        label, answered = _label(variable), sum(counts.values())
        share = {lvl: _pct(c / answered if answered else None) for lvl, c in counts.items()}
        rows = [[lvl, f"{c:,}", share[lvl]] for lvl, c in counts.items()]
        rows.append(["Answered", f"{answered:,}", _pct(answered / n if n else None)])
        png = charts.demographics_bar(counts, label, width=4.6)
        if len(counts) > charts.MAX_BARS:  # too long to stand beside the chart: stack them
            table = _table(rows, ["Answer", "n", "%"], [4.6, 1.2, 1.2], (1, 2))
            chart = figure(png, f"Respondents by {label}; the numbers are in the table above.")
            out += [heading(label, 2), table, KeepTogether(chart)]
            continue
        table = _table(rows, ["Answer", "n", "%"], [1.45, 0.5, 0.55], (1, 2))
        parts = ", ".join(f"{lvl} {c:,} ({share[lvl]})" for lvl, c in counts.items())
        chart = figure(png, f"Respondents by {label}: {parts}.", 4.4 * inch)
        side = Table([[table, chart]], colWidths=[2.6 * inch, 4.4 * inch])
        side.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        out.append(KeepTogether([heading(label, 2), side]))
    return out


def _task_ratings(
    ctx: ReportContext, result: Mapping, options: Mapping, figure: _Figures
) -> list[Flowable]:
    tasks = result.get("tasks") or []
    method = str(options.get("method", "multiplicative"))
    imin, pmin = float(options.get("importance_min", 2.0)), options.get("performing_min", 0.5)
    scale = (options.get("scale_min", 0), options.get("scale_max", 4))
    overridden = set(_overrides(ctx, result))
    kept = sum(1 for t in tasks if t.get("retained"))
    intro = para(
        "Means and standard deviations are over each task's non-missing ratings; % performing "
        f"is the share of frequency ratings above 0. Criticality ({method}) is "
        f"{_METHODS.get(method, method)}. {kept} of {len(tasks)} tasks were retained."
    )
    png = charts.importance_frequency_scatter(tasks, imin, pmin, scale=scale)
    chart = figure(
        png,
        f"Mean importance against mean frequency of the {len(tasks)} tasks; circles: retained "
        f"({kept}), crosses: not retained ({len(tasks) - kept}); dashed line: importance "
        f"minimum {imin:.2f}. The values are in the table below.",
    )
    rows = [
        [
            t["task_id"],
            t["domain"],
            *(_fmt(t.get(k)) for k in ("mean_importance", "sd_importance", "mean_frequency")),
            _pct(t.get("pct_performing")),
            _fmt(t.get("criticality")),
            ("Yes" if t.get("retained") else "No") + (" (override)" * (t["task_id"] in overridden)),
        ]
        for t in tasks
    ]
    header = ["Task", "Domain", "Mean importance", "SD", "Mean frequency", "% performing"]
    header += ["Criticality", "Retained"]
    widths = [0.6, 1.8, 0.85, 0.45, 0.8, 0.85, 0.8, 0.85]
    heading5 = heading("5 Task ratings")
    return [KeepTogether([heading5, intro, *chart]), _table(rows, header, widths, range(2, 7))]


def _scale_section(name: str, scale: Mapping, result: Mapping) -> list[Flowable]:
    alpha, alpha_ci, icc = scale.get("alpha"), scale.get("alpha_ci95"), scale.get("icc") or {}
    average = (icc.get("ICC2k") or {}).get("value")
    text = (
        f"Cronbach's alpha of the {name} ratings is {_fmt(alpha, 3)} (95% CI {_ci(alpha_ci)}): "
        f"{alpha_reading(alpha)}. {int(scale.get('n_complete') or 0):,} respondents rated every "
        f"task; the average-measure ICC2k of {_fmt(average, 3)} is {icc_reading(average)}."
    )
    rows = [["Cronbach's alpha", "tasks as items", _fmt(alpha, 3), _ci(alpha_ci)]]
    rows[0].append(alpha_reading(alpha))
    for form, model in _ICC_MODELS.items():
        value, ci = (icc.get(form) or {}).get("value"), (icc.get(form) or {}).get("ci95")
        rows.append([form, model, _fmt(value, 3), _ci(ci), icc_reading(value)])
    header = ["Statistic", "Model", "Value", "95% CI", "Reading"]
    out = [heading(f"{name.capitalize()} ratings", 2), para(text)]
    out.append(_table(rows, header, [1.2, 2.7, 0.7, 1.4, 1.0], (2,)))
    if any(row[2] == NOT_COMPUTABLE for row in rows):
        out += _notes(result, f"{name} ") or [para("Not computable: see section 3.", "Small")]
    return [KeepTogether(out)]


def _reliability(result: Mapping, figure: _Figures) -> list[Flowable]:
    scales: Mapping[str, Mapping] = result.get("scales") or {}
    intro = para(
        "Cronbach's alpha treats the tasks as items: at least 0.90 is excellent, 0.80 good, 0.70 "
        "acceptable (the level expected) and lower values questionable. The intraclass "
        "correlations (ICC) treat the tasks as targets and the respondents as raters, on the "
        "respondents who rated every task, and are read after Koo and Li (2016): below 0.50 "
        "poor, 0.50 to 0.75 moderate, 0.75 to 0.90 good, above 0.90 excellent. The "
        "average-measure forms (ICC1k to ICC3k) tell how reliably the respondents' mean ratings "
        "order the tasks, which is what the blueprint weights rest on; single-rater forms are "
        "expected to be much lower."
    )
    parts = "; ".join(
        f"{name} {_fmt(s.get('alpha'), 3)} ({_ci(s.get('alpha_ci95'))})"
        for name, s in scales.items()
    )
    caption = f"Cronbach's alpha and its 95% CI per scale; dashed line: 0.70 expected. {parts}."
    chart = figure(charts.reliability_chart(scales), caption)
    out: list[Flowable] = [KeepTogether([heading("6 Reliability"), intro, *chart])]
    for name, scale in scales.items():
        out += _scale_section(name, scale, result)
    return out


def _subgroups(result: Mapping, options: Mapping) -> list[Flowable]:
    groups = result.get("subgroups") or []
    out = [
        heading("7 Subgroup comparisons"),
        para(
            f"For every demographic group of at least {options.get('min_group', 30)} "
            "respondents, the criticality of the retained tasks computed from the group's "
            "ratings is correlated (Pearson r) with that computed from all other respondents. "
            f"An r of at least {SUBGROUP_R_MIN:.2f} shows that the group sees the role the "
            "same way; lower values are flagged for review."
        ),
    ]
    if not groups:
        return [*out, para("No demographic group was large enough to compare.")]
    low = [g for g in groups if g.get("r") is not None and g["r"] < SUBGROUP_R_MIN]
    out.append(para(f"{len(low)} of {len(groups)} groups fall below {SUBGROUP_R_MIN:.2f}."))
    rows = []
    for g in groups:
        r = g.get("r")
        flag = NOT_COMPUTABLE if r is None else "below 0.80: review" if r < SUBGROUP_R_MIN else ""
        rows.append([_label(g["variable"]), g["level"], f"{int(g['n']):,}", _fmt(r, 3), flag])
    header = ["Variable", "Group", "n", "r", "Flag"]
    out.append(_table(rows, header, [1.5, 2.5, 0.8, 0.8, 1.4], (2, 3)))
    for g in (g for g in groups if g.get("r") is None):
        out += _notes(result, f"{g['variable']}={g['level']}")
    return out


def _overrides(ctx: ReportContext, result: Mapping) -> dict[str, tuple[bool, str]]:
    """Task code -> (retained?, reason): the context's overrides, then any others the engine
    applied (``retained_by == "override"``) whose reason the context does not hold."""
    found = {code: (kept, reason) for code, kept, reason in ctx.overrides}
    for t in result.get("tasks") or []:
        if t.get("retained_by") == "override" and t["task_id"] not in found:
            found[t["task_id"]] = (bool(t.get("retained")), "reason not recorded")
    return found


def _retention(ctx: ReportContext, result: Mapping, options: Mapping) -> list[Flowable]:
    imin, pmin = float(options.get("importance_min", 2.0)), options.get("performing_min", 0.5)
    overrides = _overrides(ctx, result)
    out = [
        heading("8 Retention decisions"),
        para(
            f"A task is retained when its mean importance is at least {imin:.2f} and at least "
            f"{_pct(pmin, 0)} of the respondents perform it, unless the psychometrician "
            "overrides the decision with a written reason."
        ),
        heading("Tasks not retained", 2),
    ]
    rows = []
    for t in (t for t in result.get("tasks") or [] if not t.get("retained")):
        mean, share = t.get("mean_importance"), t.get("pct_performing")
        why = []
        if mean is None or mean < imin:
            why.append(f"mean importance {_fmt(mean)} below {imin:.2f}")
        if pmin is not None and (share is None or share < float(pmin)):
            why.append(f"{_pct(share)} performing, below {_pct(pmin, 0)}")
        if t["task_id"] in overrides:
            why.append(f"override: {overrides[t['task_id']][1]}")
        reason = "; ".join(why) or "no criticality"
        rows.append([t["task_id"], t["domain"], _fmt(mean), _pct(share), reason])
    header = ["Task", "Domain", "Mean importance", "% performing", "Reason"]
    widths = [0.6, 1.7, 0.9, 0.9, 2.9]
    out.append(_table(rows, header, widths, (2, 3)) if rows else para("Every task was retained."))
    out.append(heading("Overrides", 2))
    if not overrides:
        return [*out, para("No retention decision was overridden.")]
    rows = [[c, "Retained" if k else "Not retained", r] for c, (k, r) in overrides.items()]
    return [*out, _table(rows, ["Task", "Decision", "Reason"], [0.8, 1.2, 5.0])]


def _blueprint(ctx: ReportContext, result: Mapping, figure: _Figures) -> list[Flowable]:
    domains, tasks = result.get("domains") or [], result.get("tasks") or []
    status = "Proposed: not yet approved by the board."
    if ctx.blueprint_status == "approved":
        status = f"Approved by {ctx.approved_by or 'the board'} on {_day(ctx.approved_on)}."
    intro = para(
        "A retained task weighs its criticality over the sum for all retained tasks and a domain "
        f"the sum of its tasks' weights. The {int(result.get('total_items') or 0)} items are "
        "apportioned to the domains, then to their tasks, by largest remainder (Raymond, 2002)."
    )
    parts = "; ".join(f"{d['domain']} {_pct(d.get('weight'))}, {d['items']} items" for d in domains)
    chart = figure(charts.domain_weights_bar(domains), f"Weight and items per domain: {parts}.")
    head = KeepTogether([heading("9 Exam blueprint"), _lead("Status:", status), intro, *chart])
    keys = ("n_tasks", "n_retained", "weight", "items")
    rows = [
        [d["domain"], d["n_tasks"], d["n_retained"], _pct(d["weight"]), d["items"]] for d in domains
    ]
    totals = [sum(d.get(k) or 0 for d in domains) for k in keys]
    rows.append(["Total", totals[0], totals[1], _pct(totals[2]), totals[3]])
    header = ["Performance domain", "Tasks", "Retained", "Weight", "Items"]
    out = [head, _table(rows, header, [3.4, 0.85, 0.85, 1.0, 0.9], (1, 2, 3, 4))]
    out.append(heading("Items per task", 2))
    statements = {code: text for _, ts in ctx.domains for code, text, _ in ts}
    for d in domains:
        kept = [t for t in tasks if t["domain"] == d["domain"] and t.get("retained")]
        rows = [
            [
                t["task_id"],
                statements.get(t["task_id"], ""),
                _pct(t.get("weight"), 2),
                t.get("items", 0),
            ]
            for t in kept
        ]
        if rows:
            out.append(para(f"{d['domain']} ({d['items']} items)", "Heading3"))
            header = ["Task", "Task statement", "Weight", "Items"]
            out.append(_table(rows, header, [0.7, 4.6, 0.9, 0.8], (2, 3)))
    return out


def _appendix(ctx: ReportContext, result: Mapping) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), heading("Appendix A: Task and KSA statements")]
    scope = ctx.domains
    if not scope:  # no scope recorded: list the analysed task ids by domain
        by_domain: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
        for t in result.get("tasks") or []:
            by_domain.setdefault(t["domain"], []).append((t["task_id"], "", ()))
        scope = tuple((d, tuple(ts)) for d, ts in by_domain.items())
    codes = [stringWidth(code, _BOLD, _TASK.fontSize) for _, ts in scope for code, _, _ in ts]
    indent = min(1.6 * inch, max([0.75 * inch, *(w + 10 for w in codes)]))  # the code column
    for number, (domain, tasks) in enumerate(scope, start=1):
        out.append(heading(f"A.{number} {domain}", 2))
        for code, statement, ksas in tasks:
            text = statement or "(statement not recorded)"
            block = [_Text(text, _TASK, _TEXT_WIDTH, indent=indent, label=code)]
            block += [_Text(k, _KSA, _TEXT_WIDTH, indent=indent + 12, bullet="–") for k in ksas]
            out.append(KeepTogether(block) if ksas else block[0])
    return out


def _headings(flowables: Sequence[Flowable]) -> Iterator[tuple[int, str]]:
    """(level, text) of every `heading(...)` in the story, also inside KeepTogether blocks."""
    for flowable in flowables:
        if hasattr(flowable, "toc_text"):
            yield flowable.toc_level, flowable.toc_text
        yield from _headings(getattr(flowable, "_content", ()))


def rds_report(context: ReportContext, result: Mapping) -> bytes:
    """Return the RDS report as PDF bytes, from the study context and the engine's result dict.

    ``result`` is ``AnalysisResult.to_dict()`` (or its JSON); missing statistics print as
    "not computable" with the engine's warning.
    """
    options: Mapping[str, Any] = result.get("options") or {}
    figure = _Figures()
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
    toc = toc_flowable()
    story = [_DraftPass(), *_title_page(context, result, toc)]
    for section in sections:
        story += [CondPageBreak(2.2 * inch), *section]
    story += _appendix(context, result)
    # Seeding the contents with this report's headings gives the first build pass a table of
    # contents of its final length, so page numbers settle after two passes instead of three.
    for level, text in _headings(story):
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
