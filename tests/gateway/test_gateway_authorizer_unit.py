"""Authorizer output validation, cached-policy evaluation against method ARNs, identity sources,
and the result cache (TTL, keying, flush, counters).

Docs: output https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html;
input https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html;
caching https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.clock import VirtualClock
from harness.gateway.authcache import AuthEntry, AuthorizerCache
from harness.gateway.authorizer import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    BadAuthorizerOutput,
    LambdaAuthorizers,
    decide,
    validate_output,
)
from harness.gateway.compile import compile_authorizer
from harness.gateway.context import Invocation
from harness.gateway.responses import GatewayError
from harness.iam import Caller
from harness.runtime import InvokeResult
from tests.gateway.support import ACCOUNT, allow_policy, request

ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/dev"
CALLER = Caller(arn=f"arn:aws:iam::{ACCOUNT}:user/x", account=ACCOUNT, kind="user")


def out(**fields: Any) -> bytes:
    """An authorizer answer; a field given as ... is left out."""
    doc: dict[str, Any] = {"principalId": "user-1",
                           "policyDocument": allow_policy(f"{ARN}/*/*")}
    doc.update(fields)
    return json.dumps({k: v for k, v in doc.items() if v is not ...}).encode()


def test_valid_output_keeps_principal_context_and_usage_key() -> None:
    entry = validate_output(out(context={"tenant": "t1", "n": 3, "f": 1.5, "b": False},
                                usageIdentifierKey="k" * 20))
    assert entry.principal_id == "user-1"
    assert entry.context == {"tenant": "t1", "n": 3, "f": 1.5, "b": False}
    assert entry.usage_key == "k" * 20


@pytest.mark.parametrize("payload", [
    b"not json", b"[1,2]", b'"str"', out(principalId=...), out(principalId=None),
    out(principalId={"a": 1}), out(policyDocument=...), out(policyDocument="{}"),
    out(policyDocument={"Statement": "nope"}), out(context=[1]),
    out(context={"o": {"nested": 1}}), out(context={"a": [1, 2]}), out(context={"z": None}),
    out(usageIdentifierKey=5),
], ids=lambda p: p.decode()[:40])
def test_unusable_output_is_a_configuration_error(payload: bytes) -> None:
    with pytest.raises(BadAuthorizerOutput):
        validate_output(payload)


def entry_for(policy: dict[str, Any]) -> AuthEntry:
    return validate_output(json.dumps({"principalId": "p", "policyDocument": policy}).encode())


def test_policy_naming_one_method_denies_others_by_omission() -> None:
    entry = entry_for(allow_policy(f"{ARN}/GET/pets/*"))
    assert decide(entry, f"{ARN}/GET/pets/1", CALLER) == ALLOW
    assert decide(entry, f"{ARN}/DELETE/pets/1", CALLER) == IMPLICIT_DENY
    assert decide(entry, f"{ARN}/GET/orders", CALLER) == IMPLICIT_DENY


def test_explicit_deny_wins_over_allow() -> None:
    policy = allow_policy(f"{ARN}/*")
    policy["Statement"].append({"Effect": "Deny", "Action": "execute-api:Invoke",
                                "Resource": f"{ARN}/DELETE/*"})
    entry = entry_for(policy)
    assert decide(entry, f"{ARN}/GET/x", CALLER) == ALLOW
    assert decide(entry, f"{ARN}/DELETE/x", CALLER) == EXPLICIT_DENY


def test_decisions_are_memoised_per_method_arn() -> None:
    entry = entry_for(allow_policy(f"{ARN}/GET/*"))
    decide(entry, f"{ARN}/GET/a", CALLER)
    decide(entry, f"{ARN}/POST/a", CALLER)
    assert entry.decisions == {f"{ARN}/GET/a": ALLOW, f"{ARN}/POST/a": IMPLICIT_DENY}


def make_entry() -> AuthEntry:
    return entry_for(allow_policy("*"))


def test_cache_ttl_expires_on_the_virtual_clock() -> None:
    clock = VirtualClock(frozen_at=1000.0)
    cache = AuthorizerCache(clock.now)
    key = ("api", "dev", "auth", ("tok",))
    cache.put(key, make_entry(), 300)
    clock.advance(299.9)
    assert cache.get(key) is not None
    clock.advance(0.2)
    assert cache.get(key) is None
    assert cache.snapshot()["api/dev/auth"] == {"hits": 1, "misses": 1, "invocations": 0,
                                                "failures": 0}


def test_cache_is_keyed_by_identity_authorizer_and_stage() -> None:
    clock = VirtualClock(frozen_at=1000.0)
    cache = AuthorizerCache(clock.now)
    cache.put(("api", "dev", "a1", ("tok",)), make_entry(), 300)
    assert cache.get(("api", "dev", "a1", ("tok",))) is not None
    assert cache.get(("api", "dev", "a1", ("other",))) is None
    assert cache.get(("api", "dev", "a2", ("tok",))) is None
    assert cache.get(("api", "prod", "a1", ("tok",))) is None


def test_flush_empties_one_stage_only() -> None:
    clock = VirtualClock(frozen_at=1000.0)
    cache = AuthorizerCache(clock.now)
    cache.put(("api", "dev", "a", ("1",)), make_entry(), 300)
    cache.put(("api", "dev", "a", ("2",)), make_entry(), 300)
    cache.put(("api", "prod", "a", ("1",)), make_entry(), 300)
    assert cache.flush("api", "dev") == 2
    assert cache.get(("api", "dev", "a", ("1",))) is None
    assert cache.get(("api", "prod", "a", ("1",))) is not None


@pytest.mark.parametrize(("raw", "ttl"), [(None, 300), (0, 0), (60, 60), (7200, 3600), (-5, 0)])
def test_ttl_default_300_zero_disables_max_3600(raw: int | None, ttl: int) -> None:
    doc: dict[str, Any] = {"id": "a", "type": "TOKEN"}
    if raw is not None:
        doc["authorizerResultTtlInSeconds"] = raw
    assert compile_authorizer(doc).ttl == ttl


def invocation(headers: dict[str, str], query: str = "") -> Invocation:
    inv = Invocation(request("GET", "/x", headers, query=query), "rid", 1000.0)
    inv.api_id, inv.stage_name = "api", "dev"
    return inv


def never_invoked(function_arn: str, payload: bytes, *, source_arn: str,
                  timeout_s: float | None = None) -> InvokeResult:
    """Identity-source checks decide before any invocation; reaching here fails the test."""
    raise AssertionError(f"{function_arn} was invoked")


def engine() -> LambdaAuthorizers:
    return LambdaAuthorizers(never_invoked, AuthorizerCache(lambda: 1000.0), "us-east-1",
                             ACCOUNT)


def authz(**fields: Any) -> Any:
    base = {"id": "a", "type": "TOKEN", "identitySource": "method.request.header.Authorization",
            "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                             f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f/invocations"}
    base.update(fields)
    return compile_authorizer(base)


def status_of(fn: Any) -> int:
    with pytest.raises(GatewayError) as exc:
        fn()
    return exc.value.status


def test_token_missing_or_empty_is_401() -> None:
    e = engine()
    assert status_of(lambda: e.identity(invocation({}), authz())) == 401
    assert status_of(lambda: e.identity(invocation({"Authorization": ""}), authz())) == 401


def test_token_failing_validation_expression_is_401() -> None:
    e = engine()
    cfg = authz(identityValidationExpression=r"Bearer [a-z]+")
    assert e.identity(invocation({"Authorization": "Bearer abc"}), cfg) == ("Bearer abc",)
    assert status_of(lambda: e.identity(invocation({"Authorization": "Bearer ABC"}), cfg)) == 401
    assert status_of(lambda: e.identity(invocation({"Authorization": "xBearer abc"}), cfg)) == 401


def test_request_authorizer_with_caching_needs_every_identity_source() -> None:
    e = engine()
    cfg = authz(type="REQUEST", authorizerResultTtlInSeconds=300,
                identitySource="method.request.header.X-Tenant, method.request.querystring.t")
    assert e.identity(invocation({"X-Tenant": "a"}, "t=1"), cfg) == ("a", "1")
    assert status_of(lambda: e.identity(invocation({"X-Tenant": "a"}), cfg)) == 401
    assert status_of(lambda: e.identity(invocation({}, "t=1"), cfg)) == 401


def test_request_authorizer_without_caching_does_not_require_sources() -> None:
    e = engine()
    cfg = authz(type="REQUEST", authorizerResultTtlInSeconds=0,
                identitySource="method.request.header.X-Tenant")
    assert e.identity(invocation({}), cfg) == ("",)
