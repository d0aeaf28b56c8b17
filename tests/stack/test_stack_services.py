"""Product and order services against moto: shard scheme, CRUD, 404s, and no cross-tenant reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import order_service
import product_service
import pytest
from moto import mock_aws
from saas_common import roles

from tests.stack.support import REGION, TENANT_A, TENANT_B, api_event, authorizer_context

PRODUCTS, ORDERS = "Product-pooled", "Order-pooled"


@pytest.fixture
def tables(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("TENANT_ID", "pooled")
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        for name, sort in ((PRODUCTS, "productId"), (ORDERS, "orderId")):
            ddb.create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "shardId", "AttributeType": "S"},
                                      {"AttributeName": sort, "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "shardId", "KeyType": "HASH"},
                           {"AttributeName": sort, "KeyType": "RANGE"}])
        yield ddb


def call(module: Any, method: str, resource: str, ctx: Any, tenant: str = TENANT_A,
         body: Any = None, item: str | None = None, role: str = roles.TENANT_ADMIN,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    event = api_event(method, resource, body=json.dumps(body) if body is not None else None,
                      path_params={"id": item} if item is not None else None,
                      auth=authorizer_context(tenant, role), headers=headers)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TABLE_NAME", PRODUCTS if module is product_service else ORDERS)
        out = module.handler(event, ctx)
    return out["statusCode"], json.loads(out["body"])


def test_product_crud_with_the_shard_scheme(tables: Any, lambda_context: Any) -> None:
    status, created = call(product_service, "POST", "/product", lambda_context,
                           body={"name": "Widget", "price": 9.99, "sku": "W-1"})
    assert status == 201
    shard, product_id = created["id"].split(":")
    assert shard.rsplit("-", 1)[0] == TENANT_A and 1 <= int(shard.rsplit("-", 1)[1]) <= 9
    raw = tables.get_item(TableName=PRODUCTS, Key={"shardId": {"S": shard},
                                                   "productId": {"S": product_id}})["Item"]
    assert raw["name"] == {"S": "Widget"}
    status, got = call(product_service, "GET", "/product/{id}", lambda_context, item=created["id"])
    assert (status, got["price"]) == (200, 9.99)
    status, updated = call(product_service, "PUT", "/product/{id}", lambda_context,
                           item=created["id"], body={"price": 5})
    assert (status, updated["price"], updated["name"]) == (200, 5, "Widget")
    status, listed = call(product_service, "GET", "/products", lambda_context)
    assert status == 200 and [p["id"] for p in listed] == [created["id"]]
    assert call(product_service, "DELETE", "/product/{id}", lambda_context,
                item=created["id"])[0] == 200
    assert call(product_service, "GET", "/product/{id}", lambda_context,
                item=created["id"])[0] == 404
    assert call(product_service, "DELETE", "/product/{id}", lambda_context,
                item=created["id"])[0] == 404
    assert call(product_service, "PUT", "/product/{id}", lambda_context, item=created["id"],
                body={"price": 1})[0] == 404


def test_lists_cover_every_shard(tables: Any, lambda_context: Any) -> None:
    ids = {call(product_service, "POST", "/product", lambda_context,
                body={"name": f"p{i}", "price": i})[1]["id"] for i in range(30)}
    assert len({i.split(":")[0] for i in ids}) > 1
    listed = call(product_service, "GET", "/products", lambda_context)[1]
    assert {p["id"] for p in listed} == ids


def test_another_tenants_items_are_invisible(tables: Any, lambda_context: Any) -> None:
    _, mine = call(order_service, "POST", "/order", lambda_context, tenant=TENANT_B,
                   body={"orderName": "B's", "orderProducts": [
                       {"productId": "x", "quantity": 2, "price": 3}]})
    for method in ("GET", "DELETE"):
        assert call(order_service, method, "/order/{id}", lambda_context, item=mine["id"])[0] == 404
    assert call(order_service, "PUT", "/order/{id}", lambda_context, item=mine["id"],
                body={"orderName": "stolen"})[0] == 404
    assert call(order_service, "GET", "/orders", lambda_context)[1] == []
    headers = {"x-tenant-id": TENANT_B, "tenantId": TENANT_B}
    assert call(order_service, "GET", "/orders", lambda_context, headers=headers)[1] == []
    assert call(order_service, "GET", "/order/{id}", lambda_context, tenant=TENANT_B,
                item=mine["id"])[1]["orderName"] == "B's"


@pytest.mark.parametrize(("method", "resource", "item", "body", "status"), [
    ("GET", "/product/{id}", "nope", None, 400),
    ("GET", "/product/{id}", f"{TENANT_A}-0:{'a' * 32}", None, 400),
    ("POST", "/product", None, {"name": "x"}, 400),
    ("POST", "/product", None, {"name": "x", "price": -1}, 400),
    ("POST", "/product", None, {"name": "x", "price": 1, "shardId": f"{TENANT_B}-1"}, 400),
    ("POST", "/product", None, {"name": "x\u202e", "price": 1}, 400),
    ("PUT", "/product/{id}", f"{TENANT_A}-1:{'a' * 32}", {}, 400),
    ("GET", "/nothing", None, None, 404),
])
def test_bad_requests(tables: Any, lambda_context: Any, method: str, resource: str,
                      item: str | None, body: Any, status: int) -> None:
    assert call(product_service, method, resource, lambda_context, item=item, body=body)[0] == status


def test_order_validation(tables: Any, lambda_context: Any) -> None:
    for lines in ([], [{"productId": "x", "quantity": 0, "price": 1}],
                  [{"productId": "x", "quantity": 1}], "x",
                  [{"productId": "x", "quantity": 1, "price": 1, "tenantId": TENANT_B}]):
        assert call(order_service, "POST", "/order", lambda_context,
                    body={"orderName": "o", "orderProducts": lines})[0] == 400


def test_provider_roles_have_no_business_data(tables: Any, lambda_context: Any) -> None:
    assert call(product_service, "GET", "/products", lambda_context, tenant="system_admins",
                role=roles.SYSTEM_ADMIN)[0] == 403


def test_silo_uses_its_execution_role_and_refuses_other_tenants(
        tables: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANT_ID", TENANT_A)
    event = api_event("GET", "/products", auth=authorizer_context(TENANT_A, roles.TENANT_USER,
                                                                  creds=False))
    monkeypatch.setenv("TABLE_NAME", PRODUCTS)
    assert product_service.handler(event, lambda_context)["statusCode"] == 200
    event["requestContext"]["authorizer"]["tenantId"] = TENANT_B
    assert product_service.handler(event, lambda_context)["statusCode"] == 403


def test_pooled_without_scoped_credentials_is_refused(tables: Any, lambda_context: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", PRODUCTS)
    event = api_event("GET", "/products", auth=authorizer_context(TENANT_A, roles.TENANT_USER,
                                                                  creds=False))
    assert product_service.handler(event, lambda_context)["statusCode"] == 403
