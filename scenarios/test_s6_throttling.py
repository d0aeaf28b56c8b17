"""S6 throttling: each tenant's usage plan throttles and meters that tenant alone, on the virtual
clock: the burst, the steady rate, the quota and its period reset, and no noisy neighbour.

Token bucket (capacity = burst, refill = rate per second) per API key of a usage plan, 429 "Too
Many Requests": https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
Usage plan quotas per period, 429 "Limit Exceeded", and GetUsage per key and day:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.client.saas import Reply
from harness.suites.adapter import SaasAdapter, Target, Tenant, UsagePlanInfo
from harness.suites.client import SignedInClient
from harness.suites.helpers import Clock, TenantFactory, Users
from harness.suites.timetravel import forget_sign_ins

THROTTLED, QUOTA = "Too Many Requests", "Limit Exceeded"


@dataclass(frozen=True)
class Metered:
    """A fresh tenant, its writing user, and its plan."""

    tenant: Tenant
    user: SignedInClient
    plan: UsagePlanInfo


def _writer(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


def _metered(adapter: SaasAdapter, tenants: TenantFactory, users: Users, tier: str) -> Metered:
    tenant = tenants.fresh(tier)
    plan = adapter.usage_plan(tenant)
    if plan is None:
        pytest.skip(f"{adapter.name} exposes no usage plan for {tier} tenants (SaasAdapter.usage_plan)")
    return Metered(tenant, users(tenant, _writer(adapter)), plan)


BURST_BUDGET = 500
"""The largest bucket a test drains; a tier with a larger burst is skipped (requests stay bounded)."""


def _cheapest_tier(adapter: SaasAdapter, tenants: TenantFactory) -> str:
    """The first tier the adapter lists (adapters list tiers from the smallest plan up, as the
    reference does), so a bounded number of requests drains its bucket."""
    if not adapter.tiers:
        pytest.skip(f"{adapter.name} declares no tiers")
    plan = adapter.usage_plan(tenants.get(adapter.tiers[0]))
    if plan is None:
        pytest.skip(f"{adapter.name} exposes no usage plans (SaasAdapter.usage_plan)")
    if plan.burst > BURST_BUDGET:
        pytest.skip(f"tier {adapter.tiers[0]} bursts {plan.burst}, over this suite's {BURST_BUDGET}")
    return adapter.tiers[0]


@pytest.fixture
def frozen(saas_clock: Clock) -> Iterator[Clock]:
    """The virtual clock stopped, so no bucket refills between two requests of a test."""
    saas_clock.freeze()
    yield saas_clock


def _hit(m: Metered, adapter: SaasAdapter) -> Reply:
    """The cheapest metered request: read a resource by an id that cannot exist."""
    resource = adapter.resources()[0]
    return m.user.read(resource, "s6-no-such-id")


def _burst(m: Metered, adapter: SaasAdapter, n: int) -> tuple[int, list[Reply]]:
    """n requests in a row: how many were admitted, and the refusals."""
    replies = [_hit(m, adapter) for _ in range(n)]
    assert [r.status for r in replies if r.status >= 500] == []
    refused = [r for r in replies if r.status == 429]
    return n - len(refused), refused


def _drain(m: Metered, adapter: SaasAdapter) -> None:
    """Empty the bucket (the clock is frozen): hit until the first 429, at most burst + 1 times."""
    for _ in range(m.plan.burst + 1):
        if _hit(m, adapter).status == 429:
            return
    raise AssertionError(f"{m.plan.burst + 1} requests in a row and never throttled")


def _message(reply: Reply) -> str:
    return str(reply.body.get("message")) if isinstance(reply.body, dict) else str(reply.body)


def _refill(clock: Clock, plan: UsagePlanInfo) -> None:
    clock.advance(plan.burst / plan.rate + 1.0)


def test_burst_admits_exactly_the_bucket_then_429(saas_adapter: SaasAdapter, saas_tenants: TenantFactory,
                                                  saas_users: Users, frozen: Clock) -> None:
    m = _metered(saas_adapter, saas_tenants, saas_users, _cheapest_tier(saas_adapter, saas_tenants))
    _refill(frozen, m.plan)
    admitted, refused = _burst(m, saas_adapter, m.plan.burst + 10)
    assert admitted == m.plan.burst
    assert {_message(r) for r in refused} == {THROTTLED}


@pytest.fixture
def steady(saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users) -> Metered:
    return _metered(saas_adapter, saas_tenants, saas_users, _cheapest_tier(saas_adapter, saas_tenants))


@given(tokens=st.integers(1, 8))
def test_steady_rate_refills_rate_tokens_per_second(saas_adapter: SaasAdapter, steady: Metered,
                                                    frozen: Clock, tokens: int) -> None:
    """Drained (a 429 seen, so under one token left), then `tokens / rate` seconds later: `tokens`
    more admitted, give or take the fraction of a token the drain left and float rounding."""
    _drain(steady, saas_adapter)
    frozen.advance(tokens / steady.plan.rate)
    admitted, _ = _burst(steady, saas_adapter, tokens + 3)
    assert tokens - 1 <= admitted <= tokens + 1


def _usage(target: Target, plan: UsagePlanInfo, day: str) -> int:
    """GetUsage as root: the requests this key used on `day`."""
    apigw = boto3.session.Session().client("apigateway", region_name=target.region,
                                           endpoint_url=target.endpoint, aws_access_key_id="test",
                                           aws_secret_access_key="test")
    doc: dict[str, Any] = apigw.get_usage(usagePlanId=plan.plan_id, keyId=plan.key_id, startDate=day,
                                          endDate=day)
    rows = doc.get("items", {}).get(plan.key_id, [])
    return int(rows[0][0]) if rows else 0


def _today(clock: Clock) -> str:
    return datetime.fromtimestamp(clock.now(), UTC).strftime("%Y-%m-%d")


@pytest.mark.parametrize("same_tier", [True, False], ids=["within-tier", "across-tiers"])
def test_noisy_neighbour_takes_nothing_from_another_tenant(
        same_tier: bool, saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users,
        saas_suite_target: Target, frozen: Clock) -> None:
    """One tenant floods past its bucket; another tenant (same tier, or another) still gets its whole
    burst, and GetUsage counts each tenant's requests against its own key only."""
    tier = _cheapest_tier(saas_adapter, saas_tenants)
    other_tier = tier if same_tier else next((t for t in saas_adapter.tiers if t != tier), tier)
    noisy = _metered(saas_adapter, saas_tenants, saas_users, tier)
    quiet = _metered(saas_adapter, saas_tenants, saas_users, other_tier)
    assert noisy.plan.key_id != quiet.plan.key_id, "two tenants share one API key"
    _refill(frozen, noisy.plan)
    _refill(frozen, quiet.plan)
    day = _today(frozen)
    before = {"noisy": _usage(saas_suite_target, noisy.plan, day),
              "quiet": _usage(saas_suite_target, quiet.plan, day)}
    noisy_admitted, noisy_refused = _burst(noisy, saas_adapter, noisy.plan.burst + 20)
    assert noisy_admitted == noisy.plan.burst and len(noisy_refused) == 20
    quiet_admitted, quiet_refused = _burst(quiet, saas_adapter, quiet.plan.burst)
    assert quiet_refused == [] and quiet_admitted == quiet.plan.burst
    assert _usage(saas_suite_target, noisy.plan, day) - before["noisy"] == noisy_admitted
    assert _usage(saas_suite_target, quiet.plan, day) - before["quiet"] == quiet_admitted


