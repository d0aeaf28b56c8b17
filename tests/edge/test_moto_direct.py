"""DynamoDB's moto handler called without Flask answers exactly as moto's Flask app does.

The edge forwards every authorised DynamoDB call to moto (harness/edge/upstream.py); the direct
path (harness/edge/moto_direct.py) must not change one byte of what the caller gets. Each request
below goes through the Flask app and then through the direct path on the same moto state, and the
two answers are compared: status, every header but the request id, and the body.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from harness.edge import moto_direct
from harness.edge.upstream import InProcessMoto
from harness.http import HttpRequest, HttpResponse

TABLE = "Direct-Products"
KEY = {"shardId": {"S": "t-1"}, "productId": {"S": "p-1"}}


def _request(action: str, body: Any, *, raw: bytes | None = None, path: str = "/",
             extra: dict[str, str] | None = None) -> HttpRequest:
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {"content-type": "application/x-amz-json-1.0",
               "x-amz-target": f"DynamoDB_20120810.{action}",
               "authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
                                "SignedHeaders=host, Signature=0", **(extra or {})}
    return HttpRequest("POST", path, "", headers, data)


def _both(moto: InProcessMoto, req: HttpRequest) -> tuple[HttpResponse, HttpResponse]:
    moto.direct_dispatch = False
    via_flask = moto.forward(req, "dynamodb", "us-east-1")
    moto.direct_dispatch = True
    direct = moto.forward(req, "dynamodb", "us-east-1")
    return via_flask, direct


def _comparable(resp: HttpResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k.lower(), v) for k, v in resp.headers if k.lower() != "x-amzn-requestid")
    return resp.status, headers, resp.body


@pytest.fixture(scope="module")
def moto() -> InProcessMoto:
    m = InProcessMoto(account=f"{uuid.uuid4().int % 10**12:012d}")
    m.direct_dispatch = False
    ddb = m.client("dynamodb")
    ddb.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "shardId", "KeyType": "HASH"},
                   {"AttributeName": "productId", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "shardId", "AttributeType": "S"},
                              {"AttributeName": "productId", "AttributeType": "S"}])
    ddb.put_item(TableName=TABLE, Item={**KEY, "name": {"S": "widget"}, "price": {"N": "10"}})
    yield m
    m.reset()


CASES = {
    "get-item": _request("GetItem", {"TableName": TABLE, "Key": KEY, "ConsistentRead": True}),
    "get-missing-item": _request("GetItem", {"TableName": TABLE, "Key": {
        "shardId": {"S": "t-2"}, "productId": {"S": "nope"}}}),
    "query": _request("Query", {"TableName": TABLE, "KeyConditionExpression": "shardId = :s",
                                "ExpressionAttributeValues": {":s": {"S": "t-1"}}}),
    "query-empty-shard": _request("Query", {"TableName": TABLE, "KeyConditionExpression": "shardId = :s",
                                            "ExpressionAttributeValues": {":s": {"S": "t-9"}}}),
    "scan": _request("Scan", {"TableName": TABLE}),
    "describe-table": _request("DescribeTable", {"TableName": TABLE}),
    "unknown-table": _request("GetItem", {"TableName": "Nope", "Key": KEY}),
    "condition-failed": _request("PutItem", {"TableName": TABLE, "Item": KEY,
                                             "ConditionExpression": "attribute_not_exists(shardId)"}),
    "missing-key-attribute": _request("GetItem", {"TableName": TABLE, "Key": {"shardId": {"S": "t"}}}),
    "bad-expression": _request("Query", {"TableName": TABLE, "KeyConditionExpression": "shardId = = :s",
                                         "ExpressionAttributeValues": {":s": {"S": "t-1"}}}),
    "not-json": _request("GetItem", None, raw=b"{not json"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_direct_dynamodb_dispatch_answers_as_motos_flask_app(moto: InProcessMoto, case: str) -> None:
    """DynamoDB answers (items, empty results, errors such as ResourceNotFoundException and
    ConditionalCheckFailedException in the JSON error shape) are the same on both paths.
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html"""
    via_flask, direct = _both(moto, CASES[case])
    assert _comparable(direct) == _comparable(via_flask)


def test_direct_dispatch_is_taken_only_for_the_single_root_view() -> None:
    """Only "/" with a routed method and no Origin header skips Flask; Flask answers the rest."""
    base = {"PATH_INFO": "/", "REQUEST_METHOD": "POST"}
    assert moto_direct.routable(base)
    assert not moto_direct.routable({**base, "PATH_INFO": "/other"})
    assert not moto_direct.routable({**base, "REQUEST_METHOD": "BREW"})
    assert not moto_direct.routable({**base, "HTTP_ORIGIN": "https://example.com"})
    assert moto_direct.root_handler("dynamodb") is not None
    assert moto_direct.root_handler("cognitoidp") is None  # more than one view: Flask routes it


def test_requests_flask_would_route_elsewhere_still_get_flasks_answer(moto: InProcessMoto) -> None:
    """A path DynamoDB has no route for gets the router's refusal, and an Origin header gets the
    CORS headers flask_cors adds, on both settings of the direct path."""
    for req in (_request("GetItem", {"TableName": TABLE, "Key": KEY}, path="/nowhere"),
                _request("GetItem", {"TableName": TABLE, "Key": KEY},
                         extra={"origin": "https://example.com"})):
        via_flask, direct = _both(moto, req)
        assert _comparable(direct) == _comparable(via_flask)
    origin = _both(moto, _request("GetItem", {"TableName": TABLE, "Key": KEY},
                                  extra={"origin": "https://example.com"}))[1]
    assert ("vary", "Origin") in [(k.lower(), v) for k, v in origin.headers]


def test_motos_method_listing_is_memoized_per_class_and_still_lists_each_classes_own() -> None:
    """call_action checks an action is implemented against the response class's methods; the
    memoized listing answers what inspect.getmembers answers, for each class separately."""
    import inspect

    import moto.core.responses as responses

    moto_direct.memoize_method_names()
    moto_direct.memoize_method_names()  # idempotent: one wrapper, not a chain
    listing = responses.method_names_from_class
    assert getattr(listing, "harness_memoized", False)

    class First:
        def get_item(self) -> None: ...

    class Second(First):
        def query(self) -> None: ...

    for clazz in (First, Second, First):
        expected = [n for n, _ in inspect.getmembers(clazz, predicate=inspect.isfunction)]
        assert listing(clazz) == expected
    assert "query" not in listing(First) and "query" in listing(Second)
    listing(First).append("mutated")  # a caller changing its copy does not change the next answer
    assert "mutated" not in listing(First)
