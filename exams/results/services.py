"""Vendor results: import a file for a form, score it, store results and item statistics.

The file is taken whole or not at all: every bad row (unreadable cell, unknown candidate,
a result already imported) is listed with its row and column. Scoring is exams/scoring.py
(pure). A pass reaches certify through the ``applicant_facts`` hook (:func:`exam_facts`),
and the person's stored standing is recomputed when the session commits. Services flush
and never commit; the audit trail gets ids, counts and scores, never item content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from certify.hooks import ProvidedFacts
from certify.models import TraineeProfile
from certify.standing import tracking
from core import audit
from core.models import Role, User, utcnow
from exams.models import Form, FormItem, Item, ItemVersion
from exams.models.results import ExamResult, ExamScale, ItemStatistic, ResultImport
from exams.resultfile import (
    AnswerKey,
    Problem,
    ResponseSheet,
    ResultFileError,
    TotalsSheet,
    parse_responses,
    parse_totals,
)
from exams.scoring import (
    ReportingScale,
    analyze,
    domain_feedback,
    pass_fail,
    totals_statistics,
)
from exams.standards.services import StandardError, current_cut

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class ResultError(StandardError):
    """An import that is refused as a whole (no cut adopted, form not published)."""


@dataclass(frozen=True)
class FormKey:
    """The form's items as scoring needs them, in form order."""

    form_items: list[FormItem]
    versions: list[ItemVersion]
    answer_key: AnswerKey

    @property
    def n_scored(self) -> int:
        return sum(1 for s in self.answer_key.scored if s)


def form_key(session: Session, form: Form) -> FormKey:
    rows = list(
        session.execute(
            select(FormItem, Item.code, ItemVersion)
            .join(Item, Item.id == FormItem.item_id)
            .join(ItemVersion, ItemVersion.id == FormItem.item_version_id)
            .where(FormItem.form_id == form.id)
            .order_by(FormItem.position)
        )
    )
    key = AnswerKey(
        item_ids=tuple(code for _, code, _ in rows),
        key=tuple(v.key for _, _, v in rows),
        domains=tuple(fi.domain for fi, _, _ in rows),
        scored=tuple(fi.scored for fi, _, _ in rows),
        n_options=tuple(len(v.options) for _, _, v in rows),
    )
    return FormKey([fi for fi, _, _ in rows], [v for _, _, v in rows], key)


def _candidates(
    session: Session, board_id: int, refs: tuple[str, ...], rows: tuple[int, ...], name: str
) -> tuple[list[int], list[Problem]]:
    """Each candidate id (the person's email) as a user id of a trainee of the board."""
    wanted = {r.strip().lower() for r in refs}
    found: dict[str, int] = {
        email: user_id
        for email, user_id in session.execute(
            select(func.lower(User.email), User.id)
            .join(TraineeProfile, TraineeProfile.user_id == User.id)
            .where(TraineeProfile.board_id == board_id, func.lower(User.email).in_(wanted))
        )
    }
    ids: list[int] = []
    problems: list[Problem] = []
    for ref, row in zip(refs, rows, strict=True):
        user_id = found.get(ref.strip().lower())
        if user_id is None:
            problems.append(
                Problem(name, row, "candidate_id", f"{ref!r} is not a candidate of this board")
            )
            ids.append(0)
        else:
            ids.append(user_id)
    return ids, problems


