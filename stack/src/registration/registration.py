"""Open POST /registration: validate, then onboard through the internal routes, all or nothing."""

from __future__ import annotations

import uuid
from typing import Any

import onboarding_steps as steps
from saas_common import config, ddb, observability, sigv4, users, validation
from saas_common.http import HttpError, dispatch, json_body, response

logger, metrics = observability.tools("TenantRegistration")
TENANT_NAME_INDEX = "tenantName-index"


def name_taken(name: str) -> bool:
    resp = ddb.own_client().query(
        TableName=config.tenant_details_table(), IndexName=TENANT_NAME_INDEX,
        KeyConditionExpression="tenantName = :n", ExpressionAttributeValues=ddb.values({":n": name}),
        Limit=1)
    return bool(resp.get("Items"))


def register(event: dict[str, Any]) -> dict[str, Any]:
    reg = validation.registration(json_body(event))
    if name_taken(reg.name):
        raise HttpError(400, "a tenant with this name is already registered", "DuplicateTenantName")
    tenant_id = uuid.uuid1().hex
    base = sigv4.admin_api_base(event)
    undo = steps.Undo()
    log_ctx = {"tenantId": tenant_id, "tier": reg.tier}
    try:
        key = steps.create_api_key(tenant_id, reg, undo)
        admin = steps.create_tenant_admin(base, tenant_id, reg, undo)
        details = steps.create_tenant_details(base, tenant_id, reg, key, admin, undo)
        if reg.dedicated:
            steps.provision(base, tenant_id, reg, undo)
    except HttpError as err:
        logger.warning("registration failed; rolling back", extra={**log_ctx, "error": err.message})
        undo.run(logger)
        observability.count(metrics, "RegistrationFailed")
        raise
    except Exception:
        logger.exception("registration failed; rolling back", extra=log_ctx)
        undo.run(logger)
        observability.count(metrics, "RegistrationFailed")
        raise
    observability.count(metrics, "TenantRegistered")
    logger.info("tenant registered", extra=log_ctx)
    body: dict[str, Any] = {
        "message": "Tenant registration success",
        "tenantId": tenant_id,
        "tenantName": reg.name,
        "tenantTier": reg.tier,
        "dedicatedTenancy": reg.dedicated,
        "apiGatewayUrl": details.get("apiGatewayUrl", ""),
        "userPoolId": admin["userPoolId"],
        "appClientId": admin["appClientId"],
        "tenantAdminUserName": admin.get("userName") or users.tenant_admin_name(tenant_id),
    }
    if config.flag("EXPOSE_TENANT_ADMIN_PASSWORD") and admin.get("password"):
        body["tenantAdminPassword"] = admin["password"]
    return response(201, body)


ROUTES = {("POST", "/registration"): register}


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(event, ROUTES, logger, denied_status=500)
