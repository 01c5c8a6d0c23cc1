"""The verification module's models, importable from one place."""

from verify.models.badges import IssuerKey, SignedBadge, StatusList
from verify.models.employers import (
    EVENT_KINDS,
    ApiKey,
    EmployerMember,
    EmployerOrganization,
    MonitoredCredential,
    MonitoringEvent,
    RosterCheck,
)

__all__ = [
    "EVENT_KINDS",
    "ApiKey",
    "EmployerMember",
    "EmployerOrganization",
    "IssuerKey",
    "MonitoredCredential",
    "MonitoringEvent",
    "RosterCheck",
    "SignedBadge",
    "StatusList",
]
