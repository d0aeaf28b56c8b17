"""A Python function's boto3 calls reach the edge over the worker's pipe, and behave as over HTTP.

Through the edge: functions deployed with the Lambda API, invoked with boto3, their SDK calls
answered by the same app the listener serves (harness/runtime/sdk_requests.py). What must not
change: the caller identity, IAM denials and their error codes, parallel calls, the function's
own timeout while an answer is held, botocore's read timeout, and a dropped connection.
Docs: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html,
https://docs.aws.amazon.com/sdkref/latest/guide/feature-timeouts.html (read timeout).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from harness.faults.models import parse_specs
from harness.target import EmbeddedTarget
from tests.awslambda.test_invoke_through_edge import zip_of
from tests.edge.helpers import allow, doc, make_role, make_table, unique

HANDLER = """
import json, os, time, boto3, botocore.config, botocore.exceptions
from concurrent.futures import ThreadPoolExecutor

AT_INIT = boto3.client("sts").get_caller_identity()["Arn"]

def handler(event, context):
    action = event["action"]
    if action == "identity":
        return {"init": AT_INIT, "now": boto3.client("sts").get_caller_identity()["Arn"]}
    if action == "table":
        ddb = boto3.client("dynamodb")
        ddb.put_item(TableName=event["table"], Item={"shardId": {"S": "s-1"}, "id": {"S": "1"},
                                                      "v": {"B": b"\\x00\\xffbytes"}})
        got = ddb.get_item(TableName=event["table"], Key={"shardId": {"S": "s-1"}, "id": {"S": "1"}})
        try:
            ddb.get_item(TableName=event["other"], Key={"shardId": {"S": "s-1"}, "id": {"S": "1"}})
            denied = None
        except botocore.exceptions.ClientError as exc:
            denied = [exc.response["Error"]["Code"], exc.response["ResponseMetadata"]["HTTPStatusCode"]]
        return {"v": list(got["Item"]["v"]["B"]), "denied": denied}
    if action == "parallel":
        sts = boto3.client("sts")
        with ThreadPoolExecutor(8) as pool:
            arns = list(pool.map(lambda _: sts.get_caller_identity()["Arn"], range(16)))
        return {"arns": sorted(set(arns))}
    if action == "held":
        cfg = botocore.config.Config(read_timeout=event["read_timeout"], retries={"max_attempts": 1})
        ddb = boto3.client("dynamodb", config=cfg)
        t0 = time.monotonic()
        try:
            ddb.describe_table(TableName=event["table"])
            return {"error": None}
        except Exception as exc:
            return {"error": type(exc).__name__, "seconds": time.monotonic() - t0}
"""


@pytest.fixture
def pipe_target(tmp_path: Any) -> Iterator[EmbeddedTarget]:
    from harness.target import TargetOptions

    with EmbeddedTarget(TargetOptions(port=0, work_dir=tmp_path / "harness")) as t:
        yield t


@pytest.fixture
def fn(pipe_target: EmbeddedTarget) -> dict[str, Any]:
    from tests.conftest import make_client_factory

    aws = make_client_factory(pipe_target.endpoint)
    table, other = make_table(aws), make_table(aws)
    role = make_role(aws, {"Service": "lambda.amazonaws.com"},
                     doc(allow(["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DescribeTable"],
                               f"arn:aws:dynamodb:us-east-1:*:table/{table}")))
    name = unique("fn-pipe")
    aws("lambda").create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
                                  Code={"ZipFile": zip_of({"app.py": HANDLER})}, Timeout=3)
    return {"aws": aws, "name": name, "table": table, "other": other, "role": role}


def _invoke(fn: dict[str, Any], event: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    r = fn["aws"]("lambda").invoke(FunctionName=fn["name"], Payload=json.dumps(event))
    return r, json.loads(r["Payload"].read() or b"null")


def _pipe(target: EmbeddedTarget) -> dict[str, int]:
    assert target.runtime is not None
    return dict(target.runtime.metrics()["sdk_pipe"])


def test_calls_at_init_and_in_the_handler_take_the_pipe_as_the_execution_role(
        pipe_target: EmbeddedTarget, fn: dict[str, Any]) -> None:
    before = _pipe(pipe_target)
    r, out = _invoke(fn, {"action": "identity"})
    assert "FunctionError" not in r, out
    role = fn["role"].split("/")[-1]
    assert out["init"] == out["now"] and out["now"].endswith(f":assumed-role/{role}/{fn['name']}")
    assert _pipe(pipe_target)["in_place"] - before["in_place"] == 2


def test_items_round_trip_and_a_denial_keeps_its_code_and_status(pipe_target: EmbeddedTarget,
                                                                 fn: dict[str, Any]) -> None:
    r, out = _invoke(fn, {"action": "table", "table": fn["table"], "other": fn["other"]})
    assert "FunctionError" not in r, out
    assert bytes(out["v"]) == b"\x00\xffbytes"
    assert out["denied"] == ["AccessDeniedException", 400]


def test_parallel_calls_from_threads_all_succeed(pipe_target: EmbeddedTarget, fn: dict[str, Any]) -> None:
    """One call at a time takes the pipe; the others keep the socket, so they still overlap."""
    r, out = _invoke(fn, {"action": "parallel"})
    assert "FunctionError" not in r, out
    assert len(out["arns"]) == 1 and ":assumed-role/" in out["arns"][0]


def test_a_held_answer_still_ends_at_the_functions_own_timeout(pipe_target: EmbeddedTarget,
                                                               fn: dict[str, Any]) -> None:
    """A fault plan holds DescribeTable 30 s; Lambda stops the 3 s function at 3 s regardless."""
    pipe_target.edge.faults.replace(parse_specs(["dynamodb:DescribeTable error=timeout:1:30s"]))
    t0 = time.monotonic()
    r, out = _invoke(fn, {"action": "held", "table": fn["table"], "read_timeout": 60})
    took = time.monotonic() - t0
    assert r["FunctionError"] == "Unhandled" and "Task timed out after 3.00 seconds" in out["errorMessage"]
    assert took < 10, took
    assert _pipe(pipe_target)["on_thread"] >= 1


def test_the_clients_read_timeout_and_a_dropped_connection_raise_as_over_http(
        pipe_target: EmbeddedTarget, fn: dict[str, Any]) -> None:
    pipe_target.edge.faults.replace(parse_specs(["dynamodb:DescribeTable error=timeout:1:2s"]))
    _, out = _invoke(fn, {"action": "held", "table": fn["table"], "read_timeout": 0.5})
    assert out["error"] == "ReadTimeoutError" and 0.4 < out["seconds"] < 1.9, out
    pipe_target.edge.faults.replace(parse_specs(["dynamodb:DescribeTable error=timeout:1:100ms"]))
    _, out = _invoke(fn, {"action": "held", "table": fn["table"], "read_timeout": 5})
    assert out["error"] == "ConnectionClosedError", out
    pipe_target.edge.faults.clear()
    _, out = _invoke(fn, {"action": "held", "table": fn["table"], "read_timeout": 5})
    assert out == {"error": None}
