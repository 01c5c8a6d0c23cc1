"""Where the shared reference data lives, found relative to the project, never by an absolute path.

``$PEERCERT_SHARED`` names the shared directory when it is elsewhere; otherwise it is
``../shared`` next to the repository (the layout of the checkout and of CI).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]


def rds_sample_dir() -> Path | None:
    """The RDS sample (tasks.csv, responses.csv, reference.json), or None when absent."""
    candidates = []
    env = os.environ.get("PEERCERT_SHARED")
    if env:
        candidates += [Path(env) / "data" / "rds_sample", Path(env) / "rds_sample", Path(env)]
    candidates.append(PROJECT.parent / "shared" / "data" / "rds_sample")
    return next((f for f in candidates if (f / "tasks.csv").is_file()), None)


RDS_SAMPLE = rds_sample_dir()
needs_rds_sample = pytest.mark.skipif(
    RDS_SAMPLE is None,
    reason="shared RDS sample not found: set PEERCERT_SHARED to the shared directory "
    "or place it at ../shared next to the repository",
)
