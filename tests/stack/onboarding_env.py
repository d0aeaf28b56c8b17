"""A moto-backed control plane for onboarding tests: tables, pools, plans, and in-process internal routes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import provisioning
import tenant_create
import tenant_management
import user_internal
import user_management
from saas_common import cognito_settings, sigv4

from tests.stack.support import REGION, api_event

PREFIX = "ServerlessSaaS"
TABLES = {
    "TENANT_DETAILS_TABLE": (f"{PREFIX}-TenantDetails", [("tenantId", "HASH")],
                             ("tenantName-index", "tenantName")),
    "TENANT_USER_MAPPING_TABLE": (f"{PREFIX}-TenantUserMapping",
                                  [("tenantId", "HASH"), ("userName", "RANGE")],
                                  ("userName-index", "userName")),
    "TENANT_STACK_MAPPING_TABLE": (f"{PREFIX}-TenantStackMapping", [("tenantId", "HASH")], None),
    "SETTINGS_TABLE": (f"{PREFIX}-Settings", [("settingName", "HASH")], None),
}
POOLED_URL = "http://127.0.0.1:4566/restapis/pooledapi/prod/_user_request_"
INTERNAL = {  # the admin API's AWS_IAM routes, served in-process
    ("POST", "user/tenant-admin"): (user_internal, "/user/tenant-admin"),
    ("PUT", "users/disable"): (user_internal, "/users/disable"),
    ("PUT", "users/enable"): (user_internal, "/users/enable"),
    ("POST", "tenant"): (tenant_create, "/tenant"),
    ("POST", "provisioning"): (provisioning, "/provisioning"),
}


def create_table(ddb: Any, name: str, keys: list[tuple[str, str]],
                 index: tuple[str, str] | None) -> None:
    attrs = {k for k, _ in keys} | ({index[1]} if index else set())
    args: dict[str, Any] = {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)],
        "KeySchema": [{"AttributeName": k, "KeyType": t} for k, t in keys],
    }
    if index:
        args["GlobalSecondaryIndexes"] = [{
            "IndexName": index[0], "KeySchema": [{"AttributeName": index[1], "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}]
    ddb.create_table(**args)


@dataclass
class ControlPlane:
    """Handles on the fake AWS account and the calls the internal routes received."""

    ddb: Any
    cognito: Any
    apigw: Any
    pooled_pool: str
    ops_pool: str
    plans: dict[str, str]
    context: Any
    pipeline_runs: list[str] = field(default_factory=list)
    internal_calls: list[tuple[str, str]] = field(default_factory=list)
    fail_pipeline: bool = False

    def internal(self, base: str, method: str, path: str, body: Any = None) -> sigv4.InternalResponse:
        self.internal_calls.append((method, path))
        if method == "PUT" and path.startswith("provisioning/"):
            module, resource, params = provisioning, "/provisioning/{tenantid}", {
                "tenantid": path.split("/", 1)[1]}
        else:
            module, resource = INTERNAL[(method, path)]
            params = None
        event = api_event(method, resource, path_params=params,
                          body=json.dumps(body) if body is not None else None)
        out = module.handler(event, self.context)
        return sigv4.InternalResponse(out["statusCode"], json.loads(out["body"]))

    def start_pipeline_execution(self, name: str) -> dict[str, str]:
        if self.fail_pipeline:
            raise RuntimeError("pipeline unavailable")
        self.pipeline_runs.append(name)
        return {"pipelineExecutionId": f"exec-{len(self.pipeline_runs)}"}

    def item(self, env: str, key: dict[str, str]) -> dict[str, Any] | None:
        table = TABLES[env][0]
        got = self.ddb.get_item(TableName=table, Key={k: {"S": v} for k, v in key.items()})
        return got.get("Item")

    def count(self, env: str) -> int:
        return len(self.ddb.scan(TableName=TABLES[env][0])["Items"])

    def user_names(self, pool: str) -> set[str]:
        return {u["Username"] for u in self.cognito.list_users(UserPoolId=pool)["Users"]}

    def pools(self) -> set[str]:
        return {p["Id"] for p in self.cognito.list_user_pools(MaxResults=60)["UserPools"]}

    def api_keys(self) -> list[dict[str, Any]]:
        return list(self.apigw.get_api_keys(includeValues=True)["items"])

    def handle(self, module: Any, event: dict[str, Any]) -> tuple[int, Any]:
        out = module.handler(event, self.context)
        return out["statusCode"], json.loads(out["body"])


def build(monkeypatch: Any, context: Any) -> ControlPlane:
    """Call inside mock_aws(): the bootstrap stack's resources and environment, minus the API."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    for env, (name, keys, index) in TABLES.items():
        create_table(ddb, name, keys, index)
        monkeypatch.setenv(env, name)
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pools = {}
    for label in ("Pooled", "Operations"):
        pool = cognito.create_user_pool(PoolName=f"{PREFIX}-{label}",
                                        **cognito_settings.POOL)["UserPool"]["Id"]
        client = cognito.create_user_pool_client(UserPoolId=pool, ClientName=label,
                                                 **cognito_settings.CLIENT)
        pools[label] = (pool, client["UserPoolClient"]["ClientId"])
    apigw = boto3.client("apigateway", region_name=REGION)
    plans = {tier: apigw.create_usage_plan(name=tier)["id"] for tier in ("basic", "standard",
                                                                        "premium")}
    settings = {f"usagePlanId-{t}": p for t, p in plans.items()}
    settings["apiGatewayUrl-pooled"] = POOLED_URL
    for name, value in settings.items():
        ddb.put_item(TableName=TABLES["SETTINGS_TABLE"][0],
                     Item={"settingName": {"S": name}, "settingValue": {"S": value}})
    for key, value in {
        "STACK_PREFIX": PREFIX, "POOLED_USER_POOL_ID": pools["Pooled"][0],
        "POOLED_APP_CLIENT_ID": pools["Pooled"][1], "OPERATIONS_USER_POOL_ID": pools["Operations"][0],
        "EXPOSE_TENANT_ADMIN_PASSWORD": "true", "PIPELINE_NAME": "serverless-saas-pipeline",
    }.items():
        monkeypatch.setenv(key, value)
    plane = ControlPlane(ddb, cognito, apigw, pools["Pooled"][0], pools["Operations"][0], plans,
                         context)
    monkeypatch.setattr(sigv4, "call", plane.internal)
    monkeypatch.setattr(provisioning, "_pipeline", lambda: plane)
    for module in (tenant_management, user_management):
        assert module.handler  # imported for the tests that use them
    return plane
