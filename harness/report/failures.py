"""Which functions failed during a step, from the target's metrics, told in lines a user can act on."""

from __future__ import annotations

import json
from typing import Any

import urllib3

from harness.runtime.failures import FunctionFailure

Baseline = dict[str, int]


def fetch_failures(endpoint: str, timeout_s: float = 5.0) -> list[FunctionFailure]:
    """Each function's latest failure as the running target reports it (empty if it cannot say)."""
    try:
        reply = urllib3.request("GET", endpoint.rstrip("/") + "/_harness/metrics",
                                timeout=timeout_s, retries=False)
        doc: Any = json.loads(reply.data) if reply.status == 200 else {}
    except (urllib3.exceptions.HTTPError, OSError, ValueError):
        return []
    lam = doc.get("lambda") if isinstance(doc, dict) else None
    last = lam.get("last_errors") if isinstance(lam, dict) else None
    if not isinstance(last, dict):
        return []
    return [FunctionFailure.from_dict(v) for _, v in sorted(last.items()) if isinstance(v, dict)]


def baseline(failures: list[FunctionFailure]) -> Baseline:
    """Failure counts per function, to tell a step's failures from earlier ones."""
    return {f.function: f.count for f in failures}


def since(failures: list[FunctionFailure], before: Baseline) -> list[FunctionFailure]:
    """The functions that failed again after `before` was taken."""
    return [f for f in failures if f.count > before.get(f.function, 0)]


def describe_failures(failures: list[FunctionFailure]) -> list[str]:
    """Two lines per function: what failed and its first error line, then its log file."""
    lines: list[str] = []
    for f in failures:
        what = "failed to start" if f.phase == "init" else "failed"
        first = f.first_error_line or f.error_type
        lines.append(f"function {f.function} {what} ({f.error_type}): {first}")
        lines.append(f"  log: {f.log_path}")
    return lines
