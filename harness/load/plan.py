"""The load plan: who sends what, how fast, with which token; written by `saas-harness load`, read by
the locustfiles in loadtests/ (also when users run `locust -f` themselves)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

PLAN_ENV = "SAAS_HARNESS_LOAD_PLAN"
DEFAULT_PLAN = Path(".harness") / "load-plan.json"
Scenario = Literal["usage-plans", "noisy-neighbour", "authorizer-cache"]
SCENARIOS: tuple[Scenario, ...] = ("usage-plans", "noisy-neighbour", "authorizer-cache")
Role = Literal["steady", "flood", "quiet"]
MARKER = "name"  # a create's field made unique per request, so the raw table shows any duplicate


@dataclass(frozen=True)
class LoadTenant:
    """One tenant under load: its tokens, the routes it calls, its plan and the rate it is offered."""

    name: str
    tenant_id: str
    tier: str
    role: Role
    tokens: list[str]
    read_url: str
    create_url: str
    create_body: dict[str, Any]
    plan_rps: float
    plan_burst: int
    offered_rps: float
    users: int
    write_share: float = 0.1  # of its requests, creates (counted against the raw table afterwards)
    plan_quota: int | None = None  # requests the key may make in its quota period (None: no quota)
    plan_scale: float = 1.0  # a scaled run: plan_rps and plan_burst are the plan's times this
    unscaled_plan_rps: float | None = None  # the plan's own rate, before scaling
    warm_token: str = ""  # a token used only by the warm-up, so its first requests all miss the cache


@dataclass(frozen=True)
class LoadPlan:
    scenario: Scenario
    host: str
    duration_s: float
    tenants: list[LoadTenant] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> LoadPlan:
        data = json.loads(text)
        return cls(data["scenario"], data["host"], float(data["duration_s"]),
                   [LoadTenant(**t) for t in data["tenants"]])


def plan_path() -> Path:
    return Path(os.environ.get(PLAN_ENV) or DEFAULT_PLAN)


def read_plan(path: Path | None = None) -> LoadPlan:
    """The plan a locustfile runs; a clear error when `saas-harness load --prepare-only` has not made one."""
    where = path or plan_path()
    try:
        return LoadPlan.from_json(where.read_text())
    except FileNotFoundError:
        raise SystemExit(f"no load plan at {where}: run `saas-harness load SCENARIO --prepare-only` "
                         f"against a running target first, or set {PLAN_ENV}") from None
