"""S1 onboarding: tenants of every tier land on their placement (pooled tenants on the shared API,
a silo tenant on its own stack's API), each with its own API key on its tier's usage plan and its own
admin; a new tenant serves at once and sees only its own items; a second registration of a name, an
unknown tier and a hostile name are refused with a clean 4xx.

Tenant isolation and tiered onboarding (pool and silo, routing by tenant):
https://docs.aws.amazon.com/whitepapers/latest/saas-architecture-fundamentals/tenant-onboarding.html
Usage plans and per-client API keys (a key is in at most one plan per stage):
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.strategies import tenant_names
from harness.suites.adapter import SaasAdapter, Tenant, UsagePlanInfo
from harness.suites.client import created_id, listed_ids
from harness.suites.helpers import Attacker, TenantFactory, Users
from harness.suites.lifecycle import NotSupported

REFUSED = (401, 403, 404)


@dataclass(frozen=True)
class Cohort:
    """One tenant of every tier, plus a second tenant of the first tier (so two share a tier)."""

    by_tier: dict[str, Tenant]
    twin: Tenant

    @property
    def all(self) -> list[Tenant]:
        return [*self.by_tier.values(), self.twin]


def _writer(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


@pytest.fixture(scope="module")
def cohort(saas_adapter: SaasAdapter, saas_tenants: TenantFactory) -> Cohort:
    tiers = saas_adapter.tiers or ("default",)
    return Cohort({tier: saas_tenants.get(tier) for tier in tiers}, saas_tenants.fresh(tiers[0]))


def test_each_tier_lands_on_its_placement_and_api(saas_adapter: SaasAdapter, cohort: Cohort) -> None:
    """Pooled tenants share one API; every silo tenant has an API of its own, never the pool's."""
    pooled = {t.api_url for t in cohort.all if t.placement == "pooled"}
    silos = [t for t in cohort.all if t.placement == "silo"]
    assert all(t.api_url for t in cohort.all), [(t.name, t.api_url) for t in cohort.all]
    assert len(pooled) <= 1, f"pooled tenants routed to several APIs: {pooled}"
    for silo in silos:
        assert silo.api_url not in pooled, f"silo tenant {silo.name} routed to the pooled API {silo.api_url}"
    assert len({t.api_url for t in silos}) == len(silos), "two silo tenants share an API"
    assert len({t.id for t in cohort.all}) == len(cohort.all), "a tenant id was issued twice"


def test_each_tenant_is_served_by_its_own_stack(saas_adapter: SaasAdapter, cohort: Cohort) -> None:
    """The stack behind a silo tenant's URL is that tenant's own; pooled tenants share one stack."""
    try:
        stacks = {t.id: saas_adapter.tenant_stack(t) for t in cohort.all}
    except NotSupported as exc:
        pytest.skip(str(exc))
    for tenant in cohort.all:
        stack = stacks[tenant.id]
        assert stack is not None, f"{tenant.name} has no stack"
        assert stack.api_url == tenant.api_url, f"{tenant.name} is routed to {tenant.api_url}, its stack " \
                                                f"{stack.name} serves {stack.api_url}"
        if tenant.placement == "silo":
            assert stack.tenant_id == tenant.id, f"{tenant.name}'s stack {stack.name} is {stack.tenant_id}'s"
    pooled = {stacks[t.id].name for t in cohort.all if t.placement == "pooled"}  # type: ignore[union-attr]
    assert len(pooled) <= 1, pooled


def _plan(adapter: SaasAdapter, tenant: Tenant) -> UsagePlanInfo:
    plan = adapter.usage_plan(tenant)
    if plan is None:
        pytest.skip(f"{adapter.name} does not expose usage plans (SaasAdapter.usage_plan)")
    return plan


def test_each_tenant_has_its_own_key_on_its_tiers_plan(saas_adapter: SaasAdapter, cohort: Cohort) -> None:
    """Same tier, same plan; another tier, another plan, larger as the tiers go up; never a shared key."""
    plans = {t.id: _plan(saas_adapter, t) for t in cohort.all}
    keys = [p.key_id for p in plans.values() if p.key_id]
    assert len(keys) == len(set(keys)), "two tenants share an API key"
    first = next(iter(cohort.by_tier.values()))
    assert (plans[cohort.twin.id].rate, plans[cohort.twin.id].burst, plans[cohort.twin.id].quota) == (
        plans[first.id].rate, plans[first.id].burst, plans[first.id].quota), "one tier, two plans"
    ordered = list(cohort.by_tier.items())
    for (tier, lower), (_, upper) in itertools.pairwise(ordered):
        low, high = plans[lower.id], plans[upper.id]
        assert (low.rate, low.burst, low.quota) != (high.rate, high.burst, high.quota), \
            f"tier {tier} and the next share one plan's limits"
        assert low.rate <= high.rate and low.burst <= high.burst, f"tier {tier}'s plan exceeds the next's"


