"""Lambda authorizers (TOKEN and REQUEST): identity sources, invocation, output checks, cache.

Input: api-gateway-lambda-authorizer-input.html; output (principalId and policyDocument required,
context values string/number/boolean): api-gateway-lambda-authorizer-output.html; a function that
fails with "Unauthorized" answers 401 (apigateway-use-lambda-authorizer.html). With
authorizerCredentials the function is invoked with that role's session (API_Authorizer.html); a
role that cannot be assumed or may not invoke it is AUTHORIZER_CONFIGURATION_ERROR, a 500.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from harness.gateway.authcache import MAX_DECISIONS_PER_ENTRY, AuthEntry, AuthorizerCache
from harness.gateway.context import Invocation
from harness.gateway.events import context_variable, request_authorizer_event, token_authorizer_event
from harness.gateway.model import AuthorizerConfig, IdentitySource
from harness.gateway.protocols import LambdaInvoker
from harness.gateway.responses import GatewayError
from harness.iam import (
    Caller,
    MalformedPolicyDocument,
    Outcome,
    PolicyKind,
    RequestContext,
    evaluate,
    parse_policy,
)

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "allow", "deny", "implicit"
DENY_EXPLICIT_MESSAGE = "User is not authorized to access this resource with an explicit deny"
DENY_IMPLICIT_MESSAGE = "User is not authorized to access this resource"


class BadAuthorizerOutput(ValueError):
    """The authorizer ran but its answer is unusable: API Gateway's configuration error."""


def validate_output(payload: bytes, latency_ms: int = 0) -> AuthEntry:
    """principalId and policyDocument required; context values only string/number/boolean."""
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise BadAuthorizerOutput("output is not JSON") from None
    if not isinstance(doc, dict):
        raise BadAuthorizerOutput("output is not an object")
    principal = doc.get("principalId")
    if isinstance(principal, bool) or not isinstance(principal, str | int | float):
        raise BadAuthorizerOutput("principalId missing or not a string")
    policy_doc = doc.get("policyDocument")
    if not isinstance(policy_doc, dict):
        raise BadAuthorizerOutput("policyDocument missing or not an object")
    try:
        policy = parse_policy(policy_doc, PolicyKind.IDENTITY)
    except MalformedPolicyDocument as exc:
        raise BadAuthorizerOutput(f"policyDocument: {exc}") from None
    context = doc.get("context")
    if context is None:
        context = {}
    if not isinstance(context, dict):
        raise BadAuthorizerOutput("context is not an object")
    for key, value in context.items():
        ok = isinstance(value, str | bool) or (
            isinstance(value, int | float) and math.isfinite(value))
        if not ok:
            raise BadAuthorizerOutput(f"context value of {key!r} is not a string, number "
                                      "or boolean")
    usage_key = doc.get("usageIdentifierKey")
    if usage_key is not None and not isinstance(usage_key, str):
        raise BadAuthorizerOutput("usageIdentifierKey is not a string")
    return AuthEntry(str(principal), policy, dict(context), usage_key, latency_ms)


def decide(entry: AuthEntry, method_arn: str, caller: Caller) -> str:
    """Evaluate the (possibly cached) policy for this request's method ARN; memoised per entry."""
    found = entry.decisions.get(method_arn)
    if found is not None:
        return found
    decision = evaluate(RequestContext("execute-api:Invoke", method_arn, caller),
                        identity=(entry.policy,))
    if decision.outcome is Outcome.ALLOW:
        verdict = ALLOW
    elif decision.outcome is Outcome.EXPLICIT_DENY:
        verdict = EXPLICIT_DENY
    else:
        verdict = IMPLICIT_DENY
    if len(entry.decisions) < MAX_DECISIONS_PER_ENTRY:
        entry.decisions[method_arn] = verdict
    return verdict


def _identity_value(inv: Invocation, source: IdentitySource) -> str | None:
    if source.kind == "header":
        return inv.req.headers.get(source.name)
    if source.kind == "querystring":
        values = inv.req.query_dict().get(source.name) if inv.req.query else None
        return values[-1] if values else None
    if source.kind == "stage":
        return inv.stage.variables.get(source.name) if inv.stage is not None else None
    return context_variable(inv, source.name)


def _unauthorized() -> GatewayError:
    return GatewayError("UNAUTHORIZED")


