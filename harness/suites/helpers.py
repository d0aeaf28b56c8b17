"""Scenario-facing helpers over an adapter: tenants by tier, signed-in users, attacker, oracle, clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config

from harness.suites import attempts, repro
from harness.suites.adapter import RawTable, ResourceSpec, Route, SaasAdapter, Target, Tenant
from harness.suites.client import ApiClient, SignedInClient

_ROOT_CFG = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60)


class TenantFactory:
    """Tenants of a tier: `get` shares one per tier in a session (onboarding is slow), `fresh` never."""

    def __init__(self, adapter: SaasAdapter) -> None:
        self.adapter = adapter
        self._shared: dict[str, Tenant] = {}
        self._lock = threading.Lock()
        self.made: list[Tenant] = []

    def get(self, tier: str) -> Tenant:
        """The session's shared tenant of `tier`; use it only for tests that leave it as they found it."""
        with self._lock:
            if tier not in self._shared:
                self._shared[tier] = self._onboard(tier, None)
            return self._shared[tier]

    def fresh(self, tier: str, name: str | None = None) -> Tenant:
        """A tenant no other test has seen."""
        return self._onboard(tier, name)

    def _onboard(self, tier: str, name: str | None) -> Tenant:
        tenant = self.adapter.onboard(tier, name)
        self.made.append(tenant)
        return tenant


class Users:
    """Signed-in clients per (tenant, role), signed in once per session."""

    def __init__(self, adapter: SaasAdapter, http: ApiClient) -> None:
        self.adapter = adapter
        self.http = http
        self._cache: dict[tuple[str | None, str], SignedInClient] = {}
        self._lock = threading.Lock()

    def __call__(self, tenant: Tenant | None, role: str) -> SignedInClient:
        key = (tenant.id if tenant else None, role)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        made = SignedInClient(self.adapter, self.http, self.adapter.sign_in(tenant, role), tenant)
        with self._lock:
            return self._cache.setdefault(key, made)

    def fresh(self, tenant: Tenant | None, role: str) -> SignedInClient:
        """A new sign-in (new tokens), e.g. for a test that revokes or tampers with them."""
        return SignedInClient(self.adapter, self.http, self.adapter.sign_in(tenant, role), tenant)


@dataclass(frozen=True)
class Attempt:
    """One attack: who, against whose resource, what was asked, and whether it got through."""

    actor: str
    victim: str
    method: str
    url: str
    status: int
    leaked: bool
    detail: str


TENANT_HEADERS = ("tenantId", "x-tenant-id", "X-Amzn-Tenant-Id", "tenant")


def tenant_headers(tenant_id: str) -> dict[str, str]:
    """Request headers naming a tenant, for apps that wrongly trust the client to say who it is."""
    return {h: tenant_id for h in TENANT_HEADERS}


