"""The product and order services' shared request handling: caller, data access, item routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from saas_common import config, ddb, items, roles, shards
from saas_common.http import Caller, HttpError, Route, json_body, path_param, response

# Validates a request body (partial=True for PUT) into the fields to store.
Validator = Callable[[dict[str, Any], bool], dict[str, Any]]


def data_client(caller: Caller) -> Any:
    """Pooled stack: the caller's scoped credentials. Silo: the execution role (this tenant only)."""
    served = config.env("TENANT_ID")
    if served == config.POOLED:
        return ddb.scoped_client(caller.credentials)
    if caller.tenant_id != served:
        raise HttpError(403, "this API does not serve your tenant", "Forbidden")
    return ddb.own_client()


def tenant_items(event: dict[str, Any], id_attr: str) -> items.TenantItems:
    caller = Caller.from_event(event)
    if caller.role not in roles.TENANT_ROLES or not roles.is_tenant_id(caller.tenant_id):
        raise HttpError(403, "only tenant users have business data", "Forbidden")
    try:
        client = data_client(caller)
    except PermissionError:
        raise HttpError(403, "no scoped credentials", "Forbidden") from None
    return items.TenantItems(client, config.env("TABLE_NAME"), caller.tenant_id, id_attr)


def item_path(event: dict[str, Any]) -> shards.ItemPath:
    path = shards.parse_item_path(path_param(event, "id"))
    if path is None:
        raise HttpError(400, "id must be '<shardId>:<itemId>'", "InvalidId")
    return path


def make_routes(kind: str, id_attr: str, validate: Validator,
                on_create: Callable[[], None] | None = None) -> dict[tuple[str, str], Route]:
    """GET /{kind}s, POST /{kind}, GET|PUT|DELETE /{kind}/{id} for one business table."""

    def list_items(event: dict[str, Any]) -> dict[str, Any]:
        return response(200, tenant_items(event, id_attr).list())

    def create(event: dict[str, Any]) -> dict[str, Any]:
        fields = validate(json_body(event), False)
        created = tenant_items(event, id_attr).create(fields)
        if on_create is not None:
            on_create()
        return response(201, created)

    def get(event: dict[str, Any]) -> dict[str, Any]:
        path = item_path(event)
        found = tenant_items(event, id_attr).get(path)
        if found is None:
            raise HttpError(404, f"{kind} not found", "NotFound")
        return response(200, found)

    def update(event: dict[str, Any]) -> dict[str, Any]:
        path = item_path(event)
        fields = validate(json_body(event), True)
        updated = tenant_items(event, id_attr).update(path, fields)
        if updated is None:
            raise HttpError(404, f"{kind} not found", "NotFound")
        return response(200, updated)

    def delete(event: dict[str, Any]) -> dict[str, Any]:
        path = item_path(event)
        if not tenant_items(event, id_attr).delete(path):
            raise HttpError(404, f"{kind} not found", "NotFound")
        return response(200, {"message": f"{kind} deleted", "id": str(path)})

    return {
        ("GET", f"/{kind}s"): list_items,
        ("POST", f"/{kind}"): create,
        ("GET", f"/{kind}/{{id}}"): get,
        ("PUT", f"/{kind}/{{id}}"): update,
        ("DELETE", f"/{kind}/{{id}}"): delete,
    }