def test_each_tenant_has_its_own_admin(saas_adapter: SaasAdapter, cohort: Cohort, saas_users: Users) -> None:
    """The first admin is the tenant's, in the admin role, and no two tenants share one."""
    admin_role = _writer(saas_adapter)
    admins = {t.id: saas_users(t, admin_role).credentials for t in cohort.all}
    for tenant in cohort.all:
        assert admins[tenant.id].tenant_id == tenant.id and admins[tenant.id].role == admin_role
    assert len({c.username for c in admins.values()}) == len(admins), "two tenants share an admin user"


def test_a_new_tenant_serves_at_once_and_sees_only_its_own(
        saas_adapter: SaasAdapter, cohort: Cohort, saas_users: Users, saas_attacker: Attacker) -> None:
    """Right after onboarding, each admin creates, reads and lists its items; no other tenant of any
    tier reads or lists them, on its own API or on the owner's."""
    role = _writer(saas_adapter)
    owned: dict[str, dict[str, str]] = {}
    for tenant in cohort.all:
        admin = saas_users(tenant, role)
        for spec in saas_adapter.resources():
            reply = admin.create(spec)
            assert reply.status == spec.create.ok_status, (tenant.name, spec.name, reply.status, reply.body)
            item = created_id(spec, reply)
            assert admin.read(spec, item).status == spec.read.ok_status
            assert item in listed_ids(spec, admin.list(spec))
            owned.setdefault(tenant.id, {})[spec.name] = item
    leaks = []
    for victim in cohort.all:
        for actor_tenant in cohort.all:
            if actor_tenant.id == victim.id:
                continue
            actor = saas_users(actor_tenant, role)
            spec = saas_adapter.resources()[0]  # S2 attacks every resource; here the first is enough
            item = owned[victim.id][spec.name]
            assert item not in listed_ids(spec, actor.list(spec)), f"{actor_tenant.name} lists {item}"
            attempts = saas_attacker.cross_tenant(actor, spec, victim, item, ops=("read",))
            leaks += [a for a in attempts if a.leaked or a.status >= 500]
    assert leaks == []


def _register(adapter: SaasAdapter, tier: str, name: str) -> int:
    try:
        return adapter.register(tier, name)
    except NotSupported as exc:
        pytest.skip(str(exc))


def test_registering_a_taken_name_again_is_refused_cleanly(saas_adapter: SaasAdapter, cohort: Cohort,
                                                           saas_users: Users) -> None:
    """A second registration of a name (of the same or another tier) is a 4xx, and the first tenant
    keeps working."""
    tenant = cohort.twin
    for tier in dict.fromkeys((tenant.tier, *saas_adapter.tiers)):
        status = _register(saas_adapter, tier, tenant.name)
        assert 400 <= status < 500, f"registering {tenant.name!r} again as {tier} answered {status}"
    spec = saas_adapter.resources()[0]
    assert saas_users.fresh(tenant, _writer(saas_adapter)).list(spec).status == spec.list.ok_status


BAD_TIERS = ("", "gold", "free", "platinum2", "basic ", "pre mium", "basic,premium", "*", "../basic",
             "basic\x00", "\u0440latinum", "x" * 300)


@pytest.mark.parametrize("tier", BAD_TIERS, ids=repr)
def test_an_unknown_tier_is_refused_cleanly(saas_adapter: SaasAdapter, tier: str) -> None:
    """A tier the app does not offer is a 4xx, never a tenant and never a 5xx."""
    if tier in saas_adapter.tiers:
        pytest.skip(f"{tier!r} is one of the app's tiers")
    status = _register(saas_adapter, tier, f"s1-tier-{uuid.uuid4().hex[:10]}")
    assert 400 <= status < 500, f"tier {tier!r} answered {status}"


@given(name=tenant_names(), tier_index=st.integers(0, 8))
def test_any_tenant_name_is_accepted_or_refused_cleanly(saas_adapter: SaasAdapter, cohort: Cohort, name: str,
                                                        tier_index: int) -> None:
    """Adversarial names (id look-alikes, wildcards, separators, unicode): a 201 or a 4xx, never a 5xx.
    Pooled tiers only (as the cohort shows them), so an accepted name costs no stack."""
    pooled = [tier for tier, t in cohort.by_tier.items() if t.placement == "pooled"] or list(cohort.by_tier)
    status = _register(saas_adapter, pooled[tier_index % len(pooled)], name)
    assert status == 201 or 400 <= status < 500, f"name {name!r} answered {status}"
