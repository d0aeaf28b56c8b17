"""Faults injected on the edge and in Lambda answer as AWS's own failures do, and only where asked.

Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html,
https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html,
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors,
https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.suites.faults import Faults
from harness.target import EmbeddedTarget, TargetOptions
from tests.conftest import make_client_factory
from tests.edge.helpers import allow, doc, make_role, unique

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedTarget]:
    with EmbeddedTarget(TargetOptions(port=0, work_dir=tmp_path_factory.mktemp("faults"))) as t:
        yield t


@pytest.fixture
def faults(faulty: EmbeddedTarget) -> Iterator[Faults]:
    f = Faults(faulty.endpoint)
    yield f
    f.clear()


@pytest.fixture(scope="module")
def aws(faulty: EmbeddedTarget) -> Any:
    return make_client_factory(faulty.endpoint)


@pytest.fixture(scope="module")
def table(aws: Any) -> str:
    name = unique("faults")
    aws("dynamodb").create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    return name


@pytest.fixture(scope="module")
def function(aws: Any) -> str:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", HANDLER)
    role = make_role(aws, {"Service": "lambda.amazonaws.com"}, doc(allow("logs:*")))
    name = unique("faulted")
    aws("lambda").create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
                                  Code={"ZipFile": buf.getvalue()}, Timeout=1)
    return name


def _invoke(aws: Any, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    r = aws("lambda").invoke(FunctionName=name, Payload=b"{}")
    return r, json.loads(r["Payload"].read() or b"null")


def test_throttled_sts_answers_query_protocol_throttling(aws: Any, faults: Faults) -> None:
    """STS common errors: Throttling, HTTP 400, in the Query protocol's ErrorResponse."""
    role = make_role(aws, {"AWS": "arn:aws:iam::123456789012:root"})
    faults.set("sts:AssumeRole error=throttle")
    with pytest.raises(ClientError) as info:
        aws("sts").assume_role(RoleArn=role, RoleSessionName="sess")
    assert info.value.response["Error"]["Code"] == "Throttling"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert faults.metrics()["sts:AssumeRole"]["error.throttle"] >= 1  # the SDK retries a throttle
    aws("sts").get_caller_identity()  # other operations are untouched


def test_dynamodb_errors_have_dynamodbs_names_and_statuses(aws: Any, faults: Faults, table: str) -> None:
    """DynamoDB: ProvisionedThroughputExceededException 400, InternalServerError 500, 503."""
    item = {"pk": {"S": "a"}}
    for kind, code, status in (("throttle", "ProvisionedThroughputExceededException", 400),
                               ("server", "InternalServerError", 500),
                               ("unavailable", "ServiceUnavailable", 503)):
        faults.set(f"dynamodb:PutItem error={kind}")
        with pytest.raises(ClientError) as info:
            aws("dynamodb").put_item(TableName=table, Item=item)
        assert (info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]
                ["HTTPStatusCode"]) == (code, status)
    faults.clear()
    aws("dynamodb").put_item(TableName=table, Item=item)
    assert aws("dynamodb").get_item(TableName=table, Key=item)["Item"] == item


def test_an_injected_error_writes_nothing(aws: Any, faults: Faults, table: str) -> None:
    faults.set("dynamodb:PutItem error=server")
    with pytest.raises(ClientError):
        aws("dynamodb").put_item(TableName=table, Item={"pk": {"S": "never"}})
    faults.clear()
    assert "Item" not in aws("dynamodb").get_item(TableName=table, Key={"pk": {"S": "never"}})


def test_added_latency_is_spent_on_real_time(aws: Any, faults: Faults, table: str) -> None:
    faults.set("dynamodb:GetItem latency=fixed:250ms")
    t0 = time.perf_counter()
    aws("dynamodb").get_item(TableName=table, Key={"pk": {"S": "x"}})
    assert time.perf_counter() - t0 >= 0.25
    assert faults.metrics()["dynamodb:GetItem"]["added_latency_s"] == 0.25


