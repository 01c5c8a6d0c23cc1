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
from rds.analysis.results import finite_or_none
from rds.report.layout import (
    BOLD_FONT,
    NOT_COMPUTABLE,
    STYLES,
    TEXT_WIDTH,
    DraftPass,
    Figures,
    WrappedText,
    fmt_day,
    key_value_table,
    story_headings,
    text_paragraphs,
    text_table,
)
from rds.report.sections import (
    blueprint_section,
    demographics_section,
    reliability_section,
    retention_section,
    subgroups_section,
    task_ratings_section,
)
from rds.stats import cochran_sample_size

__all__ = ["ReportContext", "rds_report"]

MAX_WARNINGS = 60
_CENTRE = {n: STYLES[n].clone(f"{n}C", alignment=1) for n in ("Title", "Subtitle", "Heading2")}
_TASK = STYLES["Body"].clone("Task", spaceBefore=3, spaceAfter=1)
_BULLET = STYLES["Body"].clone("Bullet", leftIndent=14, bulletIndent=4, spaceAfter=2)
_KSA = STYLES["Small"].clone("Ksa", fontSize=8.5, leading=11)


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


def _title_page(ctx: ReportContext, result: AnalysisResult, toc: Flowable) -> list[Flowable]:
    approval = "Proposed (not yet approved by the board)"
    if ctx.blueprint_status == "approved":
        approval = f"Approved by {ctx.approved_by or 'the board'} on {fmt_day(ctx.approved_on)}"
    facts = [
        ("Board", ctx.board_name),
        ("Credential", ctx.credential_name),
        ("Study", f"{ctx.study_title}, version {ctx.study_version}"),
        ("Study started", fmt_day(ctx.started_on)),
        ("Validation survey", f"{fmt_day(ctx.survey_opens_on)} to {fmt_day(ctx.survey_closes_on)}"),
        ("Respondents", f"{result.n_respondents:,}"),
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
        key_value_table(facts),
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
    return [heading("1 Purpose"), *text_paragraphs(ctx.purpose, ""), para(intro)]


def _scope(ctx: ReportContext) -> list[Flowable]:
    out = [heading("2 Scope of service and SME panel"), heading("Target audience", 2)]
    out += text_paragraphs(ctx.target_audience)
    out += [heading("Minimum requirements", 2), *text_paragraphs(ctx.minimum_requirements)]
    out.append(heading("Performance domains", 2))
    rows = [[name, len(tasks), sum(len(t[2]) for t in tasks)] for name, tasks in ctx.domains]
    header = ["Performance domain", "Task statements", "KSA statements"]
    out.append(text_table(rows, header, [4.2, 1.4, 1.4], (1, 2)) if rows else para("Not recorded."))
    out.append(heading("Subject matter expert panel", 2))
    if not ctx.sme_panel:
        return [*out, para("No subject matter experts were recorded for this study.")]
    years = [y for _, _, y in ctx.sme_panel if y is not None]
    text = f"The scope of service was drafted by a panel of {len(ctx.sme_panel)} SMEs"
    if years:
        text += f" with {sum(years) / len(years):.1f} years of experience on average"
    rows = [[n, b, "not recorded" if y is None else y] for n, b, y in ctx.sme_panel]
    table = text_table(rows, ["Name", "Background", "Years of experience"], [2.2, 3.4, 1.4], (2,))
    return [*out, para(text + "."), table]


def _sample_rows(ctx: ReportContext, result: AnalysisResult) -> list[tuple[str, str]]:
    achieved = result.n_respondents
    sample = result.sample_size
    moe = None if sample is None else finite_or_none(sample.margin_of_error)
    if sample is None and ctx.incumbents:
        sample = cochran_sample_size(ctx.incumbents, min(achieved, ctx.incumbents))
        moe = finite_or_none(sample.margin_of_error) if achieved <= ctx.incumbents else None
    invited = "not recorded" if ctx.invitations is None else f"{ctx.invitations:,}"
    if sample is None:
        rows = [("Incumbents (population N)", "not recorded")]
        rows.append(("Required sample", f"{NOT_COMPUTABLE}: the number of incumbents is unknown"))
    else:
        rows = [("Incumbents (population N)", f"{sample.population:,}")]
        rows.append(
            ("Required sample (Cochran, finite population correction)", f"{sample.required:,}")
        )
    rows += [("Invitations sent", invited), ("Responses achieved", f"{achieved:,}")]
    base = ctx.invitations or (sample.population if sample is not None else None)
    whom = "invited" if ctx.invitations else "incumbents"
    rate = f"{100 * achieved / base:.1f}% of the {base:,} {whom}" if base else NOT_COMPUTABLE
    rows.append(("Response rate", rate))
    if sample is not None:
        text = f"±{100 * moe:.1f} percentage points" if moe is not None else NOT_COMPUTABLE
        short = sample.required - achieved
        rows.append(("Margin of error (95% confidence)", text))
        rows.append(("Required sample reached", "yes" if short <= 0 else f"no: {short:,} short"))
    return rows


def _method(ctx: ReportContext, result: AnalysisResult) -> list[Flowable]:
    low, high = result.options.scale_min, result.options.scale_max
    scales = f"importance and frequency, from {low:g} to {high:g}"
    if (low, high) == (0, 4):
        scales = (
            "importance from 0 (not important) to 4 (extremely important) and frequency "
            "from 0 (never) to 4 (repeatedly)"
        )
    out = [
        heading("3 Survey method"),
        para(
            f"The validation survey ran over the internet from {fmt_day(ctx.survey_opens_on)} to "
            f"{fmt_day(ctx.survey_closes_on)}. Incumbents answered anonymously and rated every "
            f"task statement on two scales: {scales}. A frequency of 0 means that the "
            "respondent does not perform the task."
        ),
        heading("Sample", 2),
        key_value_table(_sample_rows(ctx, result)),
        para(
            "Required sample: n0 = z² p (1 - p) / e² = 384.16 with z = 1.96, p = 0.5 and "
            "e = 0.05; n = n0 / (1 + (n0 - 1) / N), rounded up. Margin of error achieved: "
            "1.96 × sqrt(0.25 / n × (N - n) / (N - 1)).",
            "Small",
        ),
    ]
    warnings = list(result.warnings)
    if warnings:
        out.append(heading("Notes from the analysis", 2))
        out += [Paragraph(escape(w), _BULLET, bulletText="•") for w in warnings[:MAX_WARNINGS]]
        if len(warnings) > MAX_WARNINGS:
            out.append(para(f"... and {len(warnings) - MAX_WARNINGS} more."))
    return out


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
        out.append(heading(f"A.{number} {domain}", 2))
        for code, statement, ksas in tasks:
            text = statement or "(statement not recorded)"
            block = [WrappedText(text, _TASK, TEXT_WIDTH, indent=indent, label=code)]
            block += [
                WrappedText(k, _KSA, TEXT_WIDTH, indent=indent + 12, bullet="–") for k in ksas
            ]
            out.append(KeepTogether(block) if ksas else block[0])
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
        _purpose(context),
        _scope(context),
        _method(context, result),
        demographics_section(result, figure),
        task_ratings_section(context, result, figure),
        reliability_section(result, figure),
        subgroups_section(result),
        retention_section(context, result),
        blueprint_section(context, result, figure),
    ]
    toc = toc_flowable()
    story = [DraftPass(), *_title_page(context, result, toc)]
    for section in sections:
        story += [CondPageBreak(2.2 * inch), *section]
    story += _appendix(context, result)
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
