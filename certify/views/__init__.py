"""Certification views, one module per area; importing them registers their routes."""

from certify.views import (  # noqa: F401
    applications,
    board_config,
    board_work,
    credentials,
    hours,
    review,
    training,
    training_cohorts,
    verify,
)
