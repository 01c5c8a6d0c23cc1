"""RDS analysis services: run the engine on a study, retention overrides, blueprint approval."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from core import mail
from core.audit import record
from core.models import Role, User
from rds.analysis.engine import AnalysisResult, analyze
from rds.analysis.results import TaskResult
from rds.exam_blueprint import Blueprint, BlueprintDomain, BlueprintKsa, BlueprintTask
from rds.models import BlueprintVersion, Domain, Study, SurveyResponse, Task, WeightJudgment
from rds.reliability import ALPHA_EXPECTED
from rds.report.document import PreviousBlueprint
from rds.report.sections import alpha_reading
from rds.scope.services import ordered_domains, study_ksas
from rds.survey.screening import screening_report
from rds.survey.services import interim_label, submitted_survey, surveyed_tasks
from rds.weight_judgments import (
    WeightComparison,
    check_judgment,
    compare_weights,
    comparison_text,
)
from rds.workshop.review import (
    MAX_WEIGHT_CHANGE,
    adjust_domain_weights,
    check_change,
    check_levels,
)

DEFAULT_SETTINGS: dict[str, Any] = {
    "method": "multiplicative",
    "importance_min": 2.0,
    "performing_min": 0.5,
    "items": 150,
    "min_per_domain": 0,
    "min_group": 30,
    "importance_basis": "all",
    "importance_rule": "mean",
    "criticality_min": None,
}
SUBGROUP_R_MIN = 0.80


class AnalysisError(ValueError):
    """An analysis action that cannot be done; ``field`` names the form field if there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- reading ---------------------------------------------------------------------------------


def versions(session: Session, study: Study) -> list[BlueprintVersion]:
    """The study's blueprint versions, newest first."""
    query = select(BlueprintVersion).where(BlueprintVersion.study_id == study.id)
    return list(session.execute(query.order_by(BlueprintVersion.version.desc())).scalars())


def version_of(session: Session, study: Study, number: int) -> BlueprintVersion | None:
    """Version ``number`` of the study's blueprint, or None."""
    query = select(BlueprintVersion).where(
        BlueprintVersion.study_id == study.id, BlueprintVersion.version == number
    )
    return session.execute(query).scalar_one_or_none()


def approved_version(session: Session, study_id: int) -> BlueprintVersion | None:
    """The study's approved blueprint version (the one a new approval supersedes), or None."""
    query = select(BlueprintVersion).where(
        BlueprintVersion.study_id == study_id, BlueprintVersion.status == "approved"
    )
    return session.execute(query.order_by(BlueprintVersion.version.desc())).scalars().first()


def approved_blueprint(
    session: Session, board_id: int, credential_type_id: int
) -> Blueprint | None:
    """The board's approved exam blueprint for a credential type, or None: what exams reads.

    Of the board's studies of that credential type (archived ones left out), the blueprint
    approved last; task statements and KSAs are the study's.
    """
    query = (
        select(BlueprintVersion)
        .join(Study, BlueprintVersion.study_id == Study.id)
        .where(
            BlueprintVersion.board_id == board_id,
            BlueprintVersion.status == "approved",
            Study.credential_type_id == credential_type_id,
            Study.status != "archived",
        )
        .order_by(BlueprintVersion.approved_at.desc(), BlueprintVersion.id.desc())
    )
    version = session.execute(query).scalars().first()
    if version is None or version.approved_at is None:
        return None
    result = version.analysis()
    query_tasks = select(Task).where(Task.study_id == version.study_id)
    rows = {t.code: t for t in session.execute(query_tasks).scalars()}
    ksas: dict[int, list[BlueprintKsa]] = {}
    for ksa in study_ksas(session, version.study):  # knowledge, skills, abilities; by code
        for linked in ksa.tasks:
            ksas.setdefault(linked.id, []).append(BlueprintKsa(ksa.code, ksa.kind, ksa.statement))

    def task_of(stats: TaskResult) -> BlueprintTask:
        row = rows.get(stats.task_id)
        return BlueprintTask(
            code=stats.task_id,
            statement=row.statement if row is not None else "",
            weight=stats.weight,
            items=stats.items,
            retained=stats.retained,
            ksas=tuple(ksas.get(row.id, ())) if row is not None else (),
        )

    review = (version.options or {}).get("sme_review") or {}
    levels: dict[str, dict[str, int]] = review.get("cognitive_levels") or {}
    domains = tuple(
        BlueprintDomain(
            name=d.domain,
            weight=d.weight,
            items=d.items,
            tasks=tuple(task_of(t) for t in result.tasks if t.domain == d.domain),
            cognitive_levels=tuple(
                (level, int(share)) for level, share in levels.get(d.domain, {}).items()
            ),
        )
        for d in result.domains
    )
    return Blueprint(
        study_id=version.study_id,
        version=version.version,
        approved_at=version.approved_at,
        approved_by=version.approved_by.full_name if version.approved_by else None,
        test_length=result.total_items,
        domains=domains,
        interim=interim_label(version.study, version.options),
    )


