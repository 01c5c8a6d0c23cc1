"""Finding #11: behind the reverse proxy, every client is itself (rate limits, audit).

TRUSTED_PROXIES says how many proxies stand in front of the app; only then, and only that
many hops, is X-Forwarded-For believed. Production keeps its rate limits in Redis.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from core.config import ConfigError
from core.extensions import db
from core.models import AuditEvent
from tests.conftest import app_config

PROXY = "10.0.0.2"


def _through_proxy(client, client_address: str, spoofed: str = ""):  # type: ignore[no-untyped-def]
    """A failed login as the proxy passes it on (it appends the address it saw)."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return client.post(
        "/login",
        data={"email": "nobody@example.org", "password": "a wrong password"},
        environ_base={"REMOTE_ADDR": PROXY},
        headers={"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"},
    )


def _audited_addresses(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.execute(select(AuditEvent.ip).order_by(AuditEvent.id)).scalars())


@pytest.mark.real_commits  # an app of its own, with its own connections
def test_behind_a_proxy_clients_get_their_own_rate_limit_and_audit_address(  # type: ignore[no-untyped-def]
    app, database_url, tmp_path
) -> None:
    config = {**app_config(database_url, tmp_path), "TRUSTED_PROXIES": 1}
    config["LOGIN_RATE_LIMIT"] = "2 per minute"
    proxied = create_app(config)
    alice, bob = proxied.test_client(), proxied.test_client()
    codes = [_through_proxy(alice, "203.0.113.5", spoofed="198.51.100.99").status_code]
    codes += [_through_proxy(alice, "203.0.113.5").status_code for _ in range(2)]
    assert codes == [200, 200, 429]  # a spoofed first hop does not give alice a new bucket
    assert _through_proxy(bob, "203.0.113.6").status_code == 200  # bob is not alice
    assert _audited_addresses(proxied) == ["203.0.113.5", "203.0.113.5", "203.0.113.6"]


def test_without_trusted_proxies_forwarded_addresses_are_ignored(app, client) -> None:  # type: ignore[no-untyped-def]
    assert app.config["TRUSTED_PROXIES"] == 0
    _through_proxy(client, "203.0.113.5")
    assert _audited_addresses(app) == [PROXY]


def test_production_keeps_rate_limits_in_redis(database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = {**app_config(database_url, tmp_path), "ENV_NAME": "production"}
    config.update(BASE_URL="https://certify.example.org", AUDIT_KEY="an audit key")
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI is memory://"):
        create_app(config)
    config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
    assert create_app(config).config["ENV_NAME"] == "production"
