"""The reference SaaS's adapter: how the isolation suites drive stack/ (see docs/ADAPTERS.md)."""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path
from typing import Any

from harness.client.saas import SaasClient
from harness.saas.onboard import TIERS, register_one
from harness.suites.adapter import (
    ApiKind,
    AwsCredentials,
    Credentials,
    InternalRoute,
    KeyScheme,
    RawTable,
    ResourceSpec,
    RoleSpec,
    Route,
    SaasAdapter,
    Target,
    Tenant,
)
from stack.harness_scoped import ScopedAccess

SHARDS = KeyScheme("{tenant_id}-{shard}", tuple(str(n) for n in range(1, 10)))
BY_TENANT = KeyScheme("{tenant_id}")
PLACEHOLDER_ID = "0" * 32
STACK_DIR_ENV = "SAAS_HARNESS_STACK_DIR"
"""Deploy this copy of stack/ instead of stack/ itself (how a changed copy, a mutant, is run)."""


def _crud(name: str, sample: dict[str, Any], update: dict[str, Any]) -> ResourceSpec:
    item = f"/{name}/{{id}}"
    return ResourceSpec(
        name=name, create=Route("POST", f"/{name}", ok_status=201), read=Route("GET", item),
        update=Route("PUT", item), delete=Route("DELETE", item), list=Route("GET", f"/{name}s"),
        tenant_id_in=("id", "token"), table=name.capitalize(), sample=sample, update_sample=update)


RESOURCES = (
    _crud("product", {"name": "widget", "price": 10, "sku": "sku-1", "category": "test"},
          {"name": "widget v2", "price": 11, "sku": "sku-1", "category": "test"}),
    _crud("order", {"orderName": "first", "orderProducts": [{"productId": "p", "quantity": 1,
                                                              "price": 10}]},
          {"orderName": "second", "orderProducts": [{"productId": "p", "quantity": 2, "price": 10}]}),
)

INTERNAL = tuple(InternalRoute(Route(method, path, api="admin"), "aws_iam", {"tenantid": PLACEHOLDER_ID})
                 for method, path in (("POST", "/tenant"), ("POST", "/user/tenant-admin"),
                                      ("PUT", "/users/disable"), ("PUT", "/users/enable"),
                                      ("POST", "/provisioning"), ("PUT", "/provisioning/{tenantid}")))


