"""Both authorizer handlers end to end against moto: pools, routing, activity, API keys, credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import shared_authorizer
import tenant_authorizer
from moto import mock_aws
from saas_common import jwt_verify, roles

from tests.stack.support import ACCOUNT, REGION, TENANT_A, TENANT_B
from tests.stack.test_stack_tokens import CLIENT, JWKS, OTHER_KEY, OTHER_POOL, POOL, token

DETAILS = "ServerlessSaaS-TenantDetails"
OPS_ISS = f"https://cognito-idp.{REGION}.amazonaws.com/{OTHER_POOL}"


def method_arn(api: str = "tenantapi", verb: str = "GET", path: str = "products") -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/prod/{verb}/{path}"


@pytest.fixture
def aws(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(TableName=DETAILS, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "tenantId", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "tenantId", "KeyType": "HASH"}])
        for tenant, dedicated, active in ((TENANT_A, False, True), (TENANT_B, True, True)):
            ddb.put_item(TableName=DETAILS, Item={
                "tenantId": {"S": tenant}, "userPoolId": {"S": POOL}, "appClientId": {"S": CLIENT},
                "apiKey": {"S": f"key-{tenant[:4]}"}, "dedicatedTenancy": {"BOOL": dedicated},
                "isActive": {"BOOL": active}})
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="access", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        key = boto3.client("apigateway", region_name=REGION).create_api_key(name="sys", enabled=True)
        monkeypatch.setenv("TENANT_DETAILS_TABLE", DETAILS)
        monkeypatch.setenv("TENANT_USER_MAPPING_TABLE", "ServerlessSaaS-TenantUserMapping")
        monkeypatch.setenv("ACCESS_ROLE_ARN", role)
        monkeypatch.setenv("OPERATIONS_USER_POOL_ID", OTHER_POOL)
        monkeypatch.setenv("OPERATIONS_APP_CLIENT_ID", "opsclient")
        monkeypatch.setenv("SYSTEM_ADMIN_API_KEY_ID", key["id"])
        fake = jwt_verify.JwksCache(fetch=lambda pool: JWKS[pool])
        monkeypatch.setattr(tenant_authorizer, "JWKS", fake)
        monkeypatch.setattr(shared_authorizer, "JWKS", fake)
        yield {"ddb": ddb, "system_key": key["value"]}


def run(module: Any, tok: str, arn: str, lambda_context: Any) -> dict[str, Any]:
    return dict(module.handler({"type": "TOKEN", "authorizationToken": f"Bearer {tok}",
                                "methodArn": arn}, lambda_context))


def effect(out: dict[str, Any]) -> str:
    return str(out["policyDocument"]["Statement"][0]["Effect"])


def test_pooled_api_allows_a_pooled_tenant_and_vends_scoped_credentials(
        aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, lambda_context: Any) -> None:
    monkeypatch.setenv("TENANT_ID", "pooled")
    out = run(tenant_authorizer, token(), method_arn(), lambda_context)
    assert effect(out) == "Allow"
    assert out["usageIdentifierKey"] == f"key-{TENANT_A[:4]}"
    ctx = out["context"]
    assert ctx["tenantId"] == TENANT_A and ctx["userRole"] == roles.TENANT_ADMIN
    assert ctx["accesskey"] and ctx["secretkey"] and ctx["sessiontoken"]
    json.dumps(out)


def test_pooled_api_denies_a_dedicated_tenant(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                             lambda_context: Any) -> None:
    monkeypatch.setenv("TENANT_ID", "pooled")
    out = run(tenant_authorizer, token(**{"custom:tenantId": TENANT_B}), method_arn(),
              lambda_context)
    assert effect(out) == "Deny"


def test_silo_api_serves_exactly_its_tenant(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                           lambda_context: Any) -> None:
    monkeypatch.setenv("TENANT_ID", TENANT_B)
    assert effect(run(tenant_authorizer, token(**{"custom:tenantId": TENANT_B}), method_arn(),
                      lambda_context)) == "Allow"
    assert effect(run(tenant_authorizer, token(), method_arn(), lambda_context)) == "Deny"


def test_inactive_tenant_is_denied(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                   lambda_context: Any) -> None:
    monkeypatch.setenv("TENANT_ID", "pooled")
    aws["ddb"].update_item(TableName=DETAILS, Key={"tenantId": {"S": TENANT_A}},
                           UpdateExpression="SET isActive = :f",
                           ExpressionAttributeValues={":f": {"BOOL": False}})
    assert effect(run(tenant_authorizer, token(), method_arn(), lambda_context)) == "Deny"
    assert effect(run(shared_authorizer, token(), method_arn("adminapi", "GET", "users"),
                      lambda_context)) == "Deny"


@pytest.mark.parametrize("changes", [
    {"aud": "otherclient"}, {"token_use": "access"}, {"custom:tenantId": "f" * 32},
    {"custom:userRole": roles.SYSTEM_ADMIN},
])
def test_tenant_authorizer_answers_401_for_bad_tokens(aws: dict[str, Any], changes: dict[str, Any],
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      lambda_context: Any) -> None:
    monkeypatch.setenv("TENANT_ID", "pooled")
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        run(tenant_authorizer, token(**changes), method_arn(), lambda_context)


def test_shared_authorizer_gives_the_system_admin_its_plan_key(aws: dict[str, Any],
                                                               lambda_context: Any) -> None:
    ops = token(key=OTHER_KEY, kid="kid-2", iss=OPS_ISS, aud="opsclient",
                **{"custom:userRole": roles.SYSTEM_ADMIN,
                   "custom:tenantId": roles.OPERATIONS_TENANT_ID})
    out = run(shared_authorizer, ops, method_arn("adminapi", "GET", "tenants"), lambda_context)
    assert effect(out) == "Allow"
    assert out["usageIdentifierKey"] == aws["system_key"]
    assert out["context"]["userRole"] == roles.SYSTEM_ADMIN


def test_shared_authorizer_role_rules_for_a_tenant_user(aws: dict[str, Any],
                                                        lambda_context: Any) -> None:
    out = run(shared_authorizer, token(**{"custom:userRole": roles.TENANT_USER}),
              method_arn("adminapi", "GET", "users"), lambda_context)
    resources = [r for s in out["policyDocument"]["Statement"] for r in s["Resource"]]
    assert all(r.split("/prod/")[1] in ("GET/users", "GET/user/*") for r in resources)
    assert out["usageIdentifierKey"] == f"key-{TENANT_A[:4]}"


def test_shared_authorizer_refuses_an_operations_token_claiming_a_tenant_role(
        aws: dict[str, Any], lambda_context: Any) -> None:
    forged = token(key=OTHER_KEY, kid="kid-2", iss=OPS_ISS, aud="opsclient")
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        run(shared_authorizer, forged, method_arn("adminapi"), lambda_context)