def test_every_tiers_requests_are_metered_against_the_tenants_own_key(
        saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users,
        saas_suite_target: Target, frozen: Clock) -> None:
    """Pooled or silo, each tier's API counts a tenant's admitted request against that tenant's own
    key in GetUsage: a method that does not require the key is never throttled nor metered."""
    if not saas_adapter.tiers:
        pytest.skip(f"{saas_adapter.name} declares no tiers")
    metered = 0
    day = _today(frozen)
    for tier in saas_adapter.tiers:
        tenant = saas_tenants.get(tier)
        plan = saas_adapter.usage_plan(tenant)
        if plan is None or plan.plan_id is None or plan.key_id is None:
            continue
        m = Metered(tenant, saas_users(tenant, _writer(saas_adapter)), plan)
        _refill(frozen, plan)
        before = _usage(saas_suite_target, plan, day)
        reply = _hit(m, saas_adapter)
        assert reply.status < 500, (tier, reply.status, reply.body)
        assert reply.status != 429, (tier, reply.body)
        assert _usage(saas_suite_target, plan, day) - before == 1, f"{tier}: request not metered"
        metered += 1
    if metered == 0:
        pytest.skip(f"{saas_adapter.name} exposes no usage plan ids (SaasAdapter.usage_plan)")


def _seconds_to_next_period(clock: Clock, plan: UsagePlanInfo) -> float:
    now = datetime.fromtimestamp(clock.now(), UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if plan.period == "WEEK":
        start = day + timedelta(days=7 - (day.weekday() + 1) % 7)
    elif plan.period == "MONTH":
        start = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        start = day + timedelta(days=1)
    return (start - now).total_seconds() + 1.0


QUOTA_BUDGET = 3000
"""The most requests a quota test sends; a plan with a larger quota is not exhausted here."""


def test_quota_exhausts_then_resets_with_the_next_period(
        saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users,
        saas_suite_target: Target, frozen: Clock) -> None:
    """Exactly `quota` requests are admitted in a period (the bucket refilled between bursts), then
    429 "Limit Exceeded" even with tokens in the bucket; the next period admits again."""
    m = _metered(saas_adapter, saas_tenants, saas_users, _cheapest_tier(saas_adapter, saas_tenants))
    if m.plan.quota is None or m.plan.quota > QUOTA_BUDGET:
        pytest.skip(f"quota {m.plan.quota} is absent or beyond this test's budget of {QUOTA_BUDGET}")
    day = _today(frozen)
    used = _usage(saas_suite_target, m.plan, day)
    left = m.plan.quota - used
    while left > 0:
        _refill(frozen, m.plan)
        admitted, refused = _burst(m, saas_adapter, min(left, m.plan.burst))
        assert refused == [], [_message(r) for r in refused[:3]]
        left -= admitted
    _refill(frozen, m.plan)
    over = _hit(m, saas_adapter)
    assert (over.status, _message(over)) == (429, QUOTA)
    assert _usage(saas_suite_target, m.plan, day) == m.plan.quota
    frozen.advance(_seconds_to_next_period(frozen, m.plan))
    forget_sign_ins(saas_users)
    again = Metered(m.tenant, saas_users(m.tenant, _writer(saas_adapter)), m.plan)
    admitted, _ = _burst(again, saas_adapter, 3)
    assert admitted == 3