class Attacker:
    """Cross-tenant and provider-only calls that a correct app refuses; 2xx counts as a leak."""

    def __init__(self, adapter: SaasAdapter, http: ApiClient) -> None:
        self.adapter = adapter
        self.http = http

    def cross_tenant(self, actor: SignedInClient, resource: ResourceSpec, victim: Tenant, item_id: str,
                     ops: tuple[str, ...] = ("read", "update", "delete"),
                     headers: Mapping[str, str] | None = None) -> list[Attempt]:
        """The actor asks its own API, then the victim's, for the victim's item by id; `headers` add
        claims a service must not trust (see `tenant_headers`)."""
        out: list[Attempt] = []
        bases = [actor.tenant, victim] if actor.tenant and actor.tenant.api_url != victim.api_url else [
            actor.tenant or victim]
        for base in bases:
            for op in ops:
                route = resource.route(op)  # type: ignore[arg-type]
                body = dict(resource.update_sample) if op == "update" else None
                params = {resource.id_param: item_id}
                url = route.url(self.adapter.api_base(base, route.api), **params)
                reply = self.http.request(route.method, url, token=actor.credentials.token, body=body,
                                          headers=headers)
                attempts.count()
                repro.current().record(
                    "attack", actor=actor.credentials, actor_tenant=actor.tenant, victim=victim, route=route,
                    base=base, params=params, body=body, headers=headers, auth="actor", token=None,
                    status=reply.status, reply=reply.body)
                out.append(self._attempt(actor.credentials.username, victim.name, route, url, reply.status,
                                         reply.body))
        return out

    def internal(self, actor: SignedInClient | None) -> list[Attempt]:
        """Every provider-only route called with the actor's token (or none at all)."""
        out: list[Attempt] = []
        for internal in self.adapter.internal_routes():
            route = internal.route
            url = route.url(self.adapter.api_base(actor.tenant if actor else None, route.api),
                            **internal.sample)
            token = actor.credentials.token if actor else None
            reply = self.http.request(route.method, url, token=token, body={})
            attempts.count()
            repro.current().record(
                "attack", actor=actor.credentials if actor else None,
                actor_tenant=actor.tenant if actor else None,
                victim=None, route=route, base=actor.tenant if actor and route.api == "tenant" else None,
                params=internal.sample, body={}, headers=None, auth="actor" if actor else "none", token=None,
                status=reply.status, reply=reply.body)
            out.append(self._attempt(actor.credentials.username if actor else "anonymous", "provider",
                                     route, url, reply.status, reply.body))
        return out

    def with_token(self, token: str, route: Route, tenant: Tenant | None, body: Any = None,
                   **params: str) -> Attempt:
        """One call with a token of the attacker's making (forged, tampered, expired)."""
        url = route.url(self.adapter.api_base(tenant, route.api), **params)
        reply = self.http.request(route.method, url, token=token, body=body)
        attempts.count()
        repro.current().record(
            "attack", actor=None, actor_tenant=None, victim=tenant, route=route,
            base=tenant if route.api == "tenant" else None, params=params, body=body, headers=None,
            auth="literal", token=token, status=reply.status, reply=reply.body)
        return self._attempt("forger", tenant.name if tenant else "provider", route, url, reply.status,
                             reply.body)

    @staticmethod
    def _attempt(actor: str, victim: str, route: Route, url: str, status: int, body: Any) -> Attempt:
        return Attempt(actor, victim, route.method, url, status, 200 <= status < 300, str(body)[:200])


class Oracle:
    """Reads the app's raw tables with root credentials, to check what the APIs claim."""

    def __init__(self, target: Target) -> None:
        if not target.endpoint:
            raise LookupError("the target has no endpoint to read tables through")
        self.ddb = boto3.session.Session().client(
            "dynamodb", region_name=target.region, endpoint_url=target.endpoint, config=_ROOT_CFG,
            aws_access_key_id="test", aws_secret_access_key="test")

    def items(self, table: RawTable, tenant_id: str) -> list[dict[str, Any]]:
        """Every item of `table` in the tenant's partitions, in DynamoDB's typed form."""
        found: list[dict[str, Any]] = []
        for pk in table.scheme.partitions(tenant_id):
            found.extend(self._pages("query", TableName=table.name, KeyConditionExpression="#p = :p",
                                     ExpressionAttributeNames={"#p": table.partition_key},
                                     ExpressionAttributeValues={":p": {"S": pk}}))
        return found

    def scan(self, table: RawTable) -> list[dict[str, Any]]:
        return list(self._pages("scan", TableName=table.name))

    def _pages(self, op: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        while True:
            page = getattr(self.ddb, op)(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class ClockUnavailable(RuntimeError):
    """The target serves no virtual clock (a deployed stack on AWS, or another emulator)."""


class Clock:
    """The target's virtual clock over its loopback admin API (`/_harness/clock`)."""

    def __init__(self, endpoint: str, http: ApiClient) -> None:
        self.url = endpoint.rstrip("/") + "/_harness/clock"
        self.http = http
        try:
            reply = http.request("GET", self.url)
        except Exception as exc:
            raise ClockUnavailable(f"{self.url}: {exc}") from exc
        if reply.status != 200 or not isinstance(reply.body, dict) or "now" not in reply.body:
            raise ClockUnavailable(f"{self.url} answered {reply.status}: the target has no virtual clock")

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.http.request("POST", self.url, body=body)
        if reply.status != 200 or not isinstance(reply.body, dict):
            raise ClockUnavailable(f"{self.url} refused {body}: {reply.status} {reply.body}")
        return reply.body

    def now(self) -> float:
        return float(self.http.request("GET", self.url).body["now"])

    def advance(self, seconds: float) -> float:
        """Move time forward (TTLs, token expiry, quota periods); returns the new now."""
        return float(self._post({"advance": seconds})["now"])

    def freeze(self) -> None:
        self._post({"freeze": True})

    def unfreeze(self) -> None:
        self._post({"freeze": False})
