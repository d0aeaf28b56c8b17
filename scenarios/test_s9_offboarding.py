"""S9 offboarding: once the provider offboards a tenant, its users cannot sign in, its tokens are
refused once the authorizer's cached decision has expired (on the virtual clock), its API key admits
nothing even before that, its items are gone or out of reach as the app documents, a silo tenant's
stack is removed, and every other tenant goes on as before; no tenant admin offboards another tenant.

AdminDisableUser (no new sign-in): https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDisableUser.html
Lambda authorizer result caching (a decision lasts its TTL):
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
A disabled API key admits no request to a method that requires a key:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
Tenant offboarding (remove access, then data and tenant resources):
https://docs.aws.amazon.com/whitepapers/latest/saas-architecture-fundamentals/tenant-offboarding.html
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from harness.suites.adapter import RouteAccess, SaasAdapter, Tenant
from harness.suites.client import SignedInClient, created_id, listed_ids
from harness.suites.helpers import Clock, Oracle, TenantFactory, Users
from harness.suites.lifecycle import NotSupported, OffboardingSpec

REFUSED = (401, 403, 404)


def _writer(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


@pytest.fixture(scope="module")
def spec(saas_adapter: SaasAdapter) -> OffboardingSpec:
    found = saas_adapter.offboarding()
    if found is None:
        pytest.skip(f"{saas_adapter.name} declares no offboarding (SaasAdapter.offboarding)")
    return found


@pytest.fixture
def frozen(saas_clock: Clock) -> Iterator[Clock]:
    """The clock stopped, so a cached authorizer decision lasts exactly until the test moves time."""
    saas_clock.freeze()
    yield saas_clock


@dataclass
class Victim:
    """A tenant about to be offboarded: its users (signed in, decisions cached) and its items."""

    tenant: Tenant
    users: dict[str, SignedInClient]
    items: dict[str, str]


def _prepare(adapter: SaasAdapter, users: Users, tenant: Tenant) -> Victim:
    """Every tenant role signed in and served once (the authorizer caches an Allow), one item each."""
    clients = {role: users.fresh(tenant, role) for role in adapter.tenant_roles()}
    writer = clients[_writer(adapter)]
    items = {}
    for spec in adapter.resources():
        reply = writer.create(spec)
        assert reply.status == spec.create.ok_status, (reply.status, reply.body)
        items[spec.name] = created_id(spec, reply)
    for client in clients.values():
        assert client.list(adapter.resources()[0]).status == 200
    return Victim(tenant, clients, items)


def _offboard(adapter: SaasAdapter, tenant: Tenant) -> None:
    try:
        adapter.offboard(tenant)
    except NotSupported as exc:
        pytest.skip(str(exc))


def _locked_out(adapter: SaasAdapter, victim: Victim, frozen: Clock, key_disabled: bool) -> None:
    """No new sign-in; the API key refuses at once when the app disables it; every token refused
    once the authorizer's TTL has passed."""
    spec = adapter.resources()[0]
    for role in victim.users:
        with pytest.raises(Exception):  # noqa: B017 - any refusal of the sign-in will do
            adapter.sign_in(victim.tenant, role)
    for role, client in victim.users.items():
        status = client.list(spec).status
        assert status < 500, f"{role} after offboarding answered {status}"
        if key_disabled:
            assert status in REFUSED, f"{role}'s cached decision still admitted with a disabled API key"
    ttl = adapter.authorizer_ttl("tenant")
    frozen.advance((ttl if ttl is not None else 300.0) + 1.0)
    for role, client in victim.users.items():
        for name, item in victim.items.items():
            resource = adapter.resource(name)
            assert client.read(resource, item).status in REFUSED, f"{role} still reads its {name}"
        assert client.list(spec).status in REFUSED, f"{role} still lists after the authorizer TTL"


def _neighbour_unaffected(adapter: SaasAdapter, users: Users, neighbour: Tenant, victim: Victim) -> None:
    """Another tenant signs in again, serves its items, and sees none of the offboarded tenant's."""
    spec = adapter.resources()[0]
    admin = users.fresh(neighbour, _writer(adapter))
    reply = admin.create(spec)
    assert reply.status == spec.create.ok_status, (neighbour.name, reply.status, reply.body)
    item = created_id(spec, reply)
    assert admin.read(spec, item).status == spec.read.ok_status
    listed = listed_ids(spec, admin.list(spec))
    assert item in listed and victim.items[spec.name] not in listed