class ReferenceAdapter(SaasAdapter):
    """stack/: pooled basic/standard/premium, silo platinum; tenant users made by the tenant admin."""

    name = "serverless-saas"
    tiers = TIERS
    roles = (RoleSpec("TenantAdmin", "tenant", True), RoleSpec("TenantUser", "tenant", False),
             RoleSpec("SystemAdmin", "provider", True), RoleSpec("CustomerSupport", "provider", False))

    def __init__(self, stack_dir: Path | None = None) -> None:
        env_dir = os.environ.get(STACK_DIR_ENV)
        self.stack_dir = stack_dir or (Path(env_dir) if env_dir else Path(__file__).resolve().parent)
        self.state: dict[str, Any] = {}
        self._client: SaasClient | None = None
        self._lock = threading.Lock()
        self._users: dict[tuple[str, str], tuple[str, str]] = {}
        self._scoped: ScopedAccess | None = None

    def attach(self, target: Target) -> None:
        if target.embedded is not None:
            from harness.saas.bootstrap import bring_up

            self.state = bring_up(target.embedded, target.work_dir, self.stack_dir).state
        elif "admin_api_url" in target.state:
            self.state = dict(target.state)
        else:
            raise RuntimeError("the reference SaaS is not on this target: start it with `saas-harness up` "
                               "and pass its state file with --saas-state")
        self._client = SaasClient(target.endpoint, self.state["admin_api_url"], target.region)
        if not target.state.get("aws"):  # credentials and policies are read as root: a harness target
            self._scoped = ScopedAccess(target, self.state, self.stack_dir)

    @property
    def client(self) -> SaasClient:
        if self._client is None:
            raise RuntimeError("attach the adapter to a target first")
        return self._client

    def admin_api_url(self) -> str:
        return str(self.state["admin_api_url"])

    def onboard(self, tier: str, name: str | None = None) -> Tenant:
        if tier not in self.tiers:
            raise ValueError(f"unknown tier {tier!r}; tiers are {', '.join(self.tiers)}")
        rec = register_one(self.client, name or f"t{uuid.uuid4().hex[:10]}-{tier}", tier, 180.0)
        return Tenant(rec.id, rec.name, rec.tier, rec.api_url, "silo" if rec.dedicated else "pooled",
                      {"user_pool_id": rec.user_pool_id, "client_id": rec.client_id,
                       "admin_username": rec.admin_username, "admin_password": rec.admin_password})

    def sign_in(self, tenant: Tenant | None, role: str) -> Credentials:
        spec = self.role(role)
        if spec.scope == "provider":
            op = next((o for o in self.state.get("operators", []) if o["role"] == role), None)
            if op is None:
                raise LookupError(f"the target's state has no {role} operator")
            pool = self.state["user_pools"]["operations"]
            return self._tokens(pool["client_id"], op["username"], op["password"], role, None)
        if tenant is None:
            raise ValueError(f"{role} is a tenant role: name its tenant")
        extra = tenant.extra
        if role == "TenantAdmin":
            return self._tokens(extra["client_id"], extra["admin_username"], extra["admin_password"],
                                role, tenant.id)
        username, password = self._tenant_user(tenant, role)
        return self._tokens(extra["client_id"], username, password, role, tenant.id)

    def _tenant_user(self, tenant: Tenant, role: str) -> tuple[str, str]:
        """One user per (tenant, role), created by the tenant admin through POST /user."""
        with self._lock:
            if (tenant.id, role) in self._users:
                return self._users[(tenant.id, role)]
        admin = self.sign_in(tenant, "TenantAdmin")
        username = f"u{uuid.uuid4().hex[:12]}"
        reply = self.client.admin("POST", "/user", token=admin.token, body={
            "userName": username, "userEmail": f"{username}@example.com", "userRole": role})
        if reply.status != 201 or not isinstance(reply.body, dict) or "password" not in reply.body:
            raise RuntimeError(f"creating a {role} in {tenant.name} answered {reply.status}: {reply.body}")
        with self._lock:
            self._users[(tenant.id, role)] = (username, str(reply.body["password"]))
            return self._users[(tenant.id, role)]

    def _tokens(self, client_id: str, username: str, password: str, role: str,
                tenant_id: str | None) -> Credentials:
        t = self.client.sign_in("", client_id, username, password)
        return Credentials(username, role, tenant_id, t.id_token, t.id_token, t.access_token,
                           t.refresh_token)

    def resources(self) -> tuple[ResourceSpec, ...]:
        return RESOURCES

    def raw_tables(self, tenant: Tenant) -> tuple[RawTable, ...]:
        suffix = tenant.id if tenant.placement == "silo" else "pooled"
        tables = self.state["tables"]
        return (
            RawTable("Product", f"Product-{suffix}", "shardId", "productId", SHARDS,
                     tenant.placement == "pooled"),
            RawTable("Order", f"Order-{suffix}", "shardId", "orderId", SHARDS, tenant.placement == "pooled"),
            RawTable("TenantDetails", tables["TenantDetails"], "tenantId", None, BY_TENANT, True),
            RawTable("TenantUserMapping", tables["TenantUserMapping"], "tenantId", "userName", BY_TENANT,
                     True),
        )

    def internal_routes(self) -> tuple[InternalRoute, ...]:
        return INTERNAL

    def tenant_credentials(self, tenant: Tenant, role: str,
                           api: ApiKind = "tenant") -> AwsCredentials | None:
        """What the API's authorizer vends for a `role` user of `tenant` (invoked as root)."""
        if self._scoped is None:
            return None
        return self._scoped.vended(tenant, self.sign_in(tenant, role).token, api)

    def scoped_policy(self, tenant_id: str, role: str, api: ApiKind = "tenant") -> dict[str, Any] | None:
        """saas_common.policies of the deployed stack/ (or of the mutant copy being run)."""
        if self._scoped is None:
            return None
        return self._scoped.policy(tenant_id, role, api)
