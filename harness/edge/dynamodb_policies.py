"""DynamoDB resource-based policies (PutResourcePolicy) as the gate reads them, cached per write.

A table's policy governs the table and its indexes; a stream has a policy of its own
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutResourcePolicy.html).
The upstream stores the policies (moto implements Put/Get/DeleteResourcePolicy); the edge reads
them as root and forgets them when a policy or table write passes.
"""

from __future__ import annotations

import threading
from typing import Final

from botocore.exceptions import ClientError

from harness.edge.app import Call, Edge
from harness.http import HttpResponse

CHANGE_KEY: Final = "dynamodb-policy"
_WRITES: Final = ("PutResourcePolicy", "DeleteResourcePolicy", "DeleteTable")


def policy_arn(resource: str) -> str | None:
    """The ARN the governing policy is attached to: the table for an index, else the resource."""
    head, sep, rest = resource.partition(":table/")
    if not sep or not rest:
        return None
    parts = rest.split("/")
    if len(parts) >= 3 and parts[1] == "stream":
        return f"{head}:table/{parts[0]}/stream/{'/'.join(parts[2:])}"
    return f"{head}:table/{parts[0]}"


class DynamoPolicies:
    """Policy texts by table or stream ARN, re-read after a policy write or a table deletion."""

    def __init__(self, edge: Edge) -> None:
        self._edge = edge
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[tuple[int, int], str | None]] = {}

    def _generation(self) -> tuple[int, int]:
        changes = self._edge.changes
        return changes.generation(CHANGE_KEY), changes.generation("dynamodb-ddl")

    def policy_for_arn(self, resource: str) -> str | None:
        arn = policy_arn(resource)
        if arn is None:
            return None
        gen = self._generation()
        hit = self._cache.get(arn)
        if hit and hit[0] == gen:
            return hit[1]
        try:
            doc: str | None = self._edge.upstream.client("dynamodb").get_resource_policy(
                ResourceArn=arn)["Policy"]
        except ClientError:
            doc = None  # no table, or no policy (PolicyNotFoundException)
        with self._lock:
            self._cache[arn] = (gen, doc)
        return doc

    def forget(self, call: Call, resp: HttpResponse) -> HttpResponse:
        if resp.status < 300:
            self._edge.changes.bump(CHANGE_KEY, call.op.name)
        return resp


def install(edge: Edge) -> DynamoPolicies:
    """Evaluate DynamoDB requests with their table's or stream's resource policy."""
    policies = DynamoPolicies(edge)
    edge.gate.resource_policies.register("dynamodb", policies.policy_for_arn)
    for operation in _WRITES:
        edge.observe("dynamodb", operation, policies.forget)
    return policies


__all__ = ["CHANGE_KEY", "DynamoPolicies", "install", "policy_arn"]