def test_an_offboarded_pooled_tenant_is_locked_out_and_its_neighbours_are_not(
        saas_adapter: SaasAdapter, spec: OffboardingSpec, saas_tenants: TenantFactory, saas_users: Users,
        saas_oracle: Oracle, frozen: Clock) -> None:
    """A pooled tenant offboarded beside a neighbour of the same tier."""
    tier = (saas_adapter.tiers or ("default",))[0]
    tenant = saas_tenants.fresh(tier)
    if tenant.placement != "pooled":
        pytest.skip(f"tier {tier} is not pooled")
    neighbour = saas_tenants.get(tier)
    victim = _prepare(saas_adapter, saas_users, tenant)
    _offboard(saas_adapter, tenant)
    _locked_out(saas_adapter, victim, frozen, spec.disables_api_key)
    tables = [t for t in saas_adapter.raw_tables(tenant)
              if any(r.table == t.logical for r in saas_adapter.resources())]
    left = sum(len(saas_oracle.items(t, tenant.id)) for t in tables)
    if spec.data == "deleted":
        assert left == 0, f"{left} items of the offboarded tenant are still stored"
    _neighbour_unaffected(saas_adapter, saas_users, neighbour, victim)


def test_an_offboarded_silo_tenant_loses_its_stack_and_the_other_silo_keeps_its_own(
        saas_adapter: SaasAdapter, spec: OffboardingSpec, saas_tenants: TenantFactory, saas_users: Users,
        saas_oracle: Oracle, frozen: Clock) -> None:
    """The silo tenant's stack (its API and tables) is removed; the other silo tenant is untouched."""
    shared = {t: saas_tenants.get(t) for t in saas_adapter.tiers}
    silo_tier = next((tier for tier, t in shared.items() if t.placement == "silo"), None)
    if silo_tier is None:
        pytest.skip(f"{saas_adapter.name} has no silo tier")
    try:
        saas_adapter.tenant_stack(shared[silo_tier])
    except NotSupported as exc:
        pytest.skip(str(exc))
    tenant = saas_tenants.fresh(silo_tier)
    victim = _prepare(saas_adapter, saas_users, tenant)
    tables = [t for t in saas_adapter.raw_tables(tenant) if not t.shared]
    assert saas_adapter.tenant_stack(tenant) is not None
    _offboard(saas_adapter, tenant)
    _locked_out(saas_adapter, victim, frozen, spec.disables_api_key)
    if spec.removes_silo_stack:
        assert saas_adapter.tenant_stack(tenant) is None, "the offboarded silo tenant's stack is still there"
        for table in tables:
            try:
                left = saas_oracle.items(table, tenant.id)
            except saas_oracle.ddb.exceptions.ResourceNotFoundException:
                continue
            raise AssertionError(f"{table.name} of the removed stack still holds {len(left)} items")
    other = shared[silo_tier]
    stack = saas_adapter.tenant_stack(other)
    assert stack is not None and stack.tenant_id == other.id and stack.api_url == other.api_url
    _neighbour_unaffected(saas_adapter, saas_users, other, victim)


def _bind(request: RouteAccess, victim: Tenant) -> dict[str, str]:
    bound = {"own_tenant": victim.id, "unique": f"s9{uuid.uuid4().hex[:12]}"}
    return {name: bound.get(binding, binding) for name, binding in request.params.items()}


def test_no_tenant_admin_offboards_another_tenant(saas_adapter: SaasAdapter, spec: OffboardingSpec,
                                                  saas_tenants: TenantFactory, saas_users: Users,
                                                  frozen: Clock) -> None:
    """Every role the offboarding request does not allow, from another tenant or the provider, is
    refused, and the would-be victim still signs in and serves after the authorizer's TTL."""
    if spec.request is None:
        pytest.skip(f"{saas_adapter.name} declares no offboarding request (OffboardingSpec.request)")
    tier = (saas_adapter.tiers or ("default",))[0]
    victim, attacker_tenant = saas_tenants.fresh(tier), saas_tenants.get(tier)
    actors = [saas_users(attacker_tenant, r.name) for r in saas_adapter.roles
              if r.scope == "tenant" and r.name not in spec.request.allowed]
    actors += [saas_users(None, r.name) for r in saas_adapter.roles
               if r.scope == "provider" and r.name not in spec.request.allowed]
    for actor in actors:
        status = actor.call(spec.request.route, body=spec.request.body, params=_bind(spec.request, victim),
                            tenant=attacker_tenant).status
        assert status in REFUSED, f"{actor.credentials.role} offboarding another tenant answered {status}"
    ttl = saas_adapter.authorizer_ttl("tenant")
    frozen.advance((ttl if ttl is not None else 300.0) + 1.0)
    resource = saas_adapter.resources()[0]
    assert saas_users.fresh(victim, _writer(saas_adapter)).list(resource).status == resource.list.ok_status
