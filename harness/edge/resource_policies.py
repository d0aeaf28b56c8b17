"""Resource-based policies the gate adds to the evaluation, looked up per service by resource ARN.

AWS evaluates the resource's own policy together with the caller's identity policies: within one
account an Allow in either suffices, across accounts both must allow, and an explicit Deny in
either wins (https://docs.aws.amazon.com/IAM/latest/UserGuide/
reference_policies_evaluation-logic_policy-eval-basics.html and
reference_policies_evaluation-logic-cross-account.html). Each service module registers how to
read its resources' policies (Lambda function policies, DynamoDB table and stream policies).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from harness.iam import MalformedPolicyDocument, Policy, PolicyKind, parse_policy

log = logging.getLogger("harness.edge.resource_policies")

# Reads the policy text attached to a resource ARN of the edge's own account, or None.
PolicyReader = Callable[[str], str | None]


@dataclass(frozen=True)
class ResourcePolicy:
    """The policy to evaluate with a request (None: the resource has none) and its owner account."""

    policy: Policy | None
    account: str | None


_NONE = ResourcePolicy(None, None)


def arn_fields(arn: str) -> tuple[str, str] | None:
    """The service and account fields of an ARN (arn:partition:service:region:account:...)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not parts[4].isdigit():
        return None
    return parts[2], parts[4]


class ResourcePolicies:
    """Resource policies by service, read through readers the service modules register."""

    def __init__(self, account: str) -> None:
        self._account = account
        self._lock = threading.Lock()
        self._readers: dict[str, PolicyReader] = {}

    def register(self, service: str, reader: PolicyReader) -> None:
        """Evaluate requests on this service's resources (ARN service field) with their policy."""
        with self._lock:
            self._readers[service] = reader

    def lookup(self, resource: str) -> ResourcePolicy:
        """The resource's policy and account; a foreign account's resource has no policy here."""
        fields = arn_fields(resource)
        reader = self._readers.get(fields[0]) if fields else None
        if reader is None or fields is None:
            return _NONE
        account = fields[1]
        if account != self._account:
            return ResourcePolicy(None, account)  # cross-account: nothing here grants it
        text = reader(resource)
        if not text:
            return ResourcePolicy(None, account)
        try:
            return ResourcePolicy(parse_policy(text, PolicyKind.RESOURCE), account)
        except (MalformedPolicyDocument, ValueError) as exc:
            # The service validated the policy when it was attached; an unreadable one grants nothing.
            log.warning("ignoring unreadable resource policy on %s: %s", resource, exc)
            return ResourcePolicy(None, account)


__all__ = ["PolicyReader", "ResourcePolicies", "ResourcePolicy", "arn_fields"]