def submitted_count(session: Session, study: Study) -> int:
    """How many survey responses are submitted (the analysis's respondents)."""
    query = select(func.count(SurveyResponse.id)).where(
        SurveyResponse.study_id == study.id, SurveyResponse.status == "submitted"
    )
    return int(session.execute(query).scalar_one())


def overridden_tasks(session: Session, study: Study) -> list[Task]:
    """The surveyed tasks whose retention a psychometrician overrode."""
    return [t for t in surveyed_tasks(session, study) if t.retention_override is not None]


def settings_of(version: BlueprintVersion | None) -> dict[str, Any]:
    """The run settings of a version (the defaults when there is none)."""
    stored = version.options if version is not None else {}
    return {key: stored.get(key, default) for key, default in DEFAULT_SETTINGS.items()}


# --- running ---------------------------------------------------------------------------------


def _check_active(study: Study) -> None:
    if study.status == "archived":
        raise AnalysisError("This study is archived; clone it into a new version to analyse it.")


def run_analysis(
    session: Session, actor: User, study: Study, settings: Mapping[str, Any]
) -> BlueprintVersion:
    """Run the engine on the submitted responses and store the next proposed version."""
    _check_active(study)
    chosen = {key: settings.get(key, default) for key, default in DEFAULT_SETTINGS.items()}
    survey = submitted_survey(session, study)  # read and decoded once
    screened = screening_report(session, study, survey=survey)
    codes, domains, importance, frequency, demographics = survey.matrix(screened.excluded_ids)
    if not codes:
        raise AnalysisError("The study has no surveyed task statements to analyse.")
    if importance.shape[0] == 0:
        if screened.submitted:
            raise AnalysisError(
                f"The screening excludes all {screened.submitted} submitted responses; "
                "review the screening decisions."
            )
        raise AnalysisError("There are no submitted survey responses to analyse yet.")
    overrides = {
        t.code: (bool(t.retention_override), t.override_reason or "")
        for t in overridden_tasks(session, study)
    }
    try:
        result = analyze(
            codes,
            domains,
            importance,
            frequency,
            demographics,
            items=int(chosen["items"]),
            method=str(chosen["method"]),
            importance_min=float(chosen["importance_min"]),
            performing_min=float(chosen["performing_min"]),
            population=study.incumbents,
            min_group=int(chosen["min_group"]),
            min_per_domain=int(chosen["min_per_domain"]),
            scale_min=study.scale_min,
            scale_max=study.scale_max,
            retained_overrides={code: keep for code, (keep, _) in overrides.items()},
            min_respondents=study.min_respondents,
            importance_basis=str(chosen["importance_basis"]),
            importance_rule=str(chosen["importance_rule"]),
            criticality_min=(
                None if chosen["criticality_min"] is None else float(chosen["criticality_min"])
            ),
        )
    except ValueError as error:
        field = next((f for f in ("min_per_domain", "importance_min") if f in str(error)), None)
        raise AnalysisError(f"The analysis cannot run with these options: {error}", field) from None
    study_domains = ordered_domains(study)
    changes = {d.name: d.weight_change for d in study_domains if d.weight_change}
    if changes:
        try:
            result = adjust_domain_weights(result, changes, int(chosen["min_per_domain"]))
        except ValueError as error:
            raise AnalysisError(f"The SME review's weight changes cannot apply: {error}") from None
    sme_review = {
        "domains": {
            d.name: {"change": d.weight_change, "reason": d.weight_reason}
            for d in study_domains
            if d.weight_change
        },
        "cognitive_levels": {
            d.name: d.cognitive_levels for d in study_domains if d.cognitive_levels
        },
    }
    # Serialise version numbers per study (a no-op on SQLite, a row lock on PostgreSQL).
    session.execute(select(Study.id).where(Study.id == study.id).with_for_update())
    latest = session.execute(
        select(func.max(BlueprintVersion.version)).where(BlueprintVersion.study_id == study.id)
    ).scalar_one()
    options = {
        **chosen,
        "population": study.incumbents,
        "scale_min": study.scale_min,
        "scale_max": study.scale_max,
        "respondents": int(importance.shape[0]),
        "interim": study.status == "survey_open",  # run while answers may still come in
        "screening": screened.summary(),
        "sme_review": sme_review,
        "overrides": {c: {"retained": k, "reason": r} for c, (k, r) in overrides.items()},
    }
    version = BlueprintVersion(
        board_id=study.board_id,
        study_id=study.id,
        version=(latest or 0) + 1,
        status="proposed",
        options=options,
        result=result.to_dict(),
        created_by_id=actor.id,
    )
    session.add(version)
    session.flush()
    summary = {d.domain: d.items for d in result.domains}
    after = {"version": version.version, "options": options, "domain_items": summary}
    record(session, actor, "rds.blueprint.proposed", version, None, after)
    return version


