"""Authorization in the chain: Lambda TOKEN/REQUEST authorizers with their cache, AWS_IAM
through the edge's own ExecuteApiAuthorizer (SigV4 by botocore), and the API resource policy.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
(TOKEN/REQUEST, 401 for "Unauthorized", 403 for deny), api-gateway-lambda-authorizer-input.html,
api-gateway-lambda-authorizer-output.html, configure-api-gateway-lambda-authorization.html (cache
TTL, identity sources), https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageAuthorizersCache.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness.clock import VirtualClock
from harness.edge.app import Edge
from harness.edge.execute_api import ExecuteApiAuthorizer
from harness.edge.upstream import ROOT_KEY, ROOT_SECRET
from harness.gateway import Gateway
from tests.gateway.support import (
    ACCOUNT,
    ApiBuilder,
    FakeFunctions,
    allow_policy,
    body,
    request,
    unique,
)

PREFIX = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:"


def echo(event: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps(event)}


def policy_authorizer(event: dict[str, Any]) -> dict[str, Any]:
    """Behaviour chosen by the token: allow-all, get-pets-only, deny, unauthorized, ..."""
    token = event.get("authorizationToken") or event["headers"].get("X-Token", "")
    base = event["methodArn"].split("/", 1)[0]
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "crash":
        raise ValueError("database unreachable")
    doc: dict[str, Any] = {"principalId": f"user-{token}",
                           "policyDocument": allow_policy(base + "/*"),
                           "context": {"tenantId": "t-1", "tier": 3, "admin": False}}
    if token == "get-pets-only":
        doc["policyDocument"] = allow_policy(base + "/*/GET/pets/*")
    elif token == "deny":
        doc["policyDocument"] = allow_policy(base + "/*", effect="Deny")
    elif token == "ctx-object":
        doc["context"] = {"claims": {"sub": "x"}}
    elif token == "ctx-array":
        doc["context"] = {"groups": ["a", "b"]}
    elif token == "no-principal":
        del doc["principalId"]
    return doc


def token_api(builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions, *,
              ttl: int | None = None, validation: str | None = None,
              stages: tuple[str, ...] = ("dev",)) -> ApiBuilder:
    fake.add("app", echo)
    auth_arn = fake.add("auth", policy_authorizer)
    api = builder()
    auth = api.authorizer(auth_arn, ttl=ttl, validation=validation)
    for verb in ("GET", "DELETE"):
        api.method("/pets/{id}", verb, auth="CUSTOM", authorizer_id=auth)
    api.method("/open", "GET")
    for stage in stages:
        api.deploy(stage, gw)
    return api


def get(gw: Gateway, api: ApiBuilder, path: str, token: str | None = None,
        verb: str = "GET", stage: str = "dev") -> Any:
    headers = {"Authorization": token} if token is not None else {}
    return gw.handle(request(verb, api.path(stage, path), headers))


def test_token_authorizer_missing_header_is_401_without_invoking(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake)
    resp = get(gw, api, "/pets/1")
    assert resp.status == 401 and body(resp) == {"message": "Unauthorized"}
    assert fake.count("auth") == 0 and fake.count("app") == 0


def test_token_failing_identity_validation_expression_is_401_without_invoking(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake, validation="^[a-z-]+$")
    assert get(gw, api, "/pets/1", "Bad Token!").status == 401
    assert fake.count("auth") == 0
    assert get(gw, api, "/pets/1", "allow").status == 200


def test_authorizer_raising_unauthorized_is_401(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake)
    resp = get(gw, api, "/pets/1", "unauthorized")
    assert resp.status == 401 and body(resp) == {"message": "Unauthorized"}
    assert resp.header("x-amzn-ErrorType") == "UnauthorizedException"


def test_authorizer_failing_otherwise_is_500_configuration_error(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake)
    for token in ("crash", "no-principal"):
        resp = get(gw, api, "/pets/1", token)
        assert resp.status == 500 and body(resp) == {"message": None}
        assert resp.header("x-amzn-ErrorType") == "AuthorizerConfigurationException"
    assert fake.count("app") == 0


def test_authorizer_context_value_object_or_array_is_500(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake)
    assert get(gw, api, "/pets/1", "ctx-object").status == 500
    assert get(gw, api, "/pets/1", "ctx-array").status == 500
    assert fake.count("app") == 0


def test_policy_explicit_deny_is_403_with_explicit_deny_message(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake)
    resp = get(gw, api, "/pets/1", "deny")
    assert resp.status == 403
    assert body(resp) == {
        "Message": "User is not authorized to access this resource with an explicit deny"}
    assert resp.header("x-amzn-ErrorType") == "AccessDeniedException"


def test_cached_policy_naming_one_method_denies_another(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake)
    assert get(gw, api, "/pets/1", "get-pets-only").status == 200
    resp = get(gw, api, "/pets/1", "get-pets-only", verb="DELETE")
    assert resp.status == 403
    assert body(resp) == {"Message": "User is not authorized to access this resource"}
    assert fake.count("auth") == 1  # the second request was decided from the cache


def test_context_reaches_integration_as_strings_with_principal_id(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake)
    event = body(get(gw, api, "/pets/1", "allow"))
    authz = event["requestContext"]["authorizer"]
    assert authz["principalId"] == "user-allow"
    assert (authz["tenantId"], authz["tier"], authz["admin"]) == ("t-1", "3", "false")


def test_authorizer_receives_token_event_and_its_source_arn(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    """The authorizer is invoked from <api>/authorizers/<id>: a function that permits API
    Gateway only from that source ARN runs; one permitting another API's authorizers does not
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html)."""
    fake.add("app", echo)
    api = builder()
    allowed = fake.add(unique("auth-src"), policy_authorizer,
                       source_arn=f"{PREFIX}{api.id}/authorizers/*")
    other = fake.add(unique("auth-src"), policy_authorizer,
                     source_arn=f"{PREFIX}not{api.id}/authorizers/*")
    api.method("/pets/{id}", "GET", auth="CUSTOM", authorizer_id=api.authorizer(allowed))
    api.method("/cats/{id}", "GET", auth="CUSTOM", authorizer_id=api.authorizer(other))
    api.deploy("dev", gw)
    assert get(gw, api, "/pets/42", "allow").status == 200
    run = next(r for r in fake.runs if r.function_arn == allowed)
    assert run.event == {"type": "TOKEN", "authorizationToken": "allow",
                         "methodArn": f"{PREFIX}{api.id}/dev/GET/pets/42"}
    denied = get(gw, api, "/cats/42", "allow")
    assert denied.status == 500 and not any(r.function_arn == other for r in fake.runs)


def test_cache_hits_until_ttl_expires_on_the_virtual_clock(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions,
        clock: VirtualClock) -> None:
    api = token_api(builder, gw, fake, ttl=60)
    for _ in range(3):
        assert get(gw, api, "/pets/1", "allow").status == 200
    assert fake.count("auth") == 1
    clock.advance(61)
    assert get(gw, api, "/pets/1", "allow").status == 200
    assert fake.count("auth") == 2
    stats = next(iter(gw.metrics()["authorizers"].values()))
    assert stats == {"hits": 2, "misses": 2, "invocations": 2, "failures": 0}


def test_ttl_zero_invokes_the_authorizer_every_time(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake, ttl=0)
    for _ in range(4):
        assert get(gw, api, "/pets/1", "allow").status == 200
    assert fake.count("auth") == 4


def test_default_ttl_is_300_seconds(builder: Callable[..., ApiBuilder], gw: Gateway,
                                    fake: FakeFunctions, clock: VirtualClock) -> None:
    api = token_api(builder, gw, fake)
    get(gw, api, "/pets/1", "allow")
    clock.advance(299)
    get(gw, api, "/pets/1", "allow")
    assert fake.count("auth") == 1
    clock.advance(2)
    get(gw, api, "/pets/1", "allow")
    assert fake.count("auth") == 2


def test_cache_is_per_stage_and_per_token(builder: Callable[..., ApiBuilder], gw: Gateway,
                                          fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake, stages=("dev", "prod"))
    get(gw, api, "/pets/1", "allow", stage="dev")
    get(gw, api, "/pets/1", "allow", stage="prod")
    get(gw, api, "/pets/1", "allow2", stage="dev")
    get(gw, api, "/pets/1", "allow2", stage="dev")
    assert fake.count("auth") == 3


def test_flush_stage_authorizers_cache_forces_a_new_invocation(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = token_api(builder, gw, fake, stages=("dev", "prod"))
    get(gw, api, "/pets/1", "allow", stage="dev")
    get(gw, api, "/pets/1", "allow", stage="prod")
    gw.flush_authorizer_cache(api.id, "dev")
    get(gw, api, "/pets/1", "allow", stage="dev")
    get(gw, api, "/pets/1", "allow", stage="prod")
    assert fake.count("auth") == 3


def test_request_authorizer_event_and_identity_source_caching(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    fake.add("app", echo)
    auth_arn = fake.add("auth", policy_authorizer)
    api = builder()
    auth = api.authorizer(auth_arn, type="REQUEST", ttl=300,
                          identity_source="method.request.header.X-Token")
    api.method("/items/{id}", "GET", auth="CUSTOM", authorizer_id=auth)
    api.deploy("dev", gw)
    path = api.path("dev", "/items/3")
    missing = gw.handle(request("GET", path, {"Other": "x"}))
    assert missing.status == 401 and fake.count("auth") == 0
    assert gw.handle(request("GET", path, {"X-Token": "a"}, query="q=1")).status == 200
    assert gw.handle(request("GET", path, {"X-Token": "a"}, query="q=2")).status == 200
    assert gw.handle(request("GET", path, {"X-Token": "b"})).status == 200
    assert fake.count("auth") == 2
    event = next(r.event for r in fake.runs if r.function_arn.endswith(":auth"))
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == f"{PREFIX}{api.id}/dev/GET/items/3"
    assert event["resource"] == "/items/{id}" and event["pathParameters"] == {"id": "3"}
    assert event["headers"]["X-Token"] == "a"
    assert event["queryStringParameters"] == {"q": "1"}
    assert event["requestContext"]["stage"] == "dev"


ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def iam_api(builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> ApiBuilder:
    """AWS_IAM methods whose resource policy (in the execute-api:/ shorthand the gateway must
    expand) allows the account root everywhere and denies it /admin/locked."""
    fake.add("app", echo)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*"},
        {"Effect": "Deny", "Principal": {"AWS": ROOT}, "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*/GET/admin/locked"}]}
    api = builder(policy=json.dumps(policy))
    api.method("/admin", "GET", auth="AWS_IAM")
    api.method("/admin/locked", "GET", auth="AWS_IAM")
    api.deploy("dev", gw)
    return api


def signed(path: str, secret: str = ROOT_SECRET) -> dict[str, str]:
    """Headers of a GET signed by botocore for execute-api with the account root's key."""
    req = AWSRequest("GET", f"http://127.0.0.1:4566{path}")
    req.headers["Host"] = "127.0.0.1:4566"
    SigV4Auth(Credentials(ROOT_KEY, secret), "execute-api", "us-east-1").add_auth(req)
    return dict(req.headers.items())


