"""The steps of onboarding one tenant, each paired with its undo, so a failure leaves nothing behind."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import boto3
from saas_common import config, ddb, sigv4, users
from saas_common.http import HttpError
from saas_common.validation import Registration


@functools.cache
def client(service: str) -> Any:
    return boto3.client(service, region_name=config.region())


class Undo:
    """Compensating actions, run newest first; each one is best effort and idempotent."""

    def __init__(self) -> None:
        self._steps: list[tuple[str, Callable[[], Any]]] = []

    def add(self, what: str, fn: Callable[[], Any]) -> None:
        self._steps.append((what, fn))

    def run(self, log: Any = None) -> list[str]:
        failed = []
        for what, fn in reversed(self._steps):
            if not users.quietly(fn):
                failed.append(what)
        if failed and log is not None:
            log.error("rollback steps failed", extra={"steps": failed})
        self._steps.clear()
        return failed


def usage_plan_for(tier: str) -> str:
    """The pooled tier's plan id, which the pipeline wrote to Settings when the pooled stack came up."""
    plan = ddb.setting(f"usagePlanId-{tier}")
    if plan is None:
        raise HttpError(503, f"no usage plan for tier {tier} yet (pooled stack not deployed)",
                        "NotReady")
    return plan


def create_api_key(tenant_id: str, reg: Registration, undo: Undo) -> dict[str, str]:
    """A key per tenant (its throttling identity); pooled tiers bind it to their tier's plan here,
    a silo stack binds it to its own Platinum plan when the pipeline deploys it."""
    plan = None if reg.dedicated else usage_plan_for(reg.tier)
    apigw = client("apigateway")
    key = apigw.create_api_key(name=f"{config.env('STACK_PREFIX', 'ServerlessSaaS')}-{tenant_id}",
                               description=f"API key of tenant {tenant_id}", enabled=True)
    undo.add("delete API key", lambda: apigw.delete_api_key(apiKey=key["id"]))
    if plan is not None:
        apigw.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
        # Unbind explicitly: no API reference promises DeleteApiKey drops the plan binding.
        undo.add("unbind API key", lambda: apigw.delete_usage_plan_key(usagePlanId=plan,
                                                                       keyId=key["id"]))
    return {"id": str(key["id"]), "value": str(key["value"])}


def _find_pool(tenant_id: str) -> str | None:
    """A Platinum pool whose creation outcome is unknown (the call timed out), found by its name."""
    name = f"{config.env('STACK_PREFIX', 'ServerlessSaaS')}-{tenant_id}"
    kwargs: dict[str, Any] = {"MaxResults": 60}
    while True:
        resp = client("cognito-idp").list_user_pools(**kwargs)
        for pool in resp.get("UserPools", []):
            if pool.get("Name") == name:
                return str(pool["Id"])
        if not resp.get("NextToken"):
            return None
        kwargs["NextToken"] = resp["NextToken"]


def _remove_admin(tenant_id: str, dedicated: bool, pool_id: str | None) -> None:
    if pool_id is None:
        pool_id = _find_pool(tenant_id) if dedicated else config.env("POOLED_USER_POOL_ID")
    if pool_id is not None:
        users.remove_tenant_identity(client("cognito-idp"), pool_id, tenant_id, dedicated)
    ddb.own_client().delete_item(
        TableName=config.tenant_user_mapping_table(),
        Key=ddb.to_item({"tenantId": tenant_id, "userName": users.tenant_admin_name(tenant_id)}))


def _call(base: str, method: str, path: str, body: Any, what: str) -> dict[str, Any]:
    try:
        resp = sigv4.call(base, method, path, body)
    except sigv4.InternalCallFailed as exc:
        raise HttpError(502, f"{what} did not answer", "InternalCallFailed") from exc
    return sigv4.expect_ok(resp, what)


def create_tenant_admin(base: str, tenant_id: str, reg: Registration, undo: Undo) -> dict[str, Any]:
    """POST /user/tenant-admin (undoes itself when it answers an error; we undo it afterwards)."""
    holder: dict[str, str] = {}
    undo.add("remove tenant admin",
             lambda: _remove_admin(tenant_id, reg.dedicated, holder.get("pool")))
    out = _call(base, "POST", "user/tenant-admin",
                {"tenantId": tenant_id, "tenantEmail": reg.email, "tenantTier": reg.tier},
                "creating the tenant admin")
    if not out.get("userPoolId") or not out.get("appClientId"):
        raise HttpError(502, "tenant admin creation answered without a pool", "InternalCallFailed")
    holder["pool"] = str(out["userPoolId"])
    return out


def create_tenant_details(base: str, tenant_id: str, reg: Registration, key: dict[str, str],
                          admin: dict[str, Any], undo: Undo) -> dict[str, Any]:
    undo.add("delete tenant details", lambda: ddb.own_client().delete_item(
        TableName=config.tenant_details_table(), Key=ddb.to_item({"tenantId": tenant_id})))
    return _call(base, "POST", "tenant", {
        "tenantId": tenant_id, "tenantName": reg.name, "address": reg.address,
        "email": reg.email, "phone": reg.phone, "tier": reg.tier, "apiKey": key["value"],
        "apiKeyId": key["id"], "userPoolId": admin["userPoolId"],
        "appClientId": admin["appClientId"], "dedicatedTenancy": reg.dedicated,
    }, "creating the tenant")


def provision(base: str, tenant_id: str, reg: Registration, undo: Undo) -> dict[str, Any]:
    undo.add("delete stack mapping", lambda: ddb.own_client().delete_item(
        TableName=config.tenant_stack_mapping_table(), Key=ddb.to_item({"tenantId": tenant_id})))
    return _call(base, "POST", "provisioning", {"tenantId": tenant_id, "tier": reg.tier},
                 "provisioning")
