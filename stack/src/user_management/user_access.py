"""Finding the user a request is about, within what the caller may see: the user-route guard."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import boto3
from saas_common import config, ddb, roles, users
from saas_common.http import Caller, HttpError

USER_NAME_INDEX = "userName-index"


@functools.cache
def cognito() -> Any:
    return boto3.client("cognito-idp", region_name=config.region())


def scoped(caller: Caller) -> Any:
    """DynamoDB as the caller: the session policy confines tenant callers to their own rows."""
    try:
        return ddb.scoped_client(caller.credentials)
    except PermissionError:
        raise HttpError(403, "no scoped credentials", "Forbidden") from None


@dataclass(frozen=True)
class Target:
    """A user and where it lives."""

    pool_id: str
    tenant_id: str
    operations: bool
    user: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.user.get("Username", ""))


def operations_pool() -> str:
    return config.env("OPERATIONS_USER_POOL_ID")


def tenant_pool(caller: Caller, tenant_id: str) -> str:
    """A tenant's pool: the caller's own from the authorizer, any other from TenantDetails."""
    if caller.role in roles.TENANT_ROLES and tenant_id == caller.tenant_id and caller.user_pool_id:
        return caller.user_pool_id
    if not roles.is_tenant_id(tenant_id):
        raise HttpError(404, "tenant not found", "NotFound")
    item = ddb.get(scoped(caller), config.tenant_details_table(), {"tenantId": tenant_id})
    if not item or not item.get("userPoolId"):
        raise HttpError(404, "tenant not found", "NotFound")
    return str(item["userPoolId"])


def _load(pool_id: str, tenant_id: str, operations: bool, user_name: str) -> Target:
    user = users.get(cognito(), pool_id, user_name)
    if user is None:
        raise HttpError(404, "user not found", "NotFound")
    if not operations and users.attributes(user).get("custom:tenantId") != tenant_id:
        raise HttpError(404, "user not found", "NotFound")
    return Target(pool_id, tenant_id, operations, user)


def find(caller: Caller, user_name: str, tenant_hint: str | None) -> Target:
    """Tenant callers look only in their own tenant; the provider may name a tenant or search."""
    if caller.role in roles.TENANT_ROLES:
        if tenant_hint not in (None, caller.tenant_id):
            raise HttpError(404, "user not found", "NotFound")
        return _load(tenant_pool(caller, caller.tenant_id), caller.tenant_id, False, user_name)
    if not roles.is_provider(caller.role):
        raise HttpError(403, "unknown role", "Forbidden")
    if tenant_hint == roles.OPERATIONS_TENANT_ID:
        return _load(operations_pool(), roles.OPERATIONS_TENANT_ID, True, user_name)
    if tenant_hint is not None:
        return _load(tenant_pool(caller, tenant_hint), tenant_hint, False, user_name)
    rows = list(ddb.query_all(
        scoped(caller), TableName=config.tenant_user_mapping_table(), IndexName=USER_NAME_INDEX,
        KeyConditionExpression="userName = :u", ExpressionAttributeValues=ddb.values({":u": user_name})))
    tenants = sorted({str(r["tenantId"]) for r in rows} - {roles.OPERATIONS_TENANT_ID})
    if len(tenants) > 1:
        raise HttpError(409, "user name exists in several tenants; pass ?tenantId=", "Ambiguous")
    if tenants:
        return _load(tenant_pool(caller, tenants[0]), tenants[0], False, user_name)
    return _load(operations_pool(), roles.OPERATIONS_TENANT_ID, True, user_name)


def mapping_key(tenant_id: str, user_name: str) -> dict[str, Any]:
    return ddb.to_item({"tenantId": tenant_id, "userName": user_name})