def test_aws_iam_missing_auth_is_403_missing_authentication_token(
        builder: Callable[..., ApiBuilder], make_gateway: Callable[..., Gateway],
        edge: Edge, fake: FakeFunctions) -> None:
    gw = make_gateway(iam=ExecuteApiAuthorizer(edge))
    api = iam_api(builder, gw, fake)
    resp = gw.handle(request("GET", api.path("dev", "/admin")))
    assert resp.status == 403 and body(resp) == {"message": "Missing Authentication Token"}
    assert fake.runs == []


def test_aws_iam_bad_signature_is_403(
        builder: Callable[..., ApiBuilder], make_gateway: Callable[..., Gateway],
        edge: Edge, fake: FakeFunctions) -> None:
    gw = make_gateway(iam=ExecuteApiAuthorizer(edge))
    api = iam_api(builder, gw, fake)
    path = api.path("dev", "/admin")
    resp = gw.handle(request("GET", path, signed(path, secret="not-the-secret")))
    assert resp.status == 403 and "signature" in json.dumps(body(resp)).lower()
    assert fake.runs == []


def test_aws_iam_deny_is_403_with_the_aws_message(
        builder: Callable[..., ApiBuilder], make_gateway: Callable[..., Gateway],
        edge: Edge, fake: FakeFunctions) -> None:
    """The resource policy's explicit deny names the method ARN the gateway built, in AWS's words
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)."""
    gw = make_gateway(iam=ExecuteApiAuthorizer(edge))
    api = iam_api(builder, gw, fake)
    path = api.path("dev", "/admin/locked")
    resp = gw.handle(request("GET", path, signed(path)))
    assert resp.status == 403
    assert body(resp)["Message"] == (
        f"User: {ROOT} is not authorized to perform: execute-api:Invoke on resource: "
        f"{PREFIX}{api.id}/dev/GET/admin/locked with an explicit deny in a resource-based policy")
    assert resp.header("x-amzn-ErrorType") == "AccessDeniedException"
    assert fake.runs == []


