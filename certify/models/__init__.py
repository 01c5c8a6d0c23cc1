"""The certification module's models, importable from one place."""

from certify.models.applications import (
    APPLICATION_STATUSES,
    DOCUMENT_KINDS,
    TRANSITIONS,
    Application,
    ApplicationDocument,
)
from certify.models.config import (
    SUPERVISOR_LICENSES,
    BoardPolicy,
    CredentialType,
    Endorsement,
    RequirementSet,
)
from certify.models.credentials import (
    CREDENTIAL_STATUSES,
    DISCIPLINE_KINDS,
    Credential,
    CredentialCounter,
    DisciplinaryAction,
    ExpiryReminder,
)
from certify.models.hours import SETTINGS, SupervisedHoursEntry
from certify.models.people import EDUCATION_LEVELS, SupervisorProfile, TraineeProfile
from certify.models.standing import Standing, StandingRecompute
from certify.models.training import (
    CURRICULUM_ELEMENTS,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)

__all__ = [
    "BoardPolicy",
    "APPLICATION_STATUSES",
    "CREDENTIAL_STATUSES",
    "CURRICULUM_ELEMENTS",
    "DISCIPLINE_KINDS",
    "DOCUMENT_KINDS",
    "EDUCATION_LEVELS",
    "SETTINGS",
    "SUPERVISOR_LICENSES",
    "TRANSITIONS",
    "Application",
    "ApplicationDocument",
    "Credential",
    "CredentialCounter",
    "CredentialType",
    "DisciplinaryAction",
    "Endorsement",
    "ExpiryReminder",
    "RequirementSet",
    "Standing",
    "StandingRecompute",
    "SupervisedHoursEntry",
    "SupervisorProfile",
    "TraineeProfile",
    "TrainingAttendance",
    "TrainingCohort",
    "TrainingModule",
    "TrainingProgram",
]
