"""AWS::Lambda::EventSourceMapping through Lambda's API (the edge keeps the mappings and polls them)."""

from __future__ import annotations

from typing import Any

from harness.deploy.model import PhysicalResource
from harness.deploy.resources.base import Context, Created, Provisioner, delete_if_present

_MUTABLE = ("FunctionName", "BatchSize", "MaximumBatchingWindowInSeconds", "Enabled",
            "FilterCriteria", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",
            "BisectBatchOnFunctionError", "ParallelizationFactor", "DestinationConfig",
            "FunctionResponseTypes", "TumblingWindowInSeconds", "ScalingConfig")


class EventSourceMapping(Provisioner):
    """Ref and Id are the mapping's UUID; the source and starting position replace it."""

    type_name = "AWS::Lambda::EventSourceMapping"
    immutable = frozenset({"EventSourceArn", "StartingPosition", "StartingPositionTimestamp"})
    attributes = frozenset({"Id", "EventSourceMappingArn"})
    handled = frozenset({"EventSourceArn", "StartingPosition", "StartingPositionTimestamp",
                         *_MUTABLE})
    ignored = frozenset({"Tags", "MetricsConfig", "KmsKeyArn", "Queues", "Topics",
                         "SourceAccessConfigurations", "ProvisionedPollerConfig",
                         "DocumentDBEventSourceConfig", "SelfManagedEventSource",
                         "SelfManagedKafkaEventSourceConfig", "AmazonManagedKafkaEventSourceConfig"})

    def _attrs(self, ctx: Context, uuid: str) -> dict[str, Any]:
        return {"Id": uuid, "EventSourceMappingArn": ctx.arn("lambda", f"event-source-mapping:{uuid}")}

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        out = ctx.call("lambda", "create_event_source_mapping",
                       EventSourceArn=props.get("EventSourceArn"),
                       StartingPosition=props.get("StartingPosition"),
                       StartingPositionTimestamp=props.get("StartingPositionTimestamp"),
                       **{k: props.get(k) for k in _MUTABLE})
        return Created(str(out["UUID"]), self._attrs(ctx, str(out["UUID"])))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        ctx.call("lambda", "update_event_source_mapping", UUID=old.physical_id,
                 **{k: props.get(k) for k in _MUTABLE})
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "lambda", "delete_event_source_mapping", UUID=res.physical_id)
