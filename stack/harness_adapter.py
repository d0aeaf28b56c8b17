"""The reference SaaS's adapter: how the isolation suites drive stack/ (see docs/ADAPTERS.md)."""

from __future__ import annotations

import os
import threading
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from harness.client.saas import SaasClient
from harness.saas.onboard import TIERS, register_one
from harness.suites.adapter import (
    ApiKind,
    AwsCredentials,
    Binding,
    Credentials,
    HttpMethod,
    InternalRoute,
    KeyScheme,
    RawTable,
    ResourceSpec,
    RoleSpec,
    Route,
    RouteAccess,
    SaasAdapter,
    Target,
    Tenant,
    UsagePlanInfo,
)
from harness.suites.lifecycle import OffboardingSpec, PipelineRun, TenantStack
from stack.harness_lifecycle import Lifecycle
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


SA, CS, TA, TU = "SystemAdmin", "CustomerSupport", "TenantAdmin", "TenantUser"
EVERYONE = frozenset({SA, CS, TA, TU})


def _admin(method: HttpMethod, path: str, allowed: frozenset[str], destructive: bool = False,
           body: dict[str, Any] | None = None, **params: Binding) -> RouteAccess:
    return RouteAccess(Route(method, path, api="admin"), allowed, params, body, destructive)


# The role rules of REFERENCE.md ("Role rules") and stack/layers/python/saas_common/roles.py, as the
# requests a role may make: the subject tenant is pooled, the other tenant another pooled tenant.
ROLE_MATRIX = (
    _admin("GET", "/tenants", frozenset({SA})),
    _admin("GET", "/tenant/{tenantid}", frozenset({SA, CS, TA}), tenantid="own_tenant"),
    _admin("GET", "/tenant/{tenantid}", frozenset({SA, CS}), tenantid="other_tenant"),
    _admin("PUT", "/tenant/{tenantid}", frozenset({SA, TA}), body={"tenantPhone": "+15550100"},
           tenantid="own_tenant"),
    _admin("PUT", "/tenant/{tenantid}", frozenset({SA}), body={"tenantPhone": "+15550100"},
           tenantid="other_tenant"),
    _admin("PUT", "/tenant/activation/{tenantid}", frozenset({SA}), True, tenantid="own_tenant"),
    _admin("DELETE", "/tenant/{tenantid}", frozenset({SA}), True, tenantid="own_tenant"),
    _admin("POST", "/user", frozenset({TA}), body={"userName": "unique", "userEmail": "s5@example.com",
                                                   "userRole": TU}),
    _admin("GET", "/users", EVERYONE),
    _admin("GET", "/user/{username}", EVERYONE, username="own_user"),
    _admin("GET", "/user/{username}", frozenset({SA, CS}), username="other_user"),
    _admin("PUT", "/user/{username}", frozenset({SA, TA}), body={"userEmail": "s5-new@example.com"},
           username="own_user"),
    _admin("PUT", "/user/{username}", frozenset({SA}), body={"userEmail": "s5-new@example.com"},
           username="other_user"),
    _admin("DELETE", "/user/{username}", frozenset({SA, TA}), True, username="own_user"),
    *(RouteAccess(spec.list, frozenset({TA, TU})) for spec in RESOURCES),
    *(RouteAccess(spec.create, frozenset({TA, TU}), body=spec.sample) for spec in RESOURCES),
)
OFFBOARDING = OffboardingSpec(
    data="unreachable", request=_admin("DELETE", "/tenant/{tenantid}", frozenset({SA}), True,
                                       tenantid="own_tenant"))
