"""Onboarding through POST /registration: every tier, pooled vs silo, routing, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from harness.saas.onboard import TenantRecord
from tests.saas.conftest import Saas


@pytest.mark.parametrize("tier", ["basic", "standard", "premium"])
def test_pooled_tier_registration_creates_the_whole_tenant(saas: Saas,
                                                           tenants: dict[str, TenantRecord],
                                                           tier: str) -> None:
    t = tenants[tier]
    d = saas.details(t.id)
    assert d["tenantName"] == t.name and d["tier"] == tier and d["isActive"] is True
    assert d["dedicatedTenancy"] is False and d["apiGatewayUrl"] == saas.state["pooled_api_url"]
    assert t.user_pool_id == saas.state["user_pools"]["pooled"]["user_pool_id"]
    user = saas.aws("cognito-idp").admin_get_user(UserPoolId=t.user_pool_id,
                                                  Username=f"tenant-admin-{t.id}")
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attrs["custom:tenantId"] == t.id and attrs["custom:userRole"] == "TenantAdmin"
    groups = saas.aws("cognito-idp").admin_list_groups_for_user(UserPoolId=t.user_pool_id,
                                                                Username=t.admin_username)
    assert [g["GroupName"] for g in groups["Groups"]] == [t.id]
    mapping = saas.aws("dynamodb").get_item(TableName=saas.table("TenantUserMapping"), Key={
        "tenantId": {"S": t.id}, "userName": {"S": t.admin_username}})
    assert "Item" in mapping


@pytest.mark.parametrize("tier", ["basic", "standard", "premium", "platinum"])
def test_each_tenant_gets_its_own_api_key_bound_to_its_tiers_plan(
        saas: Saas, tenants: dict[str, TenantRecord], tier: str) -> None:
    t = tenants[tier]
    key_id = saas.details(t.id)["apiKeyId"]
    gw = saas.aws("apigateway")
    key = gw.get_api_key(apiKey=key_id, includeValue=True)
    assert key["enabled"] and key["value"] == saas.details(t.id)["apiKey"]
    plans = [p for p in gw.get_usage_plans(keyId=key_id)["items"]]
    assert len(plans) == 1
    expected = {"basic": (50, 50, 1000), "standard": (75, 100, 3000), "premium": (100, 200, 5000),
                "platinum": (300, 300, 10000)}[tier]
    plan = plans[0]
    assert (plan["throttle"]["rateLimit"], plan["throttle"]["burstLimit"],
            plan["quota"]["limit"]) == expected and plan["quota"]["period"] == "DAY"


def test_platinum_registration_provisions_a_silo_stack_through_the_pipeline(
        saas: Saas, tenants: dict[str, TenantRecord]) -> None:
    t = tenants["platinum"]
    d = saas.details(t.id)
    assert d["dedicatedTenancy"] is True
    assert t.user_pool_id != saas.state["user_pools"]["pooled"]["user_pool_id"]
    assert t.api_url and t.api_url != saas.state["pooled_api_url"]
    row = saas.aws("dynamodb").get_item(TableName=saas.table("TenantStackMapping"),
                                        Key={"tenantId": {"S": t.id}})["Item"]
    assert row["stackName"]["S"] == f"stack-{t.id}"
    assert row["codeCommitId"]["S"] == saas.deployment.pipeline.executions("")[0][
        "artifactRevisions"][0]["revisionId"]
    assert f"stack-{t.id}" in saas.deployment.deployer.list_stacks()
    tables = saas.aws("dynamodb").list_tables()["TableNames"]
    assert f"Product-{t.id}" in tables and f"Order-{t.id}" in tables


def test_tenant_init_routes_each_tenant_to_its_api_and_pool(
        saas: Saas, tenants: dict[str, TenantRecord]) -> None:
    for t in tenants.values():
        reply = saas.client.tenant_init(t.name)
        assert reply.status == 200
        assert reply.body == {"tenantName": t.name, "apiGatewayUrl": t.api_url,
                              "userPoolId": t.user_pool_id, "appClientId": t.client_id}
    assert saas.client.tenant_init("no-such-tenant").status == 404


def _scan_keys(saas: Saas, table: str, *names: str) -> list[tuple[str, ...]]:
    pages = saas.aws("dynamodb").get_paginator("scan").paginate(TableName=saas.table(table))
    return sorted(tuple(item[n]["S"] for n in names) for page in pages for item in page["Items"])


def footprint(saas: Saas) -> dict[str, Any]:
    """Everything a registration creates, read as root through the AWS APIs, so a refusal can
    be shown to leave nothing behind: tenant rows, Cognito pools, users and groups, API keys and
    their usage-plan bindings, pipeline runs, stacks and tables."""
    ddb, cognito, gw = saas.aws("dynamodb"), saas.aws("cognito-idp"), saas.aws("apigateway")
    pools = sorted(p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"])
    users = {pool: sorted(u["Username"] for page in cognito.get_paginator("list_users").paginate(
        UserPoolId=pool) for u in page["Users"]) for pool in pools}
    groups = {pool: sorted(g["GroupName"] for g in cognito.list_groups(UserPoolId=pool)["Groups"])
              for pool in pools}
    plans = {p["id"]: sorted(k["id"] for k in gw.get_usage_plan_keys(usagePlanId=p["id"])["items"])
             for p in gw.get_usage_plans(limit=500)["items"]}
    runs = saas.aws("codepipeline").list_pipeline_executions(
        pipelineName=saas.state["pipeline"])["pipelineExecutionSummaries"]
    return {
        "details": _scan_keys(saas, "TenantDetails", "tenantId", "tenantName"),
        "user mapping": _scan_keys(saas, "TenantUserMapping", "tenantId", "userName"),
        "stack mapping": _scan_keys(saas, "TenantStackMapping", "tenantId"),
        "pools": pools, "users": users, "groups": groups,
        "api keys": sorted(k["id"] for k in gw.get_api_keys(limit=500)["items"]),
        "usage plans": plans,
        "pipeline runs": sorted(r["pipelineExecutionId"] for r in runs),
        "stacks": sorted(saas.deployment.deployer.list_stacks()),
        "tables": sorted(ddb.list_tables()["TableNames"]),
    }


def test_footprint_sees_what_a_registration_creates(saas: Saas) -> None:
    """The before/after comparison below can fail: a successful registration changes it."""
    before = footprint(saas)
    tenant = saas.register("platinum")
    after = footprint(saas)
    changed = {k for k in before if before[k] != after[k]}
    assert {"details", "user mapping", "stack mapping", "pools", "users", "groups", "api keys",
            "usage plans", "pipeline runs", "stacks", "tables"} <= changed
    assert tenant.user_pool_id in after["pools"] and tenant.user_pool_id not in before["pools"]


BAD_BODIES = [
    ({}, "nothing"),
    ({"tenantEmail": "a@example.com", "tenantTier": "basic"}, "missing name"),
    ({"tenantName": "acme-bad1", "tenantTier": "basic"}, "missing email"),
    ({"tenantName": "acme-bad2", "tenantEmail": "a@example.com"}, "missing tier"),
    ({"tenantName": "acme-bad3", "tenantEmail": "a@example.com", "tenantTier": "gold"}, "tier"),
    ({"tenantName": "x" * 300, "tenantEmail": "a@example.com", "tenantTier": "basic"}, "long"),
    ({"tenantName": "acme\u0000evil", "tenantEmail": "a@example.com", "tenantTier": "basic"},
     "control char"),
    ({"tenantName": "<script>alert(1)</script>", "tenantEmail": "a@example.com",
      "tenantTier": "basic"}, "markup"),
    ({"tenantName": "../../etc/passwd", "tenantEmail": "a@example.com", "tenantTier": "basic"},
     "path"),
    ({"tenantName": "acme-bad4", "tenantEmail": "not-an-email", "tenantTier": "basic"}, "email"),
    ({"tenantName": "acme-bad5", "tenantEmail": "a@example.com", "tenantTier": "basic",
      "tenantId": "0" * 32}, "chosen tenant id"),
    ({"tenantName": ["list"], "tenantEmail": "a@example.com", "tenantTier": "basic"}, "type"),
]


@pytest.mark.parametrize(("body", "why"), BAD_BODIES, ids=[w for _, w in BAD_BODIES])
def test_bad_registration_input_is_a_4xx_and_leaves_nothing_behind(saas: Saas, body: Any,
                                                                   why: str) -> None:
    before = footprint(saas)
    reply = saas.client.admin("POST", "/registration", body=body)
    assert 400 <= reply.status < 500, (why, reply)
    assert footprint(saas) == before


def test_malformed_json_registration_is_a_4xx_and_leaves_nothing_behind(saas: Saas) -> None:
    before = footprint(saas)
    reply = saas.client.request("POST", saas.client.admin_api_url + "/registration",
                                headers={"Content-Type": "application/json"}, body=None)
    assert 400 <= reply.status < 500
    raw = saas.client._http.request("POST", saas.client.admin_api_url + "/registration",
                                    body=b"{not json", headers={"Content-Type": "application/json"})
    assert 400 <= raw.status < 500
    assert footprint(saas) == before


def test_duplicate_tenant_name_is_refused_and_leaves_nothing_behind(
        saas: Saas, tenants: dict[str, TenantRecord]) -> None:
    before = footprint(saas)
    reply = saas.client.register(tenants["basic"].name, "premium")
    assert reply.status == 400 and reply.body["error"] == "DuplicateTenantName"
    assert footprint(saas) == before
