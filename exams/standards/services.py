"""Standard setting: invite judges, collect two rounds of Angoff ratings, adopt a cut.

The arithmetic is exams/angoff.py (pure); this file stores ratings and reads them back as a
matrix. Services flush and never commit. The audit trail gets form and panel ids, judge ids,
round numbers and cut scores, never item text and never individual ratings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, mail
from core.models import Board, Role, RoleAssignment, User, utcnow
from core.urls import external_url
from exams.angoff import MIN_JUDGES, PREFERRED_JUDGES, AngoffError, AngoffResult, angoff
from exams.models import Form, FormItem, Item, ItemVersion
from exams.models.standards import AngoffJudge, AngoffRating, CutScore, StandardSetting


class StandardError(ValueError):
    """A standard-setting step that is refused; ``field`` names the form field, if any."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RatedItem:
    """One form item as a judge rates it: position, code, content and the judge's ratings."""

    form_item: FormItem
    code: str
    version: ItemVersion
    round1: float | None
    round2: float | None


def is_manager(user: User, board_id: int) -> bool:
    return user.has_role(Role.EXAM_MANAGER, board_id=board_id)


def may_adopt(user: User, board_id: int) -> bool:
    """The board adopts a cut: its board administrators and exam managers."""
    return user.has_role(Role.BOARD_ADMIN, Role.EXAM_MANAGER, board_id=board_id)


def board_judges(session: Session, board_id: int) -> list[User]:
    """People holding the SME judge role on the board, by name."""
    query = (
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.board_id == board_id, RoleAssignment.role == Role.SME_JUDGE.value)
        .order_by(User.full_name, User.id)
    )
    return list(session.execute(query).scalars().unique())


def settings_of(session: Session, form: Form) -> list[StandardSetting]:
    query = (
        select(StandardSetting)
        .where(StandardSetting.form_id == form.id)
        .order_by(StandardSetting.id.desc())
    )
    return list(session.execute(query).scalars())


def start(
    session: Session, actor: User, form: Form, judge_ids: Sequence[int]
) -> tuple[StandardSetting, list[str]]:
    """Open a panel on a published form with the chosen judges; returns it and warnings."""
    if not is_manager(actor, form.board_id):
        raise PermissionError("Only an exam manager convenes a standard-setting panel.")
    if form.status != "published":
        raise StandardError("Publish the form first: judges rate a frozen form.")
    allowed = {u.id for u in board_judges(session, form.board_id)}
    chosen = sorted(set(judge_ids))
    unknown = [j for j in chosen if j not in allowed]
    if unknown:
        raise StandardError("Choose judges among the board's SME judges.", "judges")
    if len(chosen) < MIN_JUDGES:
        raise StandardError(
            f"A modified-Angoff panel needs at least {MIN_JUDGES} judges "
            f"({PREFERRED_JUDGES}-10 preferred); {len(chosen)} chosen.",
            "judges",
        )
    open_panel = session.execute(
        select(StandardSetting.id).where(
            StandardSetting.form_id == form.id, StandardSetting.status == "open"
        )
    ).first()
    if open_panel is not None:
        raise StandardError("This form already has an open panel; close it first.")
    setting = StandardSetting(board_id=form.board_id, form_id=form.id, created_by_id=actor.id)
    session.add(setting)
    session.flush()
    for user_id in chosen:
        session.add(AngoffJudge(board_id=form.board_id, setting_id=setting.id, user_id=user_id))
    session.flush()
    _tell_judges(
        session, setting, form, [u for u in board_judges(session, form.board_id) if u.id in chosen]
    )
    audit.record(
        session,
        actor,
        "exam_standard_setting.started",
        setting,
        after={"form_id": form.id, "form": form.name, "judge_ids": chosen},
    )
    warnings = []
    if len(chosen) < PREFERRED_JUDGES:
        warnings.append(
            f"{len(chosen)} judges: {PREFERRED_JUDGES}-10 are preferred for a stable cut score."
        )
    return setting, warnings


