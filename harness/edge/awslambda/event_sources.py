"""Event source mappings kept by the edge (moto's own would invoke through Docker), with Lambda's API.

https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html: a mapping reads
a DynamoDB stream, a Kinesis stream or an SQS queue and invokes the function with batches. The
pollers in harness/edge/awslambda/pollers.py deliver them.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from botocore.exceptions import ClientError

from harness.clock import VirtualClock
from harness.edge import errors
from harness.edge.app import Call, Edge
from harness.edge.awslambda.models import CodeUnavailable, FunctionNotFound, FunctionRegistry
from harness.http import HttpResponse


class SourceKind(Enum):
    DYNAMODB = "dynamodb"
    KINESIS = "kinesis"
    SQS = "sqs"


_DEFAULT_BATCH = {SourceKind.DYNAMODB: 100, SourceKind.KINESIS: 100, SourceKind.SQS: 10}
_MUTABLE = ("BatchSize", "MaximumBatchingWindowInSeconds", "FilterCriteria", "MaximumRetryAttempts",
            "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError", "ParallelizationFactor",
            "DestinationConfig", "FunctionResponseTypes", "TumblingWindowInSeconds",
            "ScalingConfig")


def source_kind(arn: str) -> SourceKind | None:
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    if parts[2] == "dynamodb" and "/stream/" in parts[5]:
        return SourceKind.DYNAMODB
    if parts[2] == "kinesis" and parts[5].startswith("stream/"):
        return SourceKind.KINESIS
    if parts[2] == "sqs":
        return SourceKind.SQS
    return None


@dataclass
class Mapping:
    """One mapping: what the API returns, plus where its poller has read to."""

    uuid: str
    kind: SourceKind
    source_arn: str
    function_arn: str
    starting_position: str | None
    settings: dict[str, Any]
    enabled: bool
    last_modified: float
    created_at: float
    positions: dict[str, str] = field(default_factory=dict)  # shard id → next shard iterator
    last_result: str = "No records processed"

    def describe(self, region: str, account: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "UUID": self.uuid, "EventSourceArn": self.source_arn, "FunctionArn": self.function_arn,
            "LastModified": self.last_modified, "State": "Enabled" if self.enabled else "Disabled",
            "StateTransitionReason": "USER_INITIATED",
            "EventSourceMappingArn": f"arn:aws:lambda:{region}:{account}:event-source-mapping:"
                                     f"{self.uuid}"}
        if self.kind is not SourceKind.SQS:
            out["StartingPosition"] = self.starting_position
            out["LastProcessingResult"] = self.last_result
        out.update({k: v for k, v in self.settings.items() if v is not None})
        return out

    @property
    def batch_size(self) -> int:
        return int(self.settings.get("BatchSize") or _DEFAULT_BATCH[self.kind])

    @property
    def window_s(self) -> float:
        return float(self.settings.get("MaximumBatchingWindowInSeconds") or 0)


class MappingStore:
    """The account's mappings by UUID."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mappings: dict[str, Mapping] = {}
        self.on_create: Callable[[Mapping], None] = lambda mapping: None  # the pollers' start

    def all(self) -> list[Mapping]:
        with self.lock:
            return list(self.mappings.values())

    def reset(self) -> None:
        with self.lock:
            self.mappings.clear()


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps(body).encode())


