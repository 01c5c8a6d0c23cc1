"""The exams module's models, importable from one place.

Part A (bank and forms) lives in bank.py and forms.py; delivery, standard setting and
results add their own files and import them here.
"""

from exams.models.bank import (
    COGNITIVE_LEVELS,
    ITEM_STATUSES,
    MAX_OPTIONS,
    MIN_OPTIONS,
    STATUS_LABELS,
    VERSION_STATUSES,
    Item,
    ItemAssignment,
    ItemEnemy,
    ItemVersion,
)
from exams.models.delivery import (
    REGISTRATION_STATUSES,
    DeliveredAnswer,
    ExamRules,
    ExamWindow,
    Registration,
)
from exams.models.forms import FORM_STATUSES, Form, FormItem
from exams.models.results import (
    IMPORT_KINDS,
    REVIEW_ACTIONS,
    ExamResult,
    ExamScale,
    ItemStatistic,
    ResultImport,
)
from exams.models.standards import (
    SETTING_STATUSES,
    AngoffJudge,
    AngoffRating,
    CutScore,
    StandardSetting,
)

__all__ = [
    "COGNITIVE_LEVELS",
    "FORM_STATUSES",
    "IMPORT_KINDS",
    "REGISTRATION_STATUSES",
    "REVIEW_ACTIONS",
    "SETTING_STATUSES",
    "ITEM_STATUSES",
    "MAX_OPTIONS",
    "MIN_OPTIONS",
    "STATUS_LABELS",
    "VERSION_STATUSES",
    "AngoffJudge",
    "AngoffRating",
    "CutScore",
    "DeliveredAnswer",
    "ExamResult",
    "ExamRules",
    "ExamScale",
    "ExamWindow",
    "Form",
    "FormItem",
    "Item",
    "ItemAssignment",
    "ItemEnemy",
    "ItemStatistic",
    "ItemVersion",
    "Registration",
    "ResultImport",
    "StandardSetting",
]
