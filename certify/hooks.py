"""Certify's extension points: what other modules may add to eligibility and renewal.

Certify makes the decisions, so certify declares the hooks; exams and ceu connect providers
from their `init_app` (the arrows point ceu -> certify and exams -> certify, never back).
Until the exams module exists, the exam result a reviewer records is one provider, connected
by certify itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Generic, ParamSpec, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from certify.models import Credential, TraineeProfile

P = ParamSpec("P")
R = TypeVar("R")


class Hook(Generic[P, R]):
    """A named extension point: providers are called in the order they were connected."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._providers: list[Callable[P, R]] = []

    def connect(self, provider: Callable[P, R]) -> Callable[P, R]:
        """Add a provider (once, however often a module's init_app runs); usable as decorator."""
        if provider not in self._providers:
            self._providers.append(provider)
        return provider

    def disconnect(self, provider: Callable[P, R]) -> None:
        if provider in self._providers:
            self._providers.remove(provider)

    @property
    def providers(self) -> tuple[Callable[P, R], ...]:
        return tuple(self._providers)

    def results(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        """Every provider's answer, in connection order."""
        return [provider(*args, **kwargs) for provider in self._providers]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._providers)} provider(s)>"


@dataclass(frozen=True)
class ProvidedFacts:
    """Facts a module knows about an applicant; None means the module has no say."""

    exam_passed: bool | None = None


def merge_facts(provided: list[ProvidedFacts]) -> ProvidedFacts:
    """One answer from many: an exam counts as passed when any provider says so."""
    said = [p.exam_passed for p in provided if p.exam_passed is not None]
    return ProvidedFacts(exam_passed=any(said) if said else None)


applicant_facts: Hook[[Session, TraineeProfile, date], ProvidedFacts] = Hook(
    "applicant_facts",
    "Facts about an applicant that the eligibility engine reads: (session, profile, as_of).",
)

renewal_blockers: Hook[[Session, Credential, date], list[str]] = Hook(
    "renewal_blockers",
    "Reasons a credential cannot be renewed as of a day, in words for its holder.",
)

renewal_notes: Hook[[Session, Credential, date], list[str]] = Hook(
    "renewal_notes",
    "Reasons staff should look at a renewal that is not blocked (a CE extension was used, "
    "say), in words for staff: (session, credential, as_of).",
)


credential_changed: Hook[[Session, Credential, str], None] = Hook(
    "credential_changed",
    "A credential's public record changed: (session, credential, what), what being status, "
    "discipline, renewed or expired (new credentials are announced by credentials_issued). "
    "Called after certify's own flush; providers may add rows (and flush) but never commit.",
)

credentials_issued: Hook[[Session, list[Credential]], None] = Hook(
    "credentials_issued",
    "Credentials were issued, one or a batch at once: (session, credentials), in issue order. "
    "Called after certify's own flush; providers may add rows (and flush) but never commit, "
    "and should work on the batch as a whole (one query for all, not one per credential).",
)


@dataclass(frozen=True)
class PageLink:
    """A link another module adds to a credential's public verification page."""

    label: str
    url: str


public_page_links: Hook[[Credential], list[PageLink]] = Hook(
    "public_page_links",
    "Links to add to a credential's public page (what its QR code opens), e.g. a printable "
    "verification letter or the signed credential: (credential). Nothing private.",
)


def staff_recorded_exam(session: Session, profile: TraineeProfile, as_of: date) -> ProvidedFacts:
    """The exam result a reviewer recorded on the applicant's profile."""
    return ProvidedFacts(exam_passed=True if profile.exam_passed else None)
