"""Renewal requests: inside the window (or the grace period) a certificant ticks the board's
attestations, says whether the fee is paid and asks to renew; anything flagged waits for
staff, the rest is approved at once. On approval the expiry moves one cycle (from the expiry
day; from the approval day for a reinstatement), the request stays as history, and the
certificate PDFs, made fresh, show the new dates. After the grace period only reinstatement
is possible, by the board's rule: extra CE (ceu says so through renewal_blockers), a fee,
and a new exam passed after the credential expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from certify import hooks
from certify.credentials import services as credentials
from certify.models import Credential, CredentialType
from certify.renewal.models import FEE_STATES, REVIEW_CHOICES, RenewalPolicy, RenewalRequest
from certify.renewal.phase import Phase
from certify.renewal.policy import credential_phase, policy_for
from core import audit, mail
from core.models import Board, User, utcnow
from core.text import plural
from core.urls import external_url

MAX_ATTESTATIONS = 10


class RenewalError(ValueError):
    """A renewal step that is not allowed now; the message says why. `field` names the field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


# --- policy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyInput:
    window_days: int
    grace_days: int
    attestations: tuple[str, ...]
    fee_required: bool
    review: str
    reinstatement_fee: bool
    reinstatement_exam: bool


def save_policy(
    session: Session, board: Board, actor: User, ctype: CredentialType, data: PolicyInput
) -> RenewalPolicy:
    if ctype.board_id != board.id:
        raise RenewalError("Choose a credential type of this board.")
    if not 0 <= data.window_days <= 365:
        raise RenewalError("The window is 0 to 365 days before expiry.", "window_days")
    if not 0 <= data.grace_days <= 365:
        raise RenewalError("The grace period is 0 to 365 days.", "grace_days")
    if data.review not in REVIEW_CHOICES:
        raise RenewalError("Choose when staff review renewals.", "review")
    texts = [" ".join(t.split()) for t in data.attestations if t.strip()]
    if len(texts) > MAX_ATTESTATIONS:
        raise RenewalError(f"At most {MAX_ATTESTATIONS} attestations.", "attestations")
    if any(len(t) > 500 for t in texts):
        raise RenewalError("An attestation is at most 500 characters.", "attestations")
    policy = session.execute(
        select(RenewalPolicy).where(RenewalPolicy.credential_type_id == ctype.id)
    ).scalar()
    before = None if policy is None else describe(policy)
    if policy is None:
        policy = RenewalPolicy(board_id=board.id, credential_type_id=ctype.id)
        session.add(policy)
    policy.window_days, policy.grace_days = data.window_days, data.grace_days
    policy.attestations = texts
    policy.fee_required, policy.review = data.fee_required, data.review
    policy.reinstatement_fee = data.reinstatement_fee
    policy.reinstatement_exam = data.reinstatement_exam
    policy.updated_by_id = actor.id
    session.flush()
    audit.record(session, actor, "renewal.policy.saved", policy, before=before,
                 after={"credential_type": ctype.code, **describe(policy)})  # fmt: skip
    return policy


def describe(policy: RenewalPolicy) -> dict[str, Any]:
    return {
        "window_days": policy.window_days,
        "grace_days": policy.grace_days,
        "attestations": list(policy.attestations or []),
        "fee_required": policy.fee_required,
        "review": policy.review,
        "reinstatement_fee": policy.reinstatement_fee,
        "reinstatement_exam": policy.reinstatement_exam,
    }


def policy_sentences(policy: RenewalPolicy) -> list[str]:
    """The policy in plain words (rules page, renewal page)."""
    lines = [
        f"Renewal opens {policy.window_days} days before the expiry day.",
        (
            f"Grace period: {policy.grace_days} days after the expiry day, during which the "
            "credential can still be renewed (it is not valid for practice until it is)."
            if policy.grace_days
            else "No grace period: after the expiry day only reinstatement is possible."
        ),
        "Renewal needs the continuing education of the cycle (or an extension the board "
        "granted)"
        + (f", {plural(len(policy.attestations), 'attestation')}" if policy.attestations else "")
        + (", and the renewal fee" if policy.fee_required else "")
        + ".",
        REVIEW_CHOICES[policy.review] + ".",
    ]
    extra = ["the CE rules' extra hours, if any"]
    if policy.reinstatement_fee:
        extra.append("a reinstatement fee")
    if policy.reinstatement_exam:
        extra.append("passing the exam again after the credential expired")
    lines.append("Reinstatement after the grace period needs " + ", ".join(extra) + ".")
    return lines


