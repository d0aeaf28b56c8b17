"""Throughput of the evaluator on the reference tenant session policy (saas-harness bench edge)."""

from __future__ import annotations

import json
import time
from typing import Any

from harness.iam.builders import (
    ACCOUNT,
    REGION,
    access_role_policy,
    reference_session_policy,
    session_caller,
)
from harness.iam.evaluate import evaluate
from harness.iam.model import RequestContext
from harness.iam.policy import parse_policy


def _contexts(tenant: str, other: str) -> list[tuple[RequestContext, bool]]:
    caller = session_caller(tenant)
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"
    cases: list[tuple[str, str, list[str], bool]] = [
        ("dynamodb:GetItem", "Product-pooled", [f"{tenant}-3"], True),
        ("dynamodb:GetItem", "Product-pooled", [f"{other}-3"], False),
        ("dynamodb:Query", "Order-pooled", [f"{tenant}-7"], True),
        ("dynamodb:PutItem", "Order-pooled", [f"{tenant}-1", f"{other}-1"], False),
        ("dynamodb:Scan", "Order-pooled", [], False),
        ("dynamodb:GetItem", "TenantDetails", [tenant], False),
    ]
    return [
        (
            RequestContext(
                action=action,
                resource=f"{table}/{name}",
                caller=caller,
                keys={"dynamodb:LeadingKeys": keys},
            ),
            expected,
        )
        for action, name, keys, expected in cases
    ]


def decisions_per_second(seconds: float = 1.0) -> dict[str, Any]:
    """Evaluate a mix of allowed and denied requests for about `seconds`; report throughput.

    `decisions_per_second` reuses prepared request contexts; `end_to_end_per_second` also
    re-parses the session policy text (a cache hit) and builds the context each time, as the
    edge gate does per request.
    """
    tenant, other = "3f1c0a9e5b7d4e2fa1c3b5d7e9f01234", "8e2d4c6b0a1f4e3d9c7b5a3f1e0d2c4b"
    session_text = reference_session_policy(tenant)
    identity = (parse_policy(access_role_policy()),)
    session = (parse_policy(session_text),)
    cases = _contexts(tenant, other)
    for ctx, expected in cases:
        if evaluate(ctx, identity=identity, session=session).allowed is not expected:
            raise AssertionError(f"bench sanity check failed for {ctx.action} {ctx.keys}")

    allowed = denied = 0
    budget = max(seconds, 0.01)
    start = time.perf_counter()
    deadline = start + budget * 0.7
    n = len(cases)
    i = 0
    while True:
        for _ in range(256):
            ctx = cases[i % n][0]
            i += 1
            if evaluate(ctx, identity=identity, session=session).allowed:
                allowed += 1
            else:
                denied += 1
        now = time.perf_counter()
        if now >= deadline:
            break
    elapsed = now - start

    caller = cases[0][0].caller
    full = 0
    start2 = time.perf_counter()
    deadline2 = start2 + budget * 0.3
    while True:
        for j in range(128):
            ctx = cases[j % n][0]
            fresh = RequestContext(ctx.action, ctx.resource, caller, dict(ctx.keys))
            evaluate(fresh, identity=identity, session=(parse_policy(session_text),))
            full += 1
        now2 = time.perf_counter()
        if now2 >= deadline2:
            break
    elapsed2 = now2 - start2

    total = allowed + denied
    return {
        "decisions": total,
        "allowed": allowed,
        "denied": denied,
        "seconds": round(elapsed, 4),
        "decisions_per_second": round(total / elapsed),
        "end_to_end_decisions": full,
        "end_to_end_per_second": round(full / elapsed2),
    }


if __name__ == "__main__":  # pragma: no cover - manual use
    print(json.dumps(decisions_per_second(), indent=2))
