"""Registration through the internal routes (in-process, moto-backed): every tier, and clean rollback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import registration
from moto import mock_aws
from saas_common import roles

from tests.stack import onboarding_env
from tests.stack.onboarding_env import POOLED_URL, ControlPlane
from tests.stack.support import api_event


@pytest.fixture
def plane(aws_env: None, monkeypatch: pytest.MonkeyPatch,
          lambda_context: Any) -> Iterator[ControlPlane]:
    with mock_aws():
        yield onboarding_env.build(monkeypatch, lambda_context)


def register(plane: ControlPlane, **body: Any) -> tuple[int, Any]:
    payload = {"tenantName": "acme", "tenantEmail": "admin@acme.example", "tenantTier": "basic",
               "tenantPhone": "+1 555 0100", "tenantAddress": "1 Main St", **body}
    payload = {k: v for k, v in payload.items() if v is not None}
    return plane.handle(registration, api_event("POST", "/registration", body=json.dumps(payload)))


def attrs(plane: ControlPlane, pool: str, user: str) -> dict[str, str]:
    got = plane.cognito.admin_get_user(UserPoolId=pool, Username=user)["UserAttributes"]
    return {a["Name"]: a["Value"] for a in got}


def assert_nothing_left(plane: ControlPlane, pools_before: set[str]) -> None:
    for env in ("TENANT_DETAILS_TABLE", "TENANT_USER_MAPPING_TABLE", "TENANT_STACK_MAPPING_TABLE"):
        assert plane.count(env) == 0, env
    assert plane.api_keys() == []
    for plan in plane.plans.values():
        assert plane.apigw.get_usage_plan_keys(usagePlanId=plan)["items"] == []
    for pool in (plane.pooled_pool, plane.ops_pool):
        assert plane.user_names(pool) == set()
        assert plane.cognito.list_groups(UserPoolId=pool)["Groups"] == []
    assert plane.pools() == pools_before
    assert plane.pipeline_runs == []


@pytest.mark.parametrize("tier", ["basic", "Standard", "PREMIUM"])
def test_pooled_tier_registration(plane: ControlPlane, tier: str) -> None:
    status, body = register(plane, tenantTier=tier)
    assert status == 201, body
    tenant = body["tenantId"]
    assert len(tenant) == 32 and int(tenant, 16) >= 0
    assert body["apiGatewayUrl"] == POOLED_URL
    assert body["userPoolId"] == plane.pooled_pool
    assert body["tenantAdminUserName"] == f"tenant-admin-{tenant}"
    assert body["tenantAdminPassword"]
    row = plane.item("TENANT_DETAILS_TABLE", {"tenantId": tenant})
    assert row is not None
    assert row["tier"] == {"S": tier.lower()} and row["isActive"] == {"BOOL": True}
    assert row["dedicatedTenancy"] == {"BOOL": False}
    (key,) = plane.api_keys()
    assert row["apiKey"] == {"S": key["value"]} and row["apiKeyId"] == {"S": key["id"]}
    bound = plane.apigw.get_usage_plan_keys(usagePlanId=plane.plans[tier.lower()])["items"]
    assert [k["id"] for k in bound] == [key["id"]]
    user = attrs(plane, plane.pooled_pool, body["tenantAdminUserName"])
    assert user["custom:tenantId"] == tenant and user["custom:userRole"] == roles.TENANT_ADMIN
    groups = plane.cognito.admin_list_groups_for_user(UserPoolId=plane.pooled_pool,
                                                      Username=body["tenantAdminUserName"])
    assert [g["GroupName"] for g in groups["Groups"]] == [tenant]
    assert plane.item("TENANT_USER_MAPPING_TABLE",
                      {"tenantId": tenant, "userName": body["tenantAdminUserName"]})
    assert plane.pipeline_runs == []


def test_platinum_registration_gets_its_own_pool_and_a_stack(plane: ControlPlane) -> None:
    pools_before = plane.pools()
    status, body = register(plane, tenantTier="platinum")
    assert status == 201, body
    tenant = body["tenantId"]
    assert body["userPoolId"] not in pools_before and body["apiGatewayUrl"] == ""
    pool = plane.cognito.describe_user_pool(UserPoolId=body["userPoolId"])["UserPool"]
    custom = {a["Name"]: a for a in pool["SchemaAttributes"] if a["Name"].startswith("custom:")}
    assert custom["custom:tenantId"]["Mutable"] is False
    client = plane.cognito.describe_user_pool_client(UserPoolId=body["userPoolId"],
                                                     ClientId=body["appClientId"])
    assert "custom:tenantId" not in client["UserPoolClient"].get("WriteAttributes", [])
    row = plane.item("TENANT_DETAILS_TABLE", {"tenantId": tenant})
    assert row and row["dedicatedTenancy"] == {"BOOL": True}
    stack = plane.item("TENANT_STACK_MAPPING_TABLE", {"tenantId": tenant})
    assert stack and stack["stackName"] == {"S": f"stack-{tenant}"}
    assert stack["codeCommitId"] == {"S": ""}
    assert plane.pipeline_runs == ["serverless-saas-pipeline"]
    for plan in plane.plans.values():
        assert plane.apigw.get_usage_plan_keys(usagePlanId=plan)["items"] == []


def test_password_is_returned_only_when_exposed(plane: ControlPlane,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPOSE_TENANT_ADMIN_PASSWORD", "false")
    status, body = register(plane)
    assert status == 201 and "tenantAdminPassword" not in body


def test_duplicate_name_is_refused_and_changes_nothing(plane: ControlPlane) -> None:
    assert register(plane)[0] == 201
    status, body = register(plane, tenantTier="platinum", tenantEmail="other@x.example")
    assert (status, body["error"]) == (400, "DuplicateTenantName")
    assert plane.count("TENANT_DETAILS_TABLE") == 1 and len(plane.api_keys()) == 1


@pytest.mark.parametrize("body", [
    {"tenantName": None}, {"tenantTier": "gold"}, {"tenantName": "a\u202eb"},
    {"tenantEmail": "nope"}, {"tenantId": "0" * 32},
])
def test_bad_input_is_400_and_creates_nothing(plane: ControlPlane, body: dict[str, Any]) -> None:
    pools = plane.pools()
    assert register(plane, **body)[0] == 400
    assert_nothing_left(plane, pools)
    assert plane.internal_calls == []


def test_failure_after_partial_creation_rolls_everything_back(plane: ControlPlane) -> None:
    pools = plane.pools()
    plane.ddb.delete_item(TableName=onboarding_env.TABLES["SETTINGS_TABLE"][0],
                          Key={"settingName": {"S": "apiGatewayUrl-pooled"}})
    status, body = register(plane)
    assert status == 503, body
    assert ("POST", "user/tenant-admin") in plane.internal_calls
    assert_nothing_left(plane, pools)


def test_platinum_failure_at_provisioning_removes_the_pool_too(plane: ControlPlane) -> None:
    pools = plane.pools()
    plane.fail_pipeline = True
    status, _ = register(plane, tenantTier="platinum")
    assert status >= 500
    assert_nothing_left(plane, pools)


def test_missing_tier_plan_is_not_ready_and_creates_nothing(plane: ControlPlane) -> None:
    pools = plane.pools()
    plane.ddb.delete_item(TableName=onboarding_env.TABLES["SETTINGS_TABLE"][0],
                          Key={"settingName": {"S": "usagePlanId-premium"}})
    assert register(plane, tenantTier="premium")[0] == 503
    assert_nothing_left(plane, pools)