# --- where a credential stands --------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """A credential's renewal standing for its holder or staff."""

    phase: Phase
    policy: RenewalPolicy
    blockers: list[str]  # what stops a renewal now (status, CE, ...)
    open_request: RenewalRequest | None

    @property
    def can_request(self) -> bool:
        return self.phase.renewable and not self.blockers and self.open_request is None

    @property
    def fee_due(self) -> bool:
        return fee_due(self.policy, self.phase.request_kind)


def fee_due(policy: RenewalPolicy, kind: str) -> bool:
    return policy.fee_required or (kind == "reinstatement" and policy.reinstatement_fee)


def open_request(session: Session, credential: Credential) -> RenewalRequest | None:
    return session.execute(
        select(RenewalRequest).where(
            RenewalRequest.credential_id == credential.id, RenewalRequest.status == "review"
        )
    ).scalar()


def standing(session: Session, credential: Credential, as_of: date) -> Standing:
    policy = policy_for(session, credential.credential_type_id, credential.board_id)
    phase = credential_phase(session, credential, as_of)
    blockers = credentials.renewal_blockers(session, credential, as_of)
    return Standing(phase, policy, blockers, open_request(session, credential))


def history(session: Session, credential: Credential) -> list[RenewalRequest]:
    return list(
        session.execute(
            select(RenewalRequest)
            .where(RenewalRequest.credential_id == credential.id)
            .order_by(RenewalRequest.submitted_at.desc(), RenewalRequest.id.desc())
        ).scalars()
    )


# --- requests -------------------------------------------------------------------------------


def submit(
    session: Session,
    credential: Credential,
    holder: User,
    ticked: list[str],
    fee_paid: bool,
    note: str,
    as_of: date,
) -> RenewalRequest:
    """The holder asks to renew; approved at once unless something is flagged for staff."""
    if credential.holder_id != holder.id:
        raise RenewalError("Only the holder can ask to renew this credential.")
    session.refresh(credential, with_for_update=True)  # one decision at a time
    found = standing(session, credential, as_of)
    if not found.phase.renewable:
        raise RenewalError(found.phase.sentence(as_of))
    if found.open_request is not None:
        raise RenewalError("Your renewal request is already with the board.")
    if found.blockers:
        raise RenewalError("Not yet: " + " ".join(found.blockers))
    policy = found.policy
    asked = list(policy.attestations or [])
    if sorted(set(ticked)) != sorted(set(asked)):
        raise RenewalError("Tick every attestation the board asks for.", "attestations")
    kind = found.phase.request_kind
    fee = "none"
    if fee_due(policy, kind):
        fee = "attested" if fee_paid else "unpaid"
    flags = []
    if policy.review == "all":
        flags.append("The board reviews every renewal.")
    if kind == "reinstatement":
        flags.append("Reinstatement after the grace period: the board checks its rule.")
        if policy.reinstatement_exam:
            flags.append("The exam must be passed again: staff record the day it was passed.")
    if fee == "unpaid":
        flags.append("The fee is not paid yet.")
    note = note.strip()
    if note:
        flags.append("The certificant added a statement.")
    for notes in hooks.renewal_notes.results(session, credential, as_of):
        flags.extend(notes)
    request = RenewalRequest(
        board_id=credential.board_id,
        credential_id=credential.id,
        holder_id=holder.id,
        kind=kind,
        status="review",
        expires_before=credential.expires_on,
        attestations=asked,
        fee=fee,
        note=note[:4000],
        flags=flags,
    )
    session.add(request)
    session.flush()
    audit.record(session, holder, f"renewal.{kind}.requested", request,
                 after={"credential": credential.number, "fee": fee, "flags": flags})  # fmt: skip
    if not flags:
        _approve(session, request, holder, as_of, "Approved at once: nothing was flagged.")
    else:
        _email(
            session,
            credential,
            f"Your {kind} request for {credential.number} is with the board",
            "The board reviews it because: " + " ".join(flags) + " You will get an email when "
            "it is decided.",
        )
    return request


