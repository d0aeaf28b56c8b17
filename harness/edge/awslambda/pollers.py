"""The Lambda service's pollers: stream and queue records delivered to functions as AWS shapes them.

DynamoDB Streams (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html), Kinesis
(https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html) and SQS
(https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). A stream batch that fails is retried
from the same position (the shard waits) until it succeeds or MaximumRetryAttempts is spent; an
SQS batch is deleted on success, and only the reported failures stay with ReportBatchItemFailures.
The batching window is measured on the virtual clock.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from harness.clock import VirtualClock
from harness.edge.awslambda.event_sources import Mapping, MappingStore, SourceKind
from harness.edge.awslambda.models import CodeUnavailable, FunctionNotFound, FunctionRegistry
from harness.runtime import InvokeResult, Runtime

log = logging.getLogger("harness.edge.lambda.pollers")

Client = Callable[[str], Any]


def _epoch(value: Any) -> Any:
    return value.timestamp() if isinstance(value, datetime) else value


def dynamodb_record(record: dict[str, Any], source_arn: str) -> dict[str, Any]:
    """A DynamoDB Streams record as Lambda's event carries it (creation time in epoch seconds)."""
    body = dict(record)
    inner = dict(body.get("dynamodb") or {})
    if "ApproximateCreationDateTime" in inner:
        inner["ApproximateCreationDateTime"] = int(_epoch(inner["ApproximateCreationDateTime"]))
    body["dynamodb"] = inner
    body["eventSourceARN"] = source_arn
    return body


def kinesis_record(record: dict[str, Any], shard: str, mapping: Mapping, region: str,
                   role_arn: str) -> dict[str, Any]:
    return {"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": record["PartitionKey"],
                        "sequenceNumber": record["SequenceNumber"],
                        "data": base64.b64encode(record["Data"]).decode(),
                        "approximateArrivalTimestamp": _epoch(
                            record.get("ApproximateArrivalTimestamp"))},
            "eventSource": "aws:kinesis", "eventVersion": "1.0",
            "eventID": f"{shard}:{record['SequenceNumber']}", "eventName": "aws:kinesis:record",
            "invokeIdentityArn": role_arn, "awsRegion": region,
            "eventSourceARN": mapping.source_arn}


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"stringListValues": [], "binaryListValues": [],
                           "dataType": value.get("DataType")}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return out


def sqs_record(message: dict[str, Any], source_arn: str, region: str) -> dict[str, Any]:
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
            "body": message.get("Body", ""), "attributes": dict(message.get("Attributes") or {}),
            "messageAttributes": {k: _message_attribute(v) for k, v in
                                  (message.get("MessageAttributes") or {}).items()},
            "md5OfBody": message.get("MD5OfBody"), "eventSource": "aws:sqs",
            "eventSourceARN": source_arn, "awsRegion": region}


class _Pending:
    """A stream batch read but not yet delivered (waiting for its window) or failed so far."""

    def __init__(self, first_seen: float) -> None:
        self.first_seen = first_seen
        self.attempts = 0


