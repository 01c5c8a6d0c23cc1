"""Downloads and charts of a stored blueprint version: CSV, XLSX, the RDS report PDF, PNGs."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.exports import csv_text
from rds.analysis import charts
from rds.models import BlueprintVersion, Study, SubjectMatterExpert, SurveyInvitation
from rds.report.document import ReportContext, rds_report
from rds.scope.services import study_ksas
from rds.scope.studies import credential_types
from rds.survey.services import questions_of, surveyed_tasks

CHART_NAME = re.compile(r"^(scatter|domains|reliability|demographics-[A-Za-z0-9_]{1,40})$")


def chart_png(session: Session, study: Study, version: BlueprintVersion, name: str) -> bytes | None:
    """One chart of a stored result as PNG, or None for an unknown chart name."""
    if not CHART_NAME.match(name):
        return None
    result, options = version.result, version.options
    if name == "scatter":
        scale = (float(options.get("scale_min", 0)), float(options.get("scale_max", 4)))
        return charts.importance_frequency_scatter(
            result.get("tasks") or [],
            float(options.get("importance_min", 2.0)),
            float(options.get("performing_min", 0.5)),
            scale=scale,
        )
    if name == "domains":
        return charts.domain_weights_bar(result.get("domains") or [])
    if name == "reliability":
        return charts.reliability_chart(result.get("scales") or {})
    key = name.removeprefix("demographics-")
    counts = (result.get("demographics") or {}).get(key)
    if counts is None:
        return None
    labels = {q.key: q.label for q in questions_of(session, study)}
    return charts.demographics_bar(counts, labels.get(key, key.replace("_", " ").capitalize()))


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
]


def blueprint_rows(session: Session, study: Study, version: BlueprintVersion) -> list[list[Any]]:
    """Domains, each followed by its tasks, with weights and items (the CSV's rows)."""
    statements = {t.code: t.statement for t in surveyed_tasks(session, study)}
    tasks = version.result.get("tasks") or []
    rows: list[list[Any]] = []
    for d in version.result.get("domains") or []:
        weight = d.get("weight") or 0.0
        kept = f"{d['n_retained']} of {d['n_tasks']}"
        rows.append(["domain", d["domain"], "", "", kept, "", "", weight, round(100 * weight, 2),
                     d["items"]])  # fmt: skip
        for t in (t for t in tasks if t["domain"] == d["domain"]):
            rows.append(
                [
                    "task",
                    t["domain"],
                    t["task_id"],
                    statements.get(t["task_id"], ""),
                    "yes" if t["retained"] else "no",
                    t.get("retained_by", "criteria"),
                    t.get("criticality"),
                    t["weight"],
                    round(100 * t["weight"], 2),
                    t["items"],
                ]
            )
    return rows


def blueprint_csv(session: Session, study: Study, version: BlueprintVersion) -> str:
    """The blueprint as CSV text; a domain row says how many of its tasks are retained."""
    return csv_text(_COLUMNS, blueprint_rows(session, study, version))


def blueprint_xlsx(session: Session, study: Study, version: BlueprintVersion) -> bytes:
    """The blueprint as a workbook with the sheets Domains, Tasks and Reliability."""
    from openpyxl import Workbook

    result = version.result
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Domains")
    sheet.append(["domain", "n_tasks", "n_retained", "weight", "weight_percent", "items"])
    for d in result.get("domains") or []:
        sheet.append(
            [
                d["domain"],
                d["n_tasks"],
                d["n_retained"],
                d["weight"],
                round(100 * d["weight"], 2),
                d["items"],
            ]
        )
    statements = {t.code: t.statement for t in surveyed_tasks(session, study)}
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
    sheet = book.create_sheet("Tasks")
    sheet.append(columns)
    for t in result.get("tasks") or []:
        row = {**t, "statement": statements.get(t["task_id"], "")}
        sheet.append(
            [("yes" if row[c] else "no") if c == "retained" else row.get(c) for c in columns]
        )
    sheet = book.create_sheet("Reliability")
    sheet.append(["scale", "statistic", "value", "ci95_low", "ci95_high", "n_complete"])
    for name, scale in (result.get("scales") or {}).items():
        ci = scale.get("alpha_ci95") or [None, None]
        sheet.append([name, "alpha", scale.get("alpha"), ci[0], ci[1], scale.get("n_complete")])
        for form, icc in (scale.get("icc") or {}).items():
            ci = icc.get("ci95") or [None, None]
            sheet.append([name, form, icc.get("value"), ci[0], ci[1], scale.get("n_complete")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
    invitations = session.execute(
        select(func.count(SurveyInvitation.id)).where(SurveyInvitation.study_id == study.id)
    ).scalar_one()
    overrides = version.options.get("overrides") or {}
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
        sme_panel=tuple((s.name, s.background, s.years_experience) for s in smes),
        domains=tuple((name, tuple(tasks)) for name, tasks in by_domain.items()),
        overrides=tuple((c, bool(o["retained"]), o["reason"]) for c, o in overrides.items()),
        blueprint_status="approved" if approved else "proposed",
        approved_by=version.approved_by.full_name if version.approved_by else None,
        approved_on=version.approved_at.date() if version.approved_at else None,
        generated_at=now,
    )


def report_pdf(session: Session, study: Study, version: BlueprintVersion, now: datetime) -> bytes:
    """The RDS report of a blueprint version as PDF bytes."""
    return rds_report(report_context(session, study, version, now), version.result)
