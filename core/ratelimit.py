"""Rate limits counted in Redis in one round trip per request.

Flask-Limiter counts a hit (one Redis call), then asks for the window's count and expiry
to write the X-RateLimit-* headers (two more calls). HitAnsweringRedis counts the hit
and reads the window's time to live in one script and answers those two questions from
it for the next second, so a limited request costs one round trip, not three. Counting
is unchanged: the count is Redis's, atomically incremented; only the headers may be up
to a second old.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from limits.storage import RedisStorage

SCHEME = "peercert+redis"
FRESH_SECONDS = 1.0

# INCRBY, set the expiry on a new window, and return the count with the milliseconds left
_INCR_WITH_TTL = b"""
local current = redis.call("incrby", KEYS[1], tonumber(ARGV[2]))
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("pttl", KEYS[1])}
"""


def storage_uri(configured: str) -> str:
    """The storage URI Flask-Limiter is given: redis:// and rediss:// answer hits in one trip."""
    for scheme in ("redis://", "rediss://"):
        if configured.startswith(scheme):
            return f"{SCHEME}{configured[len('redis') :]}"
    return configured


class HitAnsweringRedis(RedisStorage):
    """Redis storage whose hit also tells the count and expiry read right after it."""

    STORAGE_SCHEME = [SCHEME, SCHEME.replace("redis", "rediss")]

    def __init__(self, uri: str, **options: Any) -> None:
        self._seen = threading.local()
        super().__init__(uri.replace("peercert+", "", 1), **options)

    def initialize_storage(self, _uri: str) -> None:
        super().initialize_storage(_uri)
        self.lua_incr_with_ttl = self.get_connection().register_script(_INCR_WITH_TTL)

    def _remembered(self) -> dict[str, tuple[int, float, float]]:
        seen = getattr(self._seen, "windows", None)
        if seen is None:
            seen = self._seen.windows = {}
        return seen  # type: ignore[no-any-return]

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        key = self.prefixed_key(key)
        current, pttl = self.lua_incr_with_ttl([key], [expiry, amount])
        now = time.time()
        seen = self._remembered()
        if len(seen) > 64:  # a request hits a few limits: keep the latest ones only
            seen.clear()
        seen[key] = (int(current), now + max(int(pttl), 0) / 1000, time.monotonic())
        return int(current)

    def _fresh(self, key: str) -> tuple[int, float, float] | None:
        found = self._remembered().get(self.prefixed_key(key))
        if found is not None and time.monotonic() - found[2] <= FRESH_SECONDS:
            return found
        return None

    def get(self, key: str) -> int:
        found = self._fresh(key)
        return found[0] if found is not None else super().get(key)

    def get_expiry(self, key: str) -> float:
        found = self._fresh(key)
        return found[1] if found is not None else super().get_expiry(key)

    def clear(self, key: str) -> None:
        self._remembered().pop(self.prefixed_key(key), None)
        super().clear(key)
