"""Token buckets on the virtual clock, and the registry that keys them by scope.

API Gateway throttles with the token bucket algorithm (capacity = burst, refill = rate/s):
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence

from harness.gateway.model import INF, Limits

Now = Callable[[], float]


class TokenBucket:
    """Capacity burst, refilled at rate tokens/s; starts full. Safe for concurrent callers."""

    __slots__ = ("_last", "_lock", "_now", "_tokens", "burst", "rate")

    def __init__(self, limits: Limits, now: Now) -> None:
        self.rate = limits.rate
        self.burst = limits.burst
        self._now = now
        self._lock = threading.Lock()
        self._tokens = limits.burst
        self._last = now()

    def _refill(self, now: float) -> None:
        elapsed = now - self._last
        if elapsed > 0:
            if self.rate == INF:
                self._tokens = self.burst
            else:
                self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
            self._last = now
        elif elapsed < 0:
            self._last = now  # the wall clock stepped back; never mint tokens for it

    def try_take(self) -> bool:
        """Take one token if there is one; never blocks."""
        if self.burst == INF:
            return True
        with self._lock:
            self._refill(self._now())
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    def give_back(self) -> None:
        """Return a token taken for a request that a later bucket refused."""
        if self.burst == INF:
            return
        with self._lock:
            self._tokens = min(self.burst, self._tokens + 1.0)

    def available(self) -> float:
        with self._lock:
            self._refill(self._now())
            return self._tokens


def take_all(buckets: Sequence[TokenBucket]) -> int:
    """Take one token from each bucket in order; on the first refusal give the others back.

    Returns -1 when every bucket admitted the request, else the index of the refusing bucket.
    A refused request therefore consumes nothing, so tokens are neither lost nor spent twice.
    """
    for i, bucket in enumerate(buckets):
        if not bucket.try_take():
            for j in range(i):
                buckets[j].give_back()
            return i
    return -1


class BucketRegistry:
    """One bucket per scope key; a scope whose limits change gets a fresh, full bucket."""

    def __init__(self, now: Now) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._buckets: dict[Hashable, tuple[Limits, TokenBucket]] = {}

    def get(self, scope: Hashable, limits: Limits) -> TokenBucket:
        found = self._buckets.get(scope)
        if found is not None and found[0] == limits:
            return found[1]
        with self._lock:
            found = self._buckets.get(scope)
            if found is None or found[0] != limits:
                found = (limits, TokenBucket(limits, self._now))
                self._buckets[scope] = found
            return found[1]

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()

    def __len__(self) -> int:
        return len(self._buckets)