def review_domain(
    session: Session,
    actor: User,
    domain: Domain,
    change: float | None,
    reason: str,
    levels: Mapping[str, int] | None,
) -> None:
    """Record the SME panel's review of a domain (audited): a change to its empirical weight
    within the bound, with the reason, and its cognitive levels; the next run applies them."""
    _check_active(domain.study)
    reason = reason.strip()
    try:
        change = check_change(change) if change else None
    except ValueError as error:
        raise AnalysisError(
            f"Changes are limited to ±{MAX_WEIGHT_CHANGE:g} points.", "change"
        ) from error
    if change and len(reason) < 10:
        raise AnalysisError(
            "Write why the panel changes the weight (10 characters or more).", "reason"
        )
    try:
        chosen = check_levels(levels) if levels is not None else None
    except ValueError as error:
        raise AnalysisError(
            "Recall, application and analysis must add up to 100%.", "recall"
        ) from error
    before = {
        "weight_change": domain.weight_change,
        "reason": domain.weight_reason,
        "cognitive_levels": domain.cognitive_levels,
    }
    domain.weight_change, domain.weight_reason = change, (reason or None) if change else None
    domain.cognitive_levels = chosen
    session.flush()
    after = {"weight_change": change, "reason": domain.weight_reason, "cognitive_levels": chosen}
    record(session, actor, "rds.sme_review.domain", domain, before, after)


# --- direct judgments of the domain weights ---------------------------------------------------

JUDGE_SOURCES = {"sme": "SME panel member", "respondent": "Survey respondent"}


class JudgmentError(AnalysisError):
    """A judgment with problems: ``errors`` maps each domain name to its own message."""

    def __init__(self, message: str, errors: Mapping[str, str], field: str | None = None):
        super().__init__(message, field)
        self.errors = dict(errors)


