"""RDS views: the anonymous validation survey (public link, personal link, resume link)."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from core.extensions import db, limiter
from core.models import utcnow
from core.urls import external_url
from rds.models import Study, SurveyResponse
from rds.survey import respondents
from rds.survey import services as svc
from rds.web import bp

COOKIE_DAYS = 90


def _respondent() -> str | None:
    """The in-progress response whose key this browser holds, as a rate-limit bucket name.

    A resume link carries its key in the address: it counts against the address (keys are
    what a guesser would try), never as a respondent of its own.
    """
    if "rds_survey_respondent" not in g:
        found = None
        if request.endpoint != "rds.survey_resume":
            for name, value in request.cookies.items():
                if name.startswith("rds_survey_"):
                    response = respondents.response_by_key(db.session, value)
                    if response is not None:
                        found = f"response-{response.id}"
                        break
        g.rds_survey_respondent = found
    return g.rds_survey_respondent


# A training room answers together behind one address: someone answering has a budget of
# their own (their response's key), the address a much larger one for everybody behind it,
# and pages without a response (the introduction, starting, resume links) the public budget.
_entry_limit = limiter.shared_limit(
    lambda: current_app.config["PUBLIC_RATE_LIMIT"],
    scope="rds-public-survey",
    exempt_when=lambda: _respondent() is not None,
)
_respondent_limit = limiter.shared_limit(
    lambda: current_app.config["SURVEY_RESPONDENT_RATE_LIMIT"],
    scope="rds-survey-respondent",
    key_func=lambda: _respondent() or "",
    exempt_when=lambda: _respondent() is None,
)
_address_limit = limiter.shared_limit(
    lambda: current_app.config["SURVEY_ADDRESS_RATE_LIMIT"], scope="rds-survey-address"
)


def rate_limited(view: Any) -> Any:
    """The survey's three budgets: per respondent, per address, and for pages without one."""
    return _address_limit(_respondent_limit(_entry_limit(view)))


def _cookie_name(study: Study) -> str:
    return f"rds_survey_{study.id}"


def _answered_cookie(study: Study) -> str:
    """Set in a browser that submitted answers to this survey; it holds nothing but "1"."""
    return f"rds_answered_{study.id}"


def _already_answered(study: Study) -> bool:
    """Whether this browser submitted answers to the survey and has none in progress."""
    return request.cookies.get(_answered_cookie(study)) == "1" and _current(study) is None


def _answered_page(study: Study) -> Any:
    """The public link's answer to a browser that already answered: thanks, not a new start."""
    return _page(render_template("rds/public/thanks.html", study=study, already=True))


def _keep_key(response: Any, study: Study, key: str) -> Any:
    """Remember the resume key in a cookie limited to the survey pages."""
    response.set_cookie(
        _cookie_name(study),
        key,
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/survey",
    )
    return response


