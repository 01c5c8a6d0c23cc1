"""Downloads and charts of a stored blueprint version: CSV, XLSX, the RDS report PDF, PNGs."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rds.analysis import charts
from rds.models import (
    KSA,
    BlueprintVersion,
    Study,
    SubjectMatterExpert,
    SurveyInvitation,
    WeightJudgment,
)
from rds.report.document import PreviousBlueprint, ReportContext, rds_report
from rds.report.sections import demographics_in_order, key_label
from rds.scope.services import study_ksas
from rds.scope.studies import credential_types
from rds.survey.services import interim_label, questions_of, surveyed_tasks
from rds.workshop.review import COGNITIVE_LEVELS, levels_text
from rds.workshop.services import tally

log = logging.getLogger(__name__)
CHART_NAME = re.compile(r"^(scatter|domains|reliability|demographics-[A-Za-z0-9_]{1,40})$")


@dataclass(frozen=True)
class Chart:
    """One chart of a stored version: what it is drawn from, and its cache key (ETag).

    The key is a digest of everything the drawing reads (the chart's inputs, the chart
    code, matplotlib's version), so a cached PNG is served only while it is what drawing
    again would give, and the same key serves as the response's ETag.
    """

    study_id: int
    version: int
    name: str
    draw: Callable[[], bytes]
    key: str

    def path(self, cache_dir: Path) -> Path:
        """Where the cached PNG lives: per study, analysis version, chart and key."""
        folder = cache_dir / f"study-{self.study_id}" / f"v{self.version}"
        return folder / f"{self.name}-{self.key}.png"

    def png(self, cache_dir: Path | None) -> bytes:
        """The PNG from the cache, drawn and stored (atomically) on the first request."""
        if cache_dir is None:
            return self.draw()
        path = self.path(cache_dir)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        png = self.draw()
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(png)
        os.replace(temporary, path)
        for stale in path.parent.glob(f"{self.name}-*.png"):  # drawn from inputs since changed
            if stale != path:
                stale.unlink(missing_ok=True)
        return png


_CHART_CODE = hashlib.sha256(
    Path(charts.__file__).read_bytes() + matplotlib.__version__.encode()
).hexdigest()


def _chart(study: Study, version: BlueprintVersion, name: str, draw: Callable[..., bytes],
           *args: Any, **kwargs: Any) -> Chart:  # fmt: skip
    inputs = repr((_CHART_CODE, draw.__name__, args, sorted(kwargs.items())))
    key = hashlib.sha256(inputs.encode()).hexdigest()[:32]
    return Chart(study.id, version.version, name, partial(draw, *args, **kwargs), key)


def chart_of(session: Session, study: Study, version: BlueprintVersion, name: str) -> Chart | None:
    """One chart of a stored result (not yet drawn), or None for an unknown chart name.

    Demographic answers are in the questionnaire's order, as in the page's tables and the
    report.
    """
    if not CHART_NAME.match(name):
        return None
    result = version.analysis()
    if name == "scatter":
        options = result.options
        tasks = tuple(
            {"task_id": t.task_id, "mean_frequency": t.mean_frequency,
             "mean_importance": t.mean_importance, "retained": t.retained}
            for t in result.tasks
        )  # fmt: skip
        scale = (float(options.scale_min), float(options.scale_max))
        minimums = (float(options.importance_min), float(options.performing_min))
        draw = charts.importance_frequency_scatter
        return _chart(study, version, name, draw, tasks, *minimums, scale=scale)
    if name == "domains":
        domains = tuple(
            {"domain": d.domain, "weight": d.weight, "items": d.items} for d in result.domains
        )
        return _chart(study, version, name, charts.domain_weights_bar, domains)
    if name == "reliability":
        scales = {
            key: {"alpha": s.alpha, "alpha_ci95": s.alpha_ci95} for key, s in result.scales.items()
        }
        return _chart(study, version, name, charts.reliability_chart, scales)
    key = name.removeprefix("demographics-")
    if key not in result.demographics:
        return None
    questions = [(q.key, q.label, tuple(q.options)) for q in questions_of(session, study)]
    counts = demographics_in_order(result.demographics, questions)[key]
    title = next((label for k, label, _ in questions if k == key), key_label(key))
    return _chart(study, version, name, charts.demographics_bar, counts, title)


def charts_of(session: Session, study: Study, version: BlueprintVersion) -> list[Chart]:
    """Every chart the analysis page shows for this version (not yet drawn)."""
    names = ["scatter", "domains", "reliability"]
    names += [f"demographics-{key}" for key in version.analysis().demographics]
    found = (chart_of(session, study, version, name) for name in names)
    return [chart for chart in found if chart is not None]


def draw_in_background(charts_to_draw: Sequence[Chart], cache_dir: Path) -> threading.Thread:
    """Draw the charts into the cache on a thread of their own (they hold only plain data, no
    database session), so that the page opened next finds them drawn. A failure is logged;
    the chart's route then draws it on request."""

    def work() -> None:
        for chart in charts_to_draw:
            try:
                chart.png(cache_dir)
            except Exception:  # noqa: BLE001 - logged; the route draws it on request instead
                log.exception("drawing the RDS chart %s of study %s failed", chart.name,
                              chart.study_id)  # fmt: skip

    thread = threading.Thread(target=work, name="rds-charts", daemon=True)
    thread.start()
    return thread


def chart_png(session: Session, study: Study, version: BlueprintVersion, name: str) -> bytes | None:
    """One chart of a stored result as PNG (drawn, not cached), or None for an unknown name."""
    chart = chart_of(session, study, version, name)
    return None if chart is None else chart.draw()


# --- downloads -------------------------------------------------------------------------------

_COLUMNS = [
    "level",
    "domain",
    "task_id",
    "statement",
    "retained",
    "retained_by",
    "criticality",
    "weight",
    "weight_percent",
    "items",
    "ksa_code",
    "ksa_kind",
    *(f"{level}_percent" for level in COGNITIVE_LEVELS),
]


def _levels(version: BlueprintVersion) -> dict[str, dict[str, int]]:
    """The cognitive levels per domain the SME panel set, as the version was run with them."""
    review = (version.options or {}).get("sme_review") or {}
    return dict(review.get("cognitive_levels") or {})


def _level_cells(levels: dict[str, int] | None) -> list[Any]:
    """The percent of recall, application and analysis, blank when the panel set none."""
    return [int(levels.get(level, 0)) if levels else "" for level in COGNITIVE_LEVELS]


def _ksas_by_task(session: Session, study: Study) -> dict[str, list[KSA]]:
    """Each task's KSAs (by task code): knowledge, then skills, then abilities, by code."""
    linked: dict[str, list[KSA]] = {}
    for ksa in study_ksas(session, study):
        for task in ksa.tasks:
            linked.setdefault(task.code, []).append(ksa)
    return linked


def blueprint_table(
    session: Session, study: Study, version: BlueprintVersion
) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows of the blueprint CSV: domains with their cognitive levels, each followed
    by its tasks with weights and items, each task by the KSAs linked to it (a domain row says
    how many of its tasks are retained); rows made as written."""
    statements = {t.code: t.statement for t in surveyed_tasks(session, study)}
    ksas = _ksas_by_task(session, study)
    levels = _levels(version)
    result = version.analysis()
    blank = [""] * 6  # retained .. items

    def rows() -> Iterator[list[Any]]:
        for d in result.domains:
            kept = f"{d.n_retained} of {d.n_tasks}"
            yield ["domain", d.domain, "", "", kept, "", "", d.weight, round(100 * d.weight, 2),
                   d.items, "", "", *_level_cells(levels.get(d.domain))]  # fmt: skip
            for t in (t for t in result.tasks if t.domain == d.domain):
                yield [
                    "task",
                    t.domain,
                    t.task_id,
                    statements.get(t.task_id, ""),
                    "yes" if t.retained else "no",
                    t.retained_by,
                    t.criticality,
                    t.weight,
                    round(100 * t.weight, 2),
                    t.items,
                    "",
                    "",
                    *_level_cells(None),
                ]
                for k in ksas.get(t.task_id, ()):
                    yield ["ksa", t.domain, t.task_id, k.statement, *blank, k.code, k.kind,
                           *_level_cells(None)]  # fmt: skip

    return _COLUMNS, rows()


def blueprint_sheets(
    session: Session, study: Study, version: BlueprintVersion
) -> list[tuple[str, list[str], Iterable[list[Any]]]]:
    """The blueprint workbook's sheets (name, header, rows): Domains (with their cognitive
    levels), Tasks, KSAs (under their tasks, in the tasks' order) and Reliability, each
    sheet's rows made as it is written."""
    result = version.analysis()
    statements = {t.code: t.statement for t in surveyed_tasks(session, study)}
    ksas = _ksas_by_task(session, study)
    levels = _levels(version)
    columns = [
        "task_id",
        "domain",
        "statement",
        "n_importance",
        "mean_importance",
        "sd_importance",
        "n_frequency",
        "mean_frequency",
        "sd_frequency",
        "pct_performing",
        "criticality",
        "retained",
        "retained_by",
        "weight",
        "items",
    ]

    def domains() -> Iterator[list[Any]]:
        for d in result.domains:
            yield [d.domain, d.n_tasks, d.n_retained, d.weight, round(100 * d.weight, 2), d.items,
                   *_level_cells(levels.get(d.domain))]  # fmt: skip

    def tasks() -> Iterator[list[Any]]:
        for t in result.tasks:
            cells: dict[str, Any] = {c: getattr(t, c, None) for c in columns}
            cells["statement"] = statements.get(t.task_id, "")
            cells["retained"] = "yes" if t.retained else "no"
            yield [cells[c] for c in columns] + ["; ".join(k.code for k in ksas.get(t.task_id, ()))]

    def task_ksas() -> Iterator[list[Any]]:
        for t in result.tasks:
            for k in ksas.get(t.task_id, ()):
                yield [t.task_id, t.domain, k.code, k.kind, k.statement]

    def reliability() -> Iterator[list[Any]]:
        for name, scale in result.scales.items():
            low, high = scale.alpha_ci95 or (None, None)
            yield [name, "alpha", scale.alpha, low, high, scale.n_complete]
            for form, icc in scale.icc.items():
                low, high = icc.ci95 or (None, None)
                yield [name, form, icc.value, low, high, scale.n_complete]

    percents = [f"{level}_percent" for level in COGNITIVE_LEVELS]
    return [
        ("Domains", ["domain", "n_tasks", "n_retained", "weight", "weight_percent", "items",
                     *percents], domains()),
        ("Tasks", [*columns, "ksas"], tasks()),
        ("KSAs", ["task_id", "domain", "ksa_code", "ksa_kind", "statement"], task_ksas()),
        ("Reliability", ["scale", "statistic", "value", "ci95_low", "ci95_high", "n_complete"],
         reliability()),
    ]  # fmt: skip


def report_context(
    session: Session, study: Study, version: BlueprintVersion, now: datetime
) -> ReportContext:
    """The study's scope, SME panel, invitations and decisions as the report's context."""
    ksas: dict[int, list[str]] = {}
    for ksa in study_ksas(session, study):
        for task in ksa.tasks:
            ksas.setdefault(task.id, []).append(f"{ksa.code} ({ksa.kind}): {ksa.statement}")
    by_domain: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for t in surveyed_tasks(session, study):
        entry = (t.code, t.statement, tuple(ksas.get(t.id, [])))
        by_domain.setdefault(t.domain.name, []).append(entry)
    smes = session.execute(
        select(SubjectMatterExpert)
        .where(SubjectMatterExpert.study_id == study.id)
        .order_by(SubjectMatterExpert.name)
    ).scalars()
    invitations, first_sent, last_sent, reminders, last_reminder = session.execute(
        select(
            func.count(SurveyInvitation.id),
            func.min(SurveyInvitation.sent_at),
            func.max(SurveyInvitation.sent_at),
            func.count(SurveyInvitation.reminded_at),
            func.max(SurveyInvitation.reminded_at),
        ).where(SurveyInvitation.study_id == study.id)
    ).one()
    votes = tuple(
        (
            e.task.code,
            e.counts["keep"],
            e.counts["revise"],
            e.counts["drop"],
            e.task.sme_resolution,
            e.task.sme_note,
        )
        for _, entries in tally(session, study)
        for e in entries
        if e.votes
    )
    overrides = version.options.get("overrides") or {}
    review = version.options.get("sme_review") or {}
    approved = version.approved_at is not None
    return ReportContext(
        board_name=study.board.name,
        credential_name=credential_types(session, study.board_id).get(
            study.credential_type_id or 0, "Peer support credential"
        ),
        study_title=study.title,
        study_version=study.version,
        purpose=study.purpose,
        target_audience=study.target_audience,
        minimum_requirements=study.minimum_requirements,
        started_on=study.started_on,
        survey_opens_on=study.survey_opens_on,
        survey_closes_on=study.survey_closes_on,
        incumbents=study.incumbents,
        invitations=int(invitations),
        importance_anchors=tuple(study.importance_anchors),
        frequency_anchors=tuple(study.frequency_anchors),
        questions=tuple((q.key, q.label, tuple(q.options)) for q in questions_of(session, study)),
        invitations_sent=(first_sent.date(), last_sent.date())
        if first_sent and last_sent
        else None,
        reminders=int(reminders),
        last_reminder_on=last_reminder.date() if last_reminder else None,
        screening=version.options.get("screening"),
        min_respondents=study.min_respondents,
        sme_votes=votes,
        interim=interim_label(study, version.options),
        approval_note=version.approval_note,
        approval_concerns=tuple(version.approval_concerns or ()),
        acknowledgement=version.acknowledgement,
        previous=previous_blueprint(session, study, version),
        cognitive_levels=tuple(
            (name, levels_text(levels))
            for name, levels in review.get("cognitive_levels", {}).items()
        ),
        weight_changes=tuple(
            (name, float(c["change"]), str(c.get("reason") or ""))
            for name, c in review.get("domains", {}).items()
        ),
        weight_judgments=tuple(
            (j.source, dict(j.percents))
            for j in session.execute(
                select(WeightJudgment)
                .where(WeightJudgment.study_id == study.id)
                .order_by(WeightJudgment.id)
            ).scalars()
        ),
        sme_panel=tuple((s.name, s.background, s.years_experience) for s in smes),
        domains=tuple((name, tuple(tasks)) for name, tasks in by_domain.items()),
        overrides=tuple((c, bool(o["retained"]), o["reason"]) for c, o in overrides.items()),
        blueprint_status="approved" if approved else "proposed",
        approved_by=version.approved_by.full_name if version.approved_by else None,
        approved_on=version.approved_at.date() if version.approved_at else None,
        generated_at=now,
    )


def previous_blueprint(
    session: Session, study: Study, version: BlueprintVersion
) -> PreviousBlueprint | None:
    """The blueprint this one follows: of the board's studies of the same credential type, the
    last one approved before this version (or, unapproved, before now), this version left out."""
    query = (
        select(BlueprintVersion)
        .join(Study, BlueprintVersion.study_id == Study.id)
        .where(
            BlueprintVersion.board_id == study.board_id,
            BlueprintVersion.status.in_(("approved", "superseded")),
            BlueprintVersion.approved_at.is_not(None),
            BlueprintVersion.id != version.id,
        )
        .order_by(BlueprintVersion.approved_at.desc(), BlueprintVersion.id.desc())
    )
    if study.credential_type_id is None:
        query = query.where(Study.id == study.id)
    else:
        query = query.where(Study.credential_type_id == study.credential_type_id)
    if version.approved_at is not None:
        query = query.where(BlueprintVersion.approved_at < version.approved_at)
    found = session.execute(query).scalars().first()
    if found is None or found.approved_at is None:
        return None
    earlier = found.analysis()
    label = (
        f"blueprint version {found.version} of {found.study.title} (study version "
        f"{found.study.version}), approved {found.approved_at.date().isoformat()}"
    )
    return PreviousBlueprint(
        label,
        tuple((d.domain, d.items) for d in earlier.domains),
        tuple(t.task_id for t in earlier.tasks if t.retained),
    )


def report_pdf(session: Session, study: Study, version: BlueprintVersion, now: datetime) -> bytes:
    """The RDS report of a blueprint version as PDF bytes."""
    return rds_report(report_context(session, study, version, now), version.analysis())
