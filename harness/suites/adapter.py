"""The app adapter: the one interface the suites use to drive a multi-tenant app they do not import."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from harness.suites.lifecycle import NotSupported, OffboardingSpec, PipelineRun, TenantStack

if TYPE_CHECKING:
    from harness.target import EmbeddedTarget

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
ApiKind = Literal["tenant", "admin"]
"""Which API a route is served by: the tenant's own API or the provider's shared admin API."""
Placement = Literal["pooled", "silo"]
RoleScope = Literal["tenant", "provider"]
Operation = Literal["create", "read", "update", "delete", "list"]
TenantIdPlace = Literal["path", "body", "response", "id", "token", "header"]
"""Where a tenant id shows: a path parameter, a request body field, a response field, inside the
resource id itself (e.g. '<tenantId>-3:abc'), only in the caller's token, or a request header."""
InternalAuth = Literal["aws_iam", "api_key", "network"]
Binding = Literal["own_tenant", "other_tenant", "own_user", "other_user", "unique"]
"""What a role-matrix path parameter or body value stands for: the subject tenant's id, another
tenant's id, the username of a TenantUser-like user of the subject tenant (or of the other tenant),
or a fresh unique name."""
QuotaPeriod = Literal["DAY", "WEEK", "MONTH"]


@dataclass(frozen=True)
class Target:
    """What the suites run against: an embedded target they own, or one attached by URL or state file."""

    endpoint: str
    region: str = "us-east-1"
    account: str = "123456789012"
    embedded: EmbeddedTarget | None = None
    state: Mapping[str, Any] = field(default_factory=dict)
    work_dir: Path = Path(".harness")

    @property
    def is_embedded(self) -> bool:
        return self.embedded is not None

    @property
    def public_only(self) -> bool:
        """A stack reached through its public APIs and the user's credentials alone (AWS, or
        `--target state FILE`): no root reads, no harness admin API."""
        return bool(self.state.get("aws") or self.state.get("public_apis_only"))


@dataclass(frozen=True)
class RoleSpec:
    """A role the app knows: whether it belongs to a tenant or the provider, and whether it may write."""

    name: str
    scope: RoleScope
    writes: bool


@dataclass(frozen=True)
class Tenant:
    """A tenant as the suites hold it; `extra` is the adapter's own bookkeeping (pools, passwords)."""

    id: str
    name: str
    tier: str
    api_url: str
    placement: Placement
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Credentials:
    """A signed-in user: the bearer token the app's APIs take, and the user's other tokens."""

    username: str
    role: str
    tenant_id: str | None
    token: str
    id_token: str = ""
    access_token: str = ""
    refresh_token: str | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Route:
    """One HTTP route: a path template with `{name}` parameters, and the status meaning success."""

    method: HttpMethod
    path: str
    api: ApiKind = "tenant"
    ok_status: int = 200

    @property
    def params(self) -> tuple[str, ...]:
        """The `{name}` parameters of the path template, in order."""
        out: list[str] = []
        rest = self.path
        while "{" in rest:
            _, _, rest = rest.partition("{")
            name, _, rest = rest.partition("}")
            out.append(name)
        return tuple(out)

    def url(self, base: str, **values: str) -> str:
        """The route's URL under `base`, each parameter percent-encoded (so '/' or '?' stay inside it)."""
        missing = [p for p in self.params if p not in values]
        if missing:
            raise KeyError(f"route {self.method} {self.path} needs {', '.join(missing)}")
        path = self.path
        for name in self.params:
            path = path.replace("{" + name + "}", quote(values[name], safe=""))
        return base.rstrip("/") + path


@dataclass(frozen=True)
class KeyScheme:
    """How a tenant's items are recognised by partition key: `template` over tenant id and shard."""

    template: str = "{tenant_id}"
    shards: tuple[str, ...] = ()

    def partitions(self, tenant_id: str) -> tuple[str, ...]:
        """Every partition key value the tenant's items may have."""
        if "{shard}" not in self.template:
            return (self.template.format(tenant_id=tenant_id),)
        return tuple(self.template.format(tenant_id=tenant_id, shard=s) for s in self.shards)

    def belongs(self, tenant_id: str, partition_value: str) -> bool:
        """Exact membership, so tenant 'ab' never owns tenant 'abc-1''s partition by prefix."""
        return partition_value in self.partitions(tenant_id)


