"""Deployed configuration, fetched through the apigateway API and cached until a change is announced.

Deployment snapshots never change (a stage serves the API as it was when deployed); stages,
usage plans, keys and account throttles are live and are re-read after the ChangeFeed says an
apigateway write happened. With nothing changed the hot path makes no boto3 call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from harness.changes import ChangeFeed
from harness.clock import VirtualClock
from harness.gateway.compile import compile_snapshot, compile_stage, compile_usage, limits_from
from harness.gateway.model import EMPTY_USAGE, ApiSnapshot, Limits, StageConfig, UsageIndex
from harness.gateway.quota import QuotaBook

log = logging.getLogger("harness.gateway")

ACCOUNT_DEFAULT = Limits(10000.0, 5000.0)
MAX_NEGATIVE = 10_000
_NOT_FOUND = ("NotFoundException", "404")
StageMap = dict[str, StageConfig]


class ConfigUnavailable(Exception):
    """The apigateway store could not be read; the request gets a 500 configuration error."""


def _pages(client: Any, op: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    if client.can_paginate(op):
        for page in client.get_paginator(op).paginate(**kwargs):
            yield from page.get(key) or ()
    else:
        yield from getattr(client, op)(**kwargs).get(key) or ()


def _not_found(exc: ClientError) -> bool:
    err = exc.response.get("Error", {})
    return str(err.get("Code")) in _NOT_FOUND or \
        exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


class ConfigStore:
    """Lazily fetched, change-invalidated views of the apigateway state."""

    def __init__(self, client_factory: Callable[[], Any], changes: ChangeFeed, clock: VirtualClock,
                 region: str, account: str, quotas: QuotaBook) -> None:
        self._factory = client_factory
        self._client: Any = None
        self._clock = clock
        self.region = region
        self.account = account
        self._quotas = quotas
        self._lock = threading.RLock()
        self._v_stages = 0
        self._v_usage = 0
        self._v_account = 0
        self._stages: dict[str, tuple[int, StageMap | None]] = {}
        self._usage: tuple[int, UsageIndex] | None = None
        self._account: tuple[int, Limits] | None = None
        self._snapshots: dict[tuple[str, str], ApiSnapshot] = {}
        self.loads = 0
        changes.subscribe(self._on_change)

    # -- invalidation -------------------------------------------------------------------------

    def _on_change(self, service: str, operation: str) -> None:
        if operation == "reset":
            self.clear()
            return
        if service != "apigateway":
            return
        op = operation or ""
        if "UsagePlan" in op or "ApiKey" in op or "Usage" in op:
            self._v_usage += 1
        elif "Stage" in op or "Deployment" in op or "RestApi" in op:
            self._v_stages += 1
        elif "Account" in op:
            self._v_account += 1
        elif op.startswith(("Put", "Create", "Update", "Delete", "Import")) and any(
                w in op for w in ("Resource", "Method", "Integration", "Authorizer",
                                  "GatewayResponse", "Model", "RequestValidator",
                                  "Documentation")):
            return  # only the next deployment sees these
        else:
            self._v_stages += 1
            self._v_usage += 1
            self._v_account += 1

    def clear(self) -> None:
        """Forget everything, snapshots included (POST /_harness/reset)."""
        with self._lock:
            self._v_stages += 1
            self._v_usage += 1
            self._v_account += 1
            self._stages.clear()
            self._snapshots.clear()
            self._usage = None
            self._account = None

    # -- reads --------------------------------------------------------------------------------

    def client(self) -> Any:
        if self._client is None:
            self._client = self._factory()
        return self._client

    def stages(self, api_id: str) -> StageMap | None:
        """The API's stages by name, or None when there is no such API."""
        cached = self._stages.get(api_id)
        if cached is not None and cached[0] == self._v_stages:
            return cached[1]
        with self._lock:
            version = self._v_stages
            cached = self._stages.get(api_id)
            if cached is not None and cached[0] == version:
                return cached[1]
            found = self._fetch_stages(api_id)
            if found is None and len(self._stages) > MAX_NEGATIVE:
                self._stages.clear()
            self._stages[api_id] = (version, found)
            return found

    def snapshot(self, api_id: str, deployment_id: str) -> ApiSnapshot:
        """The deployment's frozen view, taken now if the deployment was never seen."""
        snap = self._snapshots.get((api_id, deployment_id))
        if snap is not None:
            return snap
        with self._lock:
            snap = self._snapshots.get((api_id, deployment_id))
            if snap is None:
                snap = self._fetch_snapshot(api_id, deployment_id)
                self._snapshots[(api_id, deployment_id)] = snap
            return snap

    def take_snapshot(self, api_id: str, deployment_id: str) -> ApiSnapshot:
        """Freeze the API as it is now for this deployment (right after CreateDeployment)."""
        with self._lock:
            snap = self._fetch_snapshot(api_id, deployment_id)
            self._snapshots[(api_id, deployment_id)] = snap
            self._v_stages += 1
            return snap

    def usage(self) -> UsageIndex:
        cached = self._usage
        if cached is not None and cached[0] == self._v_usage:
            return cached[1]
        with self._lock:
            version = self._v_usage
            if self._usage is not None and self._usage[0] == version:
                return self._usage[1]
            index = self._fetch_usage()
            now = self._clock.now()
            for plan_id in index.plans:
                self._quotas.observe_plan(plan_id, now)
            self._usage = (version, index)
            return index

    def account_limits(self) -> Limits:
        cached = self._account
        if cached is not None and cached[0] == self._v_account:
            return cached[1]
        with self._lock:
            version = self._v_account
            try:
                doc = self.client().get_account()
                limits = limits_from(doc.get("throttleSettings")) or ACCOUNT_DEFAULT
            except ClientError:
                limits = ACCOUNT_DEFAULT
            self._account = (version, limits)
            return limits

    # -- fetching -----------------------------------------------------------------------------

    def _fetch_stages(self, api_id: str) -> StageMap | None:
        self.loads += 1
        try:
            items = self.client().get_stages(restApiId=api_id).get("item") or []
        except ClientError as exc:
            if _not_found(exc):
                return None
            raise ConfigUnavailable(str(exc)) from exc
        return {str(d.get("stageName")): compile_stage(api_id, d) for d in items}

    def _fetch_snapshot(self, api_id: str, deployment_id: str) -> ApiSnapshot:
        self.loads += 1
        client = self.client()
        try:
            rest = client.get_rest_api(restApiId=api_id)
            resources = list(_pages(client, "get_resources", "items", restApiId=api_id,
                                    embed=["methods"]))
            authorizers = list(_pages(client, "get_authorizers", "items", restApiId=api_id))
            responses = list(_pages(client, "get_gateway_responses", "items",
                                    restApiId=api_id))
            validators = list(_pages(client, "get_request_validators", "items",
                                     restApiId=api_id))
        except ClientError as exc:
            raise ConfigUnavailable(str(exc)) from exc
        return compile_snapshot(api_id, deployment_id, rest, resources, authorizers, responses,
                                region=self.region, account=self.account,
                                validators=validators)

    def _fetch_usage(self) -> UsageIndex:
        self.loads += 1
        client = self.client()
        try:
            plans = list(_pages(client, "get_usage_plans", "items"))
            if not plans:
                return EMPTY_USAGE
            keys = list(_pages(client, "get_api_keys", "items", includeValues=True))
            plan_keys = {str(p["id"]): list(_pages(client, "get_usage_plan_keys", "items",
                                                   usagePlanId=p["id"])) for p in plans}
        except ClientError as exc:
            raise ConfigUnavailable(str(exc)) from exc
        return compile_usage(plans, keys, plan_keys)