class Pollers:
    """Reads every enabled mapping's source and invokes its function; tick() is one pass."""

    def __init__(self, store: MappingStore, registry: FunctionRegistry, runtime: Runtime,
                 client: Client, clock: VirtualClock, region: str, interval_s: float = 0.1) -> None:
        self.store = store
        self.registry = registry
        self.runtime = runtime
        self.client = client
        self.clock = clock
        self.region = region
        self.interval_s = interval_s
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._tick_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.hooks: list[Callable[[], int]] = []  # more work per pass (schedules on the clock)

    # -- positions ------------------------------------------------------------------------------
    def start_positions(self, mapping: Mapping) -> None:
        """Shard iterators at the starting position, taken when the mapping is created (LATEST
        means records written after creation)."""
        if mapping.kind is SourceKind.SQS:
            return
        kind = "TRIM_HORIZON" if mapping.starting_position == "TRIM_HORIZON" else "LATEST"
        if mapping.kind is SourceKind.DYNAMODB:
            streams = self.client("dynamodbstreams")
            shards = streams.describe_stream(StreamArn=mapping.source_arn)["StreamDescription"]
            for shard in shards.get("Shards", []):
                mapping.positions[shard["ShardId"]] = streams.get_shard_iterator(
                    StreamArn=mapping.source_arn, ShardId=shard["ShardId"],
                    ShardIteratorType=kind)["ShardIterator"]
            return
        kinesis = self.client("kinesis")
        for shard in kinesis.list_shards(StreamARN=mapping.source_arn).get("Shards", []):
            mapping.positions[shard["ShardId"]] = kinesis.get_shard_iterator(
                StreamARN=mapping.source_arn, ShardId=shard["ShardId"],
                ShardIteratorType=kind)["ShardIterator"]

    # -- one pass -------------------------------------------------------------------------------
    def tick(self) -> int:
        """Deliver every due batch once; the number of invocations made."""
        with self._tick_lock:
            made = 0
            for mapping in self.store.all():
                if not mapping.enabled:
                    continue
                try:
                    made += (self._queue(mapping) if mapping.kind is SourceKind.SQS
                             else self._stream(mapping))
                except (ClientError, FunctionNotFound, CodeUnavailable, KeyError) as exc:
                    mapping.last_result = f"PROBLEM: {exc}"
                    log.debug("mapping %s: %s", mapping.uuid, exc)
            for hook in self.hooks:
                made += hook()
            return made

    def drain(self, max_passes: int = 50) -> int:
        """Tick until nothing is due (tests: the invocations that are due now, exactly once)."""
        total = 0
        for _ in range(max_passes):
            made = self.tick()
            total += made
            if not made:
                break
        return total

    def _invoke(self, mapping: Mapping, records: list[dict[str, Any]]) -> InvokeResult:
        name = mapping.function_arn.rsplit(":", 1)[-1]
        config = self.registry.config(name)
        payload = json.dumps({"Records": records}, default=str).encode()
        result = self.runtime.invoke(config, payload, invoked_arn=mapping.function_arn)
        mapping.last_result = "OK" if not result.function_error else "PROBLEM: Function call failed"
        return result

    def _read(self, mapping: Mapping, shard: str, iterator: str) -> tuple[list[Any], str | None]:
        if mapping.kind is SourceKind.DYNAMODB:
            out = self.client("dynamodbstreams").get_records(ShardIterator=iterator,
                                                             Limit=mapping.batch_size)
        else:
            out = self.client("kinesis").get_records(ShardIterator=iterator, StreamARN=mapping.source_arn,
                                                     Limit=mapping.batch_size)
        return list(out.get("Records", [])), out.get("NextShardIterator")

    def _stream(self, mapping: Mapping) -> int:
        made = 0
        if not mapping.positions:
            self.start_positions(mapping)
        role = ""
        for shard, iterator in list(mapping.positions.items()):
            records, following = self._read(mapping, shard, iterator)
            key = (mapping.uuid, shard)
            if not records:
                self._pending.pop(key, None)
                if following:
                    mapping.positions[shard] = following
                continue
            now = self.clock.now()
            pending = self._pending.setdefault(key, _Pending(now))
            if len(records) < mapping.batch_size and now - pending.first_seen < mapping.window_s:
                continue  # the batching window is still open
            if mapping.kind is SourceKind.DYNAMODB:
                shaped = [dynamodb_record(r, mapping.source_arn) for r in records]
            else:
                role = role or self.registry.config(mapping.function_arn.rsplit(":", 1)[-1]).role_arn
                shaped = [kinesis_record(r, shard, mapping, self.region, role) for r in records]
            result = self._invoke(mapping, shaped)
            made += 1
            retries = mapping.settings.get("MaximumRetryAttempts")
            pending.attempts += 1
            if result.function_error and (retries is None or int(retries) < 0
                                          or pending.attempts <= int(retries)):
                continue  # the shard waits: the same batch again on the next pass
            self._pending.pop(key, None)
            if following:
                mapping.positions[shard] = following
        return made

    def _queue(self, mapping: Mapping) -> int:
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=mapping.source_arn.rsplit(":", 1)[-1])["QueueUrl"]
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(mapping.batch_size, 10),
                                  AttributeNames=["All"], MessageAttributeNames=["All"])
        messages = got.get("Messages", [])
        if not messages:
            return 0
        result = self._invoke(mapping, [sqs_record(m, mapping.source_arn, self.region)
                                        for m in messages])
        done = messages
        if result.function_error:
            done = []
        elif "ReportBatchItemFailures" in (mapping.settings.get("FunctionResponseTypes") or []):
            done = [m for m in messages if m["MessageId"] not in _failed_ids(result.payload)]
        if done:
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        return 1

    # -- background -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="lambda-pollers", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick()
            except Exception:  # a poller must outlive one bad pass, as Lambda's does
                log.exception("event source poll failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        with self._tick_lock:
            self._pending.clear()


def _failed_ids(payload: bytes) -> set[str]:
    """The itemIdentifiers of a ReportBatchItemFailures response ({"batchItemFailures": [...]})."""
    try:
        doc = json.loads(payload)
    except ValueError:
        return set()
    items = doc.get("batchItemFailures") if isinstance(doc, dict) else None
    return {str(i.get("itemIdentifier")) for i in items or [] if isinstance(i, dict)}
