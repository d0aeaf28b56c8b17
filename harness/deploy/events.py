"""Stack events as DescribeStackEvents returns them, newest first, kept in the stack record."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

StackStatus = Literal[
    "REVIEW_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_FAILED",
    "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED", "DELETE_IN_PROGRESS",
    "DELETE_COMPLETE", "DELETE_FAILED"]
ResourceStatus = Literal[
    "CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_FAILED", "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE", "UPDATE_FAILED", "DELETE_IN_PROGRESS", "DELETE_COMPLETE", "DELETE_FAILED",
    "DELETE_SKIPPED"]
STACK_TYPE = "AWS::CloudFormation::Stack"
MAX_EVENTS = 2000  # a long-lived stack's history is bounded, as the console shows recent events


def iso_now() -> str:
    """An ISO-8601 UTC timestamp with milliseconds, as CloudFormation writes them."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


class EventLog:
    """One stack's events: resource transitions and the stack's own status changes."""

    def __init__(self, stack_name: str, stack_id: str, prior: list[dict[str, Any]] | None = None,
                 request_token: str | None = None) -> None:
        self.stack_name = stack_name
        self.stack_id = stack_id
        self.items: list[dict[str, Any]] = list(prior or [])
        self.request_token = request_token

    def resource(self, logical: str, rtype: str, physical: str, status: ResourceStatus,
                 reason: str = "", properties: dict[str, Any] | None = None) -> None:
        self._add(logical, rtype, physical, status, reason, properties)

    def _add(self, logical: str, rtype: str, physical: str, status: str, reason: str,
             properties: dict[str, Any] | None) -> None:
        event: dict[str, Any] = {
            "EventId": str(uuid.uuid4()), "StackName": self.stack_name, "StackId": self.stack_id,
            "LogicalResourceId": logical, "PhysicalResourceId": physical, "ResourceType": rtype,
            "Timestamp": iso_now(), "ResourceStatus": status}
        if reason:
            event["ResourceStatusReason"] = reason
        if properties is not None:
            event["ResourceProperties"] = json.dumps(properties, sort_keys=True, default=str)
        if self.request_token:
            event["ClientRequestToken"] = self.request_token
        self.items.insert(0, event)
        del self.items[MAX_EVENTS:]

    def stack(self, status: StackStatus, reason: str = "") -> None:
        """The stack's own event: logical id is the stack name, physical id its ARN."""
        self._add(self.stack_name, STACK_TYPE, self.stack_id, status, reason, None)
