"""The SAM templates: lint clean, only the supported subset, and the facts REFERENCE.md fixes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file
from cfnlint.decode.decode import decode
from saas_common import cognito_settings

STACK = Path(__file__).resolve().parents[2] / "stack"
BOOTSTRAP = STACK / "template.yaml"
TENANT = STACK / "tenant-template.yaml"

ALLOWED_TYPES = {
    "AWS::Serverless::Function", "AWS::Serverless::Api", "AWS::Serverless::LayerVersion",
    "AWS::DynamoDB::Table", "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolGroup", "AWS::IAM::Role", "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlanKey", "AWS::Lambda::Permission",
}
ALLOWED_INTRINSICS = {"Ref", "Fn::Sub", "Fn::GetAtt", "Fn::If", "Fn::Join", "Fn::Select",
                      "Fn::Split", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"}

ADMIN_ROUTES = {  # (method, path) -> authorization
    ("POST", "/registration"): "NONE",
    ("GET", "/tenant/init/{tenantname}"): "NONE",
    ("GET", "/tenants"): "AUTHORIZER",
    ("GET", "/tenant/{tenantid}"): "AUTHORIZER",
    ("PUT", "/tenant/{tenantid}"): "AUTHORIZER",
    ("DELETE", "/tenant/{tenantid}"): "AUTHORIZER",
    ("PUT", "/tenant/activation/{tenantid}"): "AUTHORIZER",
    ("POST", "/user"): "AUTHORIZER",
    ("GET", "/users"): "AUTHORIZER",
    ("GET", "/user/{username}"): "AUTHORIZER",
    ("PUT", "/user/{username}"): "AUTHORIZER",
    ("DELETE", "/user/{username}"): "AUTHORIZER",
    ("POST", "/tenant"): "AWS_IAM",
    ("POST", "/user/tenant-admin"): "AWS_IAM",
    ("PUT", "/users/disable"): "AWS_IAM",
    ("PUT", "/users/enable"): "AWS_IAM",
    ("POST", "/provisioning"): "AWS_IAM",
    ("PUT", "/provisioning/{tenantid}"): "AWS_IAM",
}
TENANT_ROUTES = {(m, p) for m, p in [
    ("GET", "/products"), ("POST", "/product"), ("GET", "/product/{id}"),
    ("PUT", "/product/{id}"), ("DELETE", "/product/{id}"), ("GET", "/orders"),
    ("POST", "/order"), ("GET", "/order/{id}"), ("PUT", "/order/{id}"), ("DELETE", "/order/{id}"),
]}


def load(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    assert not matches, matches
    assert template is not None
    return template


@pytest.fixture(scope="module")
def bootstrap() -> dict[str, Any]:
    return load(BOOTSTRAP)


@pytest.fixture(scope="module")
def tenant() -> dict[str, Any]:
    return load(TENANT)


def intrinsics(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" or key.startswith("Fn::") or (key == "Condition" and
                                                          isinstance(value, str)):
                found.add(key)
            found |= intrinsics(value)
    elif isinstance(node, list):
        for item in node:
            found |= intrinsics(item)
    return found


def api_events(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    events = {}
    for res in template["Resources"].values():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        for event in (res["Properties"].get("Events") or {}).values():
            props = event["Properties"]
            events[(props["Method"].upper(), props["Path"])] = props
    return events


@pytest.mark.parametrize("path", [BOOTSTRAP, TENANT], ids=["template", "tenant-template"])
def test_cfn_lint_passes(path: Path) -> None:
    matches = lint_file(path)
    assert not matches, "\n".join(str(m) for m in matches)


@pytest.mark.parametrize("path", [BOOTSTRAP, TENANT], ids=["template", "tenant-template"])
def test_only_the_supported_resource_types_and_intrinsics(path: Path) -> None:
    template = load(path)
    types = {r["Type"] for r in template["Resources"].values()}
    assert types <= ALLOWED_TYPES, types - ALLOWED_TYPES
    assert intrinsics(template["Resources"]) | intrinsics(template.get("Outputs")) <= ALLOWED_INTRINSICS
    assert template["Transform"] == "AWS::Serverless-2016-10-31"


def test_admin_routes_and_their_authorization(bootstrap: dict[str, Any]) -> None:
    events = api_events(bootstrap)
    assert set(events) == set(ADMIN_ROUTES)
    for route, expected in ADMIN_ROUTES.items():
        auth = events[route].get("Auth") or {}
        got = auth.get("Authorizer", "AUTHORIZER")
        assert got == expected, route
        if expected != "AUTHORIZER":
            assert auth.get("ApiKeyRequired") is False, route


def test_admin_api_authorizer_key_source_and_system_admin_plan(bootstrap: dict[str, Any]) -> None:
    res = bootstrap["Resources"]
    api = res["AdminApi"]["Properties"]
    assert api["ApiKeySourceType"] == "AUTHORIZER"
    assert api["Auth"]["ApiKeyRequired"] is True
    authorizer = api["Auth"]["Authorizers"][api["Auth"]["DefaultAuthorizer"]]
    assert authorizer["FunctionPayloadType"] == "TOKEN"
    assert authorizer["Identity"] == {"Header": "Authorization", "ReauthorizeEvery": 60}
    plan = res["SystemAdminUsagePlan"]["Properties"]
    assert plan["Throttle"] == {"RateLimit": 500, "BurstLimit": 5000}
    assert plan["Quota"] == {"Limit": 10000, "Period": "DAY"}


def test_internal_routes_are_denied_to_all_but_the_control_plane_roles(
        bootstrap: dict[str, Any]) -> None:
    statements = bootstrap["Resources"]["AdminApi"]["Properties"]["Auth"]["ResourcePolicy"][
        "CustomStatements"]
    denied: dict[str, list[str]] = {}
    for stmt in statements:
        if stmt["Effect"] != "Deny":
            continue
        resources = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
        allowed = [r["Fn::GetAtt"][0] for r in
                   stmt["Condition"]["StringNotEquals"]["aws:PrincipalArn"]]
        for resource in resources:
            denied[resource] = allowed
    internal = {f"execute-api:/*/{m}/{p.lstrip('/').replace('{tenantid}', '*')}"
                for (m, p), a in ADMIN_ROUTES.items() if a == "AWS_IAM"}
    assert set(denied) == internal
    assert denied["execute-api:/*/POST/user/tenant-admin"] == ["RegistrationRole"]
    assert denied["execute-api:/*/PUT/users/disable"] == ["TenantManagementRole"]


def test_tenant_routes_api_and_authorizer(tenant: dict[str, Any]) -> None:
    events = api_events(tenant)
    assert set(events) == TENANT_ROUTES
    assert all("Auth" not in props for props in events.values())
    api = tenant["Resources"]["TenantApi"]["Properties"]
    assert api["ApiKeySourceType"] == "AUTHORIZER"
    assert api["Auth"]["ApiKeyRequired"] is True
    authorizer = api["Auth"]["Authorizers"][api["Auth"]["DefaultAuthorizer"]]
    assert authorizer["Identity"] == {"Header": "Authorization", "ReauthorizeEvery": 30}


@pytest.mark.parametrize(("plan", "rate", "burst", "quota", "condition"), [
    ("BasicUsagePlan", 50, 50, 1000, "IsPooled"),
    ("StandardUsagePlan", 75, 100, 3000, "IsPooled"),
    ("PremiumUsagePlan", 100, 200, 5000, "IsPooled"),
    ("PlatinumUsagePlan", 300, 300, 10000, "IsSilo"),
])
def test_tier_usage_plans(tenant: dict[str, Any], plan: str, rate: int, burst: int, quota: int,
                          condition: str) -> None:
    res = tenant["Resources"][plan]
    assert res["Condition"] == condition
    assert res["Properties"]["Throttle"] == {"RateLimit": rate, "BurstLimit": burst}
    assert res["Properties"]["Quota"] == {"Limit": quota, "Period": "DAY"}


def test_silo_binds_the_tenant_key_to_its_platinum_plan(tenant: dict[str, Any]) -> None:
    binding = tenant["Resources"]["TenantApiKeyBinding"]
    assert binding["Type"] == "AWS::ApiGateway::UsagePlanKey"
    assert binding["Properties"]["KeyId"] == {"Ref": "TenantApiKeyId"}
    assert binding["Properties"]["UsagePlanId"] == {"Ref": "PlatinumUsagePlan"}


def test_business_tables_are_named_for_the_session_policy_patterns(tenant: dict[str, Any]) -> None:
    res = tenant["Resources"]
    assert res["ProductTable"]["Properties"]["TableName"] == {"Fn::Sub": "Product-${TenantId}"}
    assert res["OrderTable"]["Properties"]["TableName"] == {"Fn::Sub": "Order-${TenantId}"}


def test_pooled_service_roles_have_no_table_access_of_their_own(tenant: dict[str, Any]) -> None:
    for role in ("ProductServiceRole", "OrderServiceRole"):
        policies = tenant["Resources"][role]["Properties"]["Policies"]
        assert len(policies) == 1 and list(policies[0]) == ["Fn::If"]
        condition, _, when_pooled = policies[0]["Fn::If"]
        assert condition == "IsSilo" and when_pooled == {"Ref": "AWS::NoValue"}


def plain(node: Any) -> Any:
    """Template nodes as plain JSON-ish values, with numbers as the API would take them."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