def import_results(
    session: Session,
    actor: User,
    form: Form,
    kind: str,
    data: bytes,
    file_name: str,
    taken_on: date,
) -> ResultImport:
    """Score a vendor's file for the form against its adopted cut and store everything.

    Raises :class:`ResultFileError` listing every bad row (nothing is stored), or
    :class:`ResultError` when the form cannot take results yet.
    """
    if not actor.has_role(Role.EXAM_MANAGER, board_id=form.board_id):
        raise PermissionError("Only an exam manager imports results.")
    if form.status == "draft":
        raise ResultError("Publish the form first: results belong to a frozen form.")
    cut = current_cut(session, form.id)
    if cut is None:
        raise ResultError("Adopt a cut score for this form first (standard setting).")
    fk = form_key(session, form)
    sheet: ResponseSheet | None = None
    totals: TotalsSheet | None = None
    if kind == "responses":
        sheet, problems = parse_responses(data, fk.answer_key, file_name, key_name="the form")
        refs, rows = (sheet.candidate_ids, sheet.rows) if sheet else ((), ())
    elif kind == "totals":
        totals, problems = parse_totals(data, fk.n_scored, file_name)
        refs, rows = (totals.candidate_ids, totals.rows) if totals else ((), ())
    else:
        raise ResultError("Choose item responses or total scores.", "kind")
    named = [(ref, row) for ref, row in zip(refs, rows, strict=True) if ref]
    user_ids, unknown = _candidates(
        session, form.board_id, tuple(r for r, _ in named), tuple(n for _, n in named), file_name
    )
    problems += unknown
    by_ref = dict(zip((r for r, _ in named), user_ids, strict=True))
    user_ids = [by_ref.get(ref, 0) for ref in refs]
    already = set(
        session.execute(
            select(ExamResult.user_id).where(
                ExamResult.form_id == form.id, ExamResult.taken_on == taken_on
            )
        ).scalars()
    )
    for user_id, ref, row in zip(user_ids, refs, rows, strict=True):
        if user_id and user_id in already:
            problems.append(
                Problem(
                    file_name,
                    row,
                    "candidate_id",
                    f"{ref!r} already has a result for this form on {taken_on.isoformat()}",
                )
            )
    if problems or (sheet is None and totals is None):
        raise ResultFileError(sorted(problems, key=lambda p: p.row or 0))
    return store_results(
        session, actor, form, kind, file_name, taken_on, list(refs), user_ids, sheet, totals
    )


