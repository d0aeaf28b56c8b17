"""S11 fail closed: with STS, a user pool's JWKS, DynamoDB or a function failing, every request is
denied or fails cleanly, never served with wider credentials, another tenant's data, a cached decision
past its TTL, or a half-written item; a failed onboarding leaves nothing behind.

Lambda authorizer errors are answered 500 by API Gateway and only Allow/Deny policies are cached, for
the authorizer's TTL: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
A token whose signing key cannot be fetched cannot be verified:
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
STS and DynamoDB errors: https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.config
import jwt
import pytest

from harness.suites.adapter import ResourceSpec, SaasAdapter, Target, Tenant
from harness.suites.client import created_id, listed_ids
from harness.suites.faults import Faults
from harness.suites.helpers import Clock, Oracle, TenantFactory, Users
from harness.suites.tokens import attacker_key, split

_ROOT = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60)


def _writer(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


def _tier(adapter: SaasAdapter) -> str:
    return adapter.tiers[0] if adapter.tiers else "default"


def _resource(adapter: SaasAdapter) -> ResourceSpec:
    return adapter.resources()[0]


def _past_ttl(adapter: SaasAdapter, clock: Clock) -> None:
    """Every cached authorizer decision expires: the next request of each token is authorised anew."""
    clock.advance((adapter.authorizer_ttl() or 0.0) + 1.0)


def _refused(reply_status: int) -> bool:
    return reply_status >= 400


def _own_only(resource: ResourceSpec, reply: Any, allowed: set[str]) -> list[str]:
    """Ids in a 2xx list reply that the caller did not create (another tenant's, leaked)."""
    return [i for i in listed_ids(resource, reply) if i not in allowed]


@pytest.fixture
def faults(saas_faults: Faults, saas_clock: Clock) -> Iterator[Faults]:
    """The fault plan, with the virtual clock frozen so no TTL moves unless a test moves it."""
    saas_clock.freeze()
    yield saas_faults


@pytest.mark.parametrize("failure", ["error=throttle", "error=server", "error=timeout:1:0.5s"])
def test_sts_failing_no_request_is_served_without_vended_credentials(
        faults: Faults, saas_clock: Clock, saas_adapter: SaasAdapter, saas_tenants: TenantFactory,
        saas_users: Users, failure: str) -> None:
    """An app that narrows data access with STS session policies cannot serve a request while STS
    fails; past the TTL not even an earlier cached decision may be used."""
    writer = _writer(saas_adapter)
    tenant = saas_tenants.get(_tier(saas_adapter))
    if saas_adapter.scoped_policy(tenant.id, writer) is None:
        pytest.skip("the app does not vend STS credentials per request")
    resource = _resource(saas_adapter)
    owner = saas_users(tenant, writer)
    item = created_id(resource, owner.create(resource))
    newcomer = saas_users.fresh(tenant, writer)  # signed in before STS fails: a token never authorised
    faults.set(f"sts:AssumeRole {failure}")
    _past_ttl(saas_adapter, saas_clock)
    for who, reply in (("a cached token past its TTL", owner.read(resource, item)),
                       ("a new token", newcomer.read(resource, item)),
                       ("a new token's list", newcomer.list(resource))):
        assert _refused(reply.status), (
            f"with sts:AssumeRole failing ({failure}) {who} was served {reply.status}: the request ran "
            f"without credentials vended for it (wider ones): {str(reply.body)[:200]}")
    assert faults.metrics().get("sts:AssumeRole", {}).get("matched", 0) >= 1, "STS was never called"
    faults.clear()
    assert owner.read(resource, item).status == resource.read.ok_status, "the app did not recover"


def _forged(genuine: str) -> str:
    """The victim's own claims, signed by the attacker under a kid the pool never had."""
    claims = split(genuine)[1]
    return jwt.encode(dict(claims), attacker_key(), algorithm="RS256", headers={"kid": "outage-kid"})


def test_jwks_unreachable_no_token_is_accepted(faults: Faults, saas_clock: Clock, saas_adapter: SaasAdapter,
                                               saas_tenants: TenantFactory, saas_users: Users) -> None:
    """With the pool's JWKS unreachable a cold verifier can check no signature: a forged token (and
    even a genuine one) is refused, never accepted unverified."""
    writer = _writer(saas_adapter)
    tenant = saas_tenants.get(_tier(saas_adapter))
    resource = _resource(saas_adapter)
    owner = saas_users(tenant, writer)
    item = created_id(resource, owner.create(resource))
    forged = _forged(owner.credentials.token)
    faults.set("cognito-idp:jwks error=unavailable", "cognito-idp:openid-configuration error=unavailable")
    faults.cold_start()
    _past_ttl(saas_adapter, saas_clock)
    reply = owner.call(resource.read, token=forged, params={resource.id_param: item})
    assert _refused(reply.status), (
        f"with the JWKS unreachable a forged token read the tenant's item ({reply.status}): "
        f"{str(reply.body)[:200]}")
    reply = owner.call(resource.list, token=forged)
    assert _refused(reply.status), f"forged token listed with the JWKS unreachable ({reply.status})"
    faults.clear()
    assert owner.read(resource, item).status == resource.read.ok_status, "the app did not recover"
    assert owner.call(resource.read, token=forged, params={resource.id_param: item}).status in (401, 403)


def test_dynamodb_failing_no_tenant_is_served_anothers_data(
        faults: Faults, saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users) -> None:
    """While DynamoDB fails, a list either fails or holds only the caller's own items (no stale copy
    of another tenant's reads)."""
    writer = _writer(saas_adapter)
    tier = _tier(saas_adapter)
    resource = _resource(saas_adapter)
    victim_tenant, attacker_tenant = saas_tenants.fresh(tier), saas_tenants.fresh(tier)
    victim, attacker = saas_users(victim_tenant, writer), saas_users(attacker_tenant, writer)
    mine = {created_id(resource, attacker.create(resource))}
    created_id(resource, victim.create(resource))
    assert attacker.list(resource).status == resource.list.ok_status  # decisions cached, workers warm
    for _ in range(3):
        assert victim.list(resource).status == resource.list.ok_status
        faults.set("dynamodb:Query error=server", "dynamodb:Scan error=server")
        reply = attacker.list(resource)
        faults.clear()
        if reply.status < 300:
            leaked = _own_only(resource, reply, mine)
            assert not leaked, (f"with DynamoDB failing, {attacker_tenant.name}'s list held items it never "
                                f"created: {leaked[:5]}")


def test_dynamodb_failing_every_acknowledged_write_is_stored_once_and_no_refused_one(
        faults: Faults, saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users,
        saas_oracle: Oracle) -> None:
    """Half the writes fail: each 2xx create is in the raw table exactly once, each refused one absent."""
    writer = _writer(saas_adapter)
    tenant = saas_tenants.fresh(_tier(saas_adapter))
    resource = _resource(saas_adapter)
    owner = saas_users(tenant, writer)
    assert owner.list(resource).status == resource.list.ok_status
    tables = [t for t in saas_adapter.raw_tables(tenant) if t.logical == resource.name or
              t.logical.lower().startswith(resource.name.lower())]
    if not tables:
        pytest.skip(f"the adapter names no raw table for {resource.name}")
    before = sum(len(saas_oracle.items(t, tenant.id)) for t in tables)
    faults.set({"match": "dynamodb:PutItem", "error": {"kind": "server", "rate": 0.5}}, seed=11)
    acked = refused = 0
    for n in range(8):
        reply = owner.create(resource, {**resource.sample, **({"name": f"w{n}"} if "name" in resource.sample
                                                              else {})})
        if 200 <= reply.status < 300:
            acked += 1
        else:
            assert reply.status >= 400
            refused += 1
    faults.clear()
    stored = sum(len(saas_oracle.items(t, tenant.id)) for t in tables) - before
    assert stored == acked, (f"{acked} creates were acknowledged and {refused} refused, but {stored} items "
                             "were stored")


def _root(target: Target, service: str) -> Any:
    return boto3.session.Session().client(
        service, region_name=target.region, endpoint_url=target.endpoint, aws_access_key_id="test",
        aws_secret_access_key="test", config=_ROOT)


def _all(client: Any, op: str, key: str, **kwargs: Any) -> list[Any]:
    return [x for page in client.get_paginator(op).paginate(**kwargs) for x in page.get(key, [])]


def _snapshot(target: Target) -> dict[str, Any]:
    """What onboarding creates, read as root: API keys, Cognito users per pool, items per table."""
    apigw, idp, ddb = _root(target, "apigateway"), _root(target, "cognito-idp"), _root(target, "dynamodb")
    keys = sorted(k["id"] for k in _all(apigw, "get_api_keys", "items"))
    pools = [p["Id"] for p in _all(idp, "list_user_pools", "UserPools", MaxResults=60)]
    users = {p: sorted(u["Username"] for u in _all(idp, "list_users", "Users", UserPoolId=p)) for p in pools}
    tables = _all(ddb, "list_tables", "TableNames")
    counts = {t: ddb.scan(TableName=t, Select="COUNT")["Count"] for t in tables}
    return {"api_keys": keys, "users": users, "items": counts}


def _functions(target: Target) -> list[str]:
    return sorted(f["FunctionName"] for f in _all(_root(target, "lambda"), "list_functions", "Functions"))


def test_onboarding_with_a_function_crashing_leaves_nothing_behind(
        faults: Faults, saas_adapter: SaasAdapter, saas_suite_target: Target, saas_oracle: Oracle,
        saas_users: Users) -> None:
    """Each function in turn crashes while a tenant onboards: either onboarding still succeeds, or it
    fails and no API key, user or item of the half-made tenant is left; the name is free again."""
    tier = _tier(saas_adapter)
    failed: list[str] = []
    for fn in _functions(saas_suite_target):
        name = f"fc-{uuid.uuid4().hex[:10]}"
        before = _snapshot(saas_suite_target)
        faults.set(f"function:{fn} lambda=crash")
        try:
            saas_adapter.onboard(tier, name)
        except Exception:
            failed.append(fn)
        else:
            faults.clear()
            continue
        faults.clear()
        after = _snapshot(saas_suite_target)
        assert after == before, (f"onboarding {name!r} failed with {fn} crashing and left things behind: "
                                 f"{_diff(before, after)}")
        tenant: Tenant = saas_adapter.onboard(tier, name)  # the name is free again, and the tenant works
        owner = saas_users(tenant, _writer(saas_adapter))
        assert owner.list(_resource(saas_adapter)).status == _resource(saas_adapter).list.ok_status
    if not failed:
        pytest.skip("no function crash made onboarding fail: it has no steps to undo")


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    extra_keys = set(after["api_keys"]) - set(before["api_keys"])
    if extra_keys:
        out["api_keys"] = sorted(extra_keys)
    for pool, names in after["users"].items():
        extra = set(names) - set(before["users"].get(pool, []))
        if extra:
            out.setdefault("users", {})[pool] = sorted(extra)
    for table, n in after["items"].items():
        if n != before["items"].get(table, 0):
            out.setdefault("items", {})[table] = n - before["items"].get(table, 0)
    return out

