"""Onboard tenants of every tier through the SaaS's public registration API."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from harness.client.saas import SaasClient

TIERS = ("basic", "standard", "premium", "platinum")


class OnboardError(RuntimeError):
    """A registration the SaaS refused or never finished provisioning; names the step and status."""

    def __init__(self, step: str, detail: str, status: int | None = None) -> None:
        answered = f" answered HTTP {status}" if status is not None else ""
        super().__init__(f"{step}{answered}: {detail}")
        self.step = step
        self.detail = detail
        self.status = status


@dataclass
class TenantRecord:
    """A tenant as other commands need it (also what state.json's `tenants` holds)."""

    id: str
    name: str
    tier: str
    api_url: str
    user_pool_id: str
    client_id: str
    admin_username: str
    admin_password: str
    dedicated: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_tiers(spec: str) -> dict[str, int]:
    """`basic=2,standard=2,premium=1,platinum=2` -> counts per tier (unknown tiers refused)."""
    counts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        tier, sep, num = part.partition("=")
        tier = tier.strip().lower()
        if not sep or tier not in TIERS:
            raise ValueError(f"bad tier spec {part!r}: use tier=count with tier in {', '.join(TIERS)}")
        try:
            n = int(num)
        except ValueError:
            raise ValueError(f"bad count in {part!r}") from None
        if n < 0 or n > 1000:
            raise ValueError(f"count out of range in {part!r}")
        counts[tier] = counts.get(tier, 0) + n
    return counts


def plan_names(counts: dict[str, int], prefix: str | None = None) -> list[tuple[str, str]]:
    """(name, tier) pairs, interleaving tiers so a partial run still covers them all."""
    prefix = prefix or f"t{secrets.token_hex(3)}"
    queues = {tier: [f"{prefix}-{tier}-{i + 1}" for i in range(n)] for tier, n in counts.items()}
    out: list[tuple[str, str]] = []
    while any(queues.values()):
        for tier in TIERS:
            if queues.get(tier):
                out.append((queues[tier].pop(0), tier))
    return out


def register_one(client: SaasClient, name: str, tier: str, wait_timeout: float) -> TenantRecord:
    reply = client.register(name, tier)
    if reply.status != 201 or not isinstance(reply.body, dict):
        raise OnboardError(f"register {name} ({tier}) with POST /registration", str(reply.body),
                           reply.status)
    body = reply.body
    api_url = str(body.get("apiGatewayUrl") or "")
    deadline = time.monotonic() + wait_timeout
    step = f"wait for the silo stack of {name} ({tier}) with GET /tenant/init/{name}"
    while not api_url:
        if time.monotonic() > deadline:
            raise OnboardError(step, f"not provisioned within {wait_timeout:.0f} s")
        time.sleep(0.2)
        init = client.tenant_init(name)
        if init.status >= 500:  # a failed function, not a stack still on its way
            raise OnboardError(step, str(init.body), init.status)
        if init.ok and isinstance(init.body, dict):
            api_url = str(init.body.get("apiGatewayUrl") or "")
    return TenantRecord(
        id=str(body["tenantId"]), name=name, tier=tier, api_url=api_url,
        user_pool_id=str(body["userPoolId"]), client_id=str(body["appClientId"]),
        admin_username=str(body["tenantAdminUserName"]),
        admin_password=str(body.get("tenantAdminPassword", "")),
        dedicated=bool(body.get("dedicatedTenancy")))


def onboard(client: SaasClient, counts: dict[str, int], *, concurrency: int = 8,
            prefix: str | None = None, wait_timeout: float = 180.0,
            on_done: Callable[[TenantRecord], None] | None = None) -> list[TenantRecord]:
    """Register every planned tenant, `concurrency` at a time; silo tenants wait for their stack."""
    plan = plan_names(counts, prefix)

    def one(item: tuple[str, str]) -> TenantRecord:
        record = register_one(client, item[0], item[1], wait_timeout)
        if on_done:
            on_done(record)
        return record

    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="onboard") as pool:
        return list(pool.map(one, plan))
