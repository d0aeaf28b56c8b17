"""Public user routes: TenantAdmins manage their own tenant's users, the SystemAdmin operations users."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from saas_common import config, ddb, observability, roles, users, validation
from saas_common.http import Caller, HttpError, dispatch, json_body, path_param, query_param, response
from user_access import cognito, find, mapping_key, operations_pool, scoped, tenant_pool

logger, metrics = observability.tools("UserManagement")
CREATE_FIELDS = frozenset({"userName", "userEmail", "userRole", "tenantId"})
UPDATE_FIELDS = frozenset({"userEmail", "userRole"})


def _role(body: dict[str, Any], allowed: frozenset[str], required: bool) -> str | None:
    role = validation.text(body, "userRole", required=required, max_len=32)
    if role is None:
        return None
    if role not in roles.ALL_ROLES:
        raise HttpError(400, f"userRole must be one of {', '.join(sorted(roles.ALL_ROLES))}",
                        "InvalidInput")
    if role not in allowed:
        raise HttpError(403, f"you may not assign the role {role}", "Forbidden")
    return role


def create_user(event: dict[str, Any]) -> dict[str, Any]:
    """POST /user: a TenantAdmin adds users to its tenant; the SystemAdmin adds operations users."""
    caller = Caller.from_event(event)
    body = json_body(event)
    validation.only_fields(body, CREATE_FIELDS)
    if caller.role == roles.SYSTEM_ADMIN:
        if body.get("tenantId") not in (None, roles.OPERATIONS_TENANT_ID):
            raise HttpError(400, "the SystemAdmin creates operations users only", "InvalidInput")
        tenant_id, operations = roles.OPERATIONS_TENANT_ID, True
    elif caller.role == roles.TENANT_ADMIN:
        if body.get("tenantId") not in (None, caller.tenant_id):
            raise HttpError(403, "you may only create users in your own tenant", "Forbidden")
        tenant_id, operations = caller.tenant_id, False
    else:
        raise HttpError(403, "your role may not create users", "Forbidden")
    name = validation.user_name(body.get("userName"))
    if name.lower().startswith(users.TENANT_ADMIN_PREFIX):
        raise HttpError(400, "user names starting with tenant-admin- are reserved", "InvalidInput")
    email = str(validation.email(body, "userEmail"))
    role = str(_role(body, roles.assignable_roles(caller.role, operations), required=True))
    pool_id = operations_pool() if operations else tenant_pool(caller, tenant_id)
    try:
        password = users.create(cognito(), pool_id, name, email, role, tenant_id)
    except ClientError as exc:
        status = users.client_error_status(exc)
        if status is None:
            raise
        raise HttpError(status[0], "the user could not be created", status[1]) from None
    try:
        if not operations:
            cognito().admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName=tenant_id)
        scoped(caller).put_item(TableName=config.tenant_user_mapping_table(),
                                Item=ddb.to_item({"tenantId": tenant_id, "userName": name}))
    except Exception:
        users.quietly(cognito().admin_delete_user, UserPoolId=pool_id, Username=name)
        raise
    observability.count(metrics, "UserCreated")
    out: dict[str, Any] = {"userName": name, "email": email, "userRole": role, "tenantId": tenant_id}
    if password is not None:
        out["password"] = password
    return response(201, out)


def list_users(event: dict[str, Any]) -> dict[str, Any]:
    """GET /users: the caller's tenant; the provider passes ?tenantId= or sees operations users."""
    caller = Caller.from_event(event)
    hint = query_param(event, "tenantId")
    if caller.role in roles.TENANT_ROLES:
        tenant_id = caller.tenant_id
        if hint not in (None, tenant_id):
            raise HttpError(403, "you may only list your own tenant's users", "Forbidden")
    elif roles.is_provider(caller.role):
        tenant_id = hint or roles.OPERATIONS_TENANT_ID
    else:
        raise HttpError(403, "unknown role", "Forbidden")
    if tenant_id == roles.OPERATIONS_TENANT_ID:
        if not roles.is_provider(caller.role):
            raise HttpError(403, "operations users are not yours to list", "Forbidden")
        found = users.pool_users(cognito(), operations_pool())
        return response(200, [users.view(u) for u in found])
    pool_id = tenant_pool(caller, tenant_id)
    views = [users.view(u) for u in users.group_members(cognito(), pool_id, tenant_id)]
    return response(200, [v for v in views if v["tenantId"] == tenant_id])


def _target(event: dict[str, Any], caller: Caller) -> Any:
    name = validation.user_name(path_param(event, "username"), "username")
    target = find(caller, name, query_param(event, "tenantId"))
    if not roles.may_read_users(caller.role, caller.tenant_id, target.tenant_id):
        raise HttpError(404, "user not found", "NotFound")
    return target


def get_user(event: dict[str, Any]) -> dict[str, Any]:
    caller = Caller.from_event(event)
    return response(200, users.view(_target(event, caller).user))


def update_user(event: dict[str, Any]) -> dict[str, Any]:
    """PUT /user/{username}: email and role only, within what the caller may assign."""
    caller = Caller.from_event(event)
    body = json_body(event)
    validation.only_fields(body, UPDATE_FIELDS)
    target = _target(event, caller)
    if not roles.may_write_users(caller.role, caller.tenant_id, target.tenant_id):
        raise HttpError(403, "your role may not change users", "Forbidden")
    email = validation.email(body, "userEmail", required=False)
    role = _role(body, roles.assignable_roles(caller.role, target.operations), required=False)
    if email is None and role is None:
        raise HttpError(400, "nothing to update", "InvalidInput")
    if role is not None and target.name.lower() == caller.user_name.lower():
        raise HttpError(400, "you may not change your own role", "InvalidInput")
    attrs = []
    if email is not None:
        attrs += [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    if role is not None:
        attrs.append({"Name": "custom:userRole", "Value": role})
    cognito().admin_update_user_attributes(UserPoolId=target.pool_id, Username=target.name,
                                           UserAttributes=attrs)
    updated = users.get(cognito(), target.pool_id, target.name) or target.user
    return response(200, users.view(updated))


def delete_user(event: dict[str, Any]) -> dict[str, Any]:
    caller = Caller.from_event(event)
    target = _target(event, caller)
    if not roles.may_write_users(caller.role, caller.tenant_id, target.tenant_id):
        raise HttpError(403, "your role may not delete users", "Forbidden")
    if target.name.lower() == caller.user_name.lower():
        raise HttpError(400, "you may not delete yourself", "InvalidInput")
    scoped(caller).delete_item(TableName=config.tenant_user_mapping_table(),
                               Key=mapping_key(target.tenant_id, target.name))
    cognito().admin_delete_user(UserPoolId=target.pool_id, Username=target.name)
    observability.count(metrics, "UserDeleted")
    return response(200, {"message": "user deleted", "userName": target.name})


ROUTES = {
    ("POST", "/user"): create_user,
    ("GET", "/users"): list_users,
    ("GET", "/user/{username}"): get_user,
    ("PUT", "/user/{username}"): update_user,
    ("DELETE", "/user/{username}"): delete_user,
}


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(event, ROUTES, logger)