@pytest.mark.parametrize(("pool", "client"), [("OperationsUserPool", "OperationsUserPoolClient"),
                                              ("PooledUserPool", "PooledUserPoolClient")])
def test_template_pools_match_the_platinum_pool_settings(bootstrap: dict[str, Any], pool: str,
                                                         client: str) -> None:
    res = bootstrap["Resources"]
    pool_props = plain(res[pool]["Properties"])
    for key, value in cognito_settings.POOL.items():
        assert pool_props[key] == value, key
    client_props = plain(res[client]["Properties"])
    for key, value in cognito_settings.CLIENT.items():
        assert client_props[key] == value, key


def test_no_client_may_write_the_tenant_or_role_attributes() -> None:
    assert not {"custom:tenantId", "custom:userRole"} & set(cognito_settings.CLIENT["WriteAttributes"])
    assert {"custom:tenantId", "custom:userRole"} <= set(cognito_settings.CLIENT["ReadAttributes"])
    tenant_attr = next(a for a in cognito_settings.SCHEMA if a["Name"] == "tenantId")
    assert tenant_attr["Mutable"] is False
    flows = set(cognito_settings.CLIENT["ExplicitAuthFlows"])
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"} <= flows


def test_shared_tables_keys_and_indexes(bootstrap: dict[str, Any]) -> None:
    res = bootstrap["Resources"]
    details = res["TenantDetailsTable"]["Properties"]
    index = details["GlobalSecondaryIndexes"][0]
    assert index["KeySchema"] == [{"AttributeName": "tenantName", "KeyType": "HASH"}]
    assert set(index["Projection"]["NonKeyAttributes"]) == {"userPoolId", "appClientId",
                                                            "apiGatewayUrl"}
    mapping = res["TenantUserMappingTable"]["Properties"]
    assert [k["AttributeName"] for k in mapping["KeySchema"]] == ["tenantId", "userName"]
    assert mapping["GlobalSecondaryIndexes"][0]["KeySchema"][0]["AttributeName"] == "userName"
    for name, key in (("TenantStackMappingTable", "tenantId"), ("SettingsTable", "settingName")):
        assert res[name]["Properties"]["KeySchema"] == [{"AttributeName": key, "KeyType": "HASH"}]


def test_access_roles_trust_only_their_authorizer(bootstrap: dict[str, Any],
                                                  tenant: dict[str, Any]) -> None:
    for template, role, authorizer in ((bootstrap, "AdminAccessRole", "SharedAuthorizerRole"),
                                       (tenant, "TenantAccessRole", "TenantAuthorizerRole")):
        trust = template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]
        (stmt,) = trust["Statement"]
        assert stmt["Principal"] == {"AWS": {"Fn::GetAtt": [authorizer, "Arn"]}}