def decide(
    session: Session,
    request: RenewalRequest,
    actor: User,
    approve: bool,
    reason: str,
    as_of: date,
    fee_paid: bool = False,
    exam_passed_on: date | None = None,
) -> None:
    """Staff approve a request waiting for review (the board's rule re-checked), or reject it."""
    credential = request.credential
    session.refresh(credential, with_for_update=True)  # one decision at a time
    session.refresh(request)
    if request.status != "review":
        raise RenewalError("This request was already decided; reload the page.")
    if not approve:
        if not reason.strip():
            raise RenewalError("Say why; the certificant reads it.", "reason")
        request.status, request.decision_reason = "rejected", reason.strip()
        request.decided_by_id, request.decided_at = actor.id, utcnow()
        session.flush()
        audit.record(session, actor, f"renewal.{request.kind}.rejected", request,
                     after={"reason": request.decision_reason})  # fmt: skip
        _email(session, credential, f"Your {request.kind} request for {credential.number}",
               f"The board did not approve it.\n\nReason: {request.decision_reason}\n\nYou can "
               "ask again once it is put right.")  # fmt: skip
        return
    policy = policy_for(session, credential.credential_type_id, credential.board_id)
    if fee_paid and request.fee != "none":
        request.fee = "paid"
    if request.fee == "unpaid":
        raise RenewalError("The fee is not paid: mark it paid once the board received it.", "fee")
    if request.kind == "reinstatement" and policy.reinstatement_exam:
        if exam_passed_on is None or exam_passed_on <= request.expires_before:
            raise RenewalError(
                "Reinstatement needs the exam passed again after the credential expired "
                f"({request.expires_before.isoformat()}): give the day it was passed.",
                "exam_passed_on",
            )
        if exam_passed_on > as_of:
            raise RenewalError("The exam day is in the future.", "exam_passed_on")
        request.exam_passed_on = exam_passed_on
    _approve(session, request, actor, as_of, reason.strip())


def _approve(
    session: Session, request: RenewalRequest, actor: User, as_of: date, reason: str
) -> None:
    credential = request.credential
    try:
        credentials.renew(session, credential, actor, as_of)
    except credentials.CredentialError as exc:
        raise RenewalError(str(exc)) from exc
    request.status, request.expires_after = "approved", credential.expires_on
    request.decision_reason = reason
    request.decided_by_id, request.decided_at = actor.id, utcnow()
    session.flush()
    audit.record(session, actor, f"renewal.{request.kind}.approved", request,
                 after={"credential": credential.number, "expires_before": request.expires_before,
                        "expires_after": request.expires_after, "fee": request.fee})  # fmt: skip
    _email(
        session,
        credential,
        f"Your credential {credential.number} is renewed until {credential.expires_on.isoformat()}",
        f"{credential.credential_type.name} {credential.number} is {credential.status} until "
        f"{credential.expires_on.isoformat()}. Your certificate and wallet card show the new "
        "dates: download them from My credentials.",
    )


def _email(session: Session, credential: Credential, subject: str, body: str) -> None:
    mail.queue(
        session,
        credential.holder.email,
        subject,
        f"Hello {credential.holder.full_name},\n\n{body}\n\n"
        f"{external_url('certify.my_credentials')}\n",
        board_id=credential.board_id,
    )


# --- staff lists ----------------------------------------------------------------------------


def requests_query(board_id: int, status: str = "review") -> Select[Any]:
    query = (
        select(RenewalRequest)
        .where(RenewalRequest.board_id == board_id)
        .options(
            joinedload(RenewalRequest.credential).joinedload(Credential.credential_type),
            joinedload(RenewalRequest.holder),
        )
        .order_by(RenewalRequest.submitted_at, RenewalRequest.id)
    )
    if status:
        query = query.where(RenewalRequest.status == status)
    return query


def waiting_count(session: Session, board_id: int | None, user: User | None = None) -> int:
    if board_id is None:
        return 0
    return session.execute(
        select(func.count(RenewalRequest.id)).where(
            RenewalRequest.board_id == board_id, RenewalRequest.status == "review"
        )
    ).scalar_one()


FEES = FEE_STATES
