"""Percentiles and timing loops shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_calls(fn: Callable[[], Any], n: int, warmup: int = 20) -> dict[str, float]:
    """Sequential latency of n calls in milliseconds, after a warm-up."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return {"n": n, "p50_ms": round(percentile(samples, 0.5), 3),
            "p99_ms": round(percentile(samples, 0.99), 3),
            "mean_ms": round(sum(samples) / len(samples), 3)}