def weight_judgments(session: Session, study: Study) -> list[WeightJudgment]:
    """The study's direct judgments of the domain weights, in the order they were recorded."""
    query = select(WeightJudgment).where(WeightJudgment.study_id == study.id)
    return list(session.execute(query.order_by(WeightJudgment.id)).scalars())


def record_judgment(
    session: Session,
    actor: User,
    study: Study,
    judge: str,
    source: str,
    values: Mapping[str, str | float | None],
) -> WeightJudgment:
    """Record one judge's percent per domain (audited); they must add up to 100."""
    _check_active(study)
    judge = judge.strip()
    if not judge:
        raise JudgmentError("Name the judge (or an anonymous label such as SME 3).", {}, "judge")
    if source not in JUDGE_SOURCES:
        raise JudgmentError("Choose whether the judge is an SME or a respondent.", {}, "source")
    names = [d.name for d in ordered_domains(study)]
    clean, errors, total = check_judgment(values, names)
    if errors or total:
        message = total or (
            f"{len(errors)} domain{'s' if len(errors) != 1 else ''} need a valid percent."
        )
        raise JudgmentError(message, errors)
    judgment = WeightJudgment(
        board_id=study.board_id,
        study_id=study.id,
        judge=judge,
        source=source,
        percents=clean,
        created_by_id=actor.id,
    )
    session.add(judgment)
    session.flush()
    after = {"judge": judge, "source": source, "percents": clean}
    record(session, actor, "rds.weight_judgment.recorded", judgment, None, after)
    return judgment


def delete_judgment(session: Session, actor: User, judgment: WeightJudgment) -> None:
    """Remove a judgment recorded by mistake (audited with what it said)."""
    study = session.get(Study, judgment.study_id)
    assert study is not None
    _check_active(study)
    before = {"judge": judgment.judge, "source": judgment.source, "percents": judgment.percents}
    record(session, actor, "rds.weight_judgment.deleted", judgment, before, None)
    session.delete(judgment)
    session.flush()


@dataclass(frozen=True)
class JudgedWeights:
    """The judged weights beside the empirical ones, and the sentence that sums them up."""

    judges: int
    rows: tuple[WeightComparison, ...]
    text: str

    @property
    def flagged(self) -> int:
        return sum(r.large for r in self.rows)


def judged_weights(judgments: list[WeightJudgment], result: AnalysisResult) -> JudgedWeights | None:
    """The comparison for a result's blueprint, or None when nobody judged the weights."""
    if not judgments:
        return None
    rows = compare_weights(
        [j.percents for j in judgments], [(d.domain, d.weight) for d in result.domains]
    )
    return JudgedWeights(len(judgments), tuple(rows), comparison_text(rows, len(judgments)))


@dataclass(frozen=True)
class BlueprintComparison:
    """Items per domain before and now, and the retained tasks added and dropped."""

    rows: tuple[tuple[str, int | None, int | None], ...]  # (domain, before, now)
    added: tuple[str, ...]
    dropped: tuple[str, ...]


def compare_blueprints(previous: PreviousBlueprint, result: AnalysisResult) -> BlueprintComparison:
    """This result's blueprint against the previous approved one of the credential."""
    before = dict(previous.domains)
    now = {d.domain: d.items for d in result.domains}
    names = [*now, *(n for n in before if n not in now)]
    kept = {t.task_id for t in result.tasks if t.retained}
    return BlueprintComparison(
        tuple((n, before.get(n), now.get(n)) for n in names),
        tuple(sorted(kept - set(previous.tasks))),
        tuple(sorted(set(previous.tasks) - kept)),
    )


