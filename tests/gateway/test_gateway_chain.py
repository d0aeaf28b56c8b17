"""The chain end to end with in-process moto and fake functions: routing answers, deployment
snapshots, change-driven config reloads, customised gateway responses, bad input.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html (a
stage serves its deployment's snapshot; redeploy to publish changes) and
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.gateway import Gateway
from tests.gateway.support import ApiBuilder, FakeFunctions, allow_policy, body, request


class CountingClient:
    """Wraps the apigateway client and counts every API call the gateway makes."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr) or name in ("can_paginate", "get_paginator"):
            if name == "get_paginator":
                def paginator(op: str) -> Any:
                    self.calls.append(op)
                    return self.inner.get_paginator(op)
                return paginator
            return attr

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attr(*args, **kwargs)
        return wrapped


def echo(event: dict[str, Any]) -> dict[str, Any]:
    import json
    return {"statusCode": 200, "body": json.dumps(event)}


def simple_api(builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions,
               **kw: Any) -> ApiBuilder:
    fake.add("app", echo)
    api = builder(**kw)
    api.method("/pets", "GET")
    api.method("/pets/{id}", "GET")
    api.deploy("dev", gw)
    return api


def test_no_matching_resource_is_403_missing_authentication_token(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = simple_api(builder, gw, fake)
    for method, path in (("GET", "/nope"), ("DELETE", "/pets"), ("GET", "/pets/1/x")):
        resp = gw.handle(request(method, api.path("dev", path)))
        assert resp.status == 403
        assert body(resp) == {"message": "Missing Authentication Token"}
        assert resp.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert fake.count("app") == 0


def test_unknown_api_is_404_and_unknown_stage_is_403_forbidden(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    """Unknown API id: LocalStack's 404 answer (AWS has no such host); unknown stage: AWS's 403."""
    api = simple_api(builder, gw, fake)
    resp = gw.handle(request("GET", "/restapis/doesnotexist/dev/_user_request_/pets"))
    assert resp.status == 404
    assert "does not correspond to a deployed API Gateway API" in body(resp)["message"]
    resp = gw.handle(request("GET", api.path("nostage", "/pets")))
    assert resp.status == 403 and body(resp) == {"message": "Forbidden"}


def test_successful_request_carries_request_id_headers(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = simple_api(builder, gw, fake)
    resp = gw.handle(request("GET", api.path("dev", "/pets/5")))
    assert resp.status == 200
    rid = resp.header("x-amzn-RequestId")
    assert rid and body(resp)["requestContext"]["requestId"] == rid
    assert resp.header("x-amz-apigw-id")


def test_stage_serves_the_api_as_deployed_until_redeployed(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = simple_api(builder, gw, fake)
    api.method("/orders", "GET")
    assert gw.handle(request("GET", api.path("dev", "/orders"))).status == 403
    api.deploy("dev", gw)
    assert gw.handle(request("GET", api.path("dev", "/orders"))).status == 200


def test_deployment_never_snapshotted_is_read_on_first_use(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    fake.add("app", echo)
    api = builder()
    api.method("/late", "GET")
    api.deploy("dev")  # not announced to the gateway: the edge was bypassed
    assert gw.handle(request("GET", api.path("dev", "/late"))).status == 200


def test_hot_path_makes_no_apigateway_calls_until_a_change_is_announced(
        builder: Callable[..., ApiBuilder], make_gateway: Callable[..., Gateway],
        apigw: Any, fake: FakeFunctions) -> None:
    client = CountingClient(apigw)
    gw = make_gateway(client=client)
    api = simple_api(builder, gw, fake)
    assert api.plan(["dev"])
    for _ in range(3):
        assert gw.handle(request("GET", api.path("dev", "/pets"))).status == 200
    client.calls.clear()
    for _ in range(50):
        assert gw.handle(request("GET", api.path("dev", "/pets/1"))).status == 200
    assert client.calls == []
    api.stage_patch("dev", [{"op": "replace", "path": "/variables/colour", "value": "blue"}])
    resp = gw.handle(request("GET", api.path("dev", "/pets/1")))
    assert body(resp)["stageVariables"] == {"colour": "blue"}
    assert client.calls == ["get_stages"]


def test_stage_variables_reach_the_function(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = simple_api(builder, gw, fake)
    api.stage_patch("dev", [{"op": "replace", "path": "/variables/table", "value": "T1"}])
    event = body(gw.handle(request("GET", api.path("dev", "/pets/9"))))
    assert event["stageVariables"] == {"table": "T1"}
    assert event["pathParameters"] == {"id": "9"}


def test_customised_gateway_response_from_put_gateway_response(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    fake.add("app", echo)
    api = builder()
    api.method("/pets", "GET")
    api.c.put_gateway_response(
        restApiId=api.id, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
        responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        responseTemplates={"application/json": '{"error":$context.error.messageString}'})
    api.deploy("dev", gw)
    resp = gw.handle(request("GET", api.path("dev", "/missing")))
    assert resp.status == 404
    assert body(resp) == {"error": "Missing Authentication Token"}
    assert resp.header("Access-Control-Allow-Origin") == "*"


def test_mock_integration_answers_without_a_function(
        builder: Callable[..., ApiBuilder], gw: Gateway) -> None:
    api = builder()
    api.method("/health", "GET", mock='{"statusCode": 200}')
    api.deploy("dev", gw)
    assert gw.handle(request("GET", api.path("dev", "/health"))).status == 200


def test_reset_forgets_snapshots_counters_and_caches(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = simple_api(builder, gw, fake)
    gw.handle(request("GET", api.path("dev", "/pets")))
    assert gw.metrics()["requests"] == 1
    gw.reset()
    assert gw.metrics()["requests"] == 0
    assert gw.handle(request("GET", api.path("dev", "/pets"))).status == 200


@pytest.fixture
def gw_hostile(builder: Callable[..., ApiBuilder], gw: Gateway,
               fake: FakeFunctions) -> tuple[Gateway, ApiBuilder]:
    fake.add("app", echo)

    def authorizer(event: dict[str, Any]) -> dict[str, Any]:
        if event["authorizationToken"] != "ok":
            raise Exception("Unauthorized")
        return {"principalId": "p", "policyDocument": allow_policy("*")}

    auth_arn = fake.add("auth", authorizer)
    api = builder()
    auth = api.authorizer(auth_arn)
    api.method("/{proxy+}", "ANY")
    api.method("/secure/{proxy+}", "ANY", auth="CUSTOM", authorizer_id=auth)
    api.method("/keyed", "GET", key_required=True)
    api.deploy("dev", gw)
    return gw, api


_text = st.text(alphabet=st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40)


@settings(max_examples=60, deadline=None)
@given(path=st.lists(_text, max_size=5), query=_text, hname=st.sampled_from(
    ["Authorization", "x-api-key", "Content-Type", "Accept", "X-Forwarded-For"]), hval=_text,
       verb=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "FOO"]),
       payload=st.binary(max_size=64))
def test_hostile_input_never_gets_a_5xx_from_the_gateway(
        gw_hostile: tuple[Gateway, ApiBuilder], path: list[str], query: str, hname: str,
        hval: str, verb: str, payload: bytes) -> None:
    gw, api = gw_hostile
    resp = gw.handle(request(verb, api.path("dev", "/" + "/".join(path)), {hname: hval},
                             payload, query=query))
    assert resp.status < 500, (resp.status, resp.body)
    assert resp.header("x-amzn-RequestId")
