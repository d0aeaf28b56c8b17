"""The adapter contract: tests any adapter must pass before the suites can trust what it drives.

Run them against your own adapter with
`pytest --pyargs harness.suites.contract --saas-adapter yourmodule:YourAdapter`.
"""

from __future__ import annotations

import uuid
from typing import Any

from harness.suites.adapter import ResourceSpec, SaasAdapter, Tenant
from harness.suites.client import created_id, listed_ids
from harness.suites.helpers import Attacker, Oracle, TenantFactory, Users


def declaration_problems(adapter: SaasAdapter) -> list[str]:
    """What is inconsistent in an adapter's static declarations (no target needed)."""
    problems: list[str] = []
    if not adapter.tiers:
        problems.append("no tiers declared")
    if not any(r.scope == "tenant" and r.writes for r in adapter.roles):
        problems.append("no tenant role that may write (the suites need one to create resources)")
    if len({r.name for r in adapter.roles}) != len(adapter.roles):
        problems.append("role names repeat")
    specs = adapter.resources()
    if not specs:
        problems.append("no tenant-owned resources declared")
    for spec in specs:
        for op in ("read", "update", "delete"):
            if spec.id_param not in spec.route(op).params:  # type: ignore[arg-type]
                problems.append(f"{spec.name}.{op} {spec.route(op).path} lacks {{{spec.id_param}}}")  # type: ignore[arg-type]
        for op in ("create", "list"):
            if spec.id_param in spec.route(op).params:  # type: ignore[arg-type]
                problems.append(f"{spec.name}.{op} must not take the resource id")
        if not spec.id_field:
            problems.append(f"{spec.name}: id_field is empty")
        if not spec.table:
            problems.append(f"{spec.name}: no raw table named")
        if not marker_field(spec):
            problems.append(f"{spec.name}: sample has no string field to mark a created item with")
    for internal in adapter.internal_routes():
        missing = [p for p in internal.route.params if p not in internal.sample]
        if missing:
            problems.append(f"internal {internal.route.path}: no sample value for {', '.join(missing)}")
    return problems


def marker_field(spec: ResourceSpec) -> str | None:
    """The first string field of the sample, which a test fills with a unique marker."""
    return next((k for k, v in spec.sample.items() if isinstance(v, str)), None)


def marked_body(spec: ResourceSpec) -> tuple[dict[str, Any], str]:
    marker = f"contract-{uuid.uuid4().hex[:12]}"
    return {**spec.sample, str(marker_field(spec)): marker}, marker


def writer_role(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


def test_declarations_are_consistent(saas_adapter: SaasAdapter) -> None:
    assert declaration_problems(saas_adapter) == []


def test_onboarding_gives_distinct_tenants_with_api_urls(saas_adapter: SaasAdapter,
                                                         saas_tenants: TenantFactory) -> None:
    tier = saas_adapter.tiers[0]
    a, b = saas_tenants.fresh(tier), saas_tenants.fresh(tier)
    assert a.id != b.id and a.name != b.name
    for t in (a, b):
        assert t.tier == tier and t.api_url.startswith(("http://", "https://"))


def test_every_tier_onboards(saas_adapter: SaasAdapter, saas_tenants: TenantFactory) -> None:
    made = [saas_tenants.get(tier) for tier in saas_adapter.tiers]
    assert [t.tier for t in made] == list(saas_adapter.tiers)
    assert len({t.id for t in made}) == len(made)


def _tenant(saas_adapter: SaasAdapter, saas_tenants: TenantFactory) -> Tenant:
    return saas_tenants.get(saas_adapter.tiers[0])


def test_sign_in_gives_tokens_the_tenant_api_accepts(saas_adapter: SaasAdapter, saas_tenants: TenantFactory,
                                                     saas_users: Users) -> None:
    tenant = _tenant(saas_adapter, saas_tenants)
    spec = saas_adapter.resources()[0]
    for role in saas_adapter.tenant_roles():
        user = saas_users(tenant, role)
        assert user.credentials.role == role and user.credentials.tenant_id == tenant.id
        assert user.list(spec).status == spec.list.ok_status, role
        anonymous = user.call(spec.list, token="")
        assert 400 <= anonymous.status < 500, f"list without a token answered {anonymous.status}"


def test_provider_roles_sign_in(saas_adapter: SaasAdapter, saas_users: Users) -> None:
    for role in saas_adapter.provider_roles():
        creds = saas_users(None, role).credentials
        assert creds.role == role and creds.tenant_id is None and creds.token


def test_created_resource_is_readable_listed_and_stored_under_the_key_scheme(
        saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users,
        saas_oracle: Oracle) -> None:
    tenant = _tenant(saas_adapter, saas_tenants)
    user = saas_users(tenant, writer_role(saas_adapter))
    tables = {t.logical: t for t in saas_adapter.raw_tables(tenant)}
    for spec in saas_adapter.resources():
        body, marker = marked_body(spec)
        made = user.create(spec, body)
        assert made.status == spec.create.ok_status, made.body
        item_id = created_id(spec, made)
        assert user.read(spec, item_id).status == spec.read.ok_status
        assert item_id in listed_ids(spec, user.list(spec))
        table = tables[spec.table]
        mine = [i for i in saas_oracle.items(table, tenant.id)
                if any(v == {"S": marker} for v in i.values())]
        assert len(mine) == 1, f"{spec.name}: the marked item is not in {table.name} under the tenant's keys"
        assert table.scheme.belongs(tenant.id, next(iter(mine[0][table.partition_key].values())))


def test_update_and_delete_routes_work(saas_adapter: SaasAdapter, saas_tenants: TenantFactory,
                                       saas_users: Users) -> None:
    tenant = _tenant(saas_adapter, saas_tenants)
    user = saas_users(tenant, writer_role(saas_adapter))
    for spec in saas_adapter.resources():
        item_id = created_id(spec, user.create(spec))
        assert user.update(spec, item_id).status == spec.update.ok_status
        assert user.delete(spec, item_id).status == spec.delete.ok_status
        gone = user.read(spec, item_id)
        assert 400 <= gone.status < 500, f"{spec.name} read after delete answered {gone.status}"


def test_internal_routes_exist_and_refuse_tenants(saas_adapter: SaasAdapter, saas_tenants: TenantFactory,
                                                  saas_users: Users, saas_attacker: Attacker) -> None:
    if not saas_adapter.internal_routes():
        return
    tenant = _tenant(saas_adapter, saas_tenants)
    user = saas_users(tenant, writer_role(saas_adapter))
    attempts = saas_attacker.internal(user) + saas_attacker.internal(None)
    assert [a for a in attempts if a.leaked or a.status >= 500] == []
    nowhere = user.http.request("PUT", saas_adapter.api_base(tenant, "admin").rstrip("/")
                                + f"/no-such-route-{uuid.uuid4().hex[:6]}", token=user.credentials.token)
    for attempt in saas_attacker.internal(user):
        assert (attempt.status, attempt.detail) != (nowhere.status, str(nowhere.body)[:200]), (
            f"{attempt.method} {attempt.url} answers like a route that does not exist")