def borderline_tasks(result: AnalysisResult, margin: float = 0.25) -> list[TaskResult]:
    """Tasks the SME review should look at: borderline in the bootstrap (the engine's flag),
    within ``margin`` of the importance threshold or 5 points of the performing threshold, or
    kept or dropped by an override."""
    imin, pmin = float(result.options.importance_min), float(result.options.performing_min)
    out = []
    for t in result.tasks:
        near_importance = t.mean_importance is not None and abs(t.mean_importance - imin) <= margin
        near_share = t.pct_performing is not None and abs(t.pct_performing - pmin) <= 0.05
        if t.borderline or near_importance or near_share or t.retained_by == "override":
            out.append(t)
    return out


def rerun(session: Session, actor: User, study: Study) -> BlueprintVersion:
    """The next proposed version with the latest settings and the current overrides."""
    history = versions(session, study)
    return run_analysis(session, actor, study, settings_of(history[0] if history else None))


def set_override(session: Session, actor: User, task: Task, keep: bool, reason: str) -> None:
    """Force a task to be kept or dropped in later runs, with the written reason."""
    _check_active(task.study)
    reason = reason.strip()
    if len(reason) < 10:
        raise AnalysisError(
            "Write why the task's retention is overridden (10 characters or more).", "reason"
        )
    if task.sme_resolution == "drop":
        raise AnalysisError("The SME panel dropped this task; it was not in the survey.")
    before = {"retention_override": task.retention_override, "reason": task.override_reason}
    task.retention_override, task.override_reason = keep, reason
    session.flush()
    after = {"retention_override": keep, "reason": reason}
    record(session, actor, "rds.task.retention_overridden", task, before, after)


def clear_override(session: Session, actor: User, task: Task, note: str = "") -> None:
    """Let the thresholds decide the task's retention again in later runs."""
    _check_active(task.study)
    if task.retention_override is None:
        raise AnalysisError("This task's retention is not overridden.")
    before = {"retention_override": task.retention_override, "reason": task.override_reason}
    task.retention_override, task.override_reason = None, None
    session.flush()
    after = {"retention_override": None, "note": note.strip()}
    record(session, actor, "rds.task.retention_override_cleared", task, before, after)


def blueprint_items(result: AnalysisResult) -> int:
    """The items the blueprint really apportions (0 when no task is retained).

    ``total_items`` is the test length asked for; a run that retains no task apportions none
    of them, so the domains' items are what an approval, a page or the report may speak of.
    """
    return sum(d.items for d in result.domains)


def is_empty(result: AnalysisResult) -> bool:
    """Whether the blueprint apportions no item (no task retained, or no respondent)."""
    return blueprint_items(result) == 0


MIN_ACKNOWLEDGEMENT = 20


def approval_concerns(study: Study, result: AnalysisResult) -> list[str]:
    """What a board administrator must acknowledge, with a reason, before approving.

    A blueprint that misses the required sample (Cochran, from the incumbents), that rests on a
    rating scale whose Cronbach's alpha is below the expected 0.70 (or could not be computed),
    or on fewer respondents than the study's minimum. An empty blueprint is no concern but a
    refusal (see :func:`approve`).
    """
    concerns = []
    n = result.n_respondents
    if n < study.min_respondents:
        concerns.append(
            f"The blueprint rests on {n:,} respondent{'s' if n != 1 else ''}, fewer than the "
            f"study's minimum of {study.min_respondents:,}."
        )
    sample = result.sample_size
    if sample is not None and sample.achieved < sample.required:
        concerns.append(
            f"The required sample was missed: {sample.achieved:,} respondents of the "
            f"{sample.required:,} required for {sample.population:,} incumbents (Cochran, 95% "
            "confidence, ±5 points)."
        )
    elif sample is None and study.incumbents is None:
        concerns.append(
            "The number of incumbents is not recorded, so the required sample was not checked."
        )
    for name, scale in result.scales.items():
        if scale.alpha is None:
            concerns.append(
                f"Cronbach's alpha of the {name} ratings could not be computed, so their "
                "reliability is unknown."
            )
        elif scale.alpha < ALPHA_EXPECTED:
            concerns.append(
                f"Cronbach's alpha of the {name} ratings is {scale.alpha:.2f}, below the "
                f"{ALPHA_EXPECTED:.2f} expected."
            )
    return concerns


