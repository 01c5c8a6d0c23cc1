"""RDS views: survey."""

from rds.web import bp  # noqa: F401
