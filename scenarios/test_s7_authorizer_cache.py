"""S7 authorizer cache: decisions are cached per token for the authorizer's TTL, re-evaluated per
method ARN, never served to another token, and a disabled user's access ends by the TTL or the
token's expiry on the virtual clock.

Lambda authorizer result caching (key = identity source, TTL, the cached policy applied to each
request's method ARN): https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
AdminDisableUser (no new sign-in; issued tokens stay valid until they expire):
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDisableUser.html
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.suites.adapter import ResourceSpec, RouteAccess, SaasAdapter, Target, Tenant
from harness.suites.client import ApiClient, SignedInClient, created_id, listed_ids
from harness.suites.helpers import Clock, TenantFactory, Users
from harness.suites.timetravel import forget_sign_ins
from harness.suites.tokens import split

REFUSED = (401, 403, 404)
REFILL = 1.0
"""Seconds the frozen clock moves before each drawn example: the throttle buckets refill (a usage
plan admits its rate per second), well inside any authorizer TTL."""


def _cache_counts(target: Target, http: ApiClient) -> dict[str, int]:
    """Authorizer cache hits, misses and invocations summed over every authorizer of the target."""
    reply = http.request("GET", target.endpoint.rstrip("/") + "/_harness/metrics")
    if reply.status != 200 or not isinstance(reply.body, dict):
        pytest.skip(f"the target serves no /_harness/metrics ({reply.status})")
    per: dict[str, dict[str, int]] = reply.body.get("gateway", {}).get("authorizers", {})
    return {k: sum(int(c.get(k, 0)) for c in per.values()) for k in ("hits", "misses", "invocations")}


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in after}


@pytest.fixture
def frozen(saas_clock: Clock) -> Iterator[Clock]:
    """The virtual clock stopped, so no cache entry expires in the middle of a test."""
    saas_clock.freeze()
    yield saas_clock


def _writer(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


def _tier(adapter: SaasAdapter) -> str:
    return adapter.tiers[0] if adapter.tiers else "default"


def test_warm_requests_hit_the_cache_and_the_ratio_shows_in_metrics(
        saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users,
        saas_suite_target: Target, saas_http: ApiClient, frozen: Clock) -> None:
    """A new token: the first request invokes the authorizer (a miss), the next N-1 are hits, and a
    cold request costs more than the median warm one."""
    if not saas_adapter.authorizer_ttl("tenant"):
        pytest.skip(f"{saas_adapter.name} declares no cached authorizer on its tenant API "
                    "(SaasAdapter.authorizer_ttl); Cognito user pool authorizers are not cached")
    tenant = saas_tenants.get(_tier(saas_adapter))
    user = saas_users.fresh(tenant, _writer(saas_adapter))
    resource = saas_adapter.resources()[0]
    before = _cache_counts(saas_suite_target, saas_http)
    timings = []
    for _ in range(12):
        started = time.perf_counter()
        assert user.list(resource).status == resource.list.ok_status
        timings.append(time.perf_counter() - started)
    delta = _delta(_cache_counts(saas_suite_target, saas_http), before)
    assert (delta["misses"], delta["hits"], delta["invocations"]) == (1, 11, 1)
    assert delta["hits"] / (delta["hits"] + delta["misses"]) >= 11 / 12
    assert statistics.median(timings[1:]) < timings[0], timings


def _call(client: SignedInClient, cell: RouteAccess, tenant: Tenant, own_user: str) -> int:
    own = {"own_tenant": tenant.id, "own_user": own_user}
    params = {k: own.get(v, "s7-nobody") for k, v in cell.params.items()}
    body = None if cell.body is None else {
        k: (f"s7{time.monotonic_ns()}" if v == "unique" else v) for k, v in cell.body.items()}
    return client.call(cell.route, body=body, params=params, tenant=tenant).status


@given(data=st.data())
def test_a_cached_policy_is_evaluated_again_for_each_method(
        saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users,
        saas_suite_target: Target, saas_http: ApiClient, frozen: Clock, data: st.DataObject) -> None:
    """One token, requests to different methods in a drawn order while its decision is cached: each
    is allowed or refused as declared for that method, whatever the cached call was."""
    cells = [c for c in saas_adapter.role_matrix() if not c.destructive
             and set(c.params.values()) <= {"own_tenant", "own_user"}]
    if not cells:
        pytest.skip(f"{saas_adapter.name} declares no role matrix (SaasAdapter.role_matrix)")
    role = data.draw(st.sampled_from([r.name for r in saas_adapter.roles if r.scope == "tenant"]))
    tenant = saas_tenants.get(_tier(saas_adapter))
    client = saas_users(tenant, role)
    reader = next((r.name for r in saas_adapter.roles if r.scope == "tenant" and not r.writes), role)
    own_user = saas_users(tenant, reader).credentials.username
    mixed = [c for c in cells if role in c.allowed], [c for c in cells if role not in c.allowed]
    steps = data.draw(st.permutations([data.draw(st.sampled_from(side)) for side in mixed if side]
                                      + data.draw(st.lists(st.sampled_from(cells), max_size=3))))
    frozen.advance(REFILL)
    before = _cache_counts(saas_suite_target, saas_http)
    for cell in steps:
        status = _call(client, cell, tenant, own_user)
        where = f"{role} {cell.route.method} {cell.route.path}"
        assert status < 500, f"{where}: {status}"
        if role in cell.allowed:
            assert 200 <= status < 300, f"{where}: declared allowed, answered {status}"
        else:
            assert status in REFUSED, f"{where}: declared refused, answered {status}"
    assert _delta(_cache_counts(saas_suite_target, saas_http), before)["hits"] >= len(steps) - 2


@pytest.fixture(scope="module")
def neighbour_tenants(saas_adapter: SaasAdapter, saas_tenants: TenantFactory) -> tuple[Tenant, Tenant]:
    """Two fresh tenants of one tier, so one API (and one authorizer cache) serves both."""
    tier = _tier(saas_adapter)
    return saas_tenants.fresh(tier), saas_tenants.fresh(tier)


@pytest.fixture
def neighbours(saas_adapter: SaasAdapter, neighbour_tenants: tuple[Tenant, Tenant],
               saas_users: Users) -> dict[str, tuple[Tenant, SignedInClient]]:
    """Every tenant role of the first tenant, and a writer of the second."""
    first, second = neighbour_tenants
    tenant_roles = [r.name for r in saas_adapter.roles if r.scope == "tenant"]
    out = {f"a-{r}": (first, saas_users(first, r)) for r in tenant_roles}
    out[f"b-{_writer(saas_adapter)}"] = (second, saas_users(second, _writer(saas_adapter)))
    return out


@given(data=st.data())
def test_one_tokens_cached_decision_is_never_served_to_another(
        saas_adapter: SaasAdapter, neighbours: dict[str, tuple[Tenant, SignedInClient]],
        frozen: Clock, data: st.DataObject) -> None:
    """Users of two tenants interleave creates and lists inside the TTL: each list shows only its own
    tenant's items, so no request ran on another token's cached identity."""
    resource: ResourceSpec = saas_adapter.resources()[0]
    names = sorted(neighbours)
    owned: dict[str, set[str]] = {}
    steps = data.draw(st.lists(st.tuples(st.sampled_from(names), st.booleans()), min_size=2, max_size=8))
    frozen.advance(REFILL)
    for name, create in steps:
        tenant, client = neighbours[name]
        if create and saas_adapter.role(client.credentials.role).writes:  # read-only roles list instead
            owned.setdefault(tenant.id, set()).add(created_id(resource, client.create(resource)))
            continue
        seen = set(listed_ids(resource, client.list(resource)))
        foreign = set().union(*(ids for tid, ids in owned.items() if tid != tenant.id))
        assert seen & foreign == set(), f"{name} sees another tenant's items"
        assert owned.get(tenant.id, set()) <= seen, f"{name} misses its own items"


def test_a_disabled_user_loses_access_by_ttl_or_token_expiry_and_never_later(
        saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users, frozen: Clock) -> None:
    """Disabled after a cached success: access may last while the decision is cached and while the
    token is unexpired (Cognito tokens outlive AdminDisableUser), and must end once both are over."""
    ttl = saas_adapter.authorizer_ttl("tenant")
    if ttl is None:
        pytest.skip(f"{saas_adapter.name} does not declare its authorizer TTL (SaasAdapter.authorizer_ttl)")
    tenant = saas_tenants.fresh(_tier(saas_adapter))
    role = _writer(saas_adapter)
    user = saas_users.fresh(tenant, role)
    resource = saas_adapter.resources()[0]
    assert user.list(resource).status == resource.list.ok_status
    if not saas_adapter.disable_user(tenant, user.credentials.username):
        pytest.skip(f"{saas_adapter.name} cannot disable a user (SaasAdapter.disable_user)")
    with pytest.raises(Exception):  # noqa: B017 - any refusal of the sign-in will do
        saas_adapter.sign_in(tenant, role)
    inside = user.list(resource).status
    assert inside == resource.list.ok_status or inside in REFUSED
    claims: dict[str, Any] = split(user.credentials.token)[1]
    until = max(float(claims["exp"]) - frozen.now(), ttl) + 1.0
    try:
        frozen.advance(until)
        after = user.list(resource)
        assert after.status in (401, 403), (after.status, str(after.body)[:200])
    finally:
        forget_sign_ins(saas_users)
