"""RDS views, one module per area; importing them registers their routes."""

from rds.views import analysis, public_survey, scope, scope_io, survey, workshop  # noqa: F401
