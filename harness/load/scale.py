"""A scaled run for a machine that cannot carry a tier's full rate: each tenant's usage plan throttle is
multiplied by one factor through UpdateUsagePlan (the API AWS documents for changing a plan's
throttle: https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateUsagePlan.html), and put back
afterwards. The gateway enforces the scaled plan with the same token bucket, so the offered/plan
ratio and every check keep their meaning; results name both the plan and the scaled plan."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlanThrottle:
    """One usage plan's throttle as it was before scaling, to put back."""

    plan_id: str
    rate: float
    burst: int


def scaled(rate: float, burst: int, factor: float) -> tuple[float, int]:
    """The throttle `factor` times the plan's, in whole requests (the in-process store keeps whole
    rates), at least 1 request/s and a burst of at least 1 (one token to admit a request)."""
    return float(max(1, round(rate * factor))), max(1, math.floor(burst * factor))


def _patch(client: Any, plan_id: str, rate: float, burst: int) -> None:
    client.update_usage_plan(usagePlanId=plan_id, patchOperations=[
        {"op": "replace", "path": "/throttle/rateLimit", "value": f"{rate:g}"},
        {"op": "replace", "path": "/throttle/burstLimit", "value": str(int(burst))}])


def scale_plans(client: Any, plans: Iterable[tuple[str, float, int]], factor: float) -> list[PlanThrottle]:
    """Scale each (plan id, rate, burst) once; the originals, for restore_plans."""
    done: dict[str, PlanThrottle] = {}
    for plan_id, rate, burst in plans:
        if plan_id in done:
            continue
        done[plan_id] = PlanThrottle(plan_id, rate, burst)
        new_rate, new_burst = scaled(rate, burst, factor)
        _patch(client, plan_id, new_rate, new_burst)
    return list(done.values())


class PlanScaler:
    """Scales the run's plans on a target through its apigateway API, and puts them back."""

    def __init__(self, client: Any, factor: float) -> None:
        if not 0 < factor <= 1:
            raise ValueError(f"--plan-scale {factor}: must be above 0 and at most 1")
        self.client = client
        self.factor = factor
        self.originals: list[PlanThrottle] = []

    def apply(self, plans: list[tuple[str, float, int]]) -> None:
        self.originals = scale_plans(self.client, plans, self.factor)

    def restore(self) -> None:
        restore_plans(self.client, self.originals)
        self.originals = []


def restore_plans(client: Any, originals: Iterable[PlanThrottle]) -> None:
    """Every scaled plan back to its own throttle."""
    for p in originals:
        _patch(client, p.plan_id, p.rate, p.burst)
