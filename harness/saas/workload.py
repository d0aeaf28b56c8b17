"""What each tenant does in the main job, and the cross-tenant reads that must fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.client.saas import Reply, SaasClient, Tokens
from harness.saas.onboard import TenantRecord


@dataclass
class TenantOutcome:
    """One tenant's part of the run summary."""

    tenant: TenantRecord
    signed_in: bool = False
    products: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)
    listed_products: int = 0
    listed_orders: int = 0
    errors: list[str] = field(default_factory=list)
    tokens: Tokens | None = None


@dataclass
class Attempt:
    """One cross-tenant read: attacker's credentials, victim's item."""

    attacker: str
    victim: str
    url: str
    status: int
    leaked: bool
    detail: str


def _check(outcome: TenantOutcome, reply: Reply, what: str, expect: int) -> Any:
    if reply.status != expect:
        outcome.errors.append(f"{what}: expected {expect}, got {reply.status} {reply.body}")
        return None
    return reply.body


def exercise(client: SaasClient, tenant: TenantRecord, items: int = 2) -> TenantOutcome:
    """The tenant admin signs in, creates and reads products and orders."""
    outcome = TenantOutcome(tenant)
    try:
        outcome.tokens = client.sign_in(tenant.user_pool_id, tenant.client_id,
                                        tenant.admin_username, tenant.admin_password)
        outcome.signed_in = True
    except Exception as exc:
        outcome.errors.append(f"sign-in failed: {exc}")
        return outcome
    token = outcome.tokens.id_token
    base = tenant.api_url
    for i in range(items):
        made = _check(outcome, client.request("POST", f"{base}/product", token=token, body={
            "name": f"{tenant.name} product {i}", "price": 10 + i, "sku": f"sku-{i}",
            "category": "test"}), "create product", 201)
        if isinstance(made, dict) and made.get("id"):
            outcome.products.append(str(made["id"]))
        made = _check(outcome, client.request("POST", f"{base}/order", token=token, body={
            "orderName": f"{tenant.name} order {i}",
            "orderProducts": [{"productId": outcome.products[-1] if outcome.products else "p",
                               "quantity": 1 + i, "price": 10 + i}]}),
            "create order", 201)
        if isinstance(made, dict) and made.get("id"):
            outcome.orders.append(str(made["id"]))
    for item in outcome.products:
        _check(outcome, client.request("GET", f"{base}/product/{item}", token=token),
               "read product", 200)
        if not item.startswith(tenant.id + "-"):
            outcome.errors.append(f"product id {item} is not in the shard scheme <tenantId>-<n>")
    for item in outcome.orders:
        _check(outcome, client.request("GET", f"{base}/order/{item}", token=token),
               "read order", 200)
    listed = _check(outcome, client.request("GET", f"{base}/products", token=token),
                    "list products", 200)
    outcome.listed_products = len(listed) if isinstance(listed, list) else 0
    listed = _check(outcome, client.request("GET", f"{base}/orders", token=token),
                    "list orders", 200)
    outcome.listed_orders = len(listed) if isinstance(listed, list) else 0
    if outcome.listed_products != len(outcome.products):
        outcome.errors.append(f"list products returned {outcome.listed_products}, "
                              f"created {len(outcome.products)}")
    return outcome


def cross_read(client: SaasClient, attacker: TenantOutcome, victim: TenantOutcome) -> Attempt:
    """The attacker's admin token asks its own API for the victim's product by id."""
    item = victim.products[0]
    assert attacker.tokens is not None
    url = f"{attacker.tenant.api_url}/product/{item}"
    reply = client.request("GET", url, token=attacker.tokens.id_token)
    leaked = reply.ok and isinstance(reply.body, dict) and bool(reply.body)
    return Attempt(attacker.tenant.name, victim.tenant.name, url, reply.status, leaked,
                   str(reply.body)[:200])
