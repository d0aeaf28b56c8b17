"""boto3 clients attached in process reach the harness app exactly as over HTTP.

harness/in_process.py hands botocore's signed request to the app the listener serves. The request
the app sees must be the one the listener parses from http.client's bytes, and everything past the
socket (SigV4, the IAM gate, moto) must answer the same.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from harness import in_process
from harness.http import HttpRequest, HttpResponse
from harness.server import HarnessHTTPServer
from harness.target import EmbeddedTarget, TargetOptions


@pytest.fixture(scope="module")
def target() -> Iterator[EmbeddedTarget]:
    t = EmbeddedTarget(TargetOptions(port=0, work_dir=Path(tempfile.mkdtemp(prefix="inproc-"))))
    t.start()
    yield t
    t.stop()


def _client(endpoint: str, service: str, secret: str = "test") -> Any:
    return boto3.session.Session().client(
        service, region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="test",
        aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 0},
                                      s3={"addressing_style": "path"}))


def _attached(target: EmbeddedTarget, service: str, secret: str = "test") -> Any:
    assert target.server is not None
    return in_process.attach(_client(target.endpoint, service, secret), target.server.call_app)


def test_the_app_sees_the_request_the_listener_parses_off_the_wire() -> None:
    seen: list[HttpRequest] = []

    def record(req: HttpRequest) -> HttpResponse:
        seen.append(req)
        return HttpResponse(200, [("Content-Type", "application/x-amz-json-1.0")], b"{}")

    server = HarnessHTTPServer(record, "127.0.0.1", 0)
    server.serve_in_thread()
    try:
        endpoint = f"http://127.0.0.1:{server.port}"
        for client in (_client(endpoint, "dynamodb"),
                       in_process.attach(_client(endpoint, "dynamodb"), record)):
            client.describe_table(TableName="t")
    finally:
        server.stop()
    wire, direct = seen

    def shape(r: HttpRequest) -> tuple[Any, ...]:
        # The two calls may be signed a second apart: compare the signature's scope, not its value.
        headers = {k: v for k, v in r.headers.items()
                   if k not in ("user-agent", "amz-sdk-invocation-id", "x-amz-date")}
        headers["authorization"] = headers["authorization"].split("Signature=")[0]
        return (r.method, r.path, r.query, r.body, r.client, headers)

    assert shape(direct) == shape(wire)
    assert direct.headers["host"] == f"127.0.0.1:{server.port}"


def test_answers_match_http_and_signatures_are_still_checked(target: EmbeddedTarget) -> None:
    direct, wire = _attached(target, "dynamodb"), _client(target.endpoint, "dynamodb")
    direct.create_table(TableName="InProc", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    direct.put_item(TableName="InProc", Item={"k": {"S": "a"}, "v": {"N": "1"}})
    assert wire.get_item(TableName="InProc", Key={"k": {"S": "a"}})["Item"]["v"] == {"N": "1"}
    assert direct.get_item(TableName="InProc", Key={"k": {"S": "a"}})["Item"] == \
        wire.get_item(TableName="InProc", Key={"k": {"S": "a"}})["Item"]
    codes = []
    for client in (_attached(target, "dynamodb", secret="wrong"),
                   _client(target.endpoint, "dynamodb", secret="wrong")):
        with pytest.raises(ClientError) as info:
            client.list_tables()
        codes.append((info.value.response["Error"]["Code"],
                      info.value.response["ResponseMetadata"]["HTTPStatusCode"]))
    assert codes[0] == codes[1] and codes[0][1] in (400, 403)


def test_streaming_bodies_both_ways(target: EmbeddedTarget) -> None:
    s3 = _attached(target, "s3")
    s3.create_bucket(Bucket="inproc-bucket")
    payload = bytes(range(256)) * 4096  # 1 MiB, binary
    s3.put_object(Bucket="inproc-bucket", Key="k", Body=payload)
    assert s3.get_object(Bucket="inproc-bucket", Key="k")["Body"].read() == payload
    assert _client(target.endpoint, "s3").get_object(Bucket="inproc-bucket", Key="k")[
        "Body"].read() == payload


def test_a_dropped_connection_is_a_connection_error() -> None:
    client = in_process.attach(_client("http://127.0.0.1:9", "dynamodb"),
                               lambda req: HttpResponse(0, [], b""))
    with pytest.raises(ConnectionClosedError):
        client.list_tables()
