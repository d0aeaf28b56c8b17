"""The REST API data plane: one chain of small handlers per request, plus the control hooks."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from harness.changes import ChangeFeed
from harness.clock import VirtualClock
from harness.gateway.authcache import AuthorizerCache
from harness.gateway.authorizer import LambdaAuthorizers
from harness.gateway.cognito import CognitoAuthorizers
from harness.gateway.context import Invocation
from harness.gateway.handlers import ApiKey, Authorize, Handler, Quota, Route, Throttle
from harness.gateway.importer import import_rest_api
from harness.gateway.integrate import Integrate
from harness.gateway.metrics import InitErrorCounter, Metrics
from harness.gateway.protocols import IamAuthorizer, LambdaInvoker, UserPoolTokenVerifier
from harness.gateway.quota import QuotaBook, usage_document, utc_day
from harness.gateway.responses import ErrorView, GatewayError, render
from harness.gateway.store import ConfigStore, ConfigUnavailable
from harness.gateway.throttle import BucketRegistry
from harness.http import HttpRequest, HttpResponse

log = logging.getLogger("harness.gateway")

DEFAULT_USAGE_PAGE = 25
MAX_USAGE_PAGE = 500


class Gateway:
    """Serves /restapis/{apiId}/{stage}/_user_request_/{path} like API Gateway's REST APIs."""

    def __init__(self, *, apigateway_client_factory: Callable[[], Any], invoke: LambdaInvoker,
                 iam: IamAuthorizer | None, clock: VirtualClock, changes: ChangeFeed,
                 region: str, account: str,
                 user_pool_tokens: UserPoolTokenVerifier | None = None) -> None:
        self._clock = clock
        self._metrics = Metrics()
        self.quotas = QuotaBook()
        self.store = ConfigStore(apigateway_client_factory, changes, clock, region, account,
                                 self.quotas)
        self.buckets = BucketRegistry(clock.now)
        self.auth_cache = AuthorizerCache(clock.now)
        invoke = InitErrorCounter(invoke, self._metrics)
        lambdas = LambdaAuthorizers(invoke, self.auth_cache, region, account)
        self._chain: tuple[Handler, ...] = (
            Route(self.store),
            Authorize(lambdas, iam, region, account,
                      CognitoAuthorizers(user_pool_tokens, self._metrics)),
            ApiKey(self.store),
            Throttle(self.store, self.buckets, self._metrics),
            Quota(self.quotas, self._metrics),
            Integrate(invoke, self._metrics, region, account),
        )

    # -- data plane ---------------------------------------------------------------------------

    def handle(self, req: HttpRequest) -> HttpResponse:
        """Run the chain; every refusal or failure becomes an AWS-shaped gateway response."""
        inv = Invocation(req, str(uuid.uuid4()), self._clock.now())
        try:
            for handler in self._chain:
                handler(inv)
            resp = inv.response
            if resp is None:
                raise GatewayError("API_CONFIGURATION_ERROR")
            resp.set_header("x-amzn-RequestId", inv.request_id)
        except GatewayError as err:
            resp = self._render(err, inv)
        except ConfigUnavailable as exc:
            log.warning("apigateway configuration unavailable: %s", exc)
            resp = self._render(GatewayError("API_CONFIGURATION_ERROR"), inv)
        except Exception:
            log.exception("gateway failure on %s %s", req.method, req.path[:200])
            self._metrics.count("internal_errors")
            resp = self._render(GatewayError("DEFAULT_5XX", "Internal server error"), inv)
        resp.headers.append(("x-amz-apigw-id", inv.request_id[:8].upper() + "FaQ="))
        self._metrics.status(resp.status)
        return resp

    def _render(self, err: GatewayError, inv: Invocation) -> HttpResponse:
        try:
            view = inv.error_view()
        except Exception:
            view = ErrorView(inv.request_id, inv.req)
        return render(err, view, inv.api.responses if inv.api is not None else None)

    # -- control plane hooks ------------------------------------------------------------------

    def snapshot_deployment(self, rest_api_id: str, deployment_id: str) -> None:
        """Freeze the API for this deployment; called right after CreateDeployment succeeds."""
        try:
            self.store.take_snapshot(rest_api_id, deployment_id)
        except ConfigUnavailable as exc:
            log.warning("could not snapshot %s/%s now (%s); will take it on first use",
                        rest_api_id, deployment_id, exc)

    def import_rest_api(self, body: bytes, *, rest_api_id: str | None, mode: str,
                        fail_on_warnings: bool,
                        endpoint_types: list[str] | None = None) -> dict[str, Any]:
        """ImportRestApi / PutRestApi; ImportFailure (a ValueError) when the document is refused."""
        return import_rest_api(self.store.client(), body, rest_api_id=rest_api_id, mode=mode,
                               fail_on_warnings=fail_on_warnings, endpoint_types=endpoint_types)

    def flush_authorizer_cache(self, rest_api_id: str, stage: str) -> None:
        """FlushStageAuthorizersCache."""
        self.auth_cache.flush(rest_api_id, stage)

    def get_usage(self, usage_plan_id: str, start_date: str, end_date: str,
                  key_id: str | None = None, position: str | None = None,
                  limit: int | None = None) -> dict[str, Any]:
        """GetUsage: per key, per day [used, remaining]. ValueError/LookupError for bad input."""
        try:
            first, last = date.fromisoformat(start_date), date.fromisoformat(end_date)
        except (TypeError, ValueError):
            raise ValueError("Invalid date format: expected yyyy-MM-dd") from None
        if last < first:
            raise ValueError("The usage end date is before the start date")
        if (last - first).days > 366 * 3:
            raise ValueError("The requested usage period is too long")
        plan = self.store.usage().plans.get(usage_plan_id)
        if plan is None:
            raise LookupError("Invalid Usage Plan ID specified")
        keys = sorted(plan.key_ids | self.quotas.keys_with_usage(usage_plan_id))
        if key_id is not None:
            keys = [k for k in keys if k == key_id]
        start = int(position) if position and position.isdigit() else 0
        size = max(1, min(limit or DEFAULT_USAGE_PAGE, MAX_USAGE_PAGE))
        page = keys[start:start + size]
        items = {k: self.quotas.daily(usage_plan_id, k, plan.quota, first, last) for k in page}
        nxt = str(start + size) if start + size < len(keys) else None
        return usage_document(usage_plan_id, start_date, end_date, items, nxt)

    def update_usage(self, usage_plan_id: str, key_id: str,
                     patch_operations: list[dict[str, Any]]) -> dict[str, Any]:
        """UpdateUsage: replace /remaining grants or takes quota for the current period."""
        plan = self.store.usage().plans.get(usage_plan_id)
        if plan is None:
            raise LookupError("Invalid Usage Plan ID specified")
        if key_id not in plan.key_ids:
            raise LookupError("Invalid API Key identifier specified")
        if plan.quota is None:
            raise ValueError("Usage plan has no quota")
        now = self._clock.now()
        for op in patch_operations:
            if op.get("op") != "replace" or op.get("path") != "/remaining":
                raise ValueError(f"Invalid patch path {op.get('path')!r}")
            try:
                value = int(str(op.get("value")))
            except ValueError:
                raise ValueError("Invalid value for /remaining") from None
            self.quotas.set_remaining(usage_plan_id, key_id, plan.quota, max(value, 0), now)
        today = utc_day(now).isoformat()
        return self.get_usage(usage_plan_id, today, today, key_id)

    def metrics(self) -> dict[str, Any]:
        """Authorizer cache hits/misses/invocations per API/stage/authorizer, throttles, quotas."""
        out = self._metrics.snapshot()
        out["authorizers"] = self.auth_cache.snapshot()
        out["authorizer_cache_entries"] = len(self.auth_cache)
        out["config_loads"] = self.store.loads
        out["buckets"] = len(self.buckets)
        return out

    def reset(self) -> None:
        """Forget snapshots, caches, buckets, quotas and counters (POST /_harness/reset)."""
        self.store.clear()
        self.buckets.clear()
        self.auth_cache.clear()
        self.quotas.reset()
        self._metrics.reset()