def _config_error() -> GatewayError:
    return GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None)


def _error_message(payload: bytes) -> str | None:
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(doc, dict) and isinstance(doc.get("errorMessage"), str):
        return str(doc["errorMessage"])
    return None


class LambdaAuthorizers:
    """Runs TOKEN/REQUEST authorizers with the result cache; raises GatewayError to refuse."""

    def __init__(self, invoke: LambdaInvoker, cache: AuthorizerCache, region: str,
                 account: str) -> None:
        self._invoke = invoke
        self.cache = cache
        self._region = region
        self._account = account
        self._caller = Caller(arn=f"arn:aws:iam::{account}:user/execute-api-authorizer",
                              account=account, kind="user")

    def identity(self, inv: Invocation, cfg: AuthorizerConfig) -> tuple[str, ...]:
        """The identity-source values (the cache key); 401 when a required one is missing."""
        if cfg.type == "TOKEN":
            if not cfg.sources or cfg.sources[0].kind != "header":
                raise _config_error()
            token = inv.req.headers.get(cfg.sources[0].name)
            if not token:
                raise _unauthorized()
            if cfg.validation_broken:
                raise _config_error()
            if cfg.validation is not None and cfg.validation.fullmatch(token) is None:
                raise _unauthorized()
            return (token,)
        values = tuple(_identity_value(inv, s) or "" for s in cfg.sources)
        if cfg.ttl > 0 and (not values or not all(values)):
            raise _unauthorized()
        return values

    def authorize(self, inv: Invocation, cfg: AuthorizerConfig) -> AuthEntry:
        """Cached or fresh authorizer result whose policy allows inv.method_arn."""
        if cfg.type not in ("TOKEN", "REQUEST") or not cfg.function_arn:
            raise _config_error()
        values = self.identity(inv, cfg)
        key = (inv.api_id, inv.stage_name, cfg.id, values)
        entry = self.cache.get(key) if cfg.ttl > 0 else None
        if entry is None:
            entry = self._invoke_authorizer(inv, cfg, values)
            if cfg.ttl > 0:
                self.cache.put(key, entry, cfg.ttl)
            inv.authorizer_latency_ms = entry.latency_ms
        verdict = decide(entry, inv.method_arn, self._caller)
        if verdict == EXPLICIT_DENY:
            raise GatewayError("ACCESS_DENIED", DENY_EXPLICIT_MESSAGE, message_key="Message")
        if verdict == IMPLICIT_DENY:
            raise GatewayError("ACCESS_DENIED", DENY_IMPLICIT_MESSAGE, message_key="Message")
        return entry

    def _invoke_authorizer(self, inv: Invocation, cfg: AuthorizerConfig,
                           values: tuple[str, ...]) -> AuthEntry:
        assert cfg.function_arn is not None
        event: dict[str, Any]
        if cfg.type == "TOKEN":
            event = token_authorizer_event(values[0], inv.method_arn)
        else:
            event = request_authorizer_event(inv, self._region, self._account)
        source_arn = (f"arn:aws:execute-api:{self._region}:{self._account}:{inv.api_id}/"
                      f"authorizers/{cfg.id}")
        self.cache.count(inv.api_id, inv.stage_name, cfg.id, "invocations")
        started = time.monotonic()
        body = json.dumps(event).encode()
        try:
            if cfg.credentials:
                result = self._invoke(cfg.function_arn, body, source_arn=source_arn,
                                      role_arn=cfg.credentials)
            else:
                result = self._invoke(cfg.function_arn, body, source_arn=source_arn)
        except (PermissionError, LookupError, TimeoutError):
            self.cache.count(inv.api_id, inv.stage_name, cfg.id, "failures")
            raise _config_error() from None
        latency = int((time.monotonic() - started) * 1000)
        if result.function_error:
            if _error_message(result.payload) == "Unauthorized":
                raise _unauthorized()
            self.cache.count(inv.api_id, inv.stage_name, cfg.id, "failures")
            raise _config_error()
        if result.status_code != 200:
            self.cache.count(inv.api_id, inv.stage_name, cfg.id, "failures")
            raise _config_error()
        try:
            return validate_output(result.payload, latency)
        except BadAuthorizerOutput:
            self.cache.count(inv.api_id, inv.stage_name, cfg.id, "failures")
            raise _config_error() from None
