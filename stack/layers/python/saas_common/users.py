"""Cognito user operations the control-plane functions share (create, view, list, clean up)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from saas_common import cognito_settings, config

TENANT_ADMIN_PREFIX = "tenant-admin-"
_CLIENT_ERRORS = {  # Cognito error code -> (HTTP status, our error code)
    "UsernameExistsException": (409, "UserExists"),
    "UserNotFoundException": (404, "NotFound"),
    "InvalidParameterException": (400, "InvalidInput"),
    "InvalidPasswordException": (400, "InvalidInput"),
    "AliasExistsException": (409, "UserExists"),
}


def tenant_admin_name(tenant_id: str) -> str:
    return f"{TENANT_ADMIN_PREFIX}{tenant_id}"


def client_error_status(exc: ClientError) -> tuple[int, str] | None:
    """The 4xx a Cognito error means for our caller, or None for a genuine failure."""
    return _CLIENT_ERRORS.get(exc.response.get("Error", {}).get("Code", ""))


def attributes(user: dict[str, Any]) -> dict[str, str]:
    raw = user.get("Attributes") or user.get("UserAttributes") or []
    return {a["Name"]: a.get("Value", "") for a in raw}


def view(user: dict[str, Any]) -> dict[str, Any]:
    """A user as the API shows it."""
    attrs = attributes(user)
    return {
        "userName": user.get("Username"),
        "email": attrs.get("email", ""),
        "userRole": attrs.get("custom:userRole", ""),
        "tenantId": attrs.get("custom:tenantId", ""),
        "enabled": bool(user.get("Enabled", True)),
        "status": user.get("UserStatus", ""),
    }


def create(cognito: Any, pool_id: str, user_name: str, email: str, role: str,
           tenant_id: str) -> str | None:
    """Create a user with its role and (immutable) tenant id; the password when it is exposed.

    With EXPOSE_TENANT_ADMIN_PASSWORD=true (a harness knob) no invitation is sent and a generated
    permanent password is set and returned; otherwise Cognito emails a temporary password.
    """
    expose = config.flag("EXPOSE_TENANT_ADMIN_PASSWORD")
    args: dict[str, Any] = {
        "UserPoolId": pool_id, "Username": user_name,
        "UserAttributes": [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:userRole", "Value": role},
            {"Name": "custom:tenantId", "Value": tenant_id},
        ],
        "DesiredDeliveryMediums": ["EMAIL"],
    }
    if expose:
        args["MessageAction"] = "SUPPRESS"
    cognito.admin_create_user(**args)
    if not expose:
        return None
    password = cognito_settings.generate_password()
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=user_name, Password=password,
                                    Permanent=True)
    return password


def group_members(cognito: Any, pool_id: str, group: str) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "GroupName": group, "Limit": 60}
    while True:
        resp = cognito.list_users_in_group(**kwargs)
        yield from resp.get("Users", [])
        if not resp.get("NextToken"):
            return
        kwargs["NextToken"] = resp["NextToken"]


def pool_users(cognito: Any, pool_id: str) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": 60}
    while True:
        resp = cognito.list_users(**kwargs)
        yield from resp.get("Users", [])
        if not resp.get("PaginationToken"):
            return
        kwargs["PaginationToken"] = resp["PaginationToken"]


def get(cognito: Any, pool_id: str, user_name: str) -> dict[str, Any] | None:
    try:
        return dict(cognito.admin_get_user(UserPoolId=pool_id, Username=user_name))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
            return None
        raise


def quietly(fn: Any, *args: Any, **kwargs: Any) -> bool:
    """Best-effort cleanup step: True when it ran, False when it failed (already gone, ...)."""
    try:
        fn(*args, **kwargs)
    except Exception:
        return False
    return True


def remove_tenant_identity(cognito: Any, pool_id: str, tenant_id: str, dedicated: bool) -> None:
    """Undo the tenant admin: the user and group, and the whole pool when it is the tenant's own."""
    if dedicated:
        quietly(cognito.delete_user_pool, UserPoolId=pool_id)
        return
    quietly(cognito.admin_delete_user, UserPoolId=pool_id, Username=tenant_admin_name(tenant_id))
    quietly(cognito.delete_group, UserPoolId=pool_id, GroupName=tenant_id)