class EventSourceApi:
    """Create/Get/List/Update/DeleteEventSourceMapping answered from the store."""

    def __init__(self, edge: Edge, registry: FunctionRegistry, store: MappingStore,
                 clock: VirtualClock) -> None:
        self.edge = edge
        self.registry = registry
        self.store = store
        self.clock = clock

    def _error(self, call: Call, code: str, message: str, status: int = 400) -> HttpResponse:
        return errors.aws_error(call.service, code, message, status)

    def _function_arn(self, name: str) -> str | None:
        try:
            config = self.registry.config(name)
        except (FunctionNotFound, CodeUnavailable):
            return None
        return config.arn.rsplit(":", 1)[0] if config.arn.count(":") > 6 else config.arn

    def _source_exists(self, kind: SourceKind, arn: str) -> bool:
        up = self.edge.upstream
        try:
            if kind is SourceKind.DYNAMODB:
                up.client("dynamodbstreams").describe_stream(StreamArn=arn)
            elif kind is SourceKind.KINESIS:
                up.client("kinesis").describe_stream_summary(StreamARN=arn)
            else:
                up.client("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[-1])
        except ClientError:
            return False
        return True

    def create(self, call: Call) -> HttpResponse:
        p = call.params
        arn, name = str(p.get("EventSourceArn") or ""), str(p.get("FunctionName") or "")
        kind = source_kind(arn)
        if kind is None:
            return self._error(call, "InvalidParameterValueException", "Unrecognized event source.")
        function_arn = self._function_arn(name)
        if function_arn is None:
            return self._error(call, "ResourceNotFoundException",
                               f"Function not found: {name}", 404)
        position = p.get("StartingPosition")
        if kind is SourceKind.SQS and position:
            return self._error(call, "InvalidParameterValueException",
                               "StartingPosition is not valid for SQS event sources.")
        allowed = ("TRIM_HORIZON", "LATEST") + (("AT_TIMESTAMP",) if kind is SourceKind.KINESIS
                                                else ())
        if kind is not SourceKind.SQS and position not in allowed:
            return self._error(call, "InvalidParameterValueException",
                               f"StartingPosition must be one of {', '.join(allowed)} for this "
                               "event source.")
        batch = p.get("BatchSize")
        limit = 10000
        if batch is not None and not (1 <= int(batch) <= limit):
            return self._error(call, "InvalidParameterValueException",
                               f"BatchSize must be between 1 and {limit}.")
        if kind is SourceKind.SQS and batch is not None and int(batch) > 10 \
                and not p.get("MaximumBatchingWindowInSeconds"):
            return self._error(call, "InvalidParameterValueException",
                               "Maximum batch window in seconds must be greater than 0 if maximum "
                               "batch size is greater than 10")
        if not self._source_exists(kind, arn):
            return self._error(call, "InvalidParameterValueException",
                               f"Stream not found: {arn}" if kind is not SourceKind.SQS else
                               "Error occurred while ReceiveMessage. SQS Error Code: "
                               "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The "
                               "specified queue does not exist.")
        now = self.clock.now()
        mapping = Mapping(str(uuid.uuid4()), kind, arn, function_arn,
                          str(position) if position else None,
                          {k: p.get(k) for k in _MUTABLE}, p.get("Enabled", True) is not False,
                          now, now)
        mapping.settings["BatchSize"] = mapping.batch_size
        try:
            self.store.on_create(mapping)
        except ClientError as exc:
            return self._error(call, "InvalidParameterValueException",
                               f"Cannot read {arn}: {exc}")
        with self.store.lock:
            self.store.mappings[mapping.uuid] = mapping
        out = mapping.describe(self.edge.region, self.edge.account)
        out["State"] = "Creating"
        return _json(202, out)

    def _find(self, call: Call) -> Mapping | None:
        with self.store.lock:
            return self.store.mappings.get(str(call.params.get("UUID") or ""))

    def _missing(self, call: Call) -> HttpResponse:
        return self._error(call, "ResourceNotFoundException",
                           "The resource you requested does not exist.", 404)

    def get(self, call: Call) -> HttpResponse:
        found = self._find(call)
        if found is None:
            return self._missing(call)
        return _json(200, found.describe(self.edge.region, self.edge.account))

    def list(self, call: Call) -> HttpResponse:
        name = call.params.get("FunctionName")
        function_arn = self._function_arn(str(name)) if name else None
        source = call.params.get("EventSourceArn")
        found = [m.describe(self.edge.region, self.edge.account) for m in self.store.all()
                 if (not name or m.function_arn == function_arn)
                 and (not source or m.source_arn == source)]
        return _json(200, {"EventSourceMappings": found})

    def update(self, call: Call) -> HttpResponse:
        found = self._find(call)
        if found is None:
            return self._missing(call)
        p = call.params
        if p.get("FunctionName"):
            function_arn = self._function_arn(str(p["FunctionName"]))
            if function_arn is None:
                return self._error(call, "ResourceNotFoundException",
                                   f"Function not found: {p['FunctionName']}", 404)
            found.function_arn = function_arn
        for key in _MUTABLE:
            if key in p:
                found.settings[key] = p[key]
        if "Enabled" in p:
            found.enabled = p["Enabled"] is not False
        found.last_modified = self.clock.now()
        out = found.describe(self.edge.region, self.edge.account)
        out["State"] = "Updating"
        return _json(202, out)

    def delete(self, call: Call) -> HttpResponse:
        with self.store.lock:
            found = self.store.mappings.pop(str(call.params.get("UUID") or ""), None)
        if found is None:
            return self._missing(call)
        out = found.describe(self.edge.region, self.edge.account)
        out["State"] = "Deleting"
        return _json(202, out)


def install(edge: Edge, registry: FunctionRegistry, clock: VirtualClock) -> MappingStore:
    """Answer the mapping operations in the edge; the store is what the pollers read."""
    store = MappingStore()
    api = EventSourceApi(edge, registry, store, clock)
    edge.respond("lambda", "CreateEventSourceMapping", api.create)
    edge.respond("lambda", "GetEventSourceMapping", api.get)
    edge.respond("lambda", "ListEventSourceMappings", api.list)
    edge.respond("lambda", "UpdateEventSourceMapping", api.update)
    edge.respond("lambda", "DeleteEventSourceMapping", api.delete)
    return store
