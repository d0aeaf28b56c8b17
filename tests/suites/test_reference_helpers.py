"""The scenario-facing fixtures on the reference SaaS: the attacker, the oracle, tenants and users.

Tenant isolation through the authorizer's scoped credentials (the reference SaaS's design):
https://docs.aws.amazon.com/whitepapers/latest/saas-tenant-isolation-strategies/saas-tenant-isolation-strategies.html
"""

from __future__ import annotations

from harness.suites.adapter import SaasAdapter
from harness.suites.client import created_id
from harness.suites.helpers import Attacker, Oracle, TenantFactory, Users, tenant_headers
from harness.suites.tokens import Tampering, TamperKit, tamper


def test_attacker_reads_updates_and_deletes_of_another_tenants_item_are_refused(
        saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users,
        saas_attacker: Attacker) -> None:
    product = saas_adapter.resource("product")
    victim, attacker = saas_tenants.get("standard"), saas_tenants.get("basic")
    owner = saas_users(victim, "TenantAdmin")
    item = created_id(product, owner.create(product))
    attempts = saas_attacker.cross_tenant(saas_users(attacker, "TenantAdmin"), product, victim, item)
    assert len(attempts) == 3  # one pooled API: asked once per operation
    assert [a for a in attempts if a.leaked or a.status >= 500] == []
    spoofed = saas_attacker.cross_tenant(saas_users(attacker, "TenantAdmin"), product, victim, item,
                                         ops=("read",), headers=tenant_headers(victim.id))
    assert [a for a in spoofed if a.leaked or a.status >= 500] == []
    assert owner.read(product, item).status == 200


def test_a_silo_attacker_asks_both_apis_and_gets_nothing(saas_adapter: SaasAdapter,
                                                         saas_tenants: TenantFactory, saas_users: Users,
                                                         saas_attacker: Attacker) -> None:
    order = saas_adapter.resource("order")
    victim, attacker = saas_tenants.get("premium"), saas_tenants.get("platinum")
    item = created_id(order, saas_users(victim, "TenantAdmin").create(order))
    attempts = saas_attacker.cross_tenant(saas_users(attacker, "TenantAdmin"), order, victim, item)
    assert len(attempts) == 6 and {a.url.split("/order/")[0] for a in attempts} == {
        attacker.api_url, victim.api_url}
    assert [a for a in attempts if a.leaked or a.status >= 500] == []


def test_oracle_finds_a_silo_tenants_items_in_its_own_table(saas_adapter: SaasAdapter,
                                                            saas_tenants: TenantFactory, saas_users: Users,
                                                            saas_oracle: Oracle) -> None:
    tenant = saas_tenants.get("platinum")
    product = saas_adapter.resource("product")
    item = created_id(product, saas_users(tenant, "TenantAdmin").create(product))
    table = next(t for t in saas_adapter.raw_tables(tenant) if t.logical == "Product")
    assert table.name == f"Product-{tenant.id}" and not table.shared
    stored = {f"{i['shardId']['S']}:{i['productId']['S']}" for i in saas_oracle.items(table, tenant.id)}
    assert item in stored


def test_tenant_factory_shares_per_tier_and_users_sign_in_once(saas_tenants: TenantFactory,
                                                              saas_users: Users) -> None:
    shared = saas_tenants.get("basic")
    assert saas_tenants.get("basic") is shared
    fresh = saas_tenants.fresh("basic")
    assert fresh.id != shared.id and fresh.placement == "pooled"
    user = saas_users(shared, "TenantUser")
    assert saas_users(shared, "TenantUser") is user
    assert saas_users.fresh(shared, "TenantUser").credentials.username == user.credentials.username


def test_a_forged_token_on_the_tenant_api_is_refused(saas_adapter: SaasAdapter, saas_tenants: TenantFactory,
                                                     saas_users: Users, saas_attacker: Attacker) -> None:
    tenant = saas_tenants.get("basic")
    genuine = saas_users(tenant, "TenantAdmin").credentials.token
    product = saas_adapter.resource("product")
    for kind in (Tampering.ALG_NONE, Tampering.CLAIM_EDIT_UNSIGNED, Tampering.CLAIM_EDIT_RESIGNED):
        forged = tamper(kind, TamperKit(genuine, b"unused"), {"custom:userRole": "SystemAdmin"})
        attempt = saas_attacker.with_token(forged.token, product.list, tenant)
        assert attempt.status in (401, 403), (kind, attempt)
