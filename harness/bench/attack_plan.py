"""The cross-tenant attacks `bench attacks` sends, and how each answer is judged, as the suites judge.

Each attacker holds its own tenant admin's ID token; each victim owns a product and an order whose
names carry a unique marker. An attack is refused when it answers neither 2xx nor 5xx and shows no
victim marker; the forged-header list must answer 200 with the attacker's own items only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit

from harness.suites.helpers import tenant_headers

Verdict = Literal["refused", "leaked", "server-error", "own-list-failed", "own-list-throttled"]


class AttackKind(StrEnum):
    """How the attacker reaches for another tenant's data."""

    REPLAY_ID = "replay-id"                  # the victim's item id on the attacker's own API
    REPLAY_ID_WRITE = "replay-id-write"      # PUT the victim's item id, the victim's tenant id in the body
    FORGED_HEADERS = "forged-headers"        # the victim's tenant id in every tenant header
    FORGED_ID = "forged-id"                  # the attacker's own id with the victim's tenant id put in
    VICTIM_API = "victim-api"                # the attacker's token on the victim's (silo) API
    OWN_LIST_FORGED = "own-list-forged"      # list on one's own API with the victim's tenant headers
    ADMIN_OTHER_TENANT = "admin-other-tenant"  # the admin API's tenant record of the victim


@dataclass(frozen=True)
class Party:
    """One tenant as the bench uses it: its API, its token, the ids and markers of what it owns."""

    name: str
    tenant_id: str
    api_url: str
    token: str
    product_id: str
    order_id: str
    markers: tuple[str, ...]


@dataclass(frozen=True)
class Attack:
    """One request, ready to send on a keep-alive connection, and what its answer must not show."""

    kind: AttackKind
    attacker: str
    victim: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    victim_markers: tuple[bytes, ...]

    def judge(self, status: int, body: bytes) -> Verdict:
        """As the suites judge: a 5xx is a finding, a 2xx or a victim marker is a leak."""
        if status >= 500:
            return "server-error"
        if any(m in body for m in self.victim_markers):
            return "leaked"
        if self.kind is AttackKind.OWN_LIST_FORGED:  # a usage plan may throttle it (429), as on AWS
            if status == 429:
                return "own-list-throttled"
            return "refused" if status == 200 else "own-list-failed"
        return "leaked" if 200 <= status < 300 else "refused"


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def _headers(token: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(extra or {})}


def forged_id(own_id: str, own_tenant: str, victim_tenant: str) -> str:
    """The attacker's own item id with its tenant id replaced by the victim's (ids are <tenantId>-<n>)."""
    return victim_tenant + own_id[len(own_tenant):] if own_id.startswith(own_tenant) else f"{victim_tenant}-1"


def plan(parties: list[Party], admin_api_url: str) -> list[Attack]:
    """Every kind of attack for every ordered (attacker, victim) pair of different tenants."""
    out: list[Attack] = []
    admin = _path(admin_api_url)
    for a in parties:
        for v in parties:
            if a.tenant_id == v.tenant_id:
                continue
            marks = tuple(m.encode() for m in v.markers)
            own = _path(a.api_url)

            def add(kind: AttackKind, method: str, path: str, headers: dict[str, str],
                    body: bytes | None = None, a: Party = a, v: Party = v,
                    marks: tuple[bytes, ...] = marks) -> None:
                out.append(Attack(kind, a.name, v.name, method, path, headers, body, marks))

            add(AttackKind.REPLAY_ID, "GET", f"{own}/product/{v.product_id}", _headers(a.token))
            add(AttackKind.REPLAY_ID, "GET", f"{own}/order/{v.order_id}", _headers(a.token))
            add(AttackKind.REPLAY_ID_WRITE, "PUT", f"{own}/product/{v.product_id}", _headers(a.token),
                json.dumps({"name": "attacker", "price": 1, "sku": "x", "category": "x",
                            "tenantId": v.tenant_id}).encode())
            add(AttackKind.FORGED_HEADERS, "GET", f"{own}/product/{v.product_id}",
                _headers(a.token, tenant_headers(v.tenant_id)))
            add(AttackKind.FORGED_ID, "GET",
                f"{own}/product/{forged_id(a.product_id, a.tenant_id, v.tenant_id)}", _headers(a.token))
            add(AttackKind.OWN_LIST_FORGED, "GET", f"{own}/products",
                _headers(a.token, tenant_headers(v.tenant_id)))
            add(AttackKind.ADMIN_OTHER_TENANT, "GET", f"{admin}/tenant/{v.tenant_id}", _headers(a.token))
            if _path(v.api_url) != own:
                victim_api = _path(v.api_url)
                add(AttackKind.VICTIM_API, "GET", f"{victim_api}/product/{v.product_id}", _headers(a.token))
                add(AttackKind.VICTIM_API, "GET", f"{victim_api}/products", _headers(a.token))
    return out
