"""EventBridge buses and rules, EventBridge Scheduler schedules and groups, through their APIs."""

from __future__ import annotations

import json
from typing import Any

from harness.deploy.model import PhysicalResource
from harness.deploy.resources.base import (
    Context,
    Created,
    Provisioner,
    delete_if_present,
    drop_none,
)

_RULE_KEYS = ("Description", "ScheduleExpression", "State", "RoleArn")
_SCHEDULE_KEYS = ("ScheduleExpression", "ScheduleExpressionTimezone", "FlexibleTimeWindow",
                  "Target", "State", "Description", "StartDate", "EndDate", "KmsKeyArn",
                  "ActionAfterCompletion")


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _bus_name(bus: Any) -> str:
    """EventBusName may be a name or an ARN (`...:event-bus/<name>`)."""
    text = str(bus or "default")
    return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text


class EventBus(Provisioner):
    """AWS::Events::EventBus; Ref is the name, Arn/Name as documented."""

    type_name = "AWS::Events::EventBus"
    name_property = "Name"
    name_max = 256
    unique_name = True
    immutable = frozenset({"Name", "EventSourceName"})
    attributes = frozenset({"Arn", "Name"})
    handled = frozenset({"Name", "EventSourceName", "Description", "Tags"})
    ignored = frozenset({"Tags", "DeadLetterConfig", "KmsKeyIdentifier", "Policy", "LogConfig"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        arn = str(ctx.call("events", "create_event_bus", Name=name,
                           EventSourceName=props.get("EventSourceName"),
                           Description=props.get("Description"))["EventBusArn"])
        return Created(str(name), {"Arn": arn, "Name": str(name)})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "events", "delete_event_bus", Name=res.physical_id)


class Rule(Provisioner):
    """AWS::Events::Rule with its Targets; Ref is the name (`bus|name` on a custom bus), Arn its ARN."""

    type_name = "AWS::Events::Rule"
    name_property = "Name"
    name_max = 64
    unique_name = True
    immutable = frozenset({"Name", "EventBusName"})
    attributes = frozenset({"Arn"})
    handled = frozenset({"Name", "EventBusName", "EventPattern", "Targets", *_RULE_KEYS})

    def _put(self, ctx: Context, name: str, props: dict[str, Any]) -> str:
        bus = _bus_name(props.get("EventBusName"))
        arn = str(ctx.call("events", "put_rule", Name=name, EventBusName=bus,
                           EventPattern=_json(props.get("EventPattern")),
                           **{k: props.get(k) for k in _RULE_KEYS})["RuleArn"])
        targets = [drop_none(dict(t, Input=_json(t.get("Input")))) for t in props.get("Targets") or []]
        if targets:
            ctx.call("events", "put_targets", Rule=name, EventBusName=bus, Targets=targets)
        return arn

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        assert name is not None
        arn = self._put(ctx, name, props)
        bus = _bus_name(props.get("EventBusName"))
        ref = name if bus == "default" else f"{bus}|{name}"
        return Created(ref, {"Arn": arn, "Ref": ref, "_name": name})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        rule = str(old.attributes.get("_name", old.physical_id))
        bus = _bus_name(props.get("EventBusName"))
        kept = {str(t.get("Id")) for t in props.get("Targets") or []}
        gone = [str(t.get("Id")) for t in old.properties.get("Targets") or []
                if str(t.get("Id")) not in kept]
        if gone:
            ctx.call("events", "remove_targets", Rule=rule, EventBusName=bus, Ids=gone)
        self._put(ctx, rule, props)
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        rule = str(res.attributes.get("_name", res.physical_id))
        bus = _bus_name(res.properties.get("EventBusName"))
        ids = [str(t.get("Id")) for t in res.properties.get("Targets") or []]
        if ids:
            delete_if_present(ctx, "events", "remove_targets", Rule=rule, EventBusName=bus, Ids=ids)
        delete_if_present(ctx, "events", "delete_rule", Name=rule, EventBusName=bus)


class ScheduleGroup(Provisioner):
    """AWS::Scheduler::ScheduleGroup; Ref is the name, Arn/State/dates as documented."""

    type_name = "AWS::Scheduler::ScheduleGroup"
    name_property = "Name"
    name_max = 64
    unique_name = True
    immutable = frozenset({"Name"})
    attributes = frozenset({"Arn", "CreationDate", "LastModificationDate", "State"})
    handled = frozenset({"Name", "Tags"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        ctx.call("scheduler", "create_schedule_group", Name=name, Tags=props.get("Tags"))
        group = ctx.call("scheduler", "get_schedule_group", Name=name)
        return Created(str(name), {
            "Arn": group["Arn"], "State": group.get("State", "ACTIVE"),
            "CreationDate": str(group.get("CreationDate", "")),
            "LastModificationDate": str(group.get("LastModificationDate", ""))})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "scheduler", "delete_schedule_group", Name=res.physical_id)


class Schedule(Provisioner):
    """AWS::Scheduler::Schedule; Ref is the name, Arn its ARN; everything but Name and GroupName
    updates in place."""

    type_name = "AWS::Scheduler::Schedule"
    name_property = "Name"
    name_max = 64
    unique_name = True
    immutable = frozenset({"Name", "GroupName"})
    attributes = frozenset({"Arn"})
    handled = frozenset({"Name", "GroupName", *_SCHEDULE_KEYS})

    def _params(self, props: dict[str, Any]) -> dict[str, Any]:
        params = {k: props.get(k) for k in _SCHEDULE_KEYS}
        params["GroupName"] = props.get("GroupName")
        return params

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        arn = str(ctx.call("scheduler", "create_schedule", Name=name,
                           **self._params(props))["ScheduleArn"])
        return Created(str(name), {"Arn": arn})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        ctx.call("scheduler", "update_schedule", Name=old.physical_id, **self._params(props))
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "scheduler", "delete_schedule", Name=res.physical_id,
                          GroupName=res.properties.get("GroupName"))
