"""The respondent's way through the survey: links, starting, resuming, pages and submitting."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import utcnow
from rds.models import Study, SurveyInvitation, SurveyResponse
from rds.survey.answers import PageAnswers, parse_demographics, parse_ratings
from rds.survey.services import (
    SurveyError,
    SurveyPage,
    SurveyRefused,
    questions_of,
    refusal,
    survey_pages,
    token_hash,
)

NOT_RESUMABLE = "These answers were already submitted, or the resume link is not valid."
INVITATION_USED = "Answers were already submitted with this invitation. Thank you for taking part!"


def _sealing_key() -> bytes:
    """The AES key that seals an invitation's reference inside a resume key (from SECRET_KEY)."""
    import hashlib

    from flask import current_app

    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hashlib.sha256(b"peercert survey resume key\x00" + secret).digest()


def _new_resume_key(invitation_id: int | None) -> str:
    """A random resume key. An invited respondent's key also carries, sealed with AES-GCM under
    a server key, the invitation to use up at submission: neither its holder nor anyone who
    reads it in a log or an address bar can tell which invitation it is (issue 11, #8)."""
    key = secrets.token_urlsafe(24)
    if invitation_id is None:
        return key
    import base64

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_sealing_key()).encrypt(nonce, str(invitation_id).encode(), key.encode())
    return f"{key}.{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def _invitation_id(resume_key: str) -> int | None:
    """The invitation sealed in a resume key; None for a public respondent's or a forged key."""
    import base64
    import binascii

    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, separator, tail = resume_key.partition(".")
    if not separator or not tail:
        return None
    try:
        blob = base64.urlsafe_b64decode(tail + "=" * (-len(tail) % 4))
        plain = AESGCM(_sealing_key()).decrypt(blob[:12], blob[12:], key.encode())
    except (ValueError, binascii.Error, InvalidTag):
        return None
    return int(plain) if plain.isdigit() else None


def study_by_link(session: Session, public_token: str) -> Study | None:
    """The study whose survey has this public link."""
    return session.execute(select(Study).where(Study.public_token == public_token)).scalar()


def invitation_by_link(session: Session, token: str) -> SurveyInvitation | None:
    """The invitation whose personal link carries this token."""
    query = select(SurveyInvitation).where(SurveyInvitation.token_hash == token_hash(token))
    return session.execute(query).scalar()


def invitation_refusal(invitation: SurveyInvitation | None) -> str | None:
    """Why a personal link cannot be used, or None."""
    if invitation is None:
        return (
            "This invitation link is not valid. If you received a reminder, use the link in the "
            "newest email."
        )
    if invitation.used:
        return INVITATION_USED
    return None


def response_by_key(
    session: Session, resume_key: str | None, study: Study | None = None
) -> SurveyResponse | None:
    """The unsubmitted response a resume key belongs to."""
    if not resume_key:
        return None
    query = select(SurveyResponse).where(
        SurveyResponse.resume_key_hash == token_hash(resume_key),
        SurveyResponse.status == "in_progress",
    )
    if study is not None:
        query = query.where(SurveyResponse.study_id == study.id)
    return session.execute(query).scalar()


def key_matches_invitation(resume_key: str | None, invitation: SurveyInvitation) -> bool:
    """Whether a resume key was handed out for this invitation."""
    return bool(resume_key) and _invitation_id(resume_key or "") == invitation.id


def start_response(
    session: Session, study: Study, today: date, invitation: SurveyInvitation | None = None
) -> tuple[SurveyResponse, str]:
    """Begin an anonymous response; return it and the resume key (only its hash is stored)."""
    reason = refusal(study, today)
    if invitation is not None and invitation.study_id != study.id:
        invitation = None
        reason = reason or invitation_refusal(None)
    reason = reason or (invitation_refusal(invitation) if invitation is not None else None)
    if reason:
        raise SurveyRefused(reason)
    key = _new_resume_key(invitation.id if invitation is not None else None)
    response = SurveyResponse(
        board_id=study.board_id,
        study_id=study.id,
        status="in_progress",
        source="web",
        resume_key_hash=token_hash(key),
        demographics={},
        ratings={},
        pages_done=[],
        started_at=utcnow(),
    )
    session.add(response)
    session.flush()
    return response, key


def next_page(pages: list[SurveyPage], response: SurveyResponse) -> SurveyPage | None:
    """The first page not saved yet (None: on to the review)."""
    done = set(response.pages_done or [])
    return next((p for p in pages if p.number not in done), None)


def save_page(
    session: Session,
    study: Study,
    response: SurveyResponse,
    page: SurveyPage,
    form: Any,
    today: date,
) -> PageAnswers:
    """Check and store one page's answers; nothing is stored when an answer is invalid."""
    reason = refusal(study, today)
    if reason:
        raise SurveyRefused(reason)
    if page.number == 0:
        asked = [(q.key, list(q.options)) for q in questions_of(session, study)]
        answers = parse_demographics(form, asked)
        if answers.errors:
            return answers
        response.demographics = dict(answers.values)
    else:
        tasks = [(t.id, t.code) for t in page.tasks]
        answers = parse_ratings(form, tasks, study.scale_min, study.scale_max)
        if answers.errors:
            return answers
        codes = {code for _, code in tasks}
        ratings = {c: v for c, v in (response.ratings or {}).items() if c not in codes}
        ratings.update(answers.values)
        response.ratings = ratings
    if page.number not in (response.pages_done or []):
        response.pages_done = sorted([*(response.pages_done or []), page.number])
    session.flush()
    return answers


def submit_response(session: Session, study: Study, resume_key: str, today: date) -> None:
    """Submit the answers: forget the resume key and the start time, use up the invitation,
    keep only the date and the seconds the answers took (for the screen for implausibly fast
    answers; no clock time stays with the answers)."""
    reason = refusal(study, today)
    if reason:
        raise SurveyRefused(reason)
    response = response_by_key(session, resume_key, study)
    if response is None:
        raise SurveyRefused(NOT_RESUMABLE)
    missing = [p.title for p in survey_pages(session, study) if p.number not in response.pages_done]
    if missing:
        raise SurveyError("Please go through these pages before submitting: " + ", ".join(missing))
    taken = None
    if response.started_at is not None:
        taken = max(0, int((utcnow() - response.started_at).total_seconds()))
    # Conditional updates: a second submission of the same key or invitation changes no row.
    done = session.execute(
        update(SurveyResponse)
        .where(
            SurveyResponse.id == response.id,
            SurveyResponse.status == "in_progress",
            SurveyResponse.resume_key_hash == token_hash(resume_key),
        )
        .values(
            status="submitted",
            resume_key_hash=None,
            submitted_on=today,
            started_at=None,
            seconds_taken=taken,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise SurveyRefused("These answers were already submitted.")
    invitation_id = _invitation_id(resume_key)
    if invitation_id is not None:
        used = session.execute(
            update(SurveyInvitation)
            .where(
                SurveyInvitation.id == invitation_id,
                SurveyInvitation.study_id == study.id,
                SurveyInvitation.used.is_(False),
            )
            .values(used=True)
            .execution_options(synchronize_session=False)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            raise SurveyRefused(INVITATION_USED)
    session.expire(response)
