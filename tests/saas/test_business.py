"""Products and orders through each tenant's API: sign-in, CRUD, the shard scheme, isolation."""

from __future__ import annotations

from typing import Any

import pytest

from harness.client.saas import Tokens
from harness.saas.onboard import TenantRecord
from tests.saas.conftest import Saas


@pytest.fixture(scope="module")
def tokens(saas: Saas, tenants: dict[str, TenantRecord]) -> dict[str, Tokens]:
    return {tier: saas.sign_in(t) for tier, t in tenants.items()}


def product(i: int) -> dict[str, Any]:
    return {"name": f"widget {i}", "sku": f"w-{i}", "category": "tools", "price": 9.5 + i}


@pytest.mark.parametrize("tier", ["basic", "standard", "premium", "platinum"])
def test_product_crud_with_the_shard_scheme(saas: Saas, tenants: dict[str, TenantRecord],
                                            tokens: dict[str, Tokens], tier: str) -> None:
    t, token, c = tenants[tier], tokens[tier].id_token, saas.client
    made = [c.request("POST", f"{t.api_url}/product", token=token, body=product(i))
            for i in range(3)]
    assert all(r.status == 201 for r in made), made
    ids = [r.body["id"] for r in made]
    for item_id in ids:
        shard, _, _ = item_id.partition(":")
        tenant_part, _, n = shard.rpartition("-")
        assert tenant_part == t.id and 1 <= int(n) <= 9
    got = c.request("GET", f"{t.api_url}/product/{ids[0]}", token=token)
    assert got.status == 200 and got.body["name"] == "widget 0"
    upd = c.request("PUT", f"{t.api_url}/product/{ids[0]}", token=token, body={"price": 1.25})
    assert upd.status == 200
    assert c.request("GET", f"{t.api_url}/product/{ids[0]}", token=token).body["price"] == 1.25
    listed = c.request("GET", f"{t.api_url}/products", token=token)
    assert listed.status == 200 and {p["id"] for p in listed.body} >= set(ids)
    assert c.request("DELETE", f"{t.api_url}/product/{ids[1]}", token=token).status == 200
    assert c.request("GET", f"{t.api_url}/product/{ids[1]}", token=token).status == 404


@pytest.mark.parametrize("tier", ["basic", "platinum"])
def test_order_crud(saas: Saas, tenants: dict[str, TenantRecord], tokens: dict[str, Tokens],
                    tier: str) -> None:
    t, token, c = tenants[tier], tokens[tier].id_token, saas.client
    body = {"orderName": "first", "orderProducts": [{"productId": "p1", "quantity": 2,
                                                     "price": 3}]}
    made = c.request("POST", f"{t.api_url}/order", token=token, body=body)
    assert made.status == 201 and made.body["id"].startswith(t.id + "-")
    oid = made.body["id"]
    assert c.request("GET", f"{t.api_url}/order/{oid}", token=token).body["orderName"] == "first"
    assert c.request("PUT", f"{t.api_url}/order/{oid}", token=token,
                     body={"orderName": "renamed"}).status == 200
    assert oid in {o["id"] for o in c.request("GET", f"{t.api_url}/orders", token=token).body}
    assert c.request("DELETE", f"{t.api_url}/order/{oid}", token=token).status == 200


def test_pooled_items_land_in_the_pooled_table_under_the_tenants_shards(
        saas: Saas, tenants: dict[str, TenantRecord], tokens: dict[str, Tokens]) -> None:
    t = tenants["premium"]
    made = saas.client.request("POST", f"{t.api_url}/product", token=tokens["premium"].id_token,
                               body=product(7)).body
    shard = made["id"].split(":")[0]
    raw = saas.aws("dynamodb").query(TableName="Product-pooled",
                                     KeyConditionExpression="shardId = :s",
                                     ExpressionAttributeValues={":s": {"S": shard}})
    assert raw["Count"] >= 1


def test_a_tenant_cannot_read_update_or_delete_another_tenants_item(
        saas: Saas, tenants: dict[str, TenantRecord], tokens: dict[str, Tokens]) -> None:
    victim, attacker = tenants["basic"], tenants["standard"]
    item = saas.client.request("POST", f"{victim.api_url}/product",
                               token=tokens["basic"].id_token, body=product(42)).body["id"]
    token = tokens["standard"].id_token
    url = f"{attacker.api_url}/product/{item}"
    assert saas.client.request("GET", url, token=token).status == 404
    assert saas.client.request("PUT", url, token=token, body={"price": 0}).status == 404
    assert saas.client.request("DELETE", url, token=token).status == 404
    still = saas.client.request("GET", f"{victim.api_url}/product/{item}",
                                token=tokens["basic"].id_token)
    assert still.status == 200 and still.body["price"] == 51.5
    listed = saas.client.request("GET", f"{attacker.api_url}/products", token=token).body
    assert item not in {p["id"] for p in listed}


def test_a_tenant_header_does_not_change_whose_data_is_read(
        saas: Saas, tenants: dict[str, TenantRecord], tokens: dict[str, Tokens]) -> None:
    victim, attacker = tenants["basic"], tenants["premium"]
    listed = saas.client.request("GET", f"{attacker.api_url}/products",
                                 token=tokens["premium"].id_token,
                                 headers={"tenantId": victim.id, "X-Tenant-Id": victim.id}).body
    assert all(p["id"].startswith(attacker.id + "-") for p in listed)


def test_pooled_tenant_cannot_use_a_silo_api_and_vice_versa(
        saas: Saas, tenants: dict[str, TenantRecord], tokens: dict[str, Tokens]) -> None:
    silo, pooled = tenants["platinum"], tenants["basic"]
    assert saas.client.request("GET", f"{silo.api_url}/products",
                               token=tokens["basic"].id_token).status == 403
    assert saas.client.request("GET", f"{pooled.api_url}/products",
                               token=tokens["platinum"].id_token).status == 403


def test_no_token_is_401_and_a_forged_token_is_401(saas: Saas,
                                                   tenants: dict[str, TenantRecord],
                                                   tokens: dict[str, Tokens]) -> None:
    url = f"{tenants['basic'].api_url}/products"
    assert saas.client.request("GET", url).status == 401
    header, payload, sig = tokens["basic"].id_token.split(".")
    forged = f"{header}.{payload}.{sig[:-6]}AAAAAA"
    assert saas.client.request("GET", url, token=forged).status == 401


def test_an_access_token_is_not_accepted_as_an_id_token(
        saas: Saas, tenants: dict[str, TenantRecord], tokens: dict[str, Tokens]) -> None:
    url = f"{tenants['basic'].api_url}/products"
    assert saas.client.request("GET", url, token=tokens["basic"].access_token).status == 401


def test_bad_item_input_is_a_4xx(saas: Saas, tenants: dict[str, TenantRecord],
                                 tokens: dict[str, Tokens]) -> None:
    t, token = tenants["basic"], tokens["basic"].id_token
    for body in ({"name": "x", "price": "free"}, {"unknown": 1}, {"name": "x" * 10000},
                 {"name": "ok", "sku": "s", "category": "c", "price": -5}):
        assert 400 <= saas.client.request("POST", f"{t.api_url}/product", token=token,
                                          body=body).status < 500, body
    for bad_id in ("nocolon", "../../etc", f"{t.id}-99:x"):
        assert 400 <= saas.client.request("GET", f"{t.api_url}/product/{bad_id}",
                                          token=token).status < 500
