"""Scheduled EventBridge rules and EventBridge Scheduler schedules firing Lambda targets on the virtual clock.

A rule's Lambda target is invoked when the function's resource policy lets events.amazonaws.com
in for the rule's ARN (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html),
with the documented "Scheduled Event" or the target's Input. A schedule's target is invoked with
the schedule's RoleArn, assumed as scheduler.amazonaws.com, so the role's trust and identity
policies decide (https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html). Each
due time fires once as the clock passes it; invocations are synchronous here (AWS invokes
asynchronously), so a test that advances the clock and ticks sees exactly the due invocations.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from harness.changes import ChangeFeed
from harness.clock import VirtualClock
from harness.edge.awslambda.models import CodeUnavailable, FunctionNotFound, FunctionRegistry
from harness.edge.awslambda.role_invoke import RoleInvoker
from harness.edge.schedule_expressions import Schedule, ScheduleExpressionError
from harness.runtime import Runtime

log = logging.getLogger("harness.edge.lambda.schedules")

Client = Callable[[str], Any]
MAX_FIRES_PER_TICK = 1000  # one schedule's backlog per pass when the clock jumps far ahead


@dataclass
class _Entry:
    kind: str  # "rule" or "schedule"
    arn: str
    schedule: Schedule
    anchor: float
    next_due: float | None
    targets: list[dict[str, Any]]
    after_completion: str = "NONE"
    group: str = "default"
    name: str = ""


def _is_function(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function"


class ScheduleRunner:
    """Lists rules and schedules when they change, and fires what the virtual clock has reached."""

    def __init__(self, client: Client, registry: FunctionRegistry, runtime: Runtime,
                 as_role: RoleInvoker, clock: VirtualClock, changes: ChangeFeed, region: str,
                 account: str) -> None:
        self.client = client
        self.registry = registry
        self.runtime = runtime
        self.as_role = as_role
        self.clock = clock
        self.changes = changes
        self.region = region
        self.account = account
        self._entries: dict[str, _Entry] = {}
        # Nothing is listed until a write to EventBridge or Scheduler passes the edge, so a target
        # that never schedules anything never touches those stores.
        self._seen: tuple[int, int] | None = self._generation()
        # (schedule or rule ARN, due time, invocations made), for tests and diagnostics
        self.fired: list[tuple[str, float, int]] = []

    def _generation(self) -> tuple[int, int]:
        return self.changes.generation("events"), self.changes.generation("scheduler")

    def _refresh(self, now: float) -> None:
        gen = self._generation()
        if gen == self._seen:
            return
        self._seen = gen
        found = self._rules() + self._schedules()
        fresh: dict[str, _Entry] = {}
        for entry in found:
            old = self._entries.get(entry.arn)
            if old is not None and old.schedule.expression == entry.schedule.expression:
                entry.anchor, entry.next_due = old.anchor, old.next_due
            else:
                entry.anchor = now
                entry.next_due = entry.schedule.next_due(now, now)
            fresh[entry.arn] = entry
        self._entries = fresh

    def _parse(self, expression: str, zone: str | None) -> Schedule | None:
        try:
            return Schedule.parse(expression, zone)
        except ScheduleExpressionError as exc:
            log.warning("ignoring schedule %s: %s", expression, exc)
            return None

    def _rules(self) -> list[_Entry]:
        events = self.client("events")
        out: list[_Entry] = []
        for bus in events.list_event_buses().get("EventBuses", []):
            for rule in events.list_rules(EventBusName=bus["Name"]).get("Rules", []):
                if not rule.get("ScheduleExpression") or rule.get("State") != "ENABLED":
                    continue
                parsed = self._parse(rule["ScheduleExpression"], None)
                if parsed is None:
                    continue
                targets = events.list_targets_by_rule(Rule=rule["Name"],
                                                      EventBusName=bus["Name"]).get("Targets", [])
                out.append(_Entry("rule", rule["Arn"], parsed, 0.0, None, targets))
        return out

    def _schedules(self) -> list[_Entry]:
        scheduler = self.client("scheduler")
        out: list[_Entry] = []
        for summary in scheduler.list_schedules().get("Schedules", []):
            if summary.get("State") != "ENABLED":
                continue
            full = scheduler.get_schedule(Name=summary["Name"], GroupName=summary["GroupName"])
            parsed = self._parse(full["ScheduleExpression"], full.get("ScheduleExpressionTimezone"))
            if parsed is None:
                continue
            out.append(_Entry("schedule", full["Arn"], parsed, 0.0, None, [full["Target"]],
                              str(full.get("ActionAfterCompletion") or "NONE"),
                              full["GroupName"], full["Name"]))
        return out

    def tick(self) -> int:
        """Fire every due time the clock has passed; the number of invocations made."""
        now = self.clock.now()
        try:
            self._refresh(now)
        except ClientError as exc:
            log.debug("schedules not listed: %s", exc)
            return 0
        made = 0
        for entry in list(self._entries.values()):
            fires = 0
            while entry.next_due is not None and entry.next_due <= now and fires < MAX_FIRES_PER_TICK:
                due = entry.next_due
                count = self._fire(entry, due)
                made += count
                self.fired.append((entry.arn, due, count))
                fires += 1
                entry.next_due = entry.schedule.next_due(due, entry.anchor)
            if entry.next_due is None and entry.kind == "schedule" \
                    and entry.after_completion == "DELETE":
                self._delete(entry)
        return made

    def _delete(self, entry: _Entry) -> None:
        with contextlib.suppress(ClientError):  # already gone
            self.client("scheduler").delete_schedule(Name=entry.name, GroupName=entry.group)
        self._entries.pop(entry.arn, None)

    def _fire(self, entry: _Entry, due: float) -> int:
        made = 0
        for target in entry.targets:
            arn = str(target.get("Arn", ""))
            if not _is_function(arn):
                log.info("%s: target %s is not a Lambda function; not delivered", entry.arn, arn)
                continue
            if not self._exists(arn):
                continue  # nothing to invoke: no role is assumed and no call is made
            if entry.kind == "rule":
                made += self._fire_rule(entry, target, arn, due)
            else:
                payload = str(target.get("Input") or "{}").encode()
                try:
                    self.as_role(str(target.get("RoleArn", "")), arn, payload)
                    made += 1
                except (PermissionError, LookupError, TimeoutError) as exc:
                    log.info("%s: %s", entry.arn, exc)
        return made

    def _exists(self, arn: str) -> bool:
        parts = arn.split(":")
        try:
            self.registry.config(parts[6], parts[7] if len(parts) > 7 else None)
        except (FunctionNotFound, CodeUnavailable):
            return False
        return True

    def _fire_rule(self, entry: _Entry, target: dict[str, Any], arn: str, due: float) -> int:
        if not self.registry.service_may_invoke(arn, "events.amazonaws.com", entry.arn,
                                                self.account):
            log.info("%s may not invoke %s (no resource policy for events.amazonaws.com)",
                     entry.arn, arn)
            return 0
        event = target.get("Input") or json.dumps({
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": self.account,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(due)),
            "region": self.region, "resources": [entry.arn], "detail": {}})
        try:
            config = self.registry.config(arn.split(":")[6],
                                          arn.split(":")[7] if arn.count(":") > 6 else None)
        except (FunctionNotFound, CodeUnavailable) as exc:
            log.info("%s: %s", entry.arn, exc)
            return 0
        self.runtime.invoke(config, str(event).encode(), invoked_arn=arn)
        return 1

    def reset(self) -> None:
        self._entries.clear()
        self._seen = self._generation()
        self.fired.clear()
