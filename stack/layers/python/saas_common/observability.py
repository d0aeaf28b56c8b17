"""Powertools Logger and Metrics with the project's namespace; no X-Ray (tracing stays disabled)."""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

NAMESPACE = "ServerlessSaaS"


def tools(service: str) -> tuple[Logger, Metrics]:
    """A logger and a metrics emitter for one function (EMF lines on stdout, flushed per call)."""
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    # A request that only reads has no metric to add; that is not worth a warning per call.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    logger = Logger(service=service)
    metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE,
                      service=service)
    return logger, metrics


def count(metrics: Metrics, name: str, value: int = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
