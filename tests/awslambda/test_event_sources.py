"""Event source mappings: Lambda's API in the edge and the pollers that deliver stream and queue records.

The target's clock is frozen and its background poller stopped, so each test advances the clock
and drains: exactly the due invocations happen, once.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.target import EmbeddedTarget, TargetOptions
from tests.conftest import ClientFactory, make_client_factory

RECORDER = """
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as f:
        f.write(json.dumps(event) + "\\n")
    bodies = [r.get("body") for r in event["Records"]]
    if "fail" in bodies or os.environ.get("FAIL") == "1":
        raise RuntimeError("batch failed")
    failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r.get("body") == "bad"]
    return {"batchItemFailures": failures}
"""


@pytest.fixture
def frozen(tmp_path: Path) -> Iterator[EmbeddedTarget]:
    account = f"{random.randrange(10**11, 10**12):012d}"
    with EmbeddedTarget(TargetOptions(port=0, work_dir=tmp_path / "h", frozen_clock=True,
                                      account=account)) as t:
        assert t.pollers is not None
        t.pollers.stop()
        yield t


@pytest.fixture
def aws(frozen: EmbeddedTarget) -> ClientFactory:
    return make_client_factory(frozen.endpoint)


def _function(aws: ClientFactory, out: Path, name: str = "recorder", fail: bool = False) -> str:
    role = aws("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", RECORDER)
    env = {"OUT": str(out), "FAIL": "1" if fail else "0"}
    arn: str = aws("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Role=role["Role"]["Arn"], Handler="index.handler",
        Code={"ZipFile": buf.getvalue()}, Environment={"Variables": env})["FunctionArn"]
    return arn


def _events(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []


def _drain(t: EmbeddedTarget) -> int:
    assert t.pollers is not None
    return t.pollers.drain()


def test_kinesis_records_arrive_in_batches_in_aws_shape(
        frozen: EmbeddedTarget, aws: ClientFactory, tmp_path: Path) -> None:
    """TRIM_HORIZON from the start, BatchSize records per invocation, the documented record shape.
    https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-event-example"""
    out = tmp_path / "events.jsonl"
    _function(aws, out)
    kinesis = aws("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"]["StreamARN"]
    for i in range(3):
        kinesis.put_record(StreamName="clicks", Data=f"r{i}".encode(), PartitionKey="p")
    aws("lambda").create_event_source_mapping(FunctionName="recorder", EventSourceArn=arn,
                                              StartingPosition="TRIM_HORIZON", BatchSize=2)
    assert _drain(frozen) == 2
    assert _drain(frozen) == 0, "each record is delivered once"
    batches = _events(out)
    assert [len(b["Records"]) for b in batches] == [2, 1]
    first = batches[0]["Records"][0]
    assert first["eventSource"] == "aws:kinesis" and first["eventName"] == "aws:kinesis:record"
    assert first["eventSourceARN"] == arn and first["kinesis"]["data"] == "cjA="  # base64("r0")
    assert first["kinesis"]["partitionKey"] == "p" and first["invokeIdentityArn"].endswith(
        ":role/recorder-role")


def test_dynamodb_batching_window_waits_on_the_virtual_clock(
        frozen: EmbeddedTarget, aws: ClientFactory, tmp_path: Path) -> None:
    """LATEST skips earlier writes; a partial batch waits MaximumBatchingWindowInSeconds.
    https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html (batching window)"""
    out = tmp_path / "events.jsonl"
    _function(aws, out)
    ddb = aws("dynamodb")
    table = ddb.create_table(
        TableName="items", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    ddb.put_item(TableName="items", Item={"k": {"S": "before"}})
    aws("lambda").create_event_source_mapping(
        FunctionName="recorder", EventSourceArn=table["TableDescription"]["LatestStreamArn"],
        StartingPosition="LATEST", BatchSize=10, MaximumBatchingWindowInSeconds=5)
    ddb.put_item(TableName="items", Item={"k": {"S": "after"}})
    assert _drain(frozen) == 0
    frozen.clock.advance(4)
    assert _drain(frozen) == 0, "the window is still open"
    frozen.clock.advance(1)
    assert _drain(frozen) == 1
    [batch] = _events(out)
    [record] = batch["Records"]
    assert record["eventName"] == "INSERT" and record["eventSource"] == "aws:dynamodb"
    assert record["dynamodb"]["NewImage"] == {"k": {"S": "after"}}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)


def test_sqs_batch_is_deleted_on_success_and_kept_on_failure(
        frozen: EmbeddedTarget, aws: ClientFactory, tmp_path: Path) -> None:
    """A successful batch is deleted; a failed one stays in the queue; with
    ReportBatchItemFailures only the reported messages stay.
    https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html"""
    out = tmp_path / "events.jsonl"
    _function(aws, out)
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = aws("lambda").create_event_source_mapping(
        FunctionName="recorder", EventSourceArn=arn, BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"])
    sqs.send_message(QueueUrl=url, MessageBody="good")
    sqs.send_message(QueueUrl=url, MessageBody="bad")
    assert frozen.pollers is not None and frozen.pollers.tick() == 1
    [batch] = _events(out)
    assert sorted(r["body"] for r in batch["Records"]) == ["bad", "good"]
    assert batch["Records"][0]["eventSource"] == "aws:sqs"
    left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in left] == ["bad"], "only the reported failure stays"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=left[0]["ReceiptHandle"])
    aws("lambda").update_event_source_mapping(UUID=mapping["UUID"], FunctionResponseTypes=[])
    sqs.send_message(QueueUrl=url, MessageBody="fail")
    assert frozen.pollers.tick() == 1
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", [])] == ["fail"]


def test_failed_stream_batch_is_retried_until_maximum_retry_attempts(
        frozen: EmbeddedTarget, aws: ClientFactory, tmp_path: Path) -> None:
    """The shard waits on a failing batch; after MaximumRetryAttempts retries it moves on.
    https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-errors"""
    out = tmp_path / "events.jsonl"
    _function(aws, out, fail=True)
    kinesis = aws("kinesis")
    kinesis.create_stream(StreamName="bad", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="bad")["StreamDescriptionSummary"]["StreamARN"]
    kinesis.put_record(StreamName="bad", Data=b"x", PartitionKey="p")
    aws("lambda").create_event_source_mapping(FunctionName="recorder", EventSourceArn=arn,
                                              StartingPosition="TRIM_HORIZON",
                                              MaximumRetryAttempts=2)
    assert _drain(frozen) == 3, "the first attempt and two retries"
    assert len(_events(out)) == 3
    status = aws("lambda").list_event_source_mappings(FunctionName="recorder")
    assert status["EventSourceMappings"][0]["LastProcessingResult"] == "PROBLEM: Function call failed"


@pytest.mark.parametrize(("params", "code"), [
    ({"EventSourceArn": "arn:aws:s3:::bucket"}, "InvalidParameterValueException"),
    ({"EventSourceArn": "arn:aws:kinesis:us-east-1:{account}:stream/none",
      "StartingPosition": "LATEST"}, "InvalidParameterValueException"),
    ({"EventSourceArn": "arn:aws:kinesis:us-east-1:{account}:stream/s"},
     "InvalidParameterValueException"),
    ({"EventSourceArn": "arn:aws:sqs:us-east-1:{account}:q", "StartingPosition": "LATEST"},
     "InvalidParameterValueException"),
    ({"EventSourceArn": "arn:aws:sqs:us-east-1:{account}:q", "FunctionName": "missing"},
     "ResourceNotFoundException"),
])
def test_create_event_source_mapping_refuses_bad_input(
        frozen: EmbeddedTarget, aws: ClientFactory, tmp_path: Path, params: dict[str, str],
        code: str) -> None:
    """Unknown sources, a missing or misplaced StartingPosition, an unknown function.
    https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html#API_CreateEventSourceMapping_Errors"""
    _function(aws, tmp_path / "e.jsonl")
    aws("kinesis").create_stream(StreamName="s", ShardCount=1)
    aws("sqs").create_queue(QueueName="q")
    with pytest.raises(ClientError) as err:
        aws("lambda").create_event_source_mapping(**{"FunctionName": "recorder", **{
            k: v.format(account=frozen.upstream.account) for k, v in params.items()}})
    assert err.value.response["Error"]["Code"] == code


def test_mapping_lifecycle_get_update_delete(aws: ClientFactory, tmp_path: Path) -> None:
    """Get/Update/Delete by UUID; an unknown UUID is ResourceNotFoundException (404)."""
    _function(aws, tmp_path / "e.jsonl")
    url = aws("sqs").create_queue(QueueName="life")["QueueUrl"]
    arn = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    lam = aws("lambda")
    uuid = lam.create_event_source_mapping(FunctionName="recorder", EventSourceArn=arn)["UUID"]
    assert lam.get_event_source_mapping(UUID=uuid)["BatchSize"] == 10
    lam.update_event_source_mapping(UUID=uuid, BatchSize=5, Enabled=False)
    got = lam.get_event_source_mapping(UUID=uuid)
    assert (got["BatchSize"], got["State"]) == (5, "Disabled")
    assert lam.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
    with pytest.raises(ClientError) as err:
        lam.get_event_source_mapping(UUID=uuid)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
