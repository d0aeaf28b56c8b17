"""Onboard the scenario's tenants through the app's adapter and write the load plan the users read."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from harness.load.plan import LoadPlan, LoadTenant, Role, Scenario
from harness.load.scale import scaled
from harness.suites.adapter import ResourceSpec, SaasAdapter, Tenant, UsagePlanInfo

# Requests/s one Locust user offers: its next request waits for the answer, so a user offers at most
# 1/latency; 10/s leaves 100 ms a request. Users keep at most one request each in flight, so they
# also bound the Lambda environments a tenant keeps busy (an authorizer's and a function's each).
PER_USER_RPS = 10.0
MAX_USERS = 160


@dataclass(frozen=True)
class Offer:
    """One tenant the scenario wants: its tier, its part, and how many times its plan it is offered."""

    tier: str
    role: Role
    factor: float
    tokens: int = 1


def offers(scenario: Scenario, tiers: tuple[str, ...], flood_tier: str | None, offer: float,
           tier_offers: Mapping[str, float] | None = None) -> list[Offer]:
    """usage-plans: each tier at `offer` x plan (or its own factor from `tier_offers`; a tier offered
    at most its plan is a quiet one, which must keep its success rate); noisy-neighbour: a flooding
    tenant at `offer` x plan beside quiet tenants at half their plan (same tier and the others);
    authorizer-cache: one tenant at 0.8 x plan over many distinct tokens."""
    if scenario == "usage-plans":
        factors = {t: (tier_offers or {}).get(t, offer) for t in tiers}
        return [Offer(t, "quiet" if f <= 1.0 else "steady", f) for t, f in factors.items()]
    if scenario == "noisy-neighbour":
        flood = flood_tier or tiers[-1]
        return [Offer(flood, "flood", offer), Offer(flood, "quiet", 0.5),
                *(Offer(t, "quiet", 0.5) for t in tiers if t != flood)]
    return [Offer(tiers[0], "steady", 0.8, tokens=40)]


class Scaler(Protocol):
    """Scales the run's usage plans by `factor` (and remembers them, to put back afterwards)."""

    factor: float

    def apply(self, plans: list[tuple[str, float, int]]) -> None: ...


def users_for_rate(offered_rps: float, per_user: float = PER_USER_RPS) -> int:
    """Locust users that offer `offered_rps` at `per_user` requests/s each."""
    return max(1, min(MAX_USERS, math.ceil(offered_rps / per_user)))


def _own_item(adapter: SaasAdapter, resource: ResourceSpec, tenant: Tenant, token: str) -> str:
    """One item of the tenant's, created now: reads fetch it by id (one item, not a whole list)."""
    from harness.suites.client import ApiClient, created_id

    reply = ApiClient().request(resource.create.method, resource.create.url(adapter.api_base(tenant)),
                                token=token, body=dict(resource.sample))
    return created_id(resource, reply)


def _writer(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


def build_plan(adapter: SaasAdapter, scenario: Scenario, host: str, duration_s: float, wanted: list[Offer],
               max_rps: float, scale: Scaler | None = None,
               per_user_rps: float = PER_USER_RPS) -> tuple[LoadPlan, list[Tenant]]:
    """Tenants onboarded, users signed in, rates capped so the whole offer stays under `max_rps`;
    with `scale`, every plan's throttle is scaled first and offers follow the scaled plan."""
    resource: ResourceSpec = adapter.resources()[0]
    writer = _writer(adapter)
    made: list[Tenant] = []
    plans: list[UsagePlanInfo] = []
    for o in wanted:
        tenant = adapter.onboard(o.tier, None)
        made.append(tenant)
        plan = adapter.usage_plan(tenant)
        if plan is None:
            raise SystemExit(f"the adapter reports no usage plan for {tenant.name} ({o.tier})")
        plans.append(plan)
    factor = 1.0
    if scale is not None:
        factor = scale.factor
        if any(p.plan_id is None for p in plans):
            raise SystemExit("a scaled run needs the adapter to name each tenant's usage plan id")
        scale.apply([(str(p.plan_id), p.rate, p.burst) for p in plans])
    tenants: list[LoadTenant] = []
    for i, (o, tenant, plan) in enumerate(zip(wanted, made, plans, strict=True)):
        rate, burst = scaled(plan.rate, plan.burst, factor) if factor != 1.0 else (plan.rate, plan.burst)
        tokens = [adapter.sign_in(tenant, writer).token for _ in range(o.tokens + 1)]
        warm_token = tokens.pop()
        base = adapter.api_base(tenant)
        offered = rate * o.factor
        item = _own_item(adapter, resource, tenant, warm_token)  # the run's tokens stay unused until warm-up
        tenants.append(LoadTenant(
            name=f"{o.role}-{o.tier}-{i}", tenant_id=tenant.id, tier=o.tier, role=o.role, tokens=tokens,
            read_url=resource.read.url(base, **{resource.id_param: item}),
            create_url=resource.create.url(base),
            create_body=dict(resource.sample), plan_rps=rate, plan_burst=burst,
            offered_rps=offered, users=users_for_rate(offered, per_user_rps), plan_quota=plan.quota,
            plan_scale=factor, unscaled_plan_rps=plan.rate, warm_token=warm_token))
    total = sum(t.offered_rps for t in tenants)
    if total > max_rps:
        raise SystemExit(f"the scenario offers {total:.0f} requests/s in all, above --max-rps {max_rps:.0f}")
    return LoadPlan(scenario, host, duration_s, tenants), made
