"""The runtime benchmark runs and reports its numbers; the targets are judged by `saas-harness bench`,
not by timed tests (this machine is shared and noisy)."""

from __future__ import annotations

from typing import Any

from harness.runtime import Runtime
from harness.runtime.bench import measure

from .conftest import make_function

TRIVIAL = {"app.py": "def handler(event, context):\n    return event\n"}


def _runs(runtime: Runtime, runs: int) -> list[dict[str, Any]]:
    fn = make_function("bench", TRIVIAL)
    return [measure(runtime, fn, n=1000, concurrency=16) for _ in range(runs)]


def test_benchmark_reports_round_trip_throughput_and_cold_start(runtime: Runtime) -> None:
    runs = _runs(runtime, runs=1)
    assert all(r["sequential_p50_ms"] > 0 and r["concurrent_invocations_per_s"] > 0 for r in runs)
    assert all(r["cold_start_ms"] > 0 for r in runs)
    assert set(runs[0]) >= {"sequential_p50_ms", "sequential_p99_ms",
                            "concurrent_invocations_per_s", "cold_start_ms"}
    assert runtime.metrics()["environments_peak"] <= 16 + 1