def _page(body: str, status: int = 200) -> Any:
    """A survey page that no shared cache keeps and no search engine lists."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _refused(message: str, status: int = 403, study: Study | None = None) -> Any:
    return _page(render_template("rds/public/refused.html", message=message, study=study), status)


def _study(public_token: str) -> Study:
    study = respondents.study_by_link(db.session, public_token)
    if study is None:
        abort(404)
    return study


def _resume_key(study: Study) -> str | None:
    return request.cookies.get(_cookie_name(study))


def _current(study: Study) -> SurveyResponse | None:
    return respondents.response_by_key(db.session, _resume_key(study), study)


def _resume_url(study: Study) -> str | None:
    key = _resume_key(study)
    return external_url("rds.survey_resume", key=key) if key else None


def _continue_url(study: Study, response: SurveyResponse) -> str:
    page = respondents.next_page(svc.survey_pages(db.session, study), response)
    if page is None:
        return url_for("rds.survey_review", public_token=study.public_token)
    return url_for("rds.survey_page", public_token=study.public_token, number=page.number)


def _intro(study: Study, invitation: Any = None) -> Any:
    current = _current(study)
    if invitation is not None and current is not None:
        if not respondents.key_matches_invitation(_resume_key(study), invitation):
            current = None
    return _page(
        render_template(
            "rds/public/intro.html",
            study=study,
            minutes=svc.estimated_minutes(db.session, study),
            pages=svc.survey_pages(db.session, study),
            continue_url=_continue_url(study, current) if current else None,
            invited=invitation is not None,
        )
    )


def _start(study: Study, invitation: Any = None) -> Any:
    try:
        response, key = respondents.start_response(db.session, study, utcnow().date(), invitation)
    except svc.SurveyRefused as refused:
        db.session.rollback()
        return _refused(str(refused), study=study)
    db.session.commit()
    return _keep_key(redirect(_continue_url(study, response)), study, key)


@bp.route("/survey/<public_token>", methods=["GET", "POST"])
@rate_limited
def survey_public(public_token: str) -> Any:
    study = _study(public_token)
    reason = svc.refusal(study, utcnow().date())
    if reason:
        return _refused(reason, study=study)
    if _already_answered(study):  # the public link promises one response per browser
        return _answered_page(study)
    if request.method == "POST":
        return _start(study)
    return _intro(study)


@bp.route("/survey/i/<token>", methods=["GET", "POST"])
@rate_limited
def survey_invited(token: str) -> Any:
    invitation = respondents.invitation_by_link(db.session, token)
    reason = respondents.invitation_refusal(invitation)
    if reason or invitation is None:
        return _refused(reason or "", 404 if invitation is None else 403)
    study = db.session.get(Study, invitation.study_id)
    if study is None:
        abort(404)
    reason = svc.refusal(study, utcnow().date())
    if reason:
        return _refused(reason, study=study)
    if request.method == "POST":
        return _start(study, invitation)
    return _intro(study, invitation)


@bp.route("/survey/resume/<key>")
@rate_limited
def survey_resume(key: str) -> Any:
    response = respondents.response_by_key(db.session, key)
    if response is None:
        return _refused(respondents.NOT_RESUMABLE, 404)
    study = db.session.get(Study, response.study_id)
    if study is None:
        abort(404)
    reason = svc.refusal(study, utcnow().date())
    if reason:
        return _refused(reason, study=study)
    flash("Welcome back: your answers so far are saved.", "info")
    return _keep_key(redirect(_continue_url(study, response)), study, key)


def _selected(page: svc.SurveyPage, response: SurveyResponse) -> dict[str, str]:
    """The answers saved for a page, by form field name."""
    if page.number == 0:
        return {f"q_{k}": str(v) for k, v in (response.demographics or {}).items()}
    chosen: dict[str, str] = {}
    for task in page.tasks:
        pair = (response.ratings or {}).get(task.code) or [None, None]
        for scale, value in zip(("importance", "frequency"), pair, strict=False):
            if value is not None:
                chosen[f"t{task.id}_{scale}"] = str(value)
    return chosen


def _render_page(study: Study, response: SurveyResponse, page: svc.SurveyPage, **extra: Any) -> Any:
    pages = svc.survey_pages(db.session, study)
    index = [p.number for p in pages].index(page.number)
    context = {"errors": {}, "unanswered": [], "selected": _selected(page, response), **extra}
    status = 400 if context["errors"] else 200
    return _page(
        render_template(
            "rds/public/page.html",
            study=study,
            page=page,
            pages=pages,
            index=index,
            questions=svc.questions_of(db.session, study) if page.number == 0 else [],
            scale=list(range(study.scale_min, study.scale_max + 1)),
            resume_url=_resume_url(study),
            **context,
        ),
        status,
    )


@bp.route("/survey/<public_token>/page/<int:number>", methods=["GET", "POST"])
@rate_limited
def survey_page(public_token: str, number: int) -> Any:
    study = _study(public_token)
    reason = svc.refusal(study, utcnow().date())
    if reason:
        return _refused(reason, study=study)
    response = _current(study)
    if response is None:
        flash("Start the survey here, or open your resume link to continue.", "warning")
        return redirect(url_for(".survey_public", public_token=public_token))
    pages = svc.survey_pages(db.session, study)
    page = next((p for p in pages if p.number == number), None)
    if page is None:
        abort(404)
    if request.method == "GET":
        return _render_page(study, response, page)
    try:
        answers = respondents.save_page(
            db.session, study, response, page, request.form, utcnow().date()
        )
    except svc.SurveyRefused as refused:
        db.session.rollback()
        return _refused(str(refused), study=study)
    if answers.errors:
        db.session.rollback()
        posted = {k: v for k, v in request.form.items() if k.startswith(("q_", "t"))}
        return _render_page(study, response, page, errors=answers.errors, selected=posted)
    db.session.commit()
    if answers.unanswered and page.number != 0 and not request.form.get("skip"):
        return _render_page(study, response, page, unanswered=answers.unanswered)
    later = [p for p in pages if p.number > page.number]
    if later:
        return redirect(url_for(".survey_page", public_token=public_token, number=later[0].number))
    return redirect(url_for(".survey_review", public_token=public_token))


@bp.route("/survey/<public_token>/review", methods=["GET", "POST"])
@rate_limited
def survey_review(public_token: str) -> Any:
    study = _study(public_token)
    reason = svc.refusal(study, utcnow().date())
    if reason:
        return _refused(reason, study=study)
    key = _resume_key(study)
    if request.method == "POST":
        try:
            respondents.submit_response(db.session, study, key or "", utcnow().date())
        except svc.SurveyRefused as refused:
            db.session.rollback()
            return _refused(str(refused), 409, study=study)
        except svc.SurveyError as error:
            db.session.rollback()
            flash(str(error), "warning")
        else:
            db.session.commit()
            done = redirect(url_for(".survey_thanks", public_token=public_token))
            done.delete_cookie(_cookie_name(study), path="/survey")
            done.set_cookie(
                _answered_cookie(study),
                "1",
                max_age=COOKIE_DAYS * 86400,
                httponly=True,
                samesite="Lax",
                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                path="/survey",
            )
            return done
    response = _current(study)
    if response is None:
        return _refused(respondents.NOT_RESUMABLE, 404, study=study)
    pages = svc.survey_pages(db.session, study)
    return _page(
        render_template(
            "rds/public/review.html",
            study=study,
            pages=pages,
            response=response,
            questions=svc.questions_of(db.session, study),
            resume_url=_resume_url(study),
        )
    )


@bp.route("/survey/<public_token>/thanks")
@_address_limit  # after submitting, the key is gone: each person of a room sees this once
def survey_thanks(public_token: str) -> Any:
    study = _study(public_token)
    return _page(render_template("rds/public/thanks.html", study=study))
