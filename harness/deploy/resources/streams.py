"""Kinesis data streams and Firehose delivery streams, created through their APIs."""

from __future__ import annotations

from typing import Any

from harness.deploy.model import PhysicalResource
from harness.deploy.resources.base import (
    Context,
    Created,
    Provisioner,
    delete_if_present,
    wait_until,
)

_DESTINATIONS = ("S3DestinationConfiguration", "ExtendedS3DestinationConfiguration",
                 "RedshiftDestinationConfiguration", "ElasticsearchDestinationConfiguration",
                 "AmazonopensearchserviceDestinationConfiguration",
                 "SplunkDestinationConfiguration", "HttpEndpointDestinationConfiguration",
                 "AmazonOpenSearchServerlessDestinationConfiguration",
                 "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration")


class KinesisStream(Provisioner):
    """AWS::Kinesis::Stream; Ref is the name, Arn the stream ARN; ShardCount updates in place."""

    type_name = "AWS::Kinesis::Stream"
    name_property = "Name"
    name_max = 128
    unique_name = True
    immutable = frozenset({"Name"})
    attributes = frozenset({"Arn"})
    handled = frozenset({"Name", "ShardCount", "StreamModeDetails", "RetentionPeriodHours", "Tags",
                         "StreamEncryption"})

    def _active(self, ctx: Context, name: str) -> dict[str, Any]:
        holder: dict[str, Any] = {}

        def active() -> bool:
            summary = ctx.call("kinesis", "describe_stream_summary", StreamName=name)
            holder["s"] = summary["StreamDescriptionSummary"]
            return bool(holder["s"]["StreamStatus"] == "ACTIVE")

        wait_until(active, f"stream {name} to become ACTIVE")
        return dict(holder["s"])

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        mode = (props.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
        shards = props.get("ShardCount", 1) if mode == "PROVISIONED" else None
        tags = {t["Key"]: str(t["Value"]) for t in props.get("Tags") or []}
        ctx.call("kinesis", "create_stream", StreamName=name, ShardCount=shards,
                 StreamModeDetails={"StreamMode": mode}, Tags=tags or None)
        summary = self._active(ctx, str(name))
        if props.get("RetentionPeriodHours") not in (None, 24):
            ctx.call("kinesis", "increase_stream_retention_period", StreamName=name,
                     RetentionPeriodHours=props["RetentionPeriodHours"])
        return Created(str(name), {"Arn": summary["StreamARN"]})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        before = old.properties
        if props.get("ShardCount") != before.get("ShardCount") and props.get("ShardCount"):
            ctx.call("kinesis", "update_shard_count", StreamName=old.physical_id,
                     TargetShardCount=props["ShardCount"], ScalingType="UNIFORM_SCALING")
            self._active(ctx, old.physical_id)
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "kinesis", "delete_stream", StreamName=res.physical_id,
                          EnforceConsumerDeletion=True)


class DeliveryStream(Provisioner):
    """AWS::KinesisFirehose::DeliveryStream; Ref is the name, Arn its ARN; changes replace it.

    The stream and its destination are stored as configured; records are not delivered (the
    harness runs no Firehose delivery).
    """

    type_name = "AWS::KinesisFirehose::DeliveryStream"
    name_property = "DeliveryStreamName"
    name_max = 64
    unique_name = True
    immutable = frozenset({"DeliveryStreamName", "DeliveryStreamType",
                           "KinesisStreamSourceConfiguration", "MSKSourceConfiguration",
                           *_DESTINATIONS})
    attributes = frozenset({"Arn"})
    handled = frozenset({"DeliveryStreamName", "DeliveryStreamType",
                         "KinesisStreamSourceConfiguration", "DeliveryStreamEncryptionConfigurationInput",
                         "Tags", *_DESTINATIONS})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        arn = str(ctx.call("firehose", "create_delivery_stream", DeliveryStreamName=name,
                           DeliveryStreamType=props.get("DeliveryStreamType"),
                           KinesisStreamSourceConfiguration=props.get(
                               "KinesisStreamSourceConfiguration"),
                           DeliveryStreamEncryptionConfigurationInput=props.get(
                               "DeliveryStreamEncryptionConfigurationInput"),
                           Tags=props.get("Tags"),
                           **{k: props.get(k) for k in _DESTINATIONS})["DeliveryStreamARN"])
        ctx.note(f"{logical_id} ({self.type_name}): records are stored by the stream's source "
                 "but not delivered to the destination (the harness runs no Firehose delivery)")
        return Created(str(name), {"Arn": arn})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "firehose", "delete_delivery_stream",
                          DeliveryStreamName=res.physical_id)
