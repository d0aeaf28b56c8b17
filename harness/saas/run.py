"""The main job: bring the SaaS up, onboard every tier, exercise each tenant, attack across tenants."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.client.saas import SaasClient
from harness.saas.onboard import TenantRecord, onboard
from harness.saas.workload import Attempt, TenantOutcome, cross_read, exercise

Progress = Callable[[str, int, int], None]


@dataclass
class RunSummary:
    """What `saas-harness run` reports and writes with --json."""

    endpoint: str
    timings: dict[str, float] = field(default_factory=dict)
    tenants: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations and not self.failures

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        out["counts"] = {
            "tenants": len(self.tenants), "cross_tenant_attempts": len(self.attempts),
            "violations": len(self.violations), "failures": len(self.failures)}
        return out


def _noop(stage: str, done: int, total: int) -> None:
    return None


def run_job(client: SaasClient, counts: dict[str, int], *, items: int = 2, concurrency: int = 8,
            progress: Progress = _noop) -> RunSummary:
    """Onboard, exercise, cross-read; every violation and failure is in the summary."""
    summary = RunSummary(client.endpoint)
    total = sum(counts.values())
    done: list[TenantRecord] = []

    def onboarded(record: TenantRecord) -> None:
        done.append(record)
        progress("onboard", len(done), total)

    t0 = time.perf_counter()
    progress("onboard", 0, total)
    tenants = onboard(client, counts, concurrency=concurrency, on_done=onboarded)
    summary.timings["onboard_s"] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
    outcomes: list[TenantOutcome] = []
    progress("exercise", 0, len(tenants))
    with ThreadPoolExecutor(max(1, concurrency)) as pool:
        for outcome in pool.map(lambda t: exercise(client, t, items), tenants):
            outcomes.append(outcome)
            progress("exercise", len(outcomes), len(tenants))
    summary.timings["exercise_s"] = round(time.perf_counter() - t0, 3)

    pairs = [(a, b) for a in outcomes for b in outcomes
             if a is not b and a.tokens is not None and b.products]
    t0 = time.perf_counter()
    progress("cross-tenant", 0, len(pairs))
    attempts: list[Attempt] = []
    with ThreadPoolExecutor(max(1, concurrency)) as pool:
        for attempt in pool.map(lambda ab: cross_read(client, ab[0], ab[1]), pairs):
            attempts.append(attempt)
            progress("cross-tenant", len(attempts), len(pairs))
    summary.timings["cross_tenant_s"] = round(time.perf_counter() - t0, 3)

    for o in outcomes:
        mine = [a for a in attempts if a.attacker == o.tenant.name]
        summary.tenants.append({
            "id": o.tenant.id, "name": o.tenant.name, "tier": o.tenant.tier,
            "placement": "silo" if o.tenant.dedicated else "pooled",
            "api_url": o.tenant.api_url, "signed_in": o.signed_in,
            "products": len(o.products), "orders": len(o.orders),
            "listed_products": o.listed_products, "listed_orders": o.listed_orders,
            "cross_tenant_attempts": len(mine),
            "violations": sum(a.leaked for a in mine), "errors": o.errors})
        summary.failures += [f"{o.tenant.name}: {e}" for e in o.errors]
    summary.attempts = [asdict(a) for a in attempts]
    summary.violations = [asdict(a) for a in attempts if a.leaked]
    for a in attempts:
        if a.status >= 500:
            summary.failures.append(f"{a.attacker} -> {a.victim}: server error {a.status} "
                                    f"({a.detail})")
    return summary