def store_results(
    session: Session,
    actor: User,
    form: Form,
    kind: str,
    file_name: str,
    taken_on: date,
    refs: list[str],
    user_ids: list[int],
    sheet: ResponseSheet | None,
    totals: TotalsSheet | None,
) -> ResultImport:
    """Score checked results (a vendor's file, or an online window's answers) against the
    form's cut and store the import, the results and the item statistics."""
    cut = current_cut(session, form.id)
    if cut is None:
        raise ResultError("Adopt a cut score for this form first (standard setting).")
    fk = form_key(session, form)
    record = ResultImport(
        board_id=form.board_id,
        form_id=form.id,
        kind=kind,
        file_name=file_name[:255],
        taken_on=taken_on,
        cut_score_id=cut.id,
        raw_cut=cut.raw_cut,
        raw_needed=cut.raw_needed,
        n_candidates=len(refs),
        n_passed=0,
        imported_by_id=actor.id,
    )
    session.add(record)
    session.flush()
    results: list[dict[str, Any]] = []
    if sheet is not None:
        analysis = analyze(
            sheet.responses,
            fk.answer_key.key,
            item_ids=fk.answer_key.item_ids,
            domains=fk.answer_key.domains,
            scored=fk.answer_key.scored,
            n_options=fk.answer_key.n_options,
            cut=cut.raw_cut,
        )
        domains = analysis.scores.domains
        assert domains is not None and analysis.scores.passed is not None
        letters = np.array(["-", *LETTERS[: int(sheet.responses.max(initial=0)) + 1]])
        chosen = ["".join(r) for r in letters[sheet.responses.astype(np.int64) + 1].tolist()]
        for i, (user_id, ref) in enumerate(zip(user_ids, refs, strict=True)):
            results.append(
                {
                    "raw": int(analysis.scores.raw[i]),
                    "passed": bool(analysis.scores.passed[i]),
                    "domains": [
                        [name, int(domains.correct[i, d]), int(domains.n_items[d])]
                        for d, name in enumerate(domains.names)
                    ],
                    "responses": chosen[i],
                    "user_id": user_id,
                    "candidate_ref": ref,
                }
            )
        record.summary = {
            "form": analysis.form.to_dict(),
            "pass_fail": None if analysis.pass_fail is None else analysis.pass_fail.to_dict(),
            "n_flagged": analysis.items.n_flagged,
            "warnings": list(analysis.warnings),
        }
        _store_statistics(session, record, fk, analysis.to_dict()["items"])
    elif totals is not None:
        raw = totals.raw
        outcome = pass_fail(raw, fk.n_scored, cut.raw_cut)
        record.summary = {
            "form": totals_statistics(raw, fk.n_scored).to_dict(),
            "pass_fail": outcome.to_dict(),
            "n_flagged": 0,
            "warnings": ["total scores only: no item statistics"],
        }
        for user_id, ref, value in zip(user_ids, refs, raw.tolist(), strict=True):
            results.append(
                {
                    "raw": int(value),
                    "passed": int(value) >= cut.raw_needed,
                    "domains": None,
                    "responses": None,
                    "user_id": user_id,
                    "candidate_ref": ref,
                }
            )
    scale = reporting_scale(session, form.board_id)
    if scale is not None and results:
        scaled = scale.apply([r["raw"] for r in results], fk.n_scored, cut.raw_needed)
        for r, value in zip(results, scaled.tolist(), strict=True):
            r["scaled"] = value
        record.summary = {**record.summary, "scale": scale.to_dict()}
    common = {
        "board_id": form.board_id,
        "import_id": record.id,
        "form_id": form.id,
        "taken_on": taken_on,
        "raw_needed": cut.raw_needed,
        "n_items": fk.n_scored,
        "scaled": None,
    }
    session.execute(insert(ExamResult), [{**common, **r} for r in results])
    record.n_passed = sum(1 for r in results if r["passed"])
    session.flush()
    passed_ids = {r["user_id"] for r in results if r["passed"]}
    stored = session.execute(
        select(ExamResult).where(ExamResult.import_id == record.id, ExamResult.passed)
    ).scalars()
    for result in stored:
        audit.record(
            session,
            actor,
            "exam_result.passed",
            result,
            after={
                "user_id": result.user_id,
                "form_id": form.id,
                "raw": result.raw,
                "raw_needed": result.raw_needed,
                "scaled": result.scaled,
                "taken_on": taken_on.isoformat(),
            },
        )
    for user_id in passed_ids:
        tracking.note_change(session, form.board_id, user_id)
    audit.record(
        session,
        actor,
        "exam_result_import.imported",
        record,
        after={
            "form_id": form.id,
            "kind": kind,
            "file": record.file_name,
            "candidates": record.n_candidates,
            "passed": record.n_passed,
            "raw_cut": cut.raw_cut,
            "raw_needed": cut.raw_needed,
            "scale": None if scale is None else scale.to_dict(),
        },
    )
    return record


# --- the board's reporting scale -----------------------------------------------------------


def board_scale(session: Session, board_id: int) -> ExamScale | None:
    return session.execute(
        select(ExamScale).where(ExamScale.board_id == board_id)
    ).scalar_one_or_none()


def reporting_scale(session: Session, board_id: int) -> ReportingScale | None:
    """The board's scale as scoring applies it (None: the board reports raw scores only)."""
    row = board_scale(session, board_id)
    return None if row is None else ReportingScale(row.low, row.passing, row.high)


def set_scale(
    session: Session, actor: User, board_id: int, low: int, passing: int, high: int
) -> ExamScale:
    """Define or change the board's reporting scale (audited); results scored from now on
    carry scaled scores, results already stored keep theirs."""
    if not actor.has_role(Role.EXAM_MANAGER, board_id=board_id):
        raise PermissionError("Only an exam manager defines the reporting scale.")
    try:
        ReportingScale(low, passing, high)
    except ValueError:
        raise ResultError(
            "The passing score must lie above the lowest score and below the highest, and "
            "the lowest score must not be negative.",
            "passing",
        ) from None
    row = board_scale(session, board_id)
    before = None if row is None else {"low": row.low, "passing": row.passing, "high": row.high}
    if row is None:
        row = ExamScale(board_id=board_id, low=low, passing=passing, high=high)
        session.add(row)
    row.low, row.passing, row.high = low, passing, high
    row.updated_by_id = actor.id
    session.flush()
    audit.record(
        session,
        actor,
        "exam_scale.set",
        row,
        before=before,
        after={"low": low, "passing": passing, "high": high},
    )
    return row