def _tell_judges(session: Session, setting: StandardSetting, form: Form, judges: list[User]) -> int:
    """Email each judge what to do in the panel's current round, with the link to rate.

    Numbers and names only: no item text ever goes into an email."""
    board = session.get(Board, setting.board_id)
    assert board is not None  # the foreign key guarantees it
    n_items = session.execute(
        select(func.count(FormItem.id)).where(FormItem.form_id == form.id)
    ).scalar_one()
    link = external_url("exams.rate", board_id=setting.board_id, setting_id=setting.id)
    if setting.round == 1:
        subject = f"You are invited to rate the items of {form.name} (round 1)"
        what = (
            f"{board.name} invites you to its standard-setting panel (modified Angoff) on the "
            f"examination form {form.name}.\n\n"
            f"Round 1 is open. For each of the {n_items} items, estimate how many out of 100 "
            "minimally competent candidates would answer it correctly: think of a candidate "
            "who is just good enough to be certified, not an average or an excellent one. "
            "Your ratings are saved as you go; submit the round when every item is rated. A "
            "submitted round cannot change.\n\n"
        )
    else:
        subject = f"Round 2 is open: rate the items of {form.name} again"
        what = (
            f"Round 2 of {board.name}'s standard-setting panel on {form.name} is open.\n\n"
            f"The rating page now shows, beside each of the {n_items} items, the panel's "
            "round-1 spread (and the share of candidates who answered it correctly, where "
            "results exist). Review your ratings in that light, change those you want to, "
            "and submit round 2.\n\n"
        )
    messages = [
        (
            judge.email,
            subject,
            f"Hello {judge.full_name},\n\n{what}"
            f"Log in and open the rating page:\n{link}\n\n"
            "The items are confidential: please do not copy, discuss or share them outside "
            "the panel.\n",
        )
        for judge in judges
    ]
    return mail.queue_many(session, messages, board_id=setting.board_id)


def judge_of(session: Session, setting: StandardSetting, user: User) -> AngoffJudge | None:
    return session.execute(
        select(AngoffJudge).where(
            AngoffJudge.setting_id == setting.id, AngoffJudge.user_id == user.id
        )
    ).scalar_one_or_none()


def panels_of(session: Session, user: User) -> list[tuple[StandardSetting, AngoffJudge, str, str]]:
    """The panels a person sits on (with board and form names), newest first."""
    query = (
        select(StandardSetting, AngoffJudge, Board.name, Form.name)
        .join(AngoffJudge, AngoffJudge.setting_id == StandardSetting.id)
        .join(Form, Form.id == StandardSetting.form_id)
        .join(Board, Board.id == StandardSetting.board_id)
        .where(AngoffJudge.user_id == user.id)
        .order_by(StandardSetting.id.desc())
    )
    return [(s, j, b, f) for s, j, b, f in session.execute(query)]


def rated_items(session: Session, setting: StandardSetting, judge: AngoffJudge) -> list[RatedItem]:
    """The form's items in order with the judge's ratings of both rounds (one query each)."""
    rows = session.execute(
        select(FormItem, Item.code, ItemVersion)
        .join(Item, Item.id == FormItem.item_id)
        .join(ItemVersion, ItemVersion.id == FormItem.item_version_id)
        .where(FormItem.form_id == setting.form_id)
        .order_by(FormItem.position)
    )
    ratings: dict[tuple[int, int], float] = {
        (form_item_id, round_): value
        for form_item_id, round_, value in session.execute(
            select(AngoffRating.form_item_id, AngoffRating.round, AngoffRating.value).where(
                AngoffRating.judge_id == judge.id
            )
        )
    }
    return [
        RatedItem(fi, code, version, ratings.get((fi.id, 1)), ratings.get((fi.id, 2)))
        for fi, code, version in rows
    ]


def save_ratings(
    session: Session,
    actor: User,
    setting: StandardSetting,
    values: Mapping[int, float | None],
    submit: bool,
) -> AngoffJudge:
    """Store the judge's ratings of the current round; ``submit`` ends the round for them.

    ``values`` maps form item ids to probabilities (None for not yet rated). A submitted
    round is final; submitting needs every item rated.
    """
    judge = judge_of(session, setting, actor)
    if judge is None:
        raise PermissionError("You are not a judge of this panel.")
    if setting.status != "open":
        raise StandardError("This panel is closed.")
    round_ = setting.round
    if judge.done(round_) is not None:
        raise StandardError(f"You submitted round {round_} already; it cannot change.")
    item_ids = set(
        session.execute(select(FormItem.id).where(FormItem.form_id == setting.form_id)).scalars()
    )
    unknown = [k for k in values if k not in item_ids]
    if unknown:
        raise StandardError("A rating is for an item that is not on this form.")
    for value in values.values():
        if value is not None and not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise StandardError("Ratings are percentages between 0 and 100.")
    existing = {
        r.form_item_id: r
        for r in session.execute(
            select(AngoffRating).where(
                AngoffRating.judge_id == judge.id, AngoffRating.round == round_
            )
        ).scalars()
    }
    for form_item_id, value in values.items():
        row = existing.get(form_item_id)
        if value is None:
            if row is not None:
                session.delete(row)
                del existing[form_item_id]
        elif row is None:
            existing[form_item_id] = AngoffRating(
                board_id=setting.board_id,
                setting_id=setting.id,
                judge_id=judge.id,
                form_item_id=form_item_id,
                round=round_,
                value=value,
            )
            session.add(existing[form_item_id])
        else:
            row.value = value
    session.flush()
    if submit:
        missing = len(item_ids - set(existing))
        if missing:
            raise StandardError(
                f"{missing} item(s) still need a rating before you submit round {round_}."
            )
        now = utcnow()
        if round_ == 1:
            judge.round1_done_at = now
        else:
            judge.round2_done_at = now
        session.flush()
        audit.record(
            session,
            actor,
            "exam_standard_setting.round_submitted",
            setting,
            after={"judge_id": actor.id, "round": round_},
        )
    return judge


