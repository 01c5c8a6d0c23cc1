"""RDS views: workshop."""

from rds.web import bp  # noqa: F401