"""REFERENCE.md's deactivation: isActive=false, users disabled, the API key disabled, a silo stack
removed; a pooled tenant's items stay in the pooled tables, served to no one."""
AUTHORIZER_TTL: dict[ApiKind, float] = {"tenant": 30.0, "admin": 60.0}
"""ReauthorizeEvery of the tenant API's authorizer (tenant-template.yaml) and the admin API's."""


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
        self._target: Target | None = None
        self._roots: dict[str, Any] = {}

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
        if not target.public_only:  # credentials and policies are read as root: a harness target
            self._scoped = ScopedAccess(target, self.state, self.stack_dir)
        self._target = target

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
    def role_matrix(self) -> tuple[RouteAccess, ...]:
        return ROLE_MATRIX

    def authorizer_ttl(self, api: ApiKind = "tenant") -> float | None:
        return AUTHORIZER_TTL[api]

    def _root(self, service: str) -> Any:
        """A provider-side client: the account's `test` keys on a harness target, the user's own
        credentials on an attached stack."""
        import boto3

        if self._target is None:
            raise RuntimeError("attach the adapter to a target first")
        target = self._target
        with self._lock:
            if service not in self._roots:
                if target.public_only:  # an attached stack: the user's own credentials (standard chain)
                    session = boto3.session.Session(profile_name=target.state.get("profile"))
                    self._roots[service] = session.client(service, region_name=target.region,
                                                          endpoint_url=target.endpoint or None)
                else:
                    self._roots[service] = boto3.session.Session().client(
                        service, region_name=target.region, endpoint_url=target.endpoint,
                        aws_access_key_id="test", aws_secret_access_key="test")
            return self._roots[service]

    @property
    def lifecycle(self) -> Lifecycle:
        return Lifecycle(self.state, self.client, self._root)

    def register(self, tier: str, name: str) -> int:
        """POST /registration as given; a Platinum tenant's stack keeps provisioning afterwards."""
        return self.client.register(name, tier).status

    def tenant_stack(self, tenant: Tenant) -> TenantStack | None:
        """TenantStackMapping's row for the tenant (or the pooled row), with its routing URL."""
        return self.lifecycle.tenant_stack(tenant.id, tenant.placement == "silo", tenant.api_url)

    def run_pipeline(self) -> PipelineRun:
        """StartPipelineExecution, wait, then ListActionExecutions for the stacks it deployed."""
        return self.lifecycle.run_pipeline()

    def failing_stack(self, wave: int) -> AbstractContextManager[str]:
        return self.lifecycle.failing_stack(wave)

    def offboarding(self) -> OffboardingSpec:
        return OFFBOARDING

    def offboard(self, tenant: Tenant) -> None:
        """DELETE /tenant/{id} as the SystemAdmin; returns when the pipeline removed a silo stack."""
        self.lifecycle.offboard(tenant.id, self.sign_in(None, SA).token)

    def usage_plan(self, tenant: Tenant) -> UsagePlanInfo | None:
        """The tenant's own API key (TenantDetails' apiKeyId, made at registration) and its plan."""
        details = self._root("dynamodb").get_item(TableName=self.state["tables"]["TenantDetails"],
                                                  Key={"tenantId": {"S": tenant.id}}).get("Item", {})
        key_id = details.get("apiKeyId", {}).get("S")
        if not key_id:
            return None
        plans = self._root("apigateway").get_usage_plans(keyId=key_id).get("items", [])
        if len(plans) != 1:
            return None
        plan = plans[0]
        throttle, quota = plan.get("throttle", {}), plan.get("quota")
        return UsagePlanInfo(float(throttle["rateLimit"]), int(throttle["burstLimit"]),
                             int(quota["limit"]) if quota else None, quota["period"] if quota else None,
                             str(plan["id"]), key_id)

    def disable_user(self, tenant: Tenant | None, username: str) -> bool:
        """AdminDisableUser in the user's pool: the tenant's pool, or the operations pool."""
        operations = self.state["user_pools"]["operations"]["user_pool_id"]
        pool = tenant.extra["user_pool_id"] if tenant else operations
        self._root("cognito-idp").admin_disable_user(UserPoolId=pool, Username=username)
        return True