def done_count(session: Session, setting: StandardSetting, round_: int) -> int:
    column = AngoffJudge.round1_done_at if round_ == 1 else AngoffJudge.round2_done_at
    return int(
        session.execute(
            select(func.count())
            .select_from(AngoffJudge)
            .where(AngoffJudge.setting_id == setting.id, column.is_not(None))
        ).scalar_one()
    )


def open_round2(session: Session, actor: User, setting: StandardSetting) -> None:
    """Move the panel to round 2 (judges then see the round-1 spread); needs 6 done."""
    if not is_manager(actor, setting.board_id):
        raise PermissionError("Only an exam manager runs the panel.")
    if setting.status != "open" or setting.round != 1:
        raise StandardError("Round 2 is open already, or the panel is closed.")
    done = done_count(session, setting, 1)
    if done < MIN_JUDGES:
        raise StandardError(
            f"{done} judge(s) submitted round 1; round 2 needs at least {MIN_JUDGES}."
        )
    setting.round = 2
    setting.round2_opened_at = utcnow()
    session.flush()
    form = session.get(Form, setting.form_id)
    assert form is not None  # the foreign key guarantees it
    judges = session.execute(
        select(User)
        .join(AngoffJudge, AngoffJudge.user_id == User.id)
        .where(AngoffJudge.setting_id == setting.id)
        .order_by(User.id)
    ).scalars()
    _tell_judges(session, setting, form, list(judges))
    audit.record(
        session,
        actor,
        "exam_standard_setting.round2_opened",
        setting,
        after={"round1_judges": done},
    )


@dataclass(frozen=True)
class PanelMatrix:
    """The submitted ratings of one round: judges x form items (form order)."""

    judges: list[AngoffJudge]
    form_items: list[FormItem]
    codes: list[str]
    ratings: np.ndarray


def panel_matrix(session: Session, setting: StandardSetting, round_: int) -> PanelMatrix:
    """Ratings of the judges who submitted ``round_`` (two queries)."""
    column = AngoffJudge.round1_done_at if round_ == 1 else AngoffJudge.round2_done_at
    judges = list(
        session.execute(
            select(AngoffJudge)
            .where(AngoffJudge.setting_id == setting.id, column.is_not(None))
            .order_by(AngoffJudge.id)
        ).scalars()
    )
    items = list(
        session.execute(
            select(FormItem, Item.code)
            .join(Item, Item.id == FormItem.item_id)
            .where(FormItem.form_id == setting.form_id)
            .order_by(FormItem.position)
        )
    )
    row_of = {j.id: i for i, j in enumerate(judges)}
    col_of = {fi.id: i for i, (fi, _) in enumerate(items)}
    matrix = np.full((len(judges), len(items)), np.nan)
    if judges:
        ratings = session.execute(
            select(AngoffRating.judge_id, AngoffRating.form_item_id, AngoffRating.value).where(
                AngoffRating.setting_id == setting.id, AngoffRating.round == round_
            )
        )
        for judge_id, form_item_id, value in ratings:
            if judge_id in row_of and form_item_id in col_of:
                matrix[row_of[judge_id], col_of[form_item_id]] = value
    return PanelMatrix(judges, [fi for fi, _ in items], [c for _, c in items], matrix)


