"""Corpus apps built on streams, schedules and secrets, deployed unchanged from ../shared/sam-corpus.

Each is exercised the way its README says, through the harness's gateway, runtime and pollers.
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from harness.deploy import Deployer
from harness.target import EmbeddedTarget

CORPUS = Path("/work/shared/sam-corpus")
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared SAM corpus is not here")


def _deliver(target: EmbeddedTarget) -> int:
    """The poller sees the new records, the batching window passes on the virtual clock, and
    what is due is delivered."""
    assert target.pollers is not None
    made = target.pollers.drain()
    target.clock.advance(2)
    return made + target.pollers.drain()


def test_dynamodb_stream_drives_scheduler_schedules(
        target: EmbeddedTarget, deployer: Deployer, aws: Any) -> None:
    """dynamodb-eventbridge-scheduler: the custom resource's row becomes `auto-test-schedule`;
    put-item, update-item and delete-item create, change and remove a schedule.

    https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html (the stream's INSERT/MODIFY/REMOVE
    records reach the function in batches), https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
    (the function passes the scheduler role: iam:PassRole is checked).
    """
    result = deployer.deploy(CORPUS / "dynamodb-eventbridge-scheduler" / "template.yaml",
                             "corpus-scheduler")
    assert result.status == "CREATE_COMPLETE"
    assert result.outputs["TableName"] == "ScheduleConfigs"
    lam, scheduler, ddb = aws("lambda"), aws("scheduler"), aws("dynamodb")
    mappings = lam.list_event_source_mappings(FunctionName="ScheduleStreamProcessor")
    [mapping] = mappings["EventSourceMappings"]
    assert (mapping["StartingPosition"], mapping["BatchSize"],
            mapping["MaximumBatchingWindowInSeconds"]) == ("LATEST", 10, 1)
    _deliver(target)
    auto = scheduler.get_schedule(Name="auto-test-schedule")
    assert auto["ScheduleExpression"].startswith("at(")
    assert auto["Target"]["Arn"] == result.outputs["TargetLambdaArn"]
    assert json.loads(auto["Target"]["Input"])["message"] == "Auto-created test schedule"

    ddb.put_item(TableName="ScheduleConfigs", Item={
        "scheduleId": {"S": "my-test-schedule"},
        "scheduleExpression": {"S": "at(2030-01-01T10:00:00)"},
        "payload": {"S": '{"userId": "123"}'}, "enabled": {"BOOL": True}})
    _deliver(target)
    made = scheduler.get_schedule(Name="my-test-schedule")
    assert (made["ScheduleExpression"], made["State"]) == ("at(2030-01-01T10:00:00)", "ENABLED")

    ddb.update_item(TableName="ScheduleConfigs", Key={"scheduleId": {"S": "my-test-schedule"}},
                    UpdateExpression="SET scheduleExpression = :e, enabled = :f",
                    ExpressionAttributeValues={":e": {"S": "rate(1 hour)"}, ":f": {"BOOL": False}})
    _deliver(target)
    changed = scheduler.get_schedule(Name="my-test-schedule")
    assert (changed["ScheduleExpression"], changed["State"]) == ("rate(1 hour)", "DISABLED")

    ddb.delete_item(TableName="ScheduleConfigs", Key={"scheduleId": {"S": "my-test-schedule"}})
    _deliver(target)
    with pytest.raises(ClientError) as err:
        scheduler.get_schedule(Name="my-test-schedule")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    for name in ("auto-test-schedule",):
        scheduler.delete_schedule(Name=name)
    deployer.delete("corpus-scheduler")
    assert lam.list_event_source_mappings(FunctionName=result.outputs["StreamProcessorFunctionArn"])[
        "EventSourceMappings"] == []


def _post(target: EmbeddedTarget, api_id: str, key: str) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(urlsplit(target.endpoint).netloc, timeout=60)
    conn.request("POST", f"/restapis/{api_id}/dev/_user_request_/", body=b'{"records": []}',
                 headers={"X-Amz-Firehose-Access-Key": key,
                          "X-Amz-Firehose-Request-Id": "req-1", "Content-Type": "application/json"})
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    try:
        return resp.status, json.loads(text)
    except json.JSONDecodeError:
        return resp.status, text


def test_firehose_endpoint_api_admits_the_secret_access_key_only(
        target: EmbeddedTarget, deployer: Deployer, aws: Any) -> None:
    """kinesis-data-stream-firehose-apigw-sam: POST /dev/ with the generated secret is 200.

    The secret comes from GenerateSecretString, the delivery stream's AccessKey from the dynamic
    reference `{{resolve:secretsmanager:...:SecretString}}`, and the TOKEN authorizer reads the
    secret with the AWSSecretsManagerGetSecretValuePolicy grant (its ARN, checked by the gate).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html,
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
    (a Deny policy answers 403).
    """
    template = CORPUS / "kinesis-data-stream-firehose-apigw-sam" / "template.yaml"
    result = deployer.deploy(template, "corpus-firehose")
    assert result.status == "CREATE_COMPLETE"
    api_id = result.resources["MyApiGateway"].physical_id
    assert result.outputs["ApiEndpoint"] == (
        f"https://{api_id}.execute-api.us-east-1.amazonaws.com/dev/")
    secret = aws("secretsmanager").get_secret_value(
        SecretId="KinesisFirehoseHttpEndpointAccessKey")["SecretString"]
    assert len(secret) == 30 and not set(secret) & set('"@/\\')
    stream = aws("firehose").describe_delivery_stream(DeliveryStreamName="MyDeliveryStream")
    [dest] = stream["DeliveryStreamDescription"]["Destinations"]
    endpoint = dest["HttpEndpointDestinationDescription"]["EndpointConfiguration"]
    assert endpoint["Url"] == result.outputs["ApiEndpoint"]
    kinesis = aws("kinesis").describe_stream_summary(StreamName=result.outputs["MyKinesisStream"])
    assert kinesis["StreamDescriptionSummary"]["OpenShardCount"] == 2
    status, body = _post(target, api_id, secret)
    assert status == 200, body
    assert body["requestId"] == "req-1" and isinstance(body["timestamp"], int)
    assert _post(target, api_id, secret + "x") == (
        403, {"Message": "User is not authorized to access this resource with an explicit deny"})
    deployer.delete("corpus-firehose")
    with pytest.raises(ClientError):
        aws("secretsmanager").describe_secret(SecretId="KinesisFirehoseHttpEndpointAccessKey")
