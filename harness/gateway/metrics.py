"""Gateway counters for GET /_harness/metrics: statuses, throttles, quotas, integrations."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from harness.gateway.protocols import LambdaInvoker
from harness.runtime.types import InvokeResult

BASE_COUNTERS = ("requests", "integration_invocations", "integration_errors",
                 "integration_timeouts", "integration_throttles", "internal_errors",
                 "cognito_authorizations", "cognito_refusals")


class Metrics:
    """Plain counters behind one short lock; readable as a JSON-ready dict."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = defaultdict(int)
        self._by_status: dict[int, int] = defaultdict(int)
        self._throttled: dict[str, int] = defaultdict(int)
        self._quota: dict[str, int] = defaultdict(int)
        self._init_errors: dict[str, int] = defaultdict(int)

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def status(self, code: int) -> None:
        with self._lock:
            self._counts["requests"] += 1
            self._by_status[code] += 1

    def throttled(self, level: str) -> None:
        with self._lock:
            self._throttled[level] += 1

    def quota_exceeded(self, plan_id: str) -> None:
        with self._lock:
            self._quota[plan_id] += 1

    def init_error(self, function_name: str) -> None:
        with self._lock:
            self._init_errors[function_name] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                **dict.fromkeys(BASE_COUNTERS, 0), **dict(self._counts),
                "by_status": {str(k): v for k, v in sorted(self._by_status.items())},
                "throttled": {**dict(self._throttled), "total": sum(self._throttled.values())},
                "quota_exceeded": {**dict(self._quota), "total": sum(self._quota.values())},
                "init_errors": {"total": sum(self._init_errors.values()),
                                "by_function": dict(sorted(self._init_errors.items()))},
            }

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._by_status.clear()
            self._throttled.clear()
            self._quota.clear()
            self._init_errors.clear()


def function_name(function_arn: str) -> str:
    """`name` of arn:aws:lambda:region:account:function:name[:qualifier] (or a bare name)."""
    parts = function_arn.split(":")
    return parts[6] if len(parts) >= 7 and parts[5] == "function" else function_arn


class InitErrorCounter:
    """Wraps the gateway's invoker (integrations and authorizers) to count init errors per function."""

    def __init__(self, invoke: LambdaInvoker, metrics: Metrics) -> None:
        self._invoke = invoke
        self._metrics = metrics

    def __call__(self, function_arn: str, payload: bytes, *, source_arn: str,
                 timeout_s: float | None = None, role_arn: str | None = None) -> InvokeResult:
        result = self._invoke(function_arn, payload, source_arn=source_arn, timeout_s=timeout_s,
                              role_arn=role_arn)
        if result.init_error:
            self._metrics.init_error(function_name(function_arn))
        return result