def test_a_timeout_fault_drops_the_connection_without_an_answer(faulty: EmbeddedTarget,
                                                                faults: Faults) -> None:
    faults.set({"match": "cognito-idp:jwks", "error": {"kind": "timeout", "hold_s": 0.2}})
    conn = http.client.HTTPConnection("127.0.0.1", faulty.port, timeout=5)
    conn.request("GET", "/us-east-1_abc123/.well-known/jwks.json")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        conn.getresponse()


def test_jwks_can_fail_while_the_api_keeps_working(faulty: EmbeddedTarget, aws: Any, faults: Faults) -> None:
    pool = aws("cognito-idp").create_user_pool(PoolName=unique("p"))["UserPool"]["Id"]
    url = f"{faulty.endpoint}/{pool}/.well-known/jwks.json"
    with urllib.request.urlopen(url) as resp:
        assert json.loads(resp.read())["keys"]
    faults.set("cognito-idp:jwks error=unavailable")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url)
    assert info.value.code == 503
    aws("cognito-idp").describe_user_pool(UserPoolId=pool)
    faults.clear()
    with urllib.request.urlopen(url) as resp:
        assert resp.status == 200


@pytest.mark.parametrize(("kind", "error_type"), [("crash", "Runtime.ExitError"),
                                                  ("oom", "Runtime.OutOfMemory"),
                                                  ("init", "Runtime.ExitError")])
def test_lambda_faults_answer_as_lambda_reports_them(aws: Any, faults: Faults, function: str, kind: str,
                                                     error_type: str) -> None:
    """Invoke answers 200 with X-Amz-Function-Error: Unhandled and the runtime's error document."""
    faults.set(f"function:{function} lambda={kind}")
    r, body = _invoke(aws, function)
    assert r["StatusCode"] == 200 and r["FunctionError"] == "Unhandled"
    assert body["errorType"] == error_type
    faults.clear()
    r, body = _invoke(aws, function)
    assert "FunctionError" not in r and body == {"ok": True}


def test_a_lambda_timeout_fault_holds_the_caller_for_the_functions_timeout(aws: Any, faults: Faults,
                                                                           function: str) -> None:
    faults.set(f"function:{function} lambda=timeout")
    t0 = time.perf_counter()
    r, body = _invoke(aws, function)
    assert time.perf_counter() - t0 >= 1.0
    assert r["FunctionError"] == "Unhandled" and "Task timed out after 1.00 seconds" in body["errorMessage"]


def test_lambdas_own_role_assumption_is_not_faulted(aws: Any, faults: Faults, function: str,
                                                    faulty: EmbeddedTarget) -> None:
    """A plan models services as the app sees them: Lambda assuming the execution role is AWS-internal."""
    assert faulty.runtime is not None
    faulty.runtime.flush()  # the next invoke is a cold start, which assumes the execution role
    faults.set("sts:* error=throttle")
    r, body = _invoke(aws, function)
    assert "FunctionError" not in r and body == {"ok": True}


def test_the_admin_api_refuses_a_bad_plan_whole_and_keeps_the_old_one(faulty: EmbeddedTarget,
                                                                      faults: Faults) -> None:
    faults.set("sts:AssumeRole latency=fixed:1ms")
    bad = json.dumps({"rules": [{"match": "sts:*", "error": {"kind": "nope"}},
                                {"match": "x", "latency": {}}]}).encode()
    req = urllib.request.Request(f"{faulty.endpoint}/_harness/faults", data=bad, method="PUT")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req)
    assert info.value.code == 400
    assert len(json.loads(info.value.read())["problems"]) >= 2
    with urllib.request.urlopen(f"{faulty.endpoint}/_harness/faults") as resp:
        assert [r["match"] for r in json.loads(resp.read())["rules"]] == ["sts:AssumeRole"]


def test_fault_metrics_are_in_the_targets_metrics(faulty: EmbeddedTarget, aws: Any, faults: Faults) -> None:
    faults.set("iam:ListRoles latency=fixed:1ms")
    aws("iam").list_roles()
    with urllib.request.urlopen(f"{faulty.endpoint}/_harness/metrics") as resp:
        seen = json.loads(resp.read())["faults"]
    assert seen["by_call"]["iam:ListRoles"]["matched"] == 1
