"""Internal POST /tenant (AWS_IAM): write a tenant's TenantDetails row, routing pooled tiers to the pool."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from saas_common import config, ddb, observability, roles, validation
from saas_common.http import HttpError, dispatch, json_body, response
from tenant_views import tenant_view

logger, metrics = observability.tools("CreateTenant")
FIELDS = frozenset({"tenantId", "tenantName", "address", "email", "phone", "tier", "apiKey",
                    "apiKeyId", "userPoolId", "appClientId", "dedicatedTenancy"})
POOLED_URL_SETTING = "apiGatewayUrl-pooled"


def create_tenant(event: dict[str, Any]) -> dict[str, Any]:
    body = json_body(event)
    validation.only_fields(body, FIELDS)
    tenant_id = body.get("tenantId")
    if not roles.is_tenant_id(tenant_id):
        raise HttpError(400, "tenantId must be 32 hex characters", "InvalidInput")
    tier = validation.tier(body, "tier")
    dedicated = tier == "platinum"
    if body.get("dedicatedTenancy") not in (None, dedicated):
        raise HttpError(400, "dedicatedTenancy must match the tier", "InvalidInput")
    item: dict[str, Any] = {
        "tenantId": tenant_id,
        "tenantName": validation.tenant_name(body),
        "address": validation.text(body, "address", required=False) or "",
        "email": validation.email(body, "email"),
        "phone": validation.text(body, "phone", required=False, max_len=32) or "",
        "tier": tier,
        "apiKey": validation.text(body, "apiKey", max_len=128),
        "apiKeyId": validation.text(body, "apiKeyId", max_len=128),
        "userPoolId": validation.text(body, "userPoolId", max_len=64),
        "appClientId": validation.text(body, "appClientId", max_len=128),
        "dedicatedTenancy": dedicated,
        "isActive": True,
        "apiGatewayUrl": "",
    }
    if not dedicated:
        url = ddb.setting(POOLED_URL_SETTING)
        if url is None:
            raise HttpError(503, "the pooled tenant stack is not deployed yet", "NotReady")
        item["apiGatewayUrl"] = url
    try:
        ddb.own_client().put_item(TableName=config.tenant_details_table(), Item=ddb.to_item(item),
                                  ConditionExpression="attribute_not_exists(tenantId)")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise HttpError(409, "tenant already exists", "TenantExists") from None
        raise
    observability.count(metrics, "TenantCreated")
    return response(201, tenant_view(item))


ROUTES = {("POST", "/tenant"): create_tenant}


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(event, ROUTES, logger, denied_status=500)