def remove_scale(session: Session, actor: User, board_id: int) -> None:
    """Stop reporting scaled scores (audited); stored scaled scores stay."""
    if not actor.has_role(Role.EXAM_MANAGER, board_id=board_id):
        raise PermissionError("Only an exam manager defines the reporting scale.")
    row = board_scale(session, board_id)
    if row is None:
        return
    audit.record(
        session,
        actor,
        "exam_scale.removed",
        row,
        before={"low": row.low, "passing": row.passing, "high": row.high},
    )
    session.delete(row)
    session.flush()


def _store_statistics(
    session: Session, record: ResultImport, fk: FormKey, items: list[dict[str, Any]]
) -> None:
    rows = []
    for form_item, version, item in zip(fk.form_items, fk.versions, items, strict=True):
        rows.append(
            {
                "board_id": record.board_id,
                "import_id": record.id,
                "form_item_id": form_item.id,
                "item_id": form_item.item_id,
                "item_version_id": version.id,
                "scored": form_item.scored,
                "n": record.n_candidates,
                "p": item["p"],
                "r_corrected": item["r_corrected"],
                "discrimination": item["discrimination"],
                "flags": item["flags"],
                "options": [
                    {k: o[k] for k in ("option", "key", "count", "upper", "lower", "r_total")}
                    for o in item["options"]
                ],
            }
        )
    if rows:
        session.execute(insert(ItemStatistic), rows)


# --- reading -----------------------------------------------------------------------------


def imports_of(session: Session, form: Form) -> list[ResultImport]:
    return list(
        session.execute(
            select(ResultImport)
            .where(ResultImport.form_id == form.id)
            .order_by(ResultImport.imported_at.desc(), ResultImport.id.desc())
        ).scalars()
    )


def import_results_rows(session: Session, record: ResultImport) -> list[tuple[ExamResult, str]]:
    """The import's results with each candidate's name, by name."""
    return [
        (r, name)
        for r, name in session.execute(
            select(ExamResult, User.full_name)
            .join(User, User.id == ExamResult.user_id)
            .where(ExamResult.import_id == record.id)
            .order_by(User.full_name, ExamResult.id)
        )
    ]


def statistics_of(session: Session, record: ResultImport) -> list[tuple[ItemStatistic, str, int]]:
    """Item statistics of an import with each item's code and position, in form order."""
    return [
        (s, code, position)
        for s, code, position in session.execute(
            select(ItemStatistic, Item.code, FormItem.position)
            .join(Item, Item.id == ItemStatistic.item_id)
            .join(FormItem, FormItem.id == ItemStatistic.form_item_id)
            .where(ItemStatistic.import_id == record.id)
            .order_by(FormItem.position)
        )
    ]


