"""RDS views: public_survey."""

from rds.web import bp  # noqa: F401
