"""The CE module's models, importable from one place."""

from ceu.models.audits import (
    AUDIT_CONSEQUENCES,
    CeAudit,
    CeAuditItem,
    CeAuditSelection,
    CeExtension,
    CeReminder,
)
from ceu.models.providers import CeCourse, CeCourseCategory, CeProvider, CeProviderMember
from ceu.models.records import (
    RECORD_SOURCES,
    ROSTER_OUTCOMES,
    CeEvidence,
    CeRecord,
    CeRecordPart,
    RosterPosting,
    RosterRow,
)
from ceu.models.rules import CeCategory, CeRuleCap, CeRuleMinimum, CeRuleVersion, CeSettings

__all__ = [
    "AUDIT_CONSEQUENCES",
    "RECORD_SOURCES",
    "ROSTER_OUTCOMES",
    "CeAudit",
    "CeAuditItem",
    "CeAuditSelection",
    "CeCategory",
    "CeCourse",
    "CeCourseCategory",
    "CeEvidence",
    "CeExtension",
    "CeProvider",
    "CeProviderMember",
    "CeRecord",
    "CeRecordPart",
    "CeReminder",
    "CeRuleCap",
    "CeRuleMinimum",
    "CeRuleVersion",
    "CeSettings",
    "RosterPosting",
    "RosterRow",
]
