"""Rate limits in Redis: one round trip per limited request, the same counts and headers."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from limits import parse
from limits.storage import RedisStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from core.ratelimit import HitAnsweringRedis, storage_uri

REDIS = "redis://127.0.0.1:6379/14"


def _redis_answers() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


if not _redis_answers():
    if os.environ.get("CI") == "true":  # CI has Redis: its absence is a failure, not a skip
        pytest.fail("Redis does not answer on 127.0.0.1:6379", pytrace=False)
    pytest.skip(reason="needs Redis on 127.0.0.1:6379", allow_module_level=True)


@pytest.fixture
def storage() -> Iterator[HitAnsweringRedis]:
    found = storage_from_string(storage_uri(REDIS), key_prefix="test-" + secrets.token_hex(4))
    assert isinstance(found, HitAnsweringRedis)
    yield found
    found.reset()


def _counting(storage: RedisStorage) -> list[Any]:
    calls: list[Any] = []
    connection = storage.get_connection()
    original = connection.execute_command

    def execute_command(*args: Any, **options: Any) -> Any:
        calls.append(args[0])
        return original(*args, **options)

    connection.execute_command = execute_command  # type: ignore[method-assign]
    return calls


def test_storage_uri_keeps_other_stores() -> None:
    assert storage_uri("redis://h:6379/1") == "peercert+redis://h:6379/1"
    assert storage_uri("rediss://h:6379/1") == "peercert+rediss://h:6379/1"
    assert storage_uri("memory://") == "memory://"


def test_a_hit_and_its_window_cost_one_round_trip(storage: HitAnsweringRedis) -> None:
    limiter = FixedWindowRateLimiter(storage)
    plain = FixedWindowRateLimiter(RedisStorage(REDIS, key_prefix=storage.key_prefix))
    limit = parse("3 per minute")
    assert limiter.hit(limit, "warm")  # the first call in a process loads the script
    calls = _counting(storage)
    assert limiter.hit(limit, "1.2.3.4")
    stats = limiter.get_window_stats(limit, "1.2.3.4")
    assert len(calls) == 1  # the script alone: count and time to live together
    assert stats.remaining == 2 == plain.get_window_stats(limit, "1.2.3.4").remaining
    assert abs(stats.reset_time - plain.get_window_stats(limit, "1.2.3.4").reset_time) <= 1
    assert limiter.hit(limit, "1.2.3.4") and limiter.hit(limit, "1.2.3.4")
    assert not limiter.hit(limit, "1.2.3.4")  # the fourth in the minute is refused
    assert limiter.get_window_stats(limit, "1.2.3.4").remaining == 0
    assert limiter.hit(limit, "5.6.7.8")  # another address counts apart
    limiter.clear(limit, "1.2.3.4")
    assert limiter.get_window_stats(limit, "1.2.3.4").remaining == 3


def test_the_api_counts_in_redis_with_its_headers(app) -> None:  # type: ignore[no-untyped-def]
    from app import create_app

    config = {**app.config, "RATELIMIT_STORAGE_URI": REDIS, "PUBLIC_RATE_LIMIT": "2 per minute"}
    limited = create_app(config)
    assert limited.config["RATELIMIT_STORAGE_URI"].startswith("peercert+redis://")
    client = limited.test_client()
    address = {"REMOTE_ADDR": f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9"}
    first = client.get("/api/v1/credentials/ne/NE-X-1", environ_base=address)
    second = client.get("/api/v1/credentials/ne/NE-X-1", environ_base=address)
    third = client.get("/api/v1/credentials/ne/NE-X-1", environ_base=address)
    assert [r.status_code for r in (first, second, third)] == [404, 404, 429]
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert second.headers["X-RateLimit-Remaining"] == "0"
    assert int(third.headers["Retry-After"]) > 0
