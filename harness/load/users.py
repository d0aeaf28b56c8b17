"""Locust user classes built from the load plan: one class per tenant, offered its planned rate."""

from __future__ import annotations

import itertools
import random
import uuid
from typing import Any

from locust import FastHttpUser, constant_throughput, task

from harness.load.plan import MARKER, LoadTenant, read_plan


class TenantUser(FastHttpUser):
    """Reads (and a share of creates) as one tenant; 429 and 5xx are failures named by their kind."""

    abstract = True
    tenant: LoadTenant
    _tokens: Any

    def on_start(self) -> None:
        self._rng = random.Random(id(self))

    @task
    def call(self) -> None:
        t = self.tenant
        token = next(self._tokens)
        headers = {"Authorization": f"Bearer {token}"}
        write = self._rng.random() < t.write_share
        name = f"{t.name} {'create' if write else 'read'}"
        if write:
            unique = {MARKER: f"load-{uuid.uuid4().hex}"} if MARKER in t.create_body else {}
            body = {**t.create_body, **unique}
            ctx = self.client.post(t.create_url, json=body, headers=headers, name=name,
                                   catch_response=True)
        else:
            ctx = self.client.get(t.read_url, headers=headers, name=name, catch_response=True)
        with ctx as resp:
            status = resp.status_code
            if status == 429:
                resp.failure("throttled 429")
            elif status >= 500 or status == 0:
                resp.failure(f"server error {status}")
            elif status >= 400:
                resp.failure(f"refused {status}")
            else:
                resp.success()


def users_for(plan_roles: tuple[str, ...] | None = None) -> dict[str, type[TenantUser]]:
    """A TenantUser subclass per tenant of the plan (fixed_count users, constant throughput each)."""
    plan = read_plan()
    classes: dict[str, type[TenantUser]] = {}
    for i, t in enumerate(plan.tenants):
        if plan_roles and t.role not in plan_roles:
            continue
        per_user = t.offered_rps / max(1, t.users)
        attrs = {"tenant": t, "host": plan.host, "fixed_count": t.users,
                 "wait_time": constant_throughput(per_user), "_tokens": itertools.cycle(t.tokens),
                 "abstract": False}
        classes[f"Tenant{i}"] = type(f"Tenant{i}", (TenantUser,), attrs)
    return classes