def results(
    session: Session, setting: StandardSetting, round_: int, scored_only: bool = True
) -> tuple[AngoffResult | None, str | None, PanelMatrix]:
    """The round's Angoff result over the scored items, or None and the reason."""
    panel = panel_matrix(session, setting, round_)
    keep = [i for i, fi in enumerate(panel.form_items) if fi.scored or not scored_only]
    ratings = panel.ratings[:, keep]
    try:
        result = angoff(
            ratings,
            judge_ids=[str(j.user_id) for j in panel.judges],
            item_ids=[panel.codes[i] for i in keep],
        )
    except AngoffError as exc:
        return None, str(exc), panel
    return result, None, panel


@dataclass(frozen=True)
class FormOverview:
    """A form of the board with its panels and the cut in force."""

    form: Form
    settings: list[StandardSetting]
    cut: CutScore | None


def board_overview(session: Session, board_id: int) -> list[FormOverview]:
    """The board's published and retired forms with their panels and cuts (three queries)."""
    forms = list(
        session.execute(
            select(Form)
            .where(Form.board_id == board_id, Form.status != "draft")
            .order_by(Form.name)
        ).scalars()
    )
    ids = [f.id for f in forms]
    settings: dict[int, list[StandardSetting]] = {i: [] for i in ids}
    cuts: dict[int, CutScore] = {}
    if ids:
        for setting in session.execute(
            select(StandardSetting)
            .where(StandardSetting.form_id.in_(ids))
            .order_by(StandardSetting.id.desc())
        ).scalars():
            settings[setting.form_id].append(setting)
        for cut in session.execute(
            select(CutScore)
            .where(CutScore.form_id.in_(ids))
            .order_by(CutScore.adopted_at, CutScore.id)
        ).scalars():
            cuts[cut.form_id] = cut  # the latest wins
    return [FormOverview(f, settings[f.id], cuts.get(f.id)) for f in forms]


def current_cut(session: Session, form_id: int) -> CutScore | None:
    """The cut in force for a form: the latest adopted."""
    return session.execute(
        select(CutScore)
        .where(CutScore.form_id == form_id)
        .order_by(CutScore.adopted_at.desc(), CutScore.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def adopt(
    session: Session,
    actor: User,
    setting: StandardSetting,
    round_: int,
    raw_cut: float | None,
    note: str,
) -> CutScore:
    """The board adopts a cut for the panel's form: the panel's cut of a round, or another
    value (an adjustment, e.g. the cut minus one SE) with a note saying why. Audited."""
    if not may_adopt(actor, setting.board_id):
        raise PermissionError("Only the board's administrators and exam managers adopt a cut.")
    result, reason, _ = results(session, setting, round_)
    if result is None:
        raise StandardError(f"Round {round_} gives no cut score yet: {reason}")
    chosen = result.cut if raw_cut is None else float(raw_cut)
    if not math.isfinite(chosen) or not 0 <= chosen <= result.n_items:
        raise StandardError(f"The cut must lie between 0 and {result.n_items}.", "raw_cut")
    adjusted = abs(chosen - result.cut) > 1e-9
    if adjusted and not note.strip():
        raise StandardError("Say why the adopted cut differs from the panel's.", "note")
    before = current_cut(session, setting.form_id)
    cut = CutScore(
        board_id=setting.board_id,
        form_id=setting.form_id,
        setting_id=setting.id,
        round=round_,
        raw_cut=chosen,
        raw_needed=max(0, math.ceil(chosen - 1e-9)),
        panel_cut=result.cut,
        se=result.se,
        n_judges=result.n_judges,
        note=note.strip(),
        adopted_by_id=actor.id,
    )
    session.add(cut)
    setting.status = "closed"
    setting.closed_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "exam_cut_score.adopted",
        cut,
        before=None
        if before is None
        else {"raw_cut": before.raw_cut, "raw_needed": before.raw_needed},
        after={
            "form_id": setting.form_id,
            "setting_id": setting.id,
            "round": round_,
            "raw_cut": chosen,
            "raw_needed": cut.raw_needed,
            "panel_cut": result.cut,
            "se": result.se,
            "n_judges": result.n_judges,
            "note": cut.note,
        },
    )
    return cut


def judge_dashboard_facts(session: Session, user: User) -> dict[str, object]:
    """The judge's dashboard panel: their panels, and how many wait for their ratings."""
    panels = panels_of(session, user)
    waiting = [
        (s, board_name, form_name)
        for s, j, board_name, form_name in panels
        if s.status == "open" and j.done(s.round) is None
    ]
    return {"rating_panels": len(panels), "rating_waiting": waiting}
