"""Onboard the scenario's tenants through the app's adapter and write the load plan the users read."""

from __future__ import annotations

from dataclasses import dataclass

from harness.load.plan import LoadPlan, LoadTenant, Role, Scenario
from harness.suites.adapter import ResourceSpec, SaasAdapter, Tenant


@dataclass(frozen=True)
class Offer:
    """One tenant the scenario wants: its tier, its part, and how many times its plan it is offered."""

    tier: str
    role: Role
    factor: float
    tokens: int = 1


def offers(scenario: Scenario, tiers: tuple[str, ...], flood_tier: str | None, offer: float) -> list[Offer]:
    """usage-plans: each tier at `offer` x plan; noisy-neighbour: a flooding tenant at `offer` x plan
    beside quiet tenants at half their plan (same tier and the others); authorizer-cache: one tenant
    at 0.8 x plan over many distinct tokens."""
    if scenario == "usage-plans":
        return [Offer(t, "steady", offer) for t in tiers]
    if scenario == "noisy-neighbour":
        flood = flood_tier or tiers[-1]
        return [Offer(flood, "flood", offer), Offer(flood, "quiet", 0.5),
                *(Offer(t, "quiet", 0.5) for t in tiers if t != flood)]
    return [Offer(tiers[0], "steady", 0.8, tokens=40)]


def _own_item(adapter: SaasAdapter, resource: ResourceSpec, tenant: Tenant, token: str) -> str:
    """One item of the tenant's, created now: reads fetch it by id (one item, not a whole list)."""
    from harness.suites.client import ApiClient, created_id

    reply = ApiClient().request(resource.create.method, resource.create.url(adapter.api_base(tenant)),
                                token=token, body=dict(resource.sample))
    return created_id(resource, reply)


def _writer(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


def build_plan(adapter: SaasAdapter, scenario: Scenario, host: str, duration_s: float, wanted: list[Offer],
               max_rps: float) -> tuple[LoadPlan, list[Tenant]]:
    """Tenants onboarded, users signed in, rates capped so the whole offer stays under `max_rps`."""
    resource: ResourceSpec = adapter.resources()[0]
    writer = _writer(adapter)
    tenants: list[LoadTenant] = []
    made: list[Tenant] = []
    for i, o in enumerate(wanted):
        tenant = adapter.onboard(o.tier, None)
        made.append(tenant)
        plan = adapter.usage_plan(tenant)
        if plan is None:
            raise SystemExit(f"the adapter reports no usage plan for {tenant.name} ({o.tier})")
        tokens = [adapter.sign_in(tenant, writer).token for _ in range(o.tokens)]
        base = adapter.api_base(tenant)
        offered = plan.rate * o.factor
        item = _own_item(adapter, resource, tenant, tokens[0])
        tenants.append(LoadTenant(
            name=f"{o.role}-{o.tier}-{i}", tenant_id=tenant.id, tier=o.tier, role=o.role, tokens=tokens,
            read_url=resource.read.url(base, **{resource.id_param: item}),
            create_url=resource.create.url(base),
            create_body=dict(resource.sample), plan_rps=plan.rate, plan_burst=plan.burst,
            offered_rps=offered, users=max(1, min(50, round(offered / 10)))))
    total = sum(t.offered_rps for t in tenants)
    if total > max_rps:
        raise SystemExit(f"the scenario offers {total:.0f} requests/s in all, above --max-rps {max_rps:.0f}")
    return LoadPlan(scenario, host, duration_s, tenants), made