@dataclass(frozen=True)
class RawTable:
    """A table an oracle reads as root: its concrete name, keys, and whose items it holds."""

    logical: str
    name: str
    partition_key: str
    sort_key: str | None
    scheme: KeyScheme
    shared: bool
    """True when several tenants' items sit in this one table (pooled), so the scheme separates them."""


@dataclass(frozen=True)
class ResourceSpec:
    """A tenant-owned resource: its CRUD and list routes and where ids and tenant ids appear."""

    name: str
    create: Route
    read: Route
    update: Route
    delete: Route
    list: Route
    id_param: str = "id"
    """The path parameter of read, update and delete that takes the resource id."""
    id_field: str = "id"
    """The field of a create response (and of each list entry) holding the resource id."""
    list_field: str | None = None
    """The field of the list response holding the entries; None when the response is the list."""
    tenant_id_in: tuple[TenantIdPlace, ...] = ("token",)
    table: str = ""
    """The logical name of the RawTable its items are stored in."""
    sample: Mapping[str, Any] = field(default_factory=dict)
    """A valid create body."""
    update_sample: Mapping[str, Any] = field(default_factory=dict)
    """A valid update body."""

    def route(self, op: Operation) -> Route:
        route: Route = getattr(self, op)
        return route


@dataclass(frozen=True)
class InternalRoute:
    """A route only the provider's own code may call; any tenant or anonymous call must be refused."""

    route: Route
    auth: InternalAuth = "aws_iam"
    sample: Mapping[str, str] = field(default_factory=dict)
    """Values for the route's path parameters when a suite probes it."""


@dataclass(frozen=True)
class AwsCredentials:
    """Temporary AWS credentials, e.g. those an app vends to a tenant's functions."""

    access_key_id: str
    secret_access_key: str
    session_token: str

    def boto_kwargs(self) -> dict[str, str]:
        return {"aws_access_key_id": self.access_key_id, "aws_secret_access_key": self.secret_access_key,
                "aws_session_token": self.session_token}


class TenantIdRefused(ValueError):
    """The app would never issue or scope this tenant id (so no policy exists for it)."""


@dataclass(frozen=True)
class RouteAccess:
    """One cell row of the role matrix: the roles an app lets make this request, all others refused."""

    route: Route
    allowed: frozenset[str]
    params: Mapping[str, Binding] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    """The request body; a string value that is exactly a Binding name is replaced like a parameter."""
    destructive: bool = False
    """True when an allowed call would damage the shared subject (deactivate it, delete its user):
    the suites then only check that the other roles are refused."""


@dataclass(frozen=True)
class UsagePlanInfo:
    """A tenant's throttling identity: its plan's limits and, where the app exposes them, the ids
    GetUsage takes (the usage plan and the tenant's own API key)."""

    rate: float
    burst: int
    quota: int | None = None
    period: QuotaPeriod | None = None
    plan_id: str | None = None
    key_id: str | None = None


