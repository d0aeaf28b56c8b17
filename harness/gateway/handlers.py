"""The request chain's small stages, in AWS's order: route, authorize, API key, throttle, quota.

Throttle order (usage plan per-method, per key, stage/method, account) is AWS's:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
API keys and key sources: api-gateway-api-usage-plans.html and api-gateway-api-key-source.html.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.gateway.authorizer import LambdaAuthorizers
from harness.gateway.cognito import CognitoAuthorizers
from harness.gateway.compile import method_setting_key
from harness.gateway.context import Invocation
from harness.gateway.iam import check_iam, check_resource_policy
from harness.gateway.metrics import Metrics
from harness.gateway.protocols import IamAuthorizer
from harness.gateway.quota import QuotaBook
from harness.gateway.responses import GatewayError
from harness.gateway.store import ConfigStore
from harness.gateway.throttle import BucketRegistry, TokenBucket, take_all

PREFIX = "/restapis/"
MARKER = "/_user_request_"
Handler = Callable[[Invocation], None]


class Route:
    """Finds the API, the stage's deployment and the method; sets the method ARN."""

    def __init__(self, store: ConfigStore) -> None:
        self._store = store
        self._arn_prefix = f"arn:aws:execute-api:{store.region}:{store.account}:"

    def __call__(self, inv: Invocation) -> None:
        head, sep, tail = inv.req.path.partition(MARKER)
        parts = head[len(PREFIX):].split("/") if head.startswith(PREFIX) else []
        if not sep or len(parts) != 2 or not parts[0] or not parts[1]:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
        inv.api_id, inv.stage_name = parts
        inv.path = tail if tail.startswith("/") else "/" + tail
        stages = self._store.stages(inv.api_id)
        if stages is None:
            raise GatewayError(
                "RESOURCE_NOT_FOUND",
                f"The API id '{inv.api_id[:64]}' does not correspond to a deployed API Gateway API")
        stage = stages.get(inv.stage_name)
        if stage is None or not stage.deployment_id:
            raise GatewayError("DEFAULT_4XX", "Forbidden", status=403,
                               error_type="ForbiddenException")
        inv.stage = stage
        inv.api = self._store.snapshot(inv.api_id, stage.deployment_id)
        match = inv.api.router.match(inv.path, inv.req.method)
        if match is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
        inv.match = match
        inv.method_arn = (f"{self._arn_prefix}{inv.api_id}/{inv.stage_name}/"
                          f"{inv.req.method}/{inv.path[1:]}")


class Authorize:
    """NONE, CUSTOM (Lambda TOKEN/REQUEST), COGNITO_USER_POOLS or AWS_IAM, plus the API resource
    policy."""

    def __init__(self, lambdas: LambdaAuthorizers, iam: IamAuthorizer | None,
                 region: str, account: str, cognito: CognitoAuthorizers | None = None) -> None:
        self._lambdas = lambdas
        self._iam = iam
        self._account = account
        self._cognito = cognito

    def __call__(self, inv: Invocation) -> None:
        assert inv.api is not None
        kind = inv.method.authorization_type
        if kind == "AWS_IAM":
            check_iam(inv, self._iam)
            return
        if inv.api.resource_policy is not None or inv.api.policy_broken:
            check_resource_policy(inv, self._account, require_allow=kind == "NONE")
        if kind == "CUSTOM":
            cfg = inv.api.authorizers.get(inv.method.authorizer_id or "")
            if cfg is None:
                raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None)
            inv.auth = self._lambdas.authorize(inv, cfg)
        elif kind == "COGNITO_USER_POOLS":
            cfg = inv.api.authorizers.get(inv.method.authorizer_id or "")
            if cfg is None or cfg.type != "COGNITO_USER_POOLS" or self._cognito is None:
                raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None)
            inv.claims = self._cognito.authorize(inv, cfg)
        elif kind != "NONE":
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None)


class ApiKey:
    """apiKeyRequired: the key (x-api-key or usageIdentifierKey) must exist, be enabled and be
    in a usage plan that includes this API stage; anything else is 403 Forbidden."""

    def __init__(self, store: ConfigStore) -> None:
        self._store = store

    def __call__(self, inv: Invocation) -> None:
        assert inv.api is not None
        if not inv.method.api_key_required:
            return
        if inv.api.api_key_source == "AUTHORIZER":
            value = inv.auth.usage_key if inv.auth is not None else None
        else:
            value = inv.req.headers.get("x-api-key")
        if not value:
            raise GatewayError("INVALID_API_KEY")
        usage = self._store.usage()
        key = usage.keys_by_value.get(value)
        if key is None or not key.enabled:
            raise GatewayError("INVALID_API_KEY")
        plan = usage.plan_for(key.id, inv.api_id, inv.stage_name)
        if plan is None:
            raise GatewayError("INVALID_API_KEY")
        inv.api_key = key
        inv.plan = plan


class Throttle:
    """Token buckets in AWS's order; a request refused by any bucket spends none of them."""

    LEVELS = ("usage_plan_method", "usage_plan", "stage_method", "account")

    def __init__(self, store: ConfigStore, buckets: BucketRegistry, metrics: Metrics) -> None:
        self._store = store
        self._buckets = buckets
        self._metrics = metrics

    def __call__(self, inv: Invocation) -> None:
        assert inv.stage is not None and inv.match is not None
        chosen: list[TokenBucket] = []
        levels: list[str] = []
        resource_path, verb = inv.match.resource_path, inv.method.verb
        plan, key = inv.plan, inv.api_key
        if plan is not None and key is not None:
            per_method = plan.stages.get((inv.api_id, inv.stage_name))
            if per_method:
                mkey = f"{resource_path}/{verb}"
                limits = per_method.get(mkey) or per_method.get(
                    f"{resource_path}/{inv.req.method}")
                if limits is not None:
                    chosen.append(self._buckets.get(
                        ("upm", plan.id, key.id, inv.api_id, inv.stage_name, mkey), limits))
                    levels.append(self.LEVELS[0])
            if plan.throttle is not None:
                chosen.append(self._buckets.get(("up", plan.id, key.id), plan.throttle))
                levels.append(self.LEVELS[1])
        stage = inv.stage
        skey = method_setting_key(resource_path, verb)
        stage_limits = stage.method_limits.get(skey)
        if stage_limits is None and verb != inv.req.method:
            skey = method_setting_key(resource_path, inv.req.method)
            stage_limits = stage.method_limits.get(skey)
        if stage_limits is None:
            stage_limits = stage.default_limits
        if stage_limits is not None:
            chosen.append(self._buckets.get(
                ("stage", inv.api_id, inv.stage_name, skey), stage_limits))
            levels.append(self.LEVELS[2])
        chosen.append(self._buckets.get(("account",), self._store.account_limits()))
        levels.append(self.LEVELS[3])
        refused = take_all(chosen)
        if refused >= 0:
            self._metrics.throttled(levels[refused])
            raise GatewayError("THROTTLED")


class Quota:
    """Counts the admitted request against the key's plan quota; exhausted is 429."""

    def __init__(self, quotas: QuotaBook, metrics: Metrics) -> None:
        self._quotas = quotas
        self._metrics = metrics

    def __call__(self, inv: Invocation) -> None:
        plan, key = inv.plan, inv.api_key
        if plan is None or key is None:
            return
        if not self._quotas.admit(plan.id, key.id, plan.quota, inv.now):
            self._metrics.quota_exceeded(plan.id)
            raise GatewayError("QUOTA_EXCEEDED")
