"""Through real HTTP with real Lambda workers: the issue's "must show" list for the gateway.

A HarnessHTTPServer serves HarnessApp(gateway=...) on a free port; authorizer and handler run
in harness.runtime worker subprocesses, invoked by the target's own GatewayInvoker (function
lookup through the Lambda API, resource-policy check); configuration lives in in-process moto.
Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html,
https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harness.app import HarnessApp
from harness.changes import ChangeFeed
from harness.clock import VirtualClock
from harness.edge.app import Edge
from harness.edge.awslambda.models import CodeStore
from harness.edge.upstream import InProcessMoto
from harness.gateway import Gateway
from harness.gateway.bench import measure
from harness.http import HttpRequest, HttpResponse, json_response
from harness.runtime import FunctionConfig, Runtime, SessionCredentials
from harness.server import HarnessHTTPServer
from tests.gateway.conftest import T0
from tests.gateway.support import ACCOUNT, REGION, ApiBuilder, FunctionDeployer, gateway_invoker

AUTH_CODE = '''
def handler(event, context):
    kind, _, key = event["authorizationToken"].partition(":")
    base = event["methodArn"].split("/", 1)[0]
    if kind == "unauthorized":
        raise Exception("Unauthorized")
    if kind == "crash":
        raise RuntimeError("boom")
    resource = base + ("/*/GET/*" if kind == "getonly" else "/*")
    doc = {"principalId": "user-" + kind,
           "policyDocument": {"Version": "2012-10-17", "Statement": [
               {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}]},
           "context": {"tenantId": "t1", "tier": 2, "premium": True}}
    if kind == "ctxobject":
        doc["context"] = {"claims": {"sub": "1"}}
    if key:
        doc["usageIdentifierKey"] = key
    return doc
'''

APP_CODE = '''
import json, time


def handler(event, context):
    path = event["path"]
    if path.startswith("/slow"):
        time.sleep(2)
    if path.startswith("/malformed"):
        return {"statusCode": 200, "body": {"not": "a string"}}
    if path.startswith("/boom"):
        raise ValueError("boom")
    ctx = event["requestContext"]
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"authorizer": ctx.get("authorizer"), "path": path,
                                "apiKeyId": ctx["identity"].get("apiKeyId")})}
'''


class NotFound:
    def handle(self, req: HttpRequest) -> HttpResponse:
        return json_response(404, {"message": "not here"})


@dataclass
class Env:
    gw: Gateway
    api: ApiBuilder
    clock: VirtualClock
    port: int
    keys: dict[str, str]
    auth_ids: dict[str, str]

    def call(self, method: str, stage: str, path: str,
             headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, self.api.path(stage, path), headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None, dict(resp.getheaders())
        finally:
            conn.close()

    def invocations(self, auth: str) -> int:
        stats = self.gw.metrics()["authorizers"].get(f"{self.api.id}/dev/{self.auth_ids[auth]}")
        return int(stats["invocations"]) if stats else 0


def static_credentials(clock: VirtualClock) -> Any:
    def provide(config: FunctionConfig) -> SessionCredentials:
        return SessionCredentials("ASIATESTGATEWAY00001", "secret", "token", clock.now() + 3600)
    return provide


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    clock = VirtualClock(frozen_at=T0)
    changes = ChangeFeed()
    upstream = InProcessMoto(REGION, ACCOUNT)
    client = upstream.client("apigateway")
    runtime = Runtime(endpoint_url="http://127.0.0.1:9", region=REGION, account=ACCOUNT,
                      credentials=static_credentials(clock), clock=clock,
                      work_dir=Path(tmp_path_factory.mktemp("gw-runtime")))
    code = CodeStore()
    deployer = FunctionDeployer(upstream, changes, code)
    auth_arn = deployer.deploy("gw-auth", AUTH_CODE)
    app_arn = deployer.deploy("gw-app", APP_CODE, timeout=5)
    invoker = gateway_invoker(Edge(upstream, clock, changes), code, runtime)
    gw = Gateway(apigateway_client_factory=lambda: client, invoke=invoker, iam=None,
                 clock=clock, changes=changes, region=REGION, account=ACCOUNT)
    api = ApiBuilder(client, changes, apiKeySource="AUTHORIZER")
    cached = api.authorizer(auth_arn, ttl=300)
    uncached = api.authorizer(auth_arn, ttl=0)
    for verb in ("GET", "DELETE"):
        api.method("/items", verb, auth="CUSTOM", authorizer_id=cached, key_required=True,
                   function_arn=app_arn)
    api.method("/ttl0", "GET", auth="CUSTOM", authorizer_id=uncached, function_arn=app_arn)
    api.method("/malformed", "GET", function_arn=app_arn)
    api.method("/boom", "GET", function_arn=app_arn)
    api.method("/slow", "GET", function_arn=app_arn, timeout_ms=300)
    keys = {}
    for stage, plan in (("dev", {}), ("rate", {"throttle": {"rateLimit": 4, "burstLimit": 4}}),
                        ("quota", {"quota": {"limit": 3, "period": "DAY"}})):
        api.deploy(stage, gw)
        keys[stage] = api.key([api.plan([stage], **plan)])[1]
    server = HarnessHTTPServer(HarnessApp(NotFound(), NotFound(), gw), "127.0.0.1", 0)
    server.serve_in_thread()
    try:
        yield Env(gw, api, clock, server.port, keys, {"cached": cached, "ttl0": uncached})
    finally:
        server.stop()
        runtime.shutdown()


def token(env: Env, kind: str = "allow", stage: str = "dev") -> dict[str, str]:
    return {"Authorization": f"{kind}:{env.keys[stage]}"}


def test_http_authorizer_key_source_works_and_client_x_api_key_is_ignored(env: Env) -> None:
    status, doc, headers = env.call("GET", "dev", "/items",
                                    {**token(env), "x-api-key": "client-supplied-garbage"})
    assert status == 200 and doc["apiKeyId"]
    assert headers["x-amzn-RequestId"]
    status, doc, _ = env.call("GET", "dev", "/items", {"Authorization": "allow:not-a-key",
                                                       "x-api-key": env.keys["dev"]})
    assert (status, doc) == (403, {"message": "Forbidden"})


def test_http_context_values_reach_the_function_as_strings(env: Env) -> None:
    status, doc, _ = env.call("GET", "dev", "/items", token(env, "ctxtest"))
    assert status == 200
    authz = doc["authorizer"]
    assert authz["principalId"] == "user-ctxtest"
    assert (authz["tenantId"], authz["tier"], authz["premium"]) == ("t1", "2", "true")


def test_http_cached_policy_naming_one_method_denies_another(env: Env) -> None:
    before = env.invocations("cached")
    assert env.call("GET", "dev", "/items", token(env, "getonly"))[0] == 200
    status, doc, headers = env.call("DELETE", "dev", "/items", token(env, "getonly"))
    assert status == 403
    assert doc == {"Message": "User is not authorized to access this resource"}
    assert headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert env.invocations("cached") == before + 1


def test_http_ttl_zero_invokes_the_authorizer_every_time(env: Env) -> None:
    before = env.invocations("ttl0")
    for _ in range(3):
        assert env.call("GET", "dev", "/ttl0", token(env))[0] == 200
    assert env.invocations("ttl0") == before + 3


def test_http_authorizer_unauthorized_is_401(env: Env) -> None:
    status, doc, headers = env.call("GET", "dev", "/items", {"Authorization": "unauthorized"})
    assert (status, doc) == (401, {"message": "Unauthorized"})
    assert headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert env.call("GET", "dev", "/items")[0] == 401


def test_http_authorizer_context_object_is_500(env: Env) -> None:
    status, doc, headers = env.call("GET", "dev", "/items", token(env, "ctxobject"))
    assert (status, doc) == (500, {"message": None})
    assert headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_http_malformed_function_result_is_502(env: Env) -> None:
    status, doc, _ = env.call("GET", "dev", "/malformed")
    assert (status, doc) == (502, {"message": "Internal server error"})
    assert env.call("GET", "dev", "/boom")[:2] == (502, {"message": "Internal server error"})


def test_http_integration_timeout_is_504(env: Env) -> None:
    status, doc, _ = env.call("GET", "dev", "/slow")
    assert (status, doc) == (504, {"message": "Endpoint request timed out"})


def test_http_no_route_is_403_missing_authentication_token(env: Env) -> None:
    status, doc, headers = env.call("GET", "dev", "/nowhere")
    assert (status, doc) == (403, {"message": "Missing Authentication Token"})
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_http_burst_admitted_then_429_then_steady_rate_on_the_virtual_clock(env: Env) -> None:
    headers = token(env, "allow", "rate")
    first = [env.call("GET", "rate", "/items", headers)[0] for _ in range(6)]
    assert first == [200] * 4 + [429] * 2
    status, doc, _ = env.call("GET", "rate", "/items", headers)
    assert (status, doc) == (429, {"message": "Too Many Requests"})
    per_second = []
    for _ in range(4):
        env.clock.advance(1.0)
        per_second.append(sum(env.call("GET", "rate", "/items", headers)[0] == 200
                              for _ in range(7)))
    assert per_second == [4, 4, 4, 4]  # the plan's rate: 4 requests per virtual second


def test_http_quota_exhausted_is_limit_exceeded_and_resets_at_the_period_boundary(
        env: Env) -> None:
    headers = token(env, "allow", "quota")
    statuses = [env.call("GET", "quota", "/items", headers)[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    status, doc, headers_out = env.call("GET", "quota", "/items", headers)
    assert (status, doc) == (429, {"message": "Limit Exceeded"})
    assert headers_out["x-amzn-ErrorType"] == "LimitExceededException"
    now = datetime.fromtimestamp(env.clock.now(), UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    env.clock.advance((midnight - now).total_seconds() - 1)
    assert env.call("GET", "quota", "/items", headers)[0] == 429
    env.clock.advance(1)
    assert env.call("GET", "quota", "/items", headers)[0] == 200


def test_http_warm_path_is_served_from_the_authorizer_cache_and_counted(env: Env) -> None:
    base = f"http://127.0.0.1:{env.port}"
    result = measure(base, env.api.path("dev", "/items"), token(env, "bench"), 200, 8)
    assert result["sequential_status"] == {"200": 200}
    assert result["status"] == {"200": 200}
    assert result["p50_ms"] > 0  # speed is judged by `saas-harness bench gateway`
    metrics = env.gw.metrics()
    assert metrics["by_status"]["200"] >= 400
    assert metrics["authorizers"][f"{env.api.id}/dev/{env.auth_ids['cached']}"]["hits"] >= 400
