"""Lambda proxy integration failures and their gateway responses, through the target's invoker.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
(malformed output -> 502 "Internal server error"), https://docs.aws.amazon.com/apigateway/latest/
developerguide/limits.html (integration timeout 50 ms - 29 s, default 29 s),
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
(INTEGRATION_TIMEOUT 504), https://repost.aws/knowledge-center/api-gateway-internal-server-error
(missing invoke permission or a throttled function -> 500 "Internal server error",
response type API_CONFIGURATION_ERROR).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from harness.gateway import Gateway
from tests.gateway.support import (
    ACCOUNT,
    ApiBuilder,
    FakeFunctions,
    body,
    lambda_arn,
    request,
    unique,
)


def api_with(builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions,
             fn: Callable[[dict[str, Any]], Any], **method: Any) -> ApiBuilder:
    fake.add("app", fn)
    api = builder()
    api.method("/r/{id}", "ANY", **method)
    api.deploy("dev", gw)
    return api


def hit(gw: Gateway, api: ApiBuilder, verb: str = "GET", headers: dict[str, str] | None = None,
        data: bytes = b"") -> Any:
    return gw.handle(request(verb, api.path("dev", "/r/1"), headers or {}, data))


def test_function_error_is_502_internal_server_error(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    def boom(event: dict[str, Any]) -> Any:
        raise RuntimeError("kaput")

    resp = hit(gw, api_with(builder, gw, fake, boom))
    assert resp.status == 502 and body(resp) == {"message": "Internal server error"}


def test_malformed_function_result_is_502(builder: Callable[..., ApiBuilder], gw: Gateway,
                                          fake: FakeFunctions) -> None:
    results = iter([{"statusCode": 200, "body": {"not": "a string"}}, "just a string",
                    {"statusCode": "x"}, {"body": "no status"}])
    api = api_with(builder, gw, fake, lambda e: next(results))
    for _ in range(4):
        resp = hit(gw, api)
        assert resp.status == 502 and body(resp) == {"message": "Internal server error"}
    assert gw.metrics()["integration_errors"] == 4


def test_missing_invoke_permission_is_500(builder: Callable[..., ApiBuilder], gw: Gateway,
                                          fake: FakeFunctions) -> None:
    unpermitted = fake.add(unique("noperm"), lambda e: {"statusCode": 200}, permitted=False)
    api = builder()
    api.method("/r/{id}", "GET", function_arn=unpermitted)
    api.deploy("dev", gw)
    resp = hit(gw, api)
    assert resp.status == 500 and body(resp) == {"message": "Internal server error"}
    assert fake.runs == []


def test_missing_function_is_500(builder: Callable[..., ApiBuilder], gw: Gateway,
                                 fake: FakeFunctions) -> None:
    api = builder()
    api.method("/r/{id}", "GET", function_arn=lambda_arn("ghost"))
    api.deploy("dev", gw)
    assert hit(gw, api).status == 500


def test_integration_timeout_is_504_and_uses_timeout_in_millis(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    def slow(event: dict[str, Any]) -> Any:
        raise TimeoutError

    api = api_with(builder, gw, fake, slow, timeout_ms=1500)
    resp = hit(gw, api)
    assert resp.status == 504 and body(resp) == {"message": "Endpoint request timed out"}
    assert fake.runs[-1].timeout_override_s == 1.5


def test_function_timing_out_on_its_own_shorter_timeout_is_502(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    """A function timeout below the integration's is a function error, not 504."""
    def slow(event: dict[str, Any]) -> Any:
        raise TimeoutError

    api = api_with(builder, gw, fake, slow)
    resp = hit(gw, api)
    assert resp.status == 502 and body(resp) == {"message": "Internal server error"}
    assert fake.runs[-1].timeout_override_s is None  # the function's 3 s timeout governs


def test_default_integration_timeout_is_29_seconds(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    long_running = fake.add(unique("long"), lambda e: {"statusCode": 204}, timeout=60)
    api = builder()
    api.method("/r/{id}", "ANY", function_arn=long_running)
    api.deploy("dev", gw)
    assert hit(gw, api).status == 204
    assert fake.runs[-1].timeout_override_s == 29.0


def test_function_is_invoked_with_the_method_source_arn(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    """A permission scoped to the method's source ARN lets exactly that method invoke."""
    api = builder()
    source = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api.id}/dev/PUT/r/{{id}}"
    scoped = fake.add(unique("scoped"), lambda e: {"statusCode": 200}, source_arn=source)
    api.method("/r/{id}", "PUT", function_arn=scoped)
    api.method("/r/{id}", "GET", function_arn=scoped)
    api.deploy("dev", gw)
    assert hit(gw, api, verb="PUT").status == 200
    assert hit(gw, api, verb="GET").status == 500
    assert len(fake.runs) == 1


def test_function_headers_status_and_multi_value_headers_are_returned(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = api_with(builder, gw, fake, lambda e: {
        "statusCode": 418, "headers": {"Content-Type": "text/plain", "X-Tenant": "t1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "teapot"})
    resp = hit(gw, api)
    assert resp.status == 418 and resp.body == b"teapot"
    assert resp.header("content-type") == "text/plain" and resp.header("x-tenant") == "t1"
    assert [v for k, v in resp.headers if k == "Set-Cookie"] == ["a=1", "b=2"]


def test_binary_bodies_round_trip_with_binary_media_types(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    seen: list[dict[str, Any]] = []

    def fn(event: dict[str, Any]) -> Any:
        seen.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                "body": event["body"], "isBase64Encoded": True}

    fake.add("app", fn)
    api = builder()
    api._w("UpdateRestApi", api.c.update_rest_api, restApiId=api.id, patchOperations=[
        {"op": "add", "path": "/binaryMediaTypes/image~1png", "value": "image/png"}])
    api.method("/r/{id}", "POST")
    api.deploy("dev", gw)
    raw = bytes(range(256))
    resp = hit(gw, api, "POST", {"Content-Type": "image/png", "Accept": "image/png"}, raw)
    assert seen[-1]["isBase64Encoded"] is True
    assert resp.status == 200 and resp.body == raw
    text = hit(gw, api, "POST", {"Content-Type": "image/png", "Accept": "application/json"}, raw)
    assert text.body == base64.b64encode(raw)


def test_request_body_reaches_the_function_as_text(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = api_with(builder, gw, fake, lambda e: {"statusCode": 200, "body": json.dumps(e)})
    event = body(hit(gw, api, "POST", {"Content-Type": "application/json"}, b'{"x": 1}'))
    assert event["body"] == '{"x": 1}' and event["isBase64Encoded"] is False
    assert event["httpMethod"] == "POST" and event["resource"] == "/r/{id}"