def latest_p_values(session: Session, form_id: int) -> dict[int, float]:
    """The p-value of each form item from the form's latest import with responses."""
    latest = session.execute(
        select(ResultImport.id)
        .where(ResultImport.form_id == form_id, ResultImport.kind == "responses")
        .order_by(ResultImport.imported_at.desc(), ResultImport.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if latest is None:
        return {}
    return {
        form_item_id: p
        for form_item_id, p in session.execute(
            select(ItemStatistic.form_item_id, ItemStatistic.p).where(
                ItemStatistic.import_id == latest
            )
        )
        if p is not None
    }


def my_results(session: Session, user: User) -> list[tuple[ExamResult, str]]:
    """A person's own results with the form's name, newest first."""
    return [
        (r, name)
        for r, name in session.execute(
            select(ExamResult, Form.name)
            .join(Form, Form.id == ExamResult.form_id)
            .where(ExamResult.user_id == user.id)
            .order_by(ExamResult.taken_on.desc(), ExamResult.id.desc())
        )
    ]


def feedback(result: ExamResult) -> list[tuple[str, int, int, str]]:
    """Per domain: name, correct, items and below / near / above the passing standard."""
    if not result.domains:
        return []
    names = [str(d[0]) for d in result.domains]
    correct = [int(d[1]) for d in result.domains]
    items = [int(d[2]) for d in result.domains]
    labels = domain_feedback(correct, items, float(result.raw_needed), result.n_items)
    return list(zip(names, correct, items, labels, strict=True))


# --- certify's hook ----------------------------------------------------------------------


def exam_facts(session: Session, profile: TraineeProfile, as_of: date) -> ProvidedFacts:
    """``applicant_facts`` provider: the person passed an exam of the board by ``as_of``."""
    passed = session.execute(
        select(ExamResult.id)
        .where(
            ExamResult.board_id == profile.board_id,
            ExamResult.user_id == profile.user_id,
            ExamResult.passed.is_(True),
            ExamResult.taken_on <= as_of,
        )
        .limit(1)
    ).first()
    return ProvidedFacts(exam_passed=True if passed is not None else None)


# --- item analysis decisions -------------------------------------------------------------


def decide_item(
    session: Session,
    actor: User,
    statistic: ItemStatistic,
    item: Item,
    action: str,
    note: str,
) -> None:
    """An exam manager's decision on an item after a window: keep it, send it back to
    review (a new version, the same content, submitted for review) or retire it."""
    from exams.bank import services as bank

    if not actor.has_role(Role.EXAM_MANAGER, board_id=statistic.board_id):
        raise PermissionError("Only an exam manager decides on item statistics.")
    if item.id != statistic.item_id:
        raise ResultError("That statistic is about another item.")
    if action == "retired":
        bank.retire(session, actor, item, note or "item analysis after a window")
    elif action == "sent_back":
        approved = item.approved
        if approved is None or item.status != "approved":
            raise ResultError("Only an approved item is sent back to review.")
        content = bank.ItemContent(
            domain=approved.domain,
            task_code=approved.task_code,
            cognitive_level=approved.cognitive_level,
            stem=approved.stem,
            options=tuple(approved.options),
            key=approved.key,
            rationale=approved.rationale,
            references=approved.references,
            ksa_codes=tuple(approved.ksa_codes or ()),
        )
        bank.edit_item(session, actor, item, content)
        bank.submit(session, actor, item)
    elif action != "kept":
        raise ResultError("Choose keep, send back or retire.", "action")
    statistic.review_action = action
    statistic.reviewed_by_id = actor.id
    statistic.reviewed_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "exam_item_statistic.decided",
        statistic,
        after={
            "item_id": item.id,
            "code": item.code,
            "import_id": statistic.import_id,
            "action": action,
            "p": statistic.p,
            "r_corrected": statistic.r_corrected,
        },
    )


def scales_of_results(session: Session, results: list[ExamResult]) -> dict[int, ReportingScale]:
    """The scale each result was scored on, by import id (imports without one are absent)."""
    ids = {r.import_id for r in results if r.scaled is not None}
    if not ids:
        return {}
    scales: dict[int, ReportingScale] = {}
    for import_id, summary in session.execute(
        select(ResultImport.id, ResultImport.summary).where(ResultImport.id.in_(ids))
    ):
        stored = (summary or {}).get("scale")
        if stored:
            scales[import_id] = ReportingScale(
                int(stored["low"]), int(stored["passing"]), int(stored["high"])
            )
    return scales


def scale_of_result(session: Session, result: ExamResult) -> ReportingScale | None:
    """The scale the result was scored on (None when it has no scaled score)."""
    return scales_of_results(session, [result]).get(result.import_id)