def test_aws_iam_allow_fills_request_context_identity(
        builder: Callable[..., ApiBuilder], make_gateway: Callable[..., Gateway],
        edge: Edge, fake: FakeFunctions) -> None:
    gw = make_gateway(iam=ExecuteApiAuthorizer(edge))
    api = iam_api(builder, gw, fake)
    path = api.path("dev", "/admin")
    event = body(gw.handle(request("GET", path, signed(path))))
    ident = event["requestContext"]["identity"]
    assert ident["userArn"] == ROOT and ident["accountId"] == ACCOUNT
    assert ident["accessKey"] == ROOT_KEY and "authorizer" not in event["requestContext"]


def test_aws_iam_without_an_iam_checker_is_a_configuration_error(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api = iam_api(builder, gw, fake)
    assert gw.handle(request("GET", api.path("dev", "/admin"))).status == 500


def test_resource_policy_denies_by_source_ip_for_open_methods(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    fake.add("app", echo)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    ]}
    api = builder(policy=json.dumps(policy))
    api.method("/open", "GET")
    api.deploy("dev", gw)
    assert gw.handle(request("GET", api.path("dev", "/open"), client="192.168.1.1")).status == 200
    resp = gw.handle(request("GET", api.path("dev", "/open"), client="10.1.1.1"))
    assert resp.status == 403 and body(resp)["Message"].endswith("with an explicit deny")


def test_resource_policy_without_an_allow_refuses_unauthenticated_methods(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    fake.add("app", echo)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*/GET/public"}]}
    api = builder(policy=json.dumps(policy))
    api.method("/public", "GET")
    api.method("/private", "GET")
    api.deploy("dev", gw)
    assert gw.handle(request("GET", api.path("dev", "/public"))).status == 200
    resp = gw.handle(request("GET", api.path("dev", "/private")))
    assert resp.status == 403
    assert body(resp)["Message"] == (
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        f"{PREFIX}{api.id}/dev/GET/private")
