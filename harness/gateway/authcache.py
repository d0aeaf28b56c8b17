"""The Lambda authorizer result cache: per authorizer and stage, keyed by identity-source values.

Caching behaviour (TTL default 300 s, 0 disables, max 3600; the cached policy applies to
every method it covers): https://docs.aws.amazon.com/apigateway/latest/developerguide/
configure-api-gateway-lambda-authorization.html
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from harness.iam import Policy

MAX_ENTRIES = 100_000
MAX_DECISIONS_PER_ENTRY = 256


@dataclass
class AuthEntry:
    """What an authorizer returned, validated: principal, compiled policy, context, API key."""

    principal_id: str
    policy: Policy
    context: Mapping[str, str | int | float | bool]
    usage_key: str | None
    latency_ms: int
    expires_at: float = 0.0
    decisions: dict[str, str] = field(default_factory=dict)


CacheKey = tuple[str, str, str, tuple[str, ...]]  # api id, stage, authorizer id, identity values


class AuthorizerCache:
    """Thread-safe TTL cache on the virtual clock; counts hits and misses per authorizer+stage."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._entries: dict[CacheKey, AuthEntry] = {}
        self.counters: dict[tuple[str, str, str], dict[str, int]] = {}

    def _count(self, key: CacheKey, what: str) -> None:
        scope = key[:3]
        c = self.counters.get(scope)
        if c is None:
            c = self.counters.setdefault(scope, {"hits": 0, "misses": 0, "invocations": 0,
                                                 "failures": 0})
        c[what] += 1

    def get(self, key: CacheKey) -> AuthEntry | None:
        """A live entry (counted as a hit) or None (counted as a miss)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.expires_at > self._now():
                self._count(key, "hits")
                return entry
            if entry is not None:
                del self._entries[key]
            self._count(key, "misses")
            return None

    def put(self, key: CacheKey, entry: AuthEntry, ttl_s: int) -> None:
        entry.expires_at = self._now() + ttl_s
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._evict()
            self._entries[key] = entry

    def count(self, api_id: str, stage: str, authorizer_id: str, what: str) -> None:
        with self._lock:
            self._count((api_id, stage, authorizer_id, ()), what)

    def _evict(self) -> None:
        now = self._now()
        for k in [k for k, e in self._entries.items() if e.expires_at <= now]:
            del self._entries[k]
        if len(self._entries) >= MAX_ENTRIES:
            for k in list(self._entries)[: MAX_ENTRIES // 2]:
                del self._entries[k]

    def flush(self, api_id: str, stage: str) -> int:
        """FlushStageAuthorizersCache: forget every entry of the stage; returns how many."""
        with self._lock:
            doomed = [k for k in self._entries if k[0] == api_id and k[1] == stage]
            for k in doomed:
                del self._entries[k]
            return len(doomed)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.counters.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {f"{a}/{s}/{i}": dict(c) for (a, s, i), c in self.counters.items()}
