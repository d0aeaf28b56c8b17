"""Public tenant routes: read and update a tenant, list them, activate and deactivate (offboard)."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.exceptions import ClientError
from saas_common import config, ddb, observability, roles, sigv4, validation
from saas_common.http import Caller, HttpError, dispatch, json_body, path_param, response
from tenant_views import tenant_view

logger, metrics = observability.tools("TenantManagement")
UPDATABLE = {"tenantEmail": "email", "tenantPhone": "phone", "tenantAddress": "address"}


def _tenant_id(event: dict[str, Any]) -> str:
    tenant_id = path_param(event, "tenantid")
    if not roles.is_tenant_id(tenant_id):
        raise HttpError(404, "tenant not found", "NotFound")
    return tenant_id


def _scoped(caller: Caller) -> Any:
    try:
        return ddb.scoped_client(caller.credentials)
    except PermissionError:
        raise HttpError(403, "no scoped credentials", "Forbidden") from None


def _update(caller: Caller, tenant_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """UpdateItem as the caller; a missing tenant is a 404, never a silent create."""
    names = {f"#f{i}": k for i, k in enumerate(fields)}
    vals = {f":v{i}": v for i, v in enumerate(fields.values())}
    try:
        resp = _scoped(caller).update_item(
            TableName=config.tenant_details_table(), Key=ddb.to_item({"tenantId": tenant_id}),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
            ExpressionAttributeNames=names, ExpressionAttributeValues=ddb.values(vals),
            ConditionExpression="attribute_exists(tenantId)", ReturnValues="ALL_NEW")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise HttpError(404, "tenant not found", "NotFound") from None
        raise
    return ddb.from_item(resp.get("Attributes")) or {}


def list_tenants(event: dict[str, Any]) -> dict[str, Any]:
    caller = Caller.from_event(event)
    if not roles.may_list_tenants(caller.role):
        raise HttpError(403, "only the SystemAdmin lists tenants", "Forbidden")
    items = ddb.scan_all(_scoped(caller), TableName=config.tenant_details_table())
    return response(200, [tenant_view(i) for i in items])


def get_tenant(event: dict[str, Any]) -> dict[str, Any]:
    caller = Caller.from_event(event)
    tenant_id = _tenant_id(event)
    if not roles.may_read_tenant(caller.role, caller.tenant_id, tenant_id):
        raise HttpError(403, "you may not read this tenant", "Forbidden")
    item = ddb.get(_scoped(caller), config.tenant_details_table(), {"tenantId": tenant_id})
    if item is None:
        raise HttpError(404, "tenant not found", "NotFound")
    return response(200, tenant_view(item))


def update_tenant(event: dict[str, Any]) -> dict[str, Any]:
    """PUT /tenant/{id}: contact details only; tier, keys, pools and activation are not editable here."""
    caller = Caller.from_event(event)
    tenant_id = _tenant_id(event)
    if not roles.may_update_tenant(caller.role, caller.tenant_id, tenant_id):
        raise HttpError(403, "you may not update this tenant", "Forbidden")
    body = json_body(event)
    validation.only_fields(body, set(UPDATABLE))
    values = {
        "email": validation.email(body, "tenantEmail", required=False),
        "phone": validation.text(body, "tenantPhone", required=False, max_len=32,
                                 pattern=validation.PHONE_RE),
        "address": validation.text(body, "tenantAddress", required=False),
    }
    fields = {k: v for k, v in values.items() if v is not None}
    if not fields:
        raise HttpError(400, "nothing to update", "InvalidInput")
    return response(200, tenant_view(_update(caller, tenant_id, fields)))


def _internal(event: dict[str, Any], method: str, path: str, body: Any, what: str) -> None:
    try:
        resp = sigv4.call(sigv4.admin_api_base(event), method, path, body)
    except sigv4.InternalCallFailed as exc:
        raise HttpError(502, f"{what} did not answer", "InternalCallFailed") from exc
    sigv4.expect_ok(resp, what)


@functools.cache
def _apigateway() -> Any:
    return boto3.client("apigateway", region_name=config.region())


def set_api_key_enabled(item: dict[str, Any], enabled: bool) -> None:
    """The tenant's own API key (its usage identity): a disabled key admits no request, even one a
    cached authorizer decision still allows."""
    key_id = item.get("apiKeyId")
    if not key_id:
        return
    try:
        _apigateway().update_api_key(apiKey=str(key_id), patchOperations=[
            {"op": "replace", "path": "/enabled", "value": "true" if enabled else "false"}])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NotFoundException":
            raise


def deactivate_tenant(event: dict[str, Any]) -> dict[str, Any]:
    """DELETE /tenant/{id}: isActive=false, disable its API key and users, remove a silo stack."""
    caller = Caller.from_event(event)
    if not roles.may_change_activation(caller.role):
        raise HttpError(403, "only the SystemAdmin deactivates tenants", "Forbidden")
    tenant_id = _tenant_id(event)
    item = _update(caller, tenant_id, {"isActive": False})
    set_api_key_enabled(item, False)
    _internal(event, "PUT", "users/disable", {"tenantId": tenant_id}, "disabling users")
    if item.get("dedicatedTenancy") is True:
        _internal(event, "PUT", f"provisioning/{tenant_id}", None, "deprovisioning")
    observability.count(metrics, "TenantDeactivated")
    return response(200, {"message": "tenant deactivated", "tenantId": tenant_id})


def activate_tenant(event: dict[str, Any]) -> dict[str, Any]:
    """PUT /tenant/activation/{id}: isActive=true, enable its API key and users, provision a silo
    stack again."""
    caller = Caller.from_event(event)
    if not roles.may_change_activation(caller.role):
        raise HttpError(403, "only the SystemAdmin activates tenants", "Forbidden")
    tenant_id = _tenant_id(event)
    item = _update(caller, tenant_id, {"isActive": True})
    set_api_key_enabled(item, True)
    _internal(event, "PUT", "users/enable", {"tenantId": tenant_id}, "enabling users")
    if item.get("dedicatedTenancy") is True:
        _internal(event, "POST", "provisioning", {"tenantId": tenant_id}, "provisioning")
    observability.count(metrics, "TenantActivated")
    return response(200, {"message": "tenant activated", "tenantId": tenant_id})


ROUTES = {
    ("GET", "/tenants"): list_tenants,
    ("GET", "/tenant/{tenantid}"): get_tenant,
    ("PUT", "/tenant/{tenantid}"): update_tenant,
    ("DELETE", "/tenant/{tenantid}"): deactivate_tenant,
    ("PUT", "/tenant/activation/{tenantid}"): activate_tenant,
}


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(event, ROUTES, logger)
