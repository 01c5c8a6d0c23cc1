"""RDS views: scope."""

from rds.web import bp  # noqa: F401
