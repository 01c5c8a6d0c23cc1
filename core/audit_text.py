"""An audit event in words: what was done and what changed, for people reading the log.

Pure: plain values in, strings out. Minutes read as hours ("Training minimum: 40 h -> 46 h"),
codes as words ("in review"), lists as lists; the stored event itself is never changed.
"""

from __future__ import annotations

import re
from typing import Any

from core.units import hours_text

ARROW = "→"
# field names whose words read better than the name spelled out
FIELD_WORDS = {
    "training_minutes": "Training minimum",
    "experience_minutes": "Experience minimum",
    "supervision_minutes": "Supervision minimum",
    "min_age": "Minimum age",
    "recovery_months": "Time in recovery (months)",
    "cycle_months": "Renewal cycle (months)",
    "expires_on": "Expires",
    "issued_on": "Issued",
    "worked_on": "Worked on",
}


def words(code: str) -> str:
    """A code as words: 'in_review' -> 'in review', 'credential.issued' -> 'Credential issued',
    'RequirementSet' -> 'Requirement set'."""
    text = code.replace(".", " ").replace("_", " ").replace("-", " ").strip()
    text = re.sub(r"(?<=[a-z])([A-Z])", lambda m: " " + m.group(1).lower(), text)
    return text[:1].upper() + text[1:]


def field_name(key: str) -> str:
    if key in FIELD_WORDS:
        return FIELD_WORDS[key]
    if key.endswith("_minutes"):
        return words(key[: -len("_minutes")])
    return words(key)


def value_text(key: str, value: Any) -> str:
    """One stored value as people read it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key.endswith("minutes") and isinstance(value, int):
        return f"{hours_text(value)} h"
    if isinstance(value, list | tuple):
        return ", ".join(value_text(key, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_name(k)}: {value_text(k, v)}" for k, v in value.items())
    text = str(value)
    if "_" in text and " " not in text and text.islower():
        return text.replace("_", " ")
    return text


def change_lines(before: Any, after: Any) -> list[str]:
    """One line per field: 'Status: in review → approved', 'Reason: ...' (only after)."""
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    lines = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key in old and key in new:
            if old[key] == new[key]:
                continue
            text = f"{value_text(key, old[key])} {ARROW} {value_text(key, new[key])}"
        elif key in new:
            text = value_text(key, new[key])
        else:
            text = f"{value_text(key, old[key])} {ARROW} —"
        lines.append(f"{field_name(key)}: {text}")
    if not lines and (before is not None or after is not None):
        for label, value in (("Before", before), ("After", after)):
            if value not in (None, {}, []):
                lines.append(f"{label}: {value_text('', value)}")
    return lines
