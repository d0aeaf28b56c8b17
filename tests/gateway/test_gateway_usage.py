"""API keys (HEADER and AUTHORIZER sources), throttling in AWS's order, quotas, GetUsage.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
(order: usage plan per-method, usage plan per client, stage/method, account 10,000 rps / 5,000
burst), https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html,
https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateUsage.html
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from harness.clock import VirtualClock
from harness.gateway import Gateway
from harness.gateway.model import Limits
from tests.gateway.support import ApiBuilder, FakeFunctions, allow_policy, body, request


def echo(event: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps(event)}


def header_api(builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions,
               **plan: Any) -> tuple[ApiBuilder, str, str, str]:
    fake.add("app", echo)
    api = builder()
    api.method("/pets", "GET", key_required=True)
    api.method("/pets", "POST", key_required=True)
    api.method("/free", "GET")
    api.deploy("dev", gw)
    api.deploy("prod", gw)
    plan_id = api.plan(["dev"], **plan)
    key_id, value = api.key([plan_id])
    return api, plan_id, key_id, value


def call(gw: Gateway, api: ApiBuilder, key: str | None, path: str = "/pets",
         stage: str = "dev", verb: str = "GET") -> Any:
    headers = {"x-api-key": key} if key is not None else {}
    return gw.handle(request(verb, api.path(stage, path), headers))


def test_header_key_admits_and_reaches_identity(builder: Callable[..., ApiBuilder],
                                                gw: Gateway, fake: FakeFunctions) -> None:
    api, _, key_id, value = header_api(builder, gw, fake)
    resp = call(gw, api, value)
    assert resp.status == 200
    ident = body(resp)["requestContext"]["identity"]
    assert (ident["apiKey"], ident["apiKeyId"]) == (value, key_id)


def test_missing_unknown_disabled_or_unplanned_key_is_403_forbidden(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api, plan_id, _, value = header_api(builder, gw, fake)
    _, disabled = api.key([plan_id], enabled=False)
    _, unplanned = api.key([])
    cases = [call(gw, api, None), call(gw, api, "nope-" + value), call(gw, api, disabled),
             call(gw, api, unplanned), call(gw, api, value, stage="prod")]
    for resp in cases:
        assert resp.status == 403 and body(resp) == {"message": "Forbidden"}
        assert resp.header("x-amzn-ErrorType") == "ForbiddenException"
    assert call(gw, api, None, "/free").status == 200
    assert fake.count("app") == 1


def test_disabling_a_key_takes_effect_without_redeploying(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api, _, key_id, value = header_api(builder, gw, fake)
    assert call(gw, api, value).status == 200
    api._w("UpdateApiKey", api.c.update_api_key, apiKey=key_id,
           patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}])
    assert call(gw, api, value).status == 403


def authorizer_api(builder: Callable[..., ApiBuilder], gw: Gateway,
                   fake: FakeFunctions) -> tuple[ApiBuilder, str, str]:
    fake.add("app", echo)
    api = builder(apiKeySource="AUTHORIZER")
    plan_id = api.plan(["dev"], quota={"limit": 2, "period": "DAY"})
    key_id, value = api.key([plan_id])

    def authorizer(event: dict[str, Any]) -> dict[str, Any]:
        token = event["authorizationToken"]
        usage = value if token == "good" else "not-a-key-value-000000000000"
        return {"principalId": token, "usageIdentifierKey": usage,
                "policyDocument": allow_policy("*")}

    auth = api.authorizer(fake.add("auth", authorizer))
    api.method("/orders", "GET", auth="CUSTOM", authorizer_id=auth, key_required=True)
    api.deploy("dev", gw)
    return api, key_id, value


def test_authorizer_key_source_uses_usage_identifier_key_and_ignores_x_api_key(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api, key_id, value = authorizer_api(builder, gw, fake)
    path = api.path("dev", "/orders")
    ok = gw.handle(request("GET", path, {"Authorization": "good", "x-api-key": "garbage"}))
    assert ok.status == 200
    assert body(ok)["requestContext"]["identity"]["apiKeyId"] == key_id
    spoof = gw.handle(request("GET", path, {"Authorization": "bad", "x-api-key": value}))
    assert spoof.status == 403 and body(spoof) == {"message": "Forbidden"}


def test_plan_throttle_admits_burst_then_429_too_many_requests(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions,
        clock: VirtualClock) -> None:
    api, _, _, value = header_api(builder, gw, fake, throttle={"rateLimit": 2, "burstLimit": 4})
    statuses = [call(gw, api, value).status for _ in range(6)]
    assert statuses == [200] * 4 + [429] * 2
    resp = call(gw, api, value)
    assert body(resp) == {"message": "Too Many Requests"}
    assert resp.header("x-amzn-ErrorType") == "TooManyRequestsException"
    clock.advance(1.0)
    assert [call(gw, api, value).status for _ in range(3)] == [200, 200, 429]
    assert gw.metrics()["throttled"]["usage_plan"] == 4


def test_plan_per_method_throttle_applies_before_the_per_key_one(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api, _, _, value = header_api(builder, gw, fake, throttle={"rateLimit": 100,
                                                                "burstLimit": 100},
                                  method_throttle={"/pets/POST": {"rateLimit": 1,
                                                                  "burstLimit": 1}})
    assert [call(gw, api, value, verb="POST").status for _ in range(3)] == [200, 429, 429]
    assert call(gw, api, value, verb="GET").status == 200
    assert gw.metrics()["throttled"] == {"usage_plan_method": 2, "total": 2}


def test_stage_method_settings_throttle_each_method(builder: Callable[..., ApiBuilder],
                                                    gw: Gateway, fake: FakeFunctions) -> None:
    fake.add("app", echo)
    api = builder()
    api.method("/a", "GET")
    api.method("/b", "GET")
    api.deploy("dev", gw)
    api.stage_patch("dev", [
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "2"},
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1"},
        {"op": "replace", "path": "/~1b/GET/throttling/burstLimit", "value": "3"}])
    a = [gw.handle(request("GET", api.path("dev", "/a"))).status for _ in range(4)]
    b = [gw.handle(request("GET", api.path("dev", "/b"))).status for _ in range(4)]
    assert a == [200, 200, 429, 429]  # the */* default applies to each method separately
    assert b == [200, 200, 200, 429]
    assert gw.metrics()["throttled"]["stage_method"] == 3


class SmallAccount:
    """An apigateway client whose GetAccount reports tiny account limits."""

    def __init__(self, inner: Any, limits: dict[str, Any]) -> None:
        self.inner = inner
        self.limits = limits

    def __getattr__(self, name: str) -> Any:
        if name == "get_account":
            return lambda: {"throttleSettings": self.limits}
        return getattr(self.inner, name)


def test_account_throttle_applies_last_and_defaults_to_10000_rps_5000_burst(
        builder: Callable[..., ApiBuilder], make_gateway: Callable[..., Gateway],
        apigw: Any, fake: FakeFunctions) -> None:
    assert make_gateway().store.account_limits() == Limits(10000.0, 5000.0)
    gw = make_gateway(client=SmallAccount(apigw, {"rateLimit": 1.0, "burstLimit": 2}))
    fake.add("app", echo)
    api = builder()
    api.method("/a", "GET")
    api.method("/b", "GET")
    api.deploy("dev", gw)
    statuses = [gw.handle(request("GET", api.path("dev", p))).status for p in ("/a", "/b", "/a")]
    assert statuses == [200, 200, 429]
    assert gw.metrics()["throttled"] == {"account": 1, "total": 1}


def test_throttle_is_exact_under_concurrent_requests(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api, _, _, value = header_api(builder, gw, fake, throttle={"rateLimit": 1,
                                                                "burstLimit": 40})
    counts: Counter[int] = Counter()
    lock = threading.Lock()

    def worker() -> None:
        mine = Counter(call(gw, api, value).status for _ in range(10))
        with lock:
            counts.update(mine)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts == Counter({200: 40, 429: 80})


def test_quota_exhausted_is_429_limit_exceeded_and_resets_next_utc_day(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions,
        clock: VirtualClock) -> None:
    api, _, _, value = header_api(builder, gw, fake, quota={"limit": 3, "period": "DAY"})
    assert [call(gw, api, value).status for _ in range(4)] == [200, 200, 200, 429]
    resp = call(gw, api, value)
    assert body(resp) == {"message": "Limit Exceeded"}
    assert resp.header("x-amzn-ErrorType") == "LimitExceededException"
    clock.advance(12 * 3600 - 1)  # T0 is noon UTC: one second before midnight
    assert call(gw, api, value).status == 429
    clock.advance(1)
    assert call(gw, api, value).status == 200


def test_throttled_requests_do_not_count_against_the_quota(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions,
        clock: VirtualClock) -> None:
    api, plan_id, key_id, value = header_api(
        builder, gw, fake, throttle={"rateLimit": 1, "burstLimit": 1},
        quota={"limit": 2, "period": "DAY"})
    assert [call(gw, api, value).status for _ in range(3)] == [200, 429, 429]
    clock.advance(1)
    assert call(gw, api, value).status == 200
    clock.advance(1)
    assert call(gw, api, value).status == 429
    assert body(call(gw, api, value)) == {"message": "Too Many Requests"}
    day = "2026-03-04"
    usage = gw.get_usage(plan_id, day, day)
    assert usage["items"][key_id] == [[2, 0]]


def test_get_usage_reports_per_key_per_day_used_and_remaining(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions,
        clock: VirtualClock) -> None:
    api, plan_id, key_id, value = header_api(builder, gw, fake,
                                             quota={"limit": 10, "period": "WEEK"})
    other_id, other = api.key([plan_id])
    for _ in range(3):
        call(gw, api, value)
    clock.advance(86400)
    call(gw, api, value)
    call(gw, api, other)
    usage = gw.get_usage(plan_id, "2026-03-03", "2026-03-06")
    assert set(usage) == {"usagePlanId", "startDate", "endDate", "items"}
    assert usage["usagePlanId"] == plan_id
    assert (usage["startDate"], usage["endDate"]) == ("2026-03-03", "2026-03-06")
    assert usage["items"][key_id] == [[0, 10], [3, 7], [1, 6], [0, 6]]
    assert usage["items"][other_id] == [[0, 10], [0, 10], [1, 9], [0, 9]]
    only = gw.get_usage(plan_id, "2026-03-05", "2026-03-05", key_id=other_id)
    assert only["items"] == {other_id: [[1, 9]]}
    page = gw.get_usage(plan_id, "2026-03-05", "2026-03-05", limit=1)
    assert len(page["items"]) == 1 and page["position"] == "1"


def test_get_usage_rejects_bad_input(builder: Callable[..., ApiBuilder], gw: Gateway,
                                     fake: FakeFunctions) -> None:
    _, plan_id, _, _ = header_api(builder, gw, fake)
    with pytest.raises(ValueError):
        gw.get_usage(plan_id, "2026-03-05", "2026-03-01")
    with pytest.raises(ValueError):
        gw.get_usage(plan_id, "yesterday", "2026-03-01")
    with pytest.raises(LookupError):
        gw.get_usage("noplan", "2026-03-01", "2026-03-01")


def test_update_usage_extends_the_remaining_quota(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions) -> None:
    api, plan_id, key_id, value = header_api(builder, gw, fake,
                                             quota={"limit": 1, "period": "MONTH"})
    assert [call(gw, api, value).status for _ in range(2)] == [200, 429]
    doc = gw.update_usage(plan_id, key_id, [{"op": "replace", "path": "/remaining",
                                              "value": "2"}])
    assert doc["items"][key_id] == [[1, 2]]
    assert [call(gw, api, value).status for _ in range(3)] == [200, 200, 429]


def test_quota_offset_applies_to_the_initial_period(
        builder: Callable[..., ApiBuilder], gw: Gateway, fake: FakeFunctions,
        clock: VirtualClock) -> None:
    api, _, _, value = header_api(builder, gw, fake,
                                  quota={"limit": 3, "offset": 2, "period": "DAY"})
    assert [call(gw, api, value).status for _ in range(2)] == [200, 429]
    clock.advance(86400)
    assert [call(gw, api, value).status for _ in range(4)] == [200, 200, 200, 429]
