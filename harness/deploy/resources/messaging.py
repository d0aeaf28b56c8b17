"""SQS queues and policies, SNS topics and subscriptions, created through their APIs."""

from __future__ import annotations

import json
from typing import Any

from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources.base import ALL, Context, Created, Provisioner, delete_if_present

# Queue properties that are SQS attributes of the same name (values as strings on the wire).
_QUEUE_ATTRIBUTES = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
                     "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "FifoQueue",
                     "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
                     "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled")
_POLICY_JSON = ("RedrivePolicy", "RedriveAllowPolicy")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _queue_attributes(props: dict[str, Any]) -> dict[str, str]:
    attrs = {k: _text(props[k]) for k in (*_QUEUE_ATTRIBUTES, *_POLICY_JSON)
             if props.get(k) is not None}
    if str(attrs.get("FifoQueue", "false")).lower() != "true":
        attrs.pop("FifoQueue", None)
    return attrs


class Queue(Provisioner):
    """AWS::SQS::Queue; Ref is the queue URL, Arn/QueueName/QueueUrl as CloudFormation documents."""

    type_name = "AWS::SQS::Queue"
    name_property = "QueueName"
    name_max = 80
    unique_name = True
    immutable = frozenset({"QueueName", "FifoQueue"})
    attributes = frozenset({"Arn", "QueueName", "QueueUrl"})
    handled = frozenset({"QueueName", *_QUEUE_ATTRIBUTES, *_POLICY_JSON, "Tags"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        assert name is not None
        fifo = str(props.get("FifoQueue", "false")).lower() == "true"
        if fifo and not props.get("QueueName"):
            name = name[: self.name_max - 5] + ".fifo"
        if fifo != name.endswith(".fifo"):
            raise DeployError("The name of a FIFO queue can only include alphanumeric characters, "
                              "hyphens, or underscores, must end with .fifo suffix")
        tags = {t["Key"]: str(t["Value"]) for t in props.get("Tags") or []}
        url = str(ctx.call("sqs", "create_queue", QueueName=name,
                           Attributes=_queue_attributes(props), tags=tags or None)["QueueUrl"])
        arn = ctx.arn("sqs", name)
        return Created(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        attrs = _queue_attributes(props)
        attrs.pop("FifoQueue", None)
        if attrs:
            ctx.call("sqs", "set_queue_attributes", QueueUrl=old.physical_id, Attributes=attrs)
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "sqs", "delete_queue", QueueUrl=res.physical_id)


class QueuePolicy(Provisioner):
    """AWS::SQS::QueuePolicy: the Policy attribute of each listed queue."""

    type_name = "AWS::SQS::QueuePolicy"
    handled = frozenset({"Queues", "PolicyDocument"})

    def _set(self, ctx: Context, queues: list[str], doc: Any) -> None:
        for url in queues:
            ctx.call("sqs", "set_queue_attributes", QueueUrl=url,
                     Attributes={"Policy": _text(doc) if doc else ""})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        self._set(ctx, list(props.get("Queues") or []), props.get("PolicyDocument"))
        return Created(ctx.generate_name(logical_id, 64))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        dropped = [q for q in old.properties.get("Queues") or [] if q not in (props.get("Queues") or [])]
        self._set(ctx, dropped, None)
        self._set(ctx, list(props.get("Queues") or []), props.get("PolicyDocument"))
        return Created(old.physical_id)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        for url in res.properties.get("Queues") or []:
            delete_if_present(ctx, "sqs", "set_queue_attributes", QueueUrl=url,
                              Attributes={"Policy": ""})


class Topic(Provisioner):
    """AWS::SNS::Topic; Ref and TopicArn are the ARN, TopicName the name; inline subscriptions."""

    type_name = "AWS::SNS::Topic"
    name_property = "TopicName"
    name_max = 256
    unique_name = True
    immutable = frozenset({"TopicName", "FifoTopic"})
    attributes = frozenset({"TopicArn", "TopicName"})
    handled = frozenset({"TopicName", "DisplayName", "FifoTopic", "ContentBasedDeduplication",
                         "KmsMasterKeyId", "Subscription", "Tags"})
    ignored = frozenset({"Tags", "DataProtectionPolicy", "SignatureVersion", "TracingConfig",
                         "ArchivePolicy", "DeliveryStatusLogging", "FifoThroughputScope"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        assert name is not None
        fifo = str(props.get("FifoTopic", "false")).lower() == "true"
        if fifo and not props.get("TopicName"):
            name = name[: self.name_max - 5] + ".fifo"
        attrs = {k: _text(props[k]) for k in ("DisplayName", "FifoTopic",
                                               "ContentBasedDeduplication", "KmsMasterKeyId")
                 if props.get(k) is not None}
        arn = str(ctx.call("sns", "create_topic", Name=name, Attributes=attrs or None,
                           Tags=props.get("Tags"))["TopicArn"])
        for sub in props.get("Subscription") or []:
            ctx.call("sns", "subscribe", TopicArn=arn, Protocol=sub.get("Protocol"),
                     Endpoint=sub.get("Endpoint"))
        return Created(arn, {"TopicArn": arn, "TopicName": name})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        if props.get("DisplayName") != old.properties.get("DisplayName"):
            ctx.call("sns", "set_topic_attributes", TopicArn=old.physical_id,
                     AttributeName="DisplayName", AttributeValue=str(props.get("DisplayName") or ""))
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "sns", "delete_topic", TopicArn=res.physical_id)


class Subscription(Provisioner):
    """AWS::SNS::Subscription; Ref is the subscription ARN; endpoint or protocol changes replace it."""

    type_name = "AWS::SNS::Subscription"
    immutable = ALL
    handled = frozenset({"TopicArn", "Protocol", "Endpoint", "FilterPolicy", "FilterPolicyScope",
                         "RawMessageDelivery", "RedrivePolicy", "Region"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        attrs = {k: _text(props[k]) for k in ("FilterPolicy", "FilterPolicyScope",
                                               "RawMessageDelivery", "RedrivePolicy")
                 if props.get(k) is not None}
        arn = str(ctx.call("sns", "subscribe", TopicArn=props.get("TopicArn"),
                           Protocol=props.get("Protocol"), Endpoint=props.get("Endpoint"),
                           Attributes=attrs or None, ReturnSubscriptionArn=True)["SubscriptionArn"])
        return Created(arn)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "sns", "unsubscribe", SubscriptionArn=res.physical_id)
