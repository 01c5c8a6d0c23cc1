"""Where a credential stands for renewal on a day (pure: dates in, a frozen value out).

Renewal opens `window_days` before the expiry day and stays a renewal through the grace
period after it; once the grace period is over the credential is expired and only
reinstatement brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PHASES = {
    "early": "not open yet",
    "open": "open",
    "grace": "in the grace period",
    "reinstatement": "reinstatement",
}


@dataclass(frozen=True)
class Phase:
    kind: str  # early, open, grace, reinstatement
    opens_on: date
    expires_on: date
    grace_ends_on: date

    @property
    def renewable(self) -> bool:
        return self.kind != "early"

    @property
    def request_kind(self) -> str:
        return "reinstatement" if self.kind == "reinstatement" else "renewal"

    def sentence(self, as_of: date) -> str:
        """The phase in words for the holder."""
        if self.kind == "early":
            return (
                f"Renewal opens on {self.opens_on.isoformat()}, "
                f"{_days(self.opens_on - as_of)} from now."
            )
        if self.kind == "open":
            return (
                f"Renewal is open until the expiry day, {self.expires_on.isoformat()} "
                f"({_days(self.expires_on - as_of)} left)."
            )
        if self.kind == "grace":
            return (
                f"The credential passed its expiry day ({self.expires_on.isoformat()}): it is not "
                f"valid for practice until renewed. It can still be renewed in the grace period, "
                f"until {self.grace_ends_on.isoformat()}."
            )
        return (
            f"The grace period ended on {self.grace_ends_on.isoformat()}: the credential is "
            "expired and needs reinstatement by the board's rule."
        )


def _days(span: timedelta) -> str:
    return "1 day" if span.days == 1 else f"{span.days} days"


def phase_of(expires_on: date, window_days: int, grace_days: int, as_of: date) -> Phase:
    """The renewal phase of a credential expiring on `expires_on`, as of a day."""
    if window_days < 0 or grace_days < 0:
        raise ValueError("window and grace days cannot be negative")
    opens = expires_on - timedelta(days=window_days)
    grace_end = expires_on + timedelta(days=grace_days)
    if as_of < opens:
        kind = "early"
    elif as_of <= expires_on:
        kind = "open"
    elif as_of <= grace_end:
        kind = "grace"
    else:
        kind = "reinstatement"
    return Phase(kind, opens, expires_on, grace_end)
