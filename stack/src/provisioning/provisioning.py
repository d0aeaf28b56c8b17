"""Internal provisioning routes (AWS_IAM): record a silo stack for the pipeline, or remove it."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.exceptions import ClientError
from saas_common import config, ddb, observability, roles, validation
from saas_common.http import HttpError, dispatch, json_body, path_param, response

logger, metrics = observability.tools("TenantProvisioning")
SILO_WAVE = 2  # the pooled stack is wave 1; silo stacks follow it


@functools.cache
def _pipeline() -> Any:
    return boto3.client("codepipeline", region_name=config.region())


def stack_name(tenant_id: str) -> str:
    return f"stack-{tenant_id}"


def _start_pipeline() -> str:
    resp = _pipeline().start_pipeline_execution(name=config.env("PIPELINE_NAME"))
    return str(resp.get("pipelineExecutionId", ""))


def _tenant_id(value: object) -> str:
    if not roles.is_tenant_id(value):
        raise HttpError(400, "tenantId must be 32 hex characters", "InvalidInput")
    return str(value)


def provision(event: dict[str, Any]) -> dict[str, Any]:
    """POST /provisioning: a TenantStackMapping row, then the pipeline deploys every row's stack."""
    body = json_body(event)
    validation.only_fields(body, {"tenantId", "tier"})
    tenant_id = _tenant_id(body.get("tenantId"))
    table, client = config.tenant_stack_mapping_table(), ddb.own_client()
    row = {"tenantId": tenant_id, "stackName": stack_name(tenant_id), "waveNumber": SILO_WAVE,
           "codeCommitId": ""}
    client.put_item(TableName=table, Item=ddb.to_item(row))
    try:
        execution = _start_pipeline()
    except Exception:
        client.delete_item(TableName=table, Key=ddb.to_item({"tenantId": tenant_id}))
        raise
    observability.count(metrics, "StackProvisioned")
    return response(201, {**row, "pipelineExecutionId": execution})


def deprovision(event: dict[str, Any]) -> dict[str, Any]:
    """PUT /provisioning/{tenantid}: drop the row and the routing URL; the pipeline removes the stack."""
    tenant_id = _tenant_id(path_param(event, "tenantid"))
    client = ddb.own_client()
    client.delete_item(TableName=config.tenant_stack_mapping_table(),
                       Key=ddb.to_item({"tenantId": tenant_id}))
    try:
        client.update_item(TableName=config.tenant_details_table(),
                           Key=ddb.to_item({"tenantId": tenant_id}),
                           UpdateExpression="SET apiGatewayUrl = :u",
                           ConditionExpression="attribute_exists(tenantId)",
                           ExpressionAttributeValues=ddb.values({":u": ""}))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
    execution = _start_pipeline()
    observability.count(metrics, "StackDeprovisioned")
    return response(200, {"tenantId": tenant_id, "stackName": stack_name(tenant_id),
                          "pipelineExecutionId": execution})


ROUTES = {
    ("POST", "/provisioning"): provision,
    ("PUT", "/provisioning/{tenantid}"): deprovision,
}


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(event, ROUTES, logger, denied_status=500)
