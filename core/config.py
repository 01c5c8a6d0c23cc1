"""Configuration classes read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import click


class ConfigError(click.ClickException):
    """A setting is missing or wrong; the message says which and how to fix it.

    A ClickException, so `flask ...` commands print the message without a stack trace.
    """


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults shared by every environment; each value can be set in the environment."""

    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    BOOTSTRAP_SERVE_LOCAL = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    PUBLIC_RATE_LIMIT = os.environ.get("PUBLIC_RATE_LIMIT", "60 per minute")
    # the survey: each respondent (their response's key) and, far higher, each address (a
    # training room of 20 or more behind one NAT answers at once)
    SURVEY_RESPONDENT_RATE_LIMIT = os.environ.get("SURVEY_RESPONDENT_RATE_LIMIT", "120 per minute")
    SURVEY_ADDRESS_RATE_LIMIT = os.environ.get("SURVEY_ADDRESS_RATE_LIMIT", "1500 per minute")
    HOURS_RATE_LIMIT = os.environ.get("HOURS_RATE_LIMIT", "60 per hour")
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
    TOKEN_HOURS = int(os.environ.get("TOKEN_HOURS", "72"))

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "no-reply@peercert.local")
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))
    MAIL_PRINT = _bool("MAIL_PRINT")  # print instead of sending (debug)
    BASE_URL = os.environ.get("BASE_URL")  # required in production; else the request's host

    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")  # None: instance/uploads
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024

    # A session ends after this long without a request, and this long after logging in.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))

    # The key of the audit chain's HMAC and checkpoint signatures; kept outside the database
    # (required in production; elsewhere derived from SECRET_KEY).
    AUDIT_KEY = os.environ.get("AUDIT_KEY")

    # How many reverse proxies stand in front of the app (0: none, the peer is the client).
    # Only then are X-Forwarded-For and X-Forwarded-Proto believed, and only that many hops.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # boards (slugs, comma-separated; "*" for all) where issuing and revoking need two people
    FOUR_EYES_BOARDS = os.environ.get("FOUR_EYES_BOARDS", "")
    # the earliest date a record about a person may carry (hours, training, discipline): one
    # date, or per board by short name with a default, e.g. "ne-dbh=2015-01-01, 2000-01-01"
    EARLIEST_RECORD_DATE = os.environ.get("EARLIEST_RECORD_DATE", "2000-01-01")


class DevelopmentConfig(Config):
    """Local development: debug, printed mail, a throwaway secret key."""

    ENV_NAME = "development"
    DEBUG = True
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SESSION_COOKIE_SECURE = False
    MAIL_PRINT = _bool("MAIL_PRINT", True)


class TestingConfig(Config):
    """Tests: CSRF stays on unless a test turns it off."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    SESSION_COOKIE_SECURE = False
    MAIL_PRINT = False
    RATELIMIT_ENABLED = True


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_class() -> type[Config]:
    """Pick the configuration class named by PEERCERT_ENV (default production)."""
    name = os.environ.get("PEERCERT_ENV", "production").lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(
            f"PEERCERT_ENV={name!r} is not known; use one of {', '.join(CONFIGS)}"
        ) from None


AUDIT_KEY_MISSING = (
    "AUDIT_KEY is not set. In production the audit trail is keyed with a secret kept outside "
    "the database: set AUDIT_KEY to a long random value (python -c 'import secrets; "
    "print(secrets.token_hex(32))') and keep it as safe as SECRET_KEY."
)


def check_production_settings(config: Mapping[str, Any]) -> None:
    """Refuse to run in production without the settings that keep it safe; say which and how."""
    if config.get("ENV_NAME") != "production":
        return
    if not config.get("AUDIT_KEY"):
        raise ConfigError(AUDIT_KEY_MISSING)
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if config.get("RATELIMIT_ENABLED", True) and not storage.startswith("redis"):
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI is {storage.split('://')[0]}://... In production the rate "
            "limits are counted in Redis, shared by every worker and server (in memory each "
            "worker counts alone, which multiplies every limit): set RATELIMIT_STORAGE_URI, "
            "e.g. redis://127.0.0.1:6379/0."
        )
