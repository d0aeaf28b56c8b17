"""Resource ARNs the gate checks for Secrets Manager, SSM, Kinesis, Firehose, SQS, SNS, EventBridge,
EventBridge Scheduler and S3 (each service's "Resource types defined by" table in the Service
Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# A secret's name (or partial ARN) → its full ARN with the random suffix, or None if unknown.
SecretLookup = Callable[[str], str | None]

SERVICES = frozenset({"secretsmanager", "ssm", "kinesis", "firehose", "sqs", "sns", "events",
                      "scheduler", "s3"})

# S3 operations whose IAM action differs from the operation name.
_S3_ACTIONS = {"ListObjectsV2": "ListBucket", "ListObjects": "ListBucket", "HeadObject": "GetObject",
               "HeadBucket": "ListBucket", "ListObjectVersions": "ListBucketVersions",
               "DeleteObjects": "DeleteObject", "CopyObject": "PutObject",
               "ListBuckets": "ListAllMyBuckets", "GetObjectAttributes": "GetObject",
               "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject",
               "CompleteMultipartUpload": "PutObject", "AbortMultipartUpload": "AbortMultipartUpload"}


def _text(params: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = params.get(name)
        if isinstance(value, str) and value:
            return value
    return None


class ServiceArns:
    """(action, resource ARNs) for one request of the services above."""

    def __init__(self, region: str, account: str, secret_arn: SecretLookup | None = None) -> None:
        self.region = region
        self.account = account
        self.secret_arn = secret_arn

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def action(self, service: str, op: str) -> str:
        if service == "s3":
            return f"s3:{_S3_ACTIONS.get(op, op)}"
        return f"{service}:{op}"

    def resources(self, service: str, op: str, params: Mapping[str, Any]) -> list[str]:
        found = getattr(self, f"_{service}")(op, params)
        return list(found) or ["*"]

    def _secretsmanager(self, op: str, params: Mapping[str, Any]) -> list[str]:
        if op == "CreateSecret":
            name = _text(params, "Name")
            return [self._arn("secretsmanager", f"secret:{name}-??????")] if name else []
        secret = _text(params, "SecretId")
        if secret is None:
            return []
        if secret.startswith("arn:") and secret.count(":") >= 6 and self.secret_arn is None:
            return [secret]
        full = self.secret_arn(secret) if self.secret_arn else None
        return [full or (secret if secret.startswith("arn:")
                         else self._arn("secretsmanager", f"secret:{secret}"))]

    def _ssm_name(self, name: str) -> str:
        if name.startswith("arn:"):
            return name
        return self._arn("ssm", "parameter/" + name.lstrip("/"))

    def _ssm(self, op: str, params: Mapping[str, Any]) -> list[str]:
        names = params.get("Names")
        if isinstance(names, list):
            return [self._ssm_name(str(n)) for n in names if isinstance(n, str)]
        name = _text(params, "Name", "Path")
        return [self._ssm_name(name)] if name else []

    def _kinesis(self, op: str, params: Mapping[str, Any]) -> list[str]:
        arn = _text(params, "StreamARN")
        if arn:
            return [arn]
        name = _text(params, "StreamName")
        return [self._arn("kinesis", f"stream/{name}")] if name else []

    def _firehose(self, op: str, params: Mapping[str, Any]) -> list[str]:
        name = _text(params, "DeliveryStreamName")
        return [self._arn("firehose", f"deliverystream/{name}")] if name else []

    def _sqs(self, op: str, params: Mapping[str, Any]) -> list[str]:
        url = _text(params, "QueueUrl")
        name = url.rstrip("/").rsplit("/", 1)[-1] if url else _text(params, "QueueName")
        return [self._arn("sqs", name)] if name else []

    def _sns(self, op: str, params: Mapping[str, Any]) -> list[str]:
        arn = _text(params, "TopicArn", "TargetArn", "ResourceArn")
        if arn:
            return [arn]
        sub = _text(params, "SubscriptionArn")
        if sub and sub.count(":") >= 6:
            return [sub.rsplit(":", 1)[0]]
        name = _text(params, "Name") if op == "CreateTopic" else None
        return [self._arn("sns", name)] if name else []

    def _events(self, op: str, params: Mapping[str, Any]) -> list[str]:
        bus = _text(params, "EventBusName") or "default"
        bus = bus.rsplit("/", 1)[-1] if bus.startswith("arn:") else bus
        if op in ("CreateEventBus", "DeleteEventBus", "DescribeEventBus", "UpdateEventBus"):
            name = _text(params, "Name") or "default"
            return [self._arn("events", f"event-bus/{name}")]
        if op == "PutEvents":
            entries = params.get("Entries")
            buses = {str(e.get("EventBusName") or "default") for e in entries
                     if isinstance(e, Mapping)} if isinstance(entries, list) else {"default"}
            return [b if b.startswith("arn:") else self._arn("events", f"event-bus/{b}")
                    for b in sorted(buses)]
        rule = _text(params, "Rule") if op in ("PutTargets", "RemoveTargets",
                                                "ListTargetsByRule") else _text(params, "Name")
        if not rule or op.startswith("List"):
            return [self._arn("events", f"rule/{rule}")] if rule and op == "ListTargetsByRule" else []
        path = rule if bus == "default" else f"{bus}/{rule}"
        return [self._arn("events", f"rule/{path}")]

    def _scheduler(self, op: str, params: Mapping[str, Any]) -> list[str]:
        name = _text(params, "Name")
        if not name:
            return []
        if op.endswith("ScheduleGroup"):
            return [self._arn("scheduler", f"schedule-group/{name}")]
        group = _text(params, "GroupName") or "default"
        return [self._arn("scheduler", f"schedule/{group}/{name}")]

    def _s3(self, op: str, params: Mapping[str, Any]) -> list[str]:
        bucket = _text(params, "Bucket")
        if not bucket:
            return []
        key = _text(params, "Key")
        return [f"arn:aws:s3:::{bucket}/{key}" if key else f"arn:aws:s3:::{bucket}"]


def upstream_secret_lookup(client: Callable[[], Any]) -> SecretLookup:
    """Secret names resolved to full ARNs through the store's own DescribeSecret (as root)."""
    from botocore.exceptions import ClientError

    def lookup(secret_id: str) -> str | None:
        try:
            arn = client().describe_secret(SecretId=secret_id).get("ARN")
        except ClientError:
            return None
        return str(arn) if arn else None

    return lookup
