"""`bench authorizer`: authorizer TTL x STS latency x credential placement, on one target in one run.

Each user sends a request every `interval_s` of virtual time (the clock moves between requests, so a
TTL means what it means in production); latency is real. Revocation lag: a user is disabled, then
the clock moves in steps of max(1 s, TTL/20) with one request per step until the first denial.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config

from harness.bench import authorizer_app as app
from harness.bench.process import TargetProcess
from harness.bench.stats import percentile

REGION = "us-east-1"
TTLS = (0, 30, 60, 300)
STS_MODELS_MS = (0, 50, 200)  # 0 is "none": a zero-latency rule, so STS calls are still counted
MAX_REQUESTS = 2000  # per cell, whatever the user asks


@dataclass(frozen=True)
class Matrix:
    """What to measure, bounded: requests per cell, tenants x users sending them."""

    ttls: tuple[int, ...] = TTLS
    sts_ms: tuple[int, ...] = STS_MODELS_MS
    placements: tuple[app.Placement, ...] = app.PLACEMENTS
    requests: int = 100
    tenants: int = 4
    users_per_tenant: int = 5
    interval_s: float = 10.0


def _client_factory(endpoint: str) -> Callable[[str], Any]:
    cfg = botocore.config.Config(retries={"max_attempts": 1})

    def client(name: str) -> Any:
        return boto3.session.Session().client(name, region_name=REGION, endpoint_url=endpoint,
                                              aws_access_key_id="test", aws_secret_access_key="test",
                                              config=cfg)
    return client


class Driver:
    """One keep-alive connection to the target, the admin API and the counters the cells read."""

    def __init__(self, target: TargetProcess) -> None:
        self.target = target
        self.conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=120)

    def get(self, path: str, token: str) -> tuple[int, float]:
        t0 = time.perf_counter()
        self.conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        resp = self.conn.getresponse()
        resp.read()
        return resp.status, (time.perf_counter() - t0) * 1000

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.target.admin("POST", "/_harness/clock", {"advance": seconds})

    def counters(self) -> tuple[int, int, int]:
        """(STS AssumeRole calls, authorizer cache hits, misses) so far."""
        m = self.target.admin("GET", "/_harness/metrics")
        sts = int(m.get("faults", {}).get("by_call", {}).get("sts:AssumeRole", {}).get("matched", 0))
        auth = m.get("gateway", {}).get("authorizers", {})
        hits = sum(int(a.get("hits", 0)) for a in auth.values())
        misses = sum(int(a.get("misses", 0)) for a in auth.values())
        return sts, hits, misses


def run_cell(driver: Driver, path: str, tokens: list[str], matrix: Matrix) -> dict[str, Any]:
    """Requests round-robin over the tokens, the clock moving interval/len(tokens) between them."""
    n = min(matrix.requests, MAX_REQUESTS)
    step = matrix.interval_s / max(1, len(tokens))
    sts0, hits0, misses0 = driver.counters()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    for i in range(n):
        status, ms = driver.get(path, tokens[i % len(tokens)])
        latencies.append(ms)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        driver.advance(step)
    sts1, hits1, misses1 = driver.counters()
    hits, misses = hits1 - hits0, misses1 - misses0
    return {"requests": n, "status": statuses,
            "p50_ms": round(percentile(latencies, 0.5), 2), "p95_ms": round(percentile(latencies, 0.95), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2),
            "sts_calls_per_1000": round(1000 * (sts1 - sts0) / max(1, n), 1),
            "cache_hit_ratio": round(hits / max(1, hits + misses), 3)}


def revocation_lag(driver: Driver, client: Callable[[str], Any], bench: app.BenchApp, path: str,
                   ttl: int, name: str) -> dict[str, Any]:
    """Virtual seconds from AdminDisableUser to the first denied request, and the step it was seen in."""
    token = app.add_user(client, bench, "tenant-0", name)
    first, _ = driver.get(path, token)  # cached now (for a TTL above zero)
    client("cognito-idp").admin_disable_user(UserPoolId=bench.pool_id, Username=name)
    step = max(1.0, ttl / 20)
    lag = 0.0
    status, _ = driver.get(path, token)
    while status < 400 and lag <= ttl + 3 * step:
        driver.advance(step)
        lag += step
        status, _ = driver.get(path, token)
    return {"revocation_lag_s": lag if status >= 400 else None, "step_s": step, "first_status": first,
            "denied_status": status}


def run(matrix: Matrix | None = None) -> dict[str, Any]:
    """Every cell of the matrix on one target process; JSON-ready results with a summary."""
    matrix = matrix or Matrix()
    with TargetProcess() as target:
        client = _client_factory(target.endpoint)
        account = target.state().get("account", "000000000000")
        bench = app.deploy(client, REGION, str(account), matrix.ttls, matrix.placements)
        tokens = []
        for t in range(matrix.tenants):
            app.seed(client, f"tenant-{t}")
            tokens += [app.add_user(client, bench, f"tenant-{t}", f"u{t}-{u}")
                       for u in range(matrix.users_per_tenant)]
        target.admin("POST", "/_harness/clock", {"freeze": True})
        driver = Driver(target)
        cells = []
        for sts_ms in matrix.sts_ms:
            target.admin("PUT", "/_harness/faults", {"rules": [
                {"match": "sts:AssumeRole", "latency": {"kind": "fixed", "ms": sts_ms}}]})
            for ttl in matrix.ttls:
                for placement in matrix.placements:
                    path = bench.apis[(ttl, placement)]
                    driver.get(path, tokens[0])  # environments warm before anything is timed
                    cell = {"ttl_s": ttl, "sts_ms": sts_ms, "placement": placement,
                            **run_cell(driver, path, tokens, matrix)}
                    cell.update(revocation_lag(driver, client, bench, path, ttl,
                                               f"revoked-{sts_ms}-{ttl}-{placement}"))
                    cells.append(cell)
        target.admin("DELETE", "/_harness/faults")
    return {"benchmark": "authorizer", "matrix": _matrix_view(matrix), "cells": cells,
            "summary": summarize(cells)}


def _matrix_view(m: Matrix) -> dict[str, Any]:
    return {"ttls_s": list(m.ttls), "sts_ms": list(m.sts_ms), "placements": list(m.placements),
            "requests_per_cell": m.requests, "tenants": m.tenants, "users_per_tenant": m.users_per_tenant,
            "interval_s": m.interval_s}


def summarize(cells: list[dict[str, Any]]) -> dict[str, Any]:
    """The claims the benchmark exists for: the cached speed-up under slow STS, lag equal to the TTL."""
    def cell(ttl: int, sts: int, placement: str) -> dict[str, Any] | None:
        return next((c for c in cells if (c["ttl_s"], c["sts_ms"], c["placement"]) == (ttl, sts, placement)),
                    None)

    out: dict[str, Any] = {}
    slowest = max((c["sts_ms"] for c in cells), default=0)
    longest = max((c["ttl_s"] for c in cells), default=0)
    zero, cached = cell(0, slowest, "authorizer"), cell(longest, slowest, "authorizer")
    if zero and cached and cached["p50_ms"] > 0:
        key = f"p50_speedup_ttl{longest}_vs_ttl0_at_sts{slowest}ms"
        out[key] = round(zero["p50_ms"] / cached["p50_ms"], 1)
    out["revocation_lag_within_one_step_of_ttl"] = all(
        c["revocation_lag_s"] is not None and abs(c["revocation_lag_s"] - c["ttl_s"]) <= c["step_s"]
        for c in cells)
    return out


def markdown(result: dict[str, Any]) -> str:
    """The matrix as a markdown table, one row per cell."""
    rows = ["| TTL s | STS ms | credentials | p50 ms | p95 ms | p99 ms | STS calls / 1,000 | cache hits | "
            "revocation lag s |", "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for c in result["cells"]:
        lag = "never" if c["revocation_lag_s"] is None else f"{c['revocation_lag_s']:g}"
        rows.append(f"| {c['ttl_s']} | {c['sts_ms']} | {c['placement']} | {c['p50_ms']} | {c['p95_ms']} | "
                    f"{c['p99_ms']} | {c['sts_calls_per_1000']} | {c['cache_hit_ratio']:.0%} | {lag} |")
    return "\n".join(rows) + "\n"
