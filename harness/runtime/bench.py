"""Runtime micro-benchmark (cold start, warm round trip, concurrent throughput) for `saas-harness bench`."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

from harness.runtime.runtime import Runtime
from harness.runtime.types import FunctionConfig


def _percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


def _check(runtime: Runtime, config: FunctionConfig, payload: bytes) -> float:
    t0 = time.perf_counter()
    result = runtime.invoke(config, payload)
    elapsed = (time.perf_counter() - t0) * 1000
    if result.status_code != 200 or result.function_error:
        raise RuntimeError(f"bench invocation failed: {result.status_code} {result.payload!r}")
    return elapsed


def _concurrent(runtime: Runtime, config: FunctionConfig, payload: bytes, n: int,
                concurrency: int) -> tuple[float, list[float]]:
    per_thread = max(1, n // concurrency)
    barrier = threading.Barrier(concurrency + 1)
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    failures: list[BaseException] = []

    def work(slot: list[float]) -> None:
        barrier.wait()
        try:
            for _ in range(per_thread):
                slot.append(_check(runtime, config, payload))
        except BaseException as e:  # surfaced to the caller below
            failures.append(e)

    threads = [threading.Thread(target=work, args=(s,), daemon=True) for s in latencies]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if failures:
        raise failures[0]
    return elapsed, sorted(x for slot in latencies for x in slot)


def measure(runtime: Runtime, config: FunctionConfig, n: int = 2000, concurrency: int = 16,
            payload: bytes = b"{}") -> dict[str, Any]:
    """Cold start once, then n sequential warm calls, then n calls spread over `concurrency` threads.

    Flushes the function's environments first so the cold start is real; pass a trivial handler
    to measure the runtime itself rather than the function.
    """
    runtime.flush(config.arn)
    cold = runtime.invoke(config, payload)
    if cold.function_error or cold.status_code != 200:
        raise RuntimeError(f"bench function failed: {cold.payload!r}")
    _concurrent(runtime, config, payload, concurrency * 8, concurrency)  # warm `concurrency` envs
    sequential = sorted(_check(runtime, config, payload) for _ in range(n))
    elapsed, parallel = _concurrent(runtime, config, payload, n, concurrency)
    return {
        "n": n,
        "concurrency": concurrency,
        "cold_start_ms": round(cold.init_duration_ms or 0.0, 3),
        "sequential_p50_ms": round(_percentile(sequential, 0.50), 4),
        "sequential_p99_ms": round(_percentile(sequential, 0.99), 4),
        "sequential_mean_ms": round(statistics.fmean(sequential), 4),
        "concurrent_invocations_per_s": round(len(parallel) / elapsed, 1),
        "concurrent_p50_ms": round(_percentile(parallel, 0.50), 4),
        "concurrent_p99_ms": round(_percentile(parallel, 0.99), 4),
    }
