"""Bring the reference SaaS up on a running target: control plane, pooled stack, operators."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.client.saas import strong_password
from harness.deploy import Deployer, FileStackStore
from harness.edge import codepipeline
from harness.saas.layout import (
    BOOTSTRAP_STACK,
    STACK_DIR,
    api_url,
    api_url_format,
    build_version,
)
from harness.saas.pipeline import PipelineContext, TenantPipeline
from harness.target import EmbeddedTarget

OPERATORS = (("saas-admin", "SystemAdmin"), ("saas-support", "CustomerSupport"))


@dataclass
class SaasDeployment:
    """The running SaaS: its pipeline and the state other commands read."""

    pipeline: TenantPipeline
    deployer: Deployer
    state: dict[str, Any]


class BootstrapError(RuntimeError):
    """The SaaS could not be brought up; the message says which step."""


def bring_up(target: EmbeddedTarget, work_dir: Path, stack_dir: Path = STACK_DIR) -> SaasDeployment:
    """Deploy template.yaml, install the pipeline hook, deploy the pooled stack, add operators.

    `stack_dir` is the SaaS's source tree: stack/ itself, or a changed copy of it (a mutant)."""
    t0 = time.perf_counter()
    endpoint = target.endpoint
    api_base = target.api_base  # the harness's data plane, or the upstream's gateway (--gateway native)
    deployer = Deployer(endpoint_url=endpoint, region=target.options.region,
                        store=FileStackStore(work_dir / "stacks"), account=target.upstream.account,
                        transport=target.server.call_app if target.server else None)
    params = {"ApiUrlFormat": api_url_format(api_base), "CognitoJwksBaseUrl": endpoint,
              "ExposeTenantAdminPassword": "true"}
    boot = deployer.deploy(stack_dir / "template.yaml", BOOTSTRAP_STACK, params)
    if not boot.status.endswith("COMPLETE"):
        raise BootstrapError(f"control plane stack {boot.status}")
    out = boot.outputs
    tables = {"TenantStackMapping": out["TenantStackMappingTableName"],
              "TenantDetails": out["TenantDetailsTableName"],
              "TenantUserMapping": out["TenantUserMappingTableName"],
              "Settings": out["SettingsTableName"]}
    ctx = PipelineContext(endpoint=endpoint, admin_api_id=out["AdminApiId"],
                          stack_prefix=out.get("StackPrefix", "ServerlessSaaS"),
                          jwks_base_url=endpoint, tables=tables,
                          dependencies_layer_arn=out["DependenciesLayerArn"], api_base=api_base)
    pipeline = TenantPipeline(deployer, ctx, template=stack_dir / "tenant-template.yaml",
                              name=out.get("PipelineName", "serverless-saas-pipeline"),
                              version=lambda: build_version(stack_dir))
    codepipeline.install(target.edge, pipeline)
    ddb = deployer.client("dynamodb")
    ddb.put_item(TableName=tables["TenantStackMapping"], Item={
        "tenantId": {"S": "pooled"}, "stackName": {"S": "stack-pooled"},
        "waveNumber": {"N": "1"}, "codeCommitId": {"S": ""}})
    run = pipeline.run_now()
    if run.status != "Succeeded":
        raise BootstrapError(f"pooled stack: {run.error or run.status}")
    for name, value in (("userPoolId-pooled", out["PooledUserPoolId"]),
                        ("appClientId-pooled", out["PooledAppClientId"])):
        ddb.put_item(TableName=tables["Settings"], Item={"settingName": {"S": name},
                                                         "settingValue": {"S": value}})
    pooled_url = ddb.get_item(TableName=tables["Settings"],
                              Key={"settingName": {"S": "apiGatewayUrl-pooled"}})["Item"]
    operators = _create_operators(deployer, out["OperationsUserPoolId"])
    state = {
        **target.describe(),
        "admin_api_url": api_url(api_base, out["AdminApiId"], out.get("AdminApiStage", "prod")),
        "pooled_api_url": pooled_url["settingValue"]["S"],
        "user_pools": {
            "operations": {"user_pool_id": out["OperationsUserPoolId"],
                           "client_id": out["OperationsAppClientId"]},
            "pooled": {"user_pool_id": out["PooledUserPoolId"],
                       "client_id": out["PooledAppClientId"]},
        },
        "operators": operators,
        "stacks": {"bootstrap": BOOTSTRAP_STACK, "pooled": "stack-pooled"},
        "tables": tables,
        "pipeline": pipeline.name,
        "build_version": run.version,
        "tenants": [],
        "bootstrap_seconds": round(time.perf_counter() - t0, 3),
    }
    return SaasDeployment(pipeline, deployer, state)


def _create_operators(deployer: Deployer, pool_id: str) -> list[dict[str, str]]:
    """The SaaS provider's own users, who sign in to the operations pool."""
    cognito = deployer.client("cognito-idp")
    made = []
    for username, role in OPERATORS:
        password = strong_password()
        cognito.admin_create_user(
            UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"},
                            {"Name": "email_verified", "Value": "true"},
                            {"Name": "custom:userRole", "Value": role},
                            {"Name": "custom:tenantId", "Value": "system_admins"}])
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=username,
                                        Password=password, Permanent=True)
        made.append({"username": username, "password": password, "role": role})
    return made