def approve(
    session: Session,
    actor: User,
    version: BlueprintVersion,
    note: str,
    now: datetime,
    acknowledgement: str | None = None,
) -> None:
    """Approve a proposed version for the board; it is frozen and supersedes the old one.

    An empty blueprint (no item apportioned) is refused. One with concerns
    (:func:`approval_concerns`) is approved only with an ``acknowledgement``: the reason the
    board accepts them, kept with the version and in the audit trail.
    """
    study = version.study
    _check_active(study)
    if not (actor.is_platform_admin or actor.has_role(Role.BOARD_ADMIN, board_id=study.board_id)):
        raise PermissionError("Only an administrator of the board approves a blueprint.")
    session.execute(select(Study.id).where(Study.id == study.id).with_for_update())
    session.refresh(version)
    if version.status != "proposed":
        raise AnalysisError(
            f"Version {version.version} is {version.status}; only a proposed "
            "blueprint can be approved."
        )
    result = version.analysis()
    if is_empty(result):
        raise AnalysisError(
            f"Version {version.version} is empty: no task was retained, so no item is "
            "apportioned. An empty blueprint cannot be approved; change the retention options "
            "or the overrides and run the analysis again."
        )
    if not note.strip():
        raise AnalysisError("Write a note for the record.", "note")
    concerns = approval_concerns(study, result)
    reason = (acknowledgement or "").strip()
    if concerns and len(reason) < MIN_ACKNOWLEDGEMENT:
        raise AnalysisError(
            f"This blueprint has {len(concerns)} concern{'s' if len(concerns) != 1 else ''} "
            "listed above; acknowledge them and write why the board approves it anyway "
            f"({MIN_ACKNOWLEDGEMENT} characters or more).",
            "acknowledgement",
        )
    for old in versions(session, study):
        if old.status == "approved":
            old.status = "superseded"
            session.flush()
            record(
                session,
                actor,
                "rds.blueprint.superseded",
                old,
                {"status": "approved"},
                {"status": "superseded", "by_version": version.version},
            )
    version.status = "approved"
    version.approved_by_id, version.approved_at, version.approval_note = actor.id, now, note.strip()
    version.approval_concerns = concerns or None
    version.acknowledgement = reason if concerns else None
    session.flush()
    after: dict[str, Any] = {"status": "approved", "version": version.version, "note": note.strip()}
    if concerns:
        after |= {"concerns": concerns, "acknowledgement": reason}
    record(session, actor, "rds.blueprint.approved", version, {"status": "proposed"}, after)
    # An open survey stays open: approving an interim blueprint never closes it (closing is
    # the survey's own action, rds.survey.services.close_survey).
    if study.status not in ("analyzed", "survey_open"):
        before_status = study.status
        study.status, study.completed_on = "analyzed", now.date()
        session.flush()
        record(
            session,
            actor,
            "rds.study.status",
            study,
            {"status": before_status},
            {"status": "analyzed", "blueprint_version": version.version},
        )
    creator = session.get(User, version.created_by_id) if version.created_by_id else None
    if creator is not None and creator.id != actor.id:
        mail.queue(
            session,
            creator.email,
            f"Exam blueprint approved: {study.title} v{study.version}",
            f"{actor.full_name} approved blueprint version {version.version} of "
            f"{study.title} (study version {study.version}).\n\nNote: {note.strip()}\n\n"
            + (
                "Approved despite: " + " ".join(concerns) + f"\nReason given: {reason}\n\n"
                if concerns
                else ""
            )
            + "Next: download the RDS report for the record; the exam team can now assemble "
            "forms against this blueprint. Later changes need a new blueprint version.",
            board_id=study.board_id,
        )


