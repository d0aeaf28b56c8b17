"""Lambda proxy integration: event format 1.0 and the output contract.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
(input format, output format; a malformed output is a 502) and
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html
(binary media types decide base64 handling).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from harness.gateway.authcache import AuthEntry
from harness.gateway.authorizer import validate_output
from harness.gateway.compile import compile_stage
from harness.gateway.context import Invocation
from harness.gateway.events import proxy_event, request_time
from harness.gateway.integrate import MalformedResult, parse_proxy_result
from harness.gateway.model import ApiKeyInfo, Method
from harness.gateway.responses import GatewayError
from harness.gateway.routing import RouteMatch
from tests.gateway.support import ACCOUNT, allow_policy, request

EVENT_KEYS = {"resource", "path", "httpMethod", "headers", "multiValueHeaders",
              "queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
              "stageVariables", "requestContext", "body", "isBase64Encoded"}


def invocation(headers: dict[str, str] | None = None, query: str = "", body: bytes = b"",
               variables: dict[str, str] | None = None,
               auth: AuthEntry | None = None) -> Invocation:
    req = request("POST", "/restapis/abc/dev/_user_request_/pets/7", headers or {}, body, query,
                  client="10.1.2.3")
    inv = Invocation(req, "11111111-2222-3333-4444-555555555555", 1772625600.25)
    inv.api_id, inv.stage_name, inv.path = "abc", "dev", "/pets/7"
    inv.stage = compile_stage("abc", {"stageName": "dev", "deploymentId": "dep1",
                                      "variables": variables or {}})
    method = Method("POST", "NONE", None, False, None)
    inv.match = RouteMatch("/pets/{id}", method, {"id": "7"})
    inv.auth = auth
    return inv


def test_event_has_exactly_the_format_1_0_fields() -> None:
    event = proxy_event(invocation(), "us-east-1", ACCOUNT, ())
    assert set(event) == EVENT_KEYS
    assert event["resource"] == "/pets/{id}"
    assert event["path"] == "/pets/7"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"id": "7"}
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False


def test_request_context_fields_and_time_from_the_virtual_clock() -> None:
    ctx = proxy_event(invocation(), "us-east-1", ACCOUNT, ())["requestContext"]
    assert ctx["requestTimeEpoch"] == 1772625600250
    assert ctx["requestTime"] == request_time(1772625600.25) == "04/Mar/2026:12:00:00 +0000"
    assert ctx["resourcePath"] == "/pets/{id}"
    assert ctx["stage"] == "dev" and ctx["apiId"] == "abc" and ctx["accountId"] == ACCOUNT
    assert ctx["requestId"] == "11111111-2222-3333-4444-555555555555"
    assert ctx["path"] == "/dev/pets/7"
    assert ctx["identity"]["sourceIp"] == "10.1.2.3"
    assert "authorizer" not in ctx


def test_multi_value_headers_and_query_strings() -> None:
    inv = invocation({"X-A": "1"}, query="q=1&q=2&r=")
    inv.req.raw_headers.append(("x-a", "2"))
    event = proxy_event(inv, "us-east-1", ACCOUNT, ())
    assert event["headers"]["X-A"] == "2"
    assert event["multiValueHeaders"]["X-A"] == ["1", "2"]
    assert event["queryStringParameters"] == {"q": "2", "r": ""}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"], "r": [""]}
    assert event["headers"]["X-Forwarded-For"] == "10.1.2.3"


def test_text_body_is_passed_as_string_and_binary_as_base64() -> None:
    text = proxy_event(invocation({"Content-Type": "application/json"}, body=b'{"a":1}'),
                       "us-east-1", ACCOUNT, ("image/png",))
    assert text["body"] == '{"a":1}' and text["isBase64Encoded"] is False
    raw = bytes(range(256))
    binary = proxy_event(invocation({"Content-Type": "image/png"}, body=raw), "us-east-1",
                         ACCOUNT, ("image/*",))
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == raw


def test_authorizer_context_reaches_the_function_as_strings_with_principal_id() -> None:
    entry = validate_output(json.dumps({
        "principalId": "u-9", "policyDocument": allow_policy("*"),
        "context": {"tenantId": "t1", "tier": 2, "ratio": 0.5, "admin": True}}).encode())
    event = proxy_event(invocation(auth=entry), "us-east-1", ACCOUNT, ())
    authz = event["requestContext"]["authorizer"]
    assert authz["principalId"] == "u-9"
    assert authz["tenantId"] == "t1" and authz["tier"] == "2"
    assert authz["ratio"] == "0.5" and authz["admin"] == "true"


def test_identity_carries_api_key_and_stage_variables() -> None:
    inv = invocation(variables={"env": "test"})
    inv.api_key = ApiKeyInfo("kid", "kvalue", True, None)
    event = proxy_event(inv, "us-east-1", ACCOUNT, ())
    assert event["requestContext"]["identity"]["apiKey"] == "kvalue"
    assert event["requestContext"]["identity"]["apiKeyId"] == "kid"
    assert event["stageVariables"] == {"env": "test"}


def parse(doc: Any, accept: str | None = None, binary: tuple[str, ...] = ()) -> Any:
    payload = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return parse_proxy_result(payload, accept, binary)


def test_valid_result_becomes_the_response_with_default_content_type() -> None:
    resp = parse({"statusCode": 201, "body": "hi", "headers": {"X-One": "1"}})
    assert resp.status == 201 and resp.body == b"hi"
    assert resp.header("content-type") == "application/json"
    assert resp.header("x-one") == "1"


def test_headers_and_multi_value_headers_merge() -> None:
    resp = parse({"statusCode": 200, "headers": {"A": "x", "B": "y"},
                  "multiValueHeaders": {"A": ["x", "z"], "Set-Cookie": ["c=1", "c=2"]}})
    assert [v for k, v in resp.headers if k == "A"] == ["x", "z"]
    assert [v for k, v in resp.headers if k == "Set-Cookie"] == ["c=1", "c=2"]
    assert resp.header("B") == "y"


@pytest.mark.parametrize("doc", [
    b"not json", b"[]", b'"text"', {"body": "no status"}, {"statusCode": "abc"},
    {"statusCode": 99}, {"statusCode": True}, {"statusCode": 200, "body": {"obj": 1}},
    {"statusCode": 200, "body": 5}, {"statusCode": 200, "headers": ["a"]},
    {"statusCode": 200, "headers": {"a": {"b": 1}}}, {"statusCode": 200, "isBase64Encoded": "yes"},
    {"statusCode": 200, "multiValueHeaders": {"a": "notalist"}},
    {"statusCode": 200, "unexpected": 1},
], ids=str)
def test_malformed_results_are_rejected(doc: Any) -> None:
    with pytest.raises(MalformedResult):
        parse(doc)


def test_string_status_code_is_accepted() -> None:
    assert parse({"statusCode": "404"}).status == 404


def test_base64_body_is_decoded_only_when_accept_is_a_binary_media_type() -> None:
    data = base64.b64encode(b"\x89PNG").decode()
    doc = {"statusCode": 200, "body": data, "isBase64Encoded": True}
    assert parse(doc, "image/png", ("image/png",)).body == b"\x89PNG"
    assert parse(doc, "application/json", ("image/png",)).body == data.encode()
    assert parse(doc, "image/png", ()).body == data.encode()


def test_bad_base64_for_a_binary_response_is_a_configuration_error() -> None:
    with pytest.raises(GatewayError) as exc:
        parse({"statusCode": 200, "body": "!!!", "isBase64Encoded": True}, "image/png",
              ("image/png",))
    assert exc.value.status == 500
