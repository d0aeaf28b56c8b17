"""Environment bookkeeping under one lock: warm reuse, the global cap, LRU eviction, flush, counters."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from harness.clock import VirtualClock
from harness.runtime.worker import Worker

Key = tuple[str, ...]
COUNTERS = (
    "invocations", "cold_starts", "warm_invocations", "errors", "init_errors", "timeouts",
    "crashes", "throttles", "evictions", "idle_evictions", "credential_refreshes",
    "async_invocations", "async_failures",
)
PER_FUNCTION = ("invocations", "cold_starts", "warm_invocations", "errors", "init_errors", "timeouts",
                "crashes", "throttles")


class RuntimeClosed(RuntimeError):
    """Raised by invoke() after shutdown(), so callers do not wait on a dead service."""


class Counters:
    """Monotonic counters, global and per function, behind their own small lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(COUNTERS, 0)
        self._per_fn: dict[str, dict[str, int]] = {}

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def throttled(self, function_name: str) -> None:
        """One invocation refused with 429 because no environment could be had."""
        with self._lock:
            self._counts["throttles"] += 1
            fn = self._per_fn.get(function_name)
            if fn is None:
                fn = self._per_fn[function_name] = dict.fromkeys(PER_FUNCTION, 0)
            fn["throttles"] += 1

    def tally(self, function_name: str, cold: bool, failed: bool, kind: str) -> None:
        """Count one finished invocation; kind is the worker outcome (or "init", "init_timeout")."""
        names = ["invocations", "cold_starts" if cold else "warm_invocations"]
        if failed:
            names.append("errors")
        if kind in ("init", "init_timeout"):
            names.append("init_errors")
        if kind in ("timeout", "init_timeout"):
            names.append("timeouts")
        elif kind in ("exit", "malformed"):
            names.append("crashes")
        with self._lock:
            fn = self._per_fn.get(function_name)
            if fn is None:
                fn = self._per_fn[function_name] = dict.fromkeys(PER_FUNCTION, 0)
            for name in names:
                self._counts[name] += 1
                fn[name] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = dict(self._counts)
            out["functions"] = {name: dict(c) for name, c in self._per_fn.items()}
        return out


class Pool:
    """Which workers exist, which are idle (per key, oldest first) and how many slots are taken.

    Workers leaving the pool are terminated outside the lock by whoever took them out.
    """

    def __init__(self, *, max_environments: int, queue_timeout_s: float, clock: VirtualClock,
                 counters: Counters) -> None:
        self._max = max(1, max_environments)
        self._queue_timeout_s = queue_timeout_s
        self._clock = clock
        self._counters = counters
        self._cond = threading.Condition(threading.Lock())
        self._idle: dict[Key, list[Worker]] = {}
        self._all: set[Worker] = set()
        self._reserved = 0  # slots taken by spawns in progress
        self._seq = 0
        self._flushed: dict[str, int] = {}
        self._flushed_all = 0
        self._peak = 0
        self.closed = False

    def acquire(self, key: Key, margin_s: float) -> Worker | bool | None:
        """A warm worker, True for a reserved slot to cold-start into, or None when throttled.

        A warm worker whose role session ends within margin_s (on the virtual clock) is retired.
        """
        retired: list[Worker] = []
        deadline: float | None = None
        try:
            with self._cond:
                while True:
                    if self.closed:
                        raise RuntimeClosed("the Lambda runtime is shut down")
                    stack = self._idle.get(key)
                    while stack:
                        w = stack.pop()
                        if not stack:
                            del self._idle[key]
                        expiring = w.cred_expiration - self._clock.now() <= margin_s
                        if not expiring and w.alive:
                            return w
                        if expiring:
                            self._counters.add("credential_refreshes")
                        self._all.discard(w)
                        retired.append(w)
                    if len(self._all) + self._reserved < self._max:
                        self._reserved += 1
                        return True
                    victim = self._pop_lru()
                    if victim is not None:
                        self._all.discard(victim)
                        retired.append(victim)
                        self._counters.add("evictions")
                        self._reserved += 1
                        return True
                    now = time.monotonic()
                    deadline = now + self._queue_timeout_s if deadline is None else deadline
                    if now >= deadline:
                        return None
                    self._cond.wait(deadline - now)
        finally:
            for w in retired:
                w.terminate()

    def _pop_lru(self) -> Worker | None:
        oldest: Worker | None = None
        for stack in self._idle.values():
            if stack and (oldest is None or stack[0].last_used < oldest.last_used):
                oldest = stack[0]
        if oldest is not None:
            self._idle[oldest.key].pop(0)
            if not self._idle[oldest.key]:
                del self._idle[oldest.key]
        return oldest

    def next_seq(self) -> int:
        with self._cond:
            self._seq += 1
            return self._seq

    def admit(self, worker: Worker | None) -> bool:
        """Turn a reserved slot into a live worker (or give it back when the spawn failed)."""
        with self._cond:
            self._reserved -= 1
            admitted = worker is not None and not self.closed
            if worker is not None and admitted:
                self._all.add(worker)
                self._peak = max(self._peak, len(self._all))
            self._cond.notify_all()
        return admitted

    def release(self, worker: Worker, healthy: bool) -> None:
        """Back to the idle stack after a clean invocation; otherwise out of the pool and killed."""
        with self._cond:
            if healthy and not self.closed and not self._stale(worker):
                worker.last_used = time.monotonic()
                self._idle.setdefault(worker.key, []).append(worker)
                self._cond.notify_all()
                return
            self._all.discard(worker)
            self._cond.notify_all()
        worker.terminate()

    def _stale(self, worker: Worker) -> bool:
        return worker.seq <= max(self._flushed_all, self._flushed.get(worker.function_arn, 0))

    def _remove_idle(self, doomed: Callable[[Worker], bool]) -> list[Worker]:
        victims = [w for s in self._idle.values() for w in s if doomed(w)]
        for key in list(self._idle):
            self._idle[key] = [w for w in self._idle[key] if not doomed(w)]
            if not self._idle[key]:
                del self._idle[key]
        self._all.difference_update(victims)
        self._cond.notify_all()
        return victims

    def evict_idle(self, idle_for_s: float) -> int:
        cutoff = time.monotonic() - idle_for_s
        with self._cond:
            victims = self._remove_idle(lambda w: w.last_used <= cutoff)
            self._counters.add("idle_evictions", len(victims))
        for w in victims:
            w.terminate()
        return len(victims)

    def flush(self, function_arn: str | None) -> None:
        """Mark every worker started so far (of one function, or all) stale, and stop idle ones."""
        with self._cond:
            if function_arn is None:
                self._flushed_all = self._seq
            else:
                self._flushed[function_arn] = self._seq
            victims = self._remove_idle(self._stale)
        for w in victims:
            w.terminate()

    def close(self, spawn_wait_s: float = 10.0) -> tuple[list[Worker], list[Worker]]:
        """Refuse new work, wait for spawns in flight, and hand back (idle, busy) workers."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()
            deadline = time.monotonic() + spawn_wait_s
            while self._reserved and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            idle = [w for s in self._idle.values() for w in s]
            busy = list(self._all.difference(idle))
            self._idle.clear()
            self._all.clear()
        return idle, busy

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {
                "environments_live": len(self._all),
                "environments_idle": sum(len(s) for s in self._idle.values()),
                "environments_peak": self._peak,
            }
