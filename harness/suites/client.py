"""HTTP calls a signed-in user (or an attacker) makes against an app's routes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import urllib3

from harness.client.saas import Reply
from harness.suites import attempts, repro
from harness.suites.adapter import Credentials, ResourceSpec, Route, SaasAdapter, Tenant


class ApiClient:
    """Keep-alive JSON over HTTP; a reply is never an exception, so 4xx and 5xx can be asserted on."""

    def __init__(self, pool_size: int = 16, timeout: float = 60.0) -> None:
        self._http = urllib3.PoolManager(maxsize=pool_size, retries=False)
        self.timeout = timeout

    def request(self, method: str, url: str, *, token: str | None = None, body: Any = None,
                headers: Mapping[str, str] | None = None, raw: bytes | None = None) -> Reply:
        hdrs = {"Content-Type": "application/json"}
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        hdrs.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        r = self._http.request(method, url, body=data, headers=hdrs, timeout=self.timeout)
        try:
            parsed: Any = json.loads(r.data) if r.data else None
        except ValueError:
            parsed = r.data.decode("utf-8", "replace")
        return Reply(r.status, parsed, dict(r.headers))


@dataclass
class SignedInClient:
    """One user of one tenant, calling routes of the adapter's resources with its own token."""

    adapter: SaasAdapter
    http: ApiClient
    credentials: Credentials
    tenant: Tenant | None

    def call(self, route: Route, *, body: Any = None, tenant: Tenant | None = None,
             token: str | None = None, headers: Mapping[str, str] | None = None,
             params: Mapping[str, str] | None = None, victim: Tenant | None = None,
             capture: str | None = None, attack: bool = False) -> Reply:
        """Call `route` on this user's API (or `tenant`'s); `token` overrides the user's own. With
        `victim`, the call is an attack on that tenant's data: recorded so that a 2xx replays as a leak.
        `capture` names the reply field holding a new id (a create), so a repro replays with new ids.
        A call with a victim, on another tenant's API, with a token not the user's own (forged,
        tampered), or marked `attack` counts as a cross-tenant attempt."""
        return self._send(route, body, tenant, token, headers, params, capture, victim, attack)

    def _send(self, route: Route, body: Any, tenant: Tenant | None, token: str | None,
              headers: Mapping[str, str] | None, params: Mapping[str, str] | None,
              capture_field: str | None, victim: Tenant | None = None, attack: bool = False) -> Reply:
        """The call, recorded as a repro setup step (a create captures the id it answers), or as an
        attack step when it targets a `victim`."""
        base_tenant = tenant or self.tenant
        base = self.adapter.api_base(base_tenant, route.api)
        reply = self.http.request(route.method, route.url(base, **(params or {})), body=body, headers=headers,
                                  token=self.credentials.token if token is None else token)
        other = self.tenant is not None and base_tenant is not None and base_tenant.id != self.tenant.id
        forged = token is not None and token != self.credentials.token
        if attack or victim is not None or other or forged:
            attempts.count()
        repro.current().record(
            "attack" if victim is not None else "setup", actor=self.credentials, actor_tenant=self.tenant,
            victim=victim or base_tenant, route=route,
            base=base_tenant if route.api == "tenant" else None, params=params or {}, body=body,
            headers=headers, auth="actor" if token is None else "literal", token=token, status=reply.status,
            reply=reply.body, capture_field=capture_field)
        return reply

    def create(self, resource: ResourceSpec, body: Any = None) -> Reply:
        return self._send(resource.create, dict(resource.sample) if body is None else body, None, None, None,
                          None, resource.id_field)

    def read(self, resource: ResourceSpec, item_id: str) -> Reply:
        return self.call(resource.read, params={resource.id_param: item_id})

    def update(self, resource: ResourceSpec, item_id: str, body: Any = None) -> Reply:
        return self.call(resource.update, body=dict(resource.update_sample) if body is None else body,
                         params={resource.id_param: item_id})

    def delete(self, resource: ResourceSpec, item_id: str) -> Reply:
        return self.call(resource.delete, params={resource.id_param: item_id})

    def list(self, resource: ResourceSpec) -> Reply:
        return self.call(resource.list)


def created_id(resource: ResourceSpec, reply: Reply) -> str:
    """The id a create answered with, read from the field the resource declares."""
    if not isinstance(reply.body, dict) or resource.id_field not in reply.body:
        raise AssertionError(f"create {resource.name} answered {reply.status} without "
                             f"{resource.id_field!r}: {str(reply.body)[:200]}")
    return str(reply.body[resource.id_field])


def listed_ids(resource: ResourceSpec, reply: Reply) -> list[str]:
    """The ids of a list reply's entries."""
    entries = reply.body.get(resource.list_field) if (
        resource.list_field and isinstance(reply.body, dict)) else reply.body
    if not isinstance(entries, list):
        raise AssertionError(f"list {resource.name} answered {reply.status}: {str(reply.body)[:200]}")
    return [str(e[resource.id_field]) for e in entries if isinstance(e, dict) and resource.id_field in e]
