"""Internal user routes (AWS_IAM): create a tenant admin (and a Platinum pool), bulk enable/disable."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.exceptions import ClientError
from saas_common import cognito_settings, config, ddb, observability, roles, users, validation
from saas_common.http import HttpError, dispatch, json_body, response

logger, metrics = observability.tools("UserManagementInternal")


@functools.cache
def _cognito() -> Any:
    return boto3.client("cognito-idp", region_name=config.region())


def tenant_id_of(body: dict[str, Any]) -> str:
    tenant_id = body.get("tenantId")
    if not roles.is_tenant_id(tenant_id):
        raise HttpError(400, "tenantId must be 32 hex characters", "InvalidInput")
    return str(tenant_id)


def create_pool(tenant_id: str) -> tuple[str, str]:
    """A Platinum tenant's own pool and app client, with the pooled pool's schema and settings."""
    name = f"{config.env('STACK_PREFIX', 'ServerlessSaaS')}-{tenant_id}"
    pool = _cognito().create_user_pool(PoolName=name, **cognito_settings.POOL)["UserPool"]
    client = _cognito().create_user_pool_client(
        UserPoolId=pool["Id"], ClientName=f"{name}-client", **cognito_settings.CLIENT)
    return str(pool["Id"]), str(client["UserPoolClient"]["ClientId"])


def create_tenant_admin(event: dict[str, Any]) -> dict[str, Any]:
    """POST /user/tenant-admin: all or nothing; on failure it undoes its own partial work."""
    body = json_body(event)
    validation.only_fields(body, {"tenantId", "tenantEmail", "tenantTier"})
    tenant_id = tenant_id_of(body)
    email = str(validation.email(body, "tenantEmail"))
    dedicated = validation.tier(body) == "platinum"
    cognito, mapping = _cognito(), config.tenant_user_mapping_table()
    name = users.tenant_admin_name(tenant_id)
    pool_id: str | None = None
    try:
        if dedicated:
            pool_id, client_id = create_pool(tenant_id)
        else:
            pool_id, client_id = config.env("POOLED_USER_POOL_ID"), config.env("POOLED_APP_CLIENT_ID")
        cognito.create_group(UserPoolId=pool_id, GroupName=tenant_id)
        password = users.create(cognito, pool_id, name, email, roles.TENANT_ADMIN, tenant_id)
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName=tenant_id)
        ddb.own_client().put_item(TableName=mapping,
                                  Item=ddb.to_item({"tenantId": tenant_id, "userName": name}))
    except ClientError as exc:
        logger.warning("tenant admin creation failed; undoing", extra={"tenantId": tenant_id})
        if pool_id is not None:
            users.remove_tenant_identity(cognito, pool_id, tenant_id, dedicated)
        users.quietly(ddb.own_client().delete_item, TableName=mapping,
                      Key=ddb.to_item({"tenantId": tenant_id, "userName": name}))
        status = users.client_error_status(exc)
        if status is not None:
            raise HttpError(status[0], exc.response["Error"].get("Message", "refused"),
                            status[1]) from None
        raise
    observability.count(metrics, "TenantAdminCreated")
    out = {"tenantId": tenant_id, "userName": name, "userPoolId": pool_id, "appClientId": client_id}
    if password is not None:
        out["password"] = password
    return response(201, out)


def tenant_users(tenant_id: str) -> tuple[str, set[str]]:
    """The tenant's pool and every user name the group or the mapping table knows."""
    tenant = ddb.get(ddb.own_client(), config.tenant_details_table(), {"tenantId": tenant_id})
    if not tenant or not tenant.get("userPoolId"):
        raise HttpError(404, "tenant not found", "NotFound")
    pool_id = str(tenant["userPoolId"])
    names = {str(u["Username"]) for u in users.group_members(_cognito(), pool_id, tenant_id)}
    names |= {str(row["userName"]) for row in ddb.query_all(
        ddb.own_client(), TableName=config.tenant_user_mapping_table(),
        KeyConditionExpression="tenantId = :t", ExpressionAttributeValues=ddb.values({":t": tenant_id}))}
    return pool_id, names


def set_users_enabled(event: dict[str, Any], enabled: bool) -> dict[str, Any]:
    body = json_body(event)
    validation.only_fields(body, {"tenantId"})
    tenant_id = tenant_id_of(body)
    pool_id, names = tenant_users(tenant_id)
    cognito = _cognito()
    for name in sorted(names):
        try:
            if enabled:
                cognito.admin_enable_user(UserPoolId=pool_id, Username=name)
            else:
                cognito.admin_disable_user(UserPoolId=pool_id, Username=name)
                cognito.admin_user_global_sign_out(UserPoolId=pool_id, Username=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "UserNotFoundException":
                raise
    return response(200, {"tenantId": tenant_id, "users": len(names), "enabled": enabled})


ROUTES = {
    ("POST", "/user/tenant-admin"): create_tenant_admin,
    ("PUT", "/users/disable"): lambda event: set_users_enabled(event, False),
    ("PUT", "/users/enable"): lambda event: set_users_enabled(event, True),
}


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(event, ROUTES, logger, denied_status=500)