# --- presenting ------------------------------------------------------------------------------


def reliability_reading(alpha: float | None) -> str:
    """A plain-language reading of Cronbach's alpha for the analysis page."""
    if alpha is None:
        return "not computable — see the warnings"
    word = alpha_reading(alpha)
    if alpha >= ALPHA_EXPECTED:
        return f"alpha {alpha:.2f}: {word} — ratings are reliable enough to set exam proportions"
    return (
        f"alpha {alpha:.2f}: {word} — below the {ALPHA_EXPECTED:.2f} expected; the ratings "
        "are not reliable enough on their own to set exam proportions"
    )


@dataclass(frozen=True)
class TaskRow:
    """One row of the task table: the engine's statistics with the statement and override."""

    stats: TaskResult
    statement: str
    task: Task | None
    position: int


TASK_SORTS = (
    "task_id",
    "domain",
    "mean_importance",
    "sd_importance",
    "mean_frequency",
    "sd_frequency",
    "pct_performing",
    "criticality",
    "retained",
    "weight",
    "items",
)


def task_rows(session: Session, study: Study, result: AnalysisResult, sort: str) -> list[TaskRow]:
    """A result's task statistics joined to the task statements, sorted by a column."""
    tasks = {t.code: t for t in surveyed_tasks(session, study)}
    rows = [
        TaskRow(
            s,
            tasks[s.task_id].statement if s.task_id in tasks else "",
            tasks.get(s.task_id),
            i,
        )
        for i, s in enumerate(result.tasks)
    ]
    key = sort.lstrip("-")
    if key not in TASK_SORTS or key == "task_id" and not sort.startswith("-"):
        return rows
    present = [r for r in rows if getattr(r.stats, key) is not None]
    missing = [r for r in rows if getattr(r.stats, key) is None]
    present.sort(key=lambda r: (getattr(r.stats, key), r.position), reverse=sort.startswith("-"))
    return present + missing


def scale_warnings(result: AnalysisResult, needle: str) -> list[str]:
    """The engine's warnings that mention a scale, task or subgroup."""
    return [w for w in result.warnings if needle in w]


@dataclass(frozen=True)
class StudyBlueprint:
    """A study's blueprint state for the board overview."""

    study: Study
    approved: BlueprintVersion | None
    proposed: BlueprintVersion | None  # the newest proposal after the approved one


def board_blueprints(session: Session, board_id: int) -> list[StudyBlueprint]:
    """Studies of the board with blueprint versions: what is approved and what waits."""
    query = (
        select(BlueprintVersion)
        .join(Study, BlueprintVersion.study_id == Study.id)
        .where(BlueprintVersion.board_id == board_id, Study.status != "archived")
        .order_by(Study.started_on.desc(), Study.id.desc(), BlueprintVersion.version.desc())
    )
    found: dict[int, list[BlueprintVersion]] = {}
    for version in session.execute(query.options(contains_eager(BlueprintVersion.study))).scalars():
        found.setdefault(version.study_id, []).append(version)
    # a study redone as a new version (its copy names it as previous) waits for nothing
    redone = set(
        session.execute(select(Study.previous_id).where(Study.previous_id.in_(found))).scalars()
    )
    out = []
    for history in found.values():
        approved = next((v for v in history if v.status == "approved"), None)
        newest = history[0] if _offered(history[0], approved, redone) else None
        out.append(StudyBlueprint(history[0].study, approved, newest))
    return out


def _offered(
    version: BlueprintVersion, approved: BlueprintVersion | None, redone: set[int | None]
) -> bool:
    """Whether a version still waits for approval: the newest proposal, not superseded by a
    later approval or a newer study version, and not empty (an empty one cannot be approved)."""
    return (
        version.status == "proposed"
        and (approved is None or version.version > approved.version)
        and version.study_id not in redone
        and not is_empty(version.analysis())
    )