class SaasAdapter(abc.ABC):
    """Drives one multi-tenant app for the suites; subclass it for your app (see docs/ADAPTERS.md)."""

    name: str = "app"
    tiers: tuple[str, ...] = ()
    roles: tuple[RoleSpec, ...] = ()

    @abc.abstractmethod
    def attach(self, target: Target) -> None:
        """Make the app reachable on `target`: deploy it on an embedded one, read its state otherwise."""

    @abc.abstractmethod
    def onboard(self, tier: str, name: str | None = None) -> Tenant:
        """Register a new tenant of `tier` through the app's public onboarding, ready to serve."""

    @abc.abstractmethod
    def sign_in(self, tenant: Tenant | None, role: str) -> Credentials:
        """A user of `role` in `tenant` (None for provider roles), created first if the app needs it."""

    @abc.abstractmethod
    def resources(self) -> tuple[ResourceSpec, ...]:
        """The tenant-owned resources and their routes."""

    @abc.abstractmethod
    def raw_tables(self, tenant: Tenant) -> tuple[RawTable, ...]:
        """The tables holding `tenant`'s items, as an oracle reading with root credentials sees them."""

    def api_base(self, tenant: Tenant | None, api: ApiKind = "tenant") -> str:
        """The base URL routes of `api` are joined to; the admin API is the same for every tenant."""
        if api == "admin":
            return self.admin_api_url()
        if tenant is None:
            raise ValueError("the tenant API needs a tenant")
        return tenant.api_url

    def admin_api_url(self) -> str:
        """The provider's shared API; apps without one keep this default."""
        raise LookupError(f"{self.name} has no admin API")

    def apis(self) -> tuple[ApiKind, ...]:
        """The APIs the app serves: the tenant API, and the admin API when `admin_api_url` names one."""
        try:
            self.admin_api_url()
        except LookupError:
            return ("tenant",)
        return ("tenant", "admin")

    def internal_routes(self) -> tuple[InternalRoute, ...]:
        """Provider-only routes; none by default."""
        return ()

    def tenant_credentials(self, tenant: Tenant, role: str,
                           api: ApiKind = "tenant") -> AwsCredentials | None:
        """The AWS credentials the app hands `tenant`'s code when a `role` user calls `api` (what a
        compromised function would hold); None when the app cannot expose them (S3 is skipped)."""
        return None

    def scoped_policy(self, tenant_id: str, role: str, api: ApiKind = "tenant") -> Mapping[str, Any] | None:
        """The session policy the app scopes `tenant_id`'s credentials with on `api`; None when the app
        cannot expose it (S4 is skipped); raises TenantIdRefused for an id the app would never issue."""
        return None

    def role_matrix(self) -> tuple[RouteAccess, ...]:
        """Which roles may make which requests (scenario S5); none declared skips the matrix."""
        return ()

    def usage_plan(self, tenant: Tenant) -> UsagePlanInfo | None:
        """The tenant's usage plan limits and ids (scenario S6); None skips the throttling checks."""
        return None

    def authorizer_ttl(self, api: ApiKind = "tenant") -> float | None:
        """Seconds an authorizer decision is cached on `api` (scenario S7); None when unknown."""
        return None

    def disable_user(self, tenant: Tenant | None, username: str) -> bool:
        """Disable a user the way the provider would (Cognito AdminDisableUser); False if unsupported."""
        return False

    # -- lifecycle (S1, S8, S9): optional; NotSupported (or None) makes the scenario skip --------------
    def register(self, tier: str, name: str) -> int:
        """Send the app's public onboarding request exactly as given (no checks of the adapter's own,
        no waiting for provisioning) and return its HTTP status (S1's refusals)."""
        raise NotSupported(f"{self.name}'s adapter cannot send a raw onboarding request "
                           "(SaasAdapter.register)")

    def tenant_stack(self, tenant: Tenant) -> TenantStack | None:
        """The stack serving `tenant` now (S1 routing, S8, S9); None once it has none."""
        raise NotSupported(f"{self.name}'s adapter does not expose tenant stacks (SaasAdapter.tenant_stack)")

    def run_pipeline(self) -> PipelineRun:
        """Run the app's deployment pipeline once and return when it has finished (S8)."""
        raise NotSupported(f"{self.name}'s adapter cannot run the deployment pipeline "
                           "(SaasAdapter.run_pipeline)")

    def failing_stack(self, wave: int) -> AbstractContextManager[str]:
        """While open, the pipeline has one more stack, in `wave`, whose deployment fails; yields its
        name (S8's failure handling)."""
        raise NotSupported(f"{self.name}'s adapter cannot make a stack deployment fail "
                           "(SaasAdapter.failing_stack)")

    def offboarding(self) -> OffboardingSpec | None:
        """What offboarding does in this app (S9); None skips the offboarding suite."""
        return None

    def offboard(self, tenant: Tenant) -> None:
        """Offboard `tenant` as the provider would, returning when the app has finished (S9)."""
        raise NotSupported(f"{self.name}'s adapter cannot offboard tenants (SaasAdapter.offboard)")

    def role(self, name: str) -> RoleSpec:
        for spec in self.roles:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no role {name!r}; it has {', '.join(r.name for r in self.roles)}")

    def tenant_roles(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.roles if r.scope == "tenant")

    def provider_roles(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.roles if r.scope == "provider")

    def resource(self, name: str) -> ResourceSpec:
        for spec in self.resources():
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no resource {name!r}")

    def close(self) -> None:
        """Release what attach took; nothing by default."""
        return None
