"""Open GET /tenant/init/{tenantname}: where a tenant's users sign in and which API serves them."""

from __future__ import annotations

from typing import Any

from saas_common import config, ddb, observability, validation
from saas_common.http import HttpError, dispatch, path_param, response

logger, metrics = observability.tools("TenantInit")
TENANT_NAME_INDEX = "tenantName-index"


def tenant_init(event: dict[str, Any]) -> dict[str, Any]:
    name = path_param(event, "tenantname")
    if validation.TENANT_NAME_RE.fullmatch(name) is None:
        raise HttpError(404, "tenant not found", "NotFound")
    resp = ddb.own_client().query(
        TableName=config.tenant_details_table(), IndexName=TENANT_NAME_INDEX,
        KeyConditionExpression="tenantName = :n", ExpressionAttributeValues=ddb.values({":n": name}),
        Limit=1)
    items = [ddb.from_item(i) or {} for i in resp.get("Items", [])]
    if not items:
        raise HttpError(404, "tenant not found", "NotFound")
    item = items[0]
    return response(200, {
        "tenantName": name,
        "apiGatewayUrl": item.get("apiGatewayUrl", ""),
        "userPoolId": item.get("userPoolId", ""),
        "appClientId": item.get("appClientId", ""),
    })


ROUTES = {("GET", "/tenant/init/{tenantname}"): tenant_init}


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(event, ROUTES, logger, denied_status=500)
