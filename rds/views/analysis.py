"""RDS views: analysis."""

from rds.web import bp  # noqa: F401
