"""Locust's CSV results per tenant, and the checks each scenario makes of them (pure)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.load.plan import LoadPlan, LoadTenant

ADMITTED_TOLERANCE = 0.10  # admitted rate within +-10% of what the plan admits
SENT_MIN = 0.90  # of the offered rate, what Locust must really send for the run to show anything
QUIET_SUCCESS_MIN = 0.99


@dataclass
class TenantResult:
    """What one tenant sent and got: per kind of answer, and its latency percentiles."""

    name: str
    requests: int = 0
    throttled: int = 0
    server_errors: int = 0
    refused: int = 0
    creates_acknowledged: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0

    @property
    def succeeded(self) -> int:
        return self.requests - self.throttled - self.server_errors - self.refused


def read_csv(prefix: Path, plan: LoadPlan) -> dict[str, TenantResult]:
    """Per tenant, from `<prefix>_stats.csv` and `<prefix>_failures.csv`."""
    out = {t.name: TenantResult(t.name) for t in plan.tenants}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            tenant, _, kind = row["Name"].rpartition(" ")
            if tenant not in out:
                continue
            r = out[tenant]
            count, failures = int(row["Request Count"]), int(row["Failure Count"])
            r.requests += count
            if kind == "create":
                r.creates_acknowledged += count - failures
            if kind == "read" and count:
                r.p50_ms, r.p95_ms = float(row["50%"] or 0), float(row["95%"] or 0)
    with open(f"{prefix}_failures.csv", newline="") as f:
        for row in csv.DictReader(f):
            tenant = row["Name"].rpartition(" ")[0]
            if tenant not in out:
                continue
            n = int(row["Occurrences"])
            error = row["Error"]
            if "throttled 429" in error:
                out[tenant].throttled += n
            elif "server error" in error:
                out[tenant].server_errors += n
            else:
                out[tenant].refused += n
    return out


def expected_admitted(t: LoadTenant, seconds: float, quota_spent: int = 0) -> float:
    """Requests a token bucket (burst, then rate) admits in `seconds`, capped by what was offered and
    by what is left of the key's quota (`quota_spent` already used this period)."""
    bucket = min(t.offered_rps * seconds, t.plan_burst + t.plan_rps * seconds)
    if t.plan_quota is None:
        return bucket
    return min(bucket, float(max(0, t.plan_quota - quota_spent)))


def check(plan: LoadPlan, results: dict[str, TenantResult], seconds: float,
          stored: dict[str, int], distinct_stored: dict[str, int] | None = None,
          quota_spent: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Every check of the run: admitted rate per key, no 5xx, quiet tenants served, writes stored once."""
    checks: list[dict[str, Any]] = []
    distinct_stored = distinct_stored or {}
    for t in plan.tenants:
        r = results[t.name]
        sent = r.requests / seconds if seconds > 0 else 0.0
        checks.append({"check": "the offered rate was sent", "tenant": t.name,
                       "ok": sent >= SENT_MIN * t.offered_rps, "sent_rps": round(sent, 1),
                       "offered_rps": t.offered_rps, "users": t.users})
        if t.offered_rps > t.plan_rps * (1 + ADMITTED_TOLERANCE):
            want = expected_admitted(t, seconds, (quota_spent or {}).get(t.name, 0))
            got = r.succeeded
            checks.append({"check": "admitted within 10% of the plan", "tenant": t.name,
                           "ok": abs(got - want) <= ADMITTED_TOLERANCE * want,
                           "admitted": got, "expected": round(want), "admitted_rps": round(got / seconds, 1),
                           "plan_rps": t.plan_rps, "offered_rps": t.offered_rps,
                           "sent_rps": round(r.requests / seconds, 1), "throttled": r.throttled,
                           "p50_ms": r.p50_ms, "p95_ms": r.p95_ms})
        if t.role == "quiet":
            share = r.succeeded / max(1, r.requests)
            checks.append({"check": "quiet tenant keeps its success rate", "tenant": t.name,
                           "ok": share >= QUIET_SUCCESS_MIN and r.requests > 0,
                           "success_rate": round(share, 4),
                           "p50_ms": r.p50_ms, "p95_ms": r.p95_ms})
        checks.append({"check": "no 5xx", "tenant": t.name, "ok": r.server_errors == 0,
                       "server_errors": r.server_errors})
        if t.tenant_id in stored:
            # A create still in flight when Locust stops may be stored unacknowledged: at most one a user.
            n, distinct = stored[t.tenant_id], distinct_stored.get(t.tenant_id, stored[t.tenant_id])
            checks.append({"check": "every acknowledged write stored exactly once", "tenant": t.name,
                           "ok": r.creates_acknowledged <= n <= r.creates_acknowledged + t.users
                           and distinct == n,
                           "acknowledged": r.creates_acknowledged, "stored": n, "distinct": distinct})
    return checks
