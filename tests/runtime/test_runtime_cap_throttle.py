"""The live-environment cap end to end: when every environment is busy, Invoke answers like a
throttled Lambda and API Gateway like a throttled proxy integration; an idle one is evicted.

Docs: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
(TooManyRequestsException, HTTP 429, Reason ConcurrentInvocationLimitExceeded),
https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html (an invocation the
Lambda API rejects is a 500 with {"message": "Internal server error"}).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from harness.target import EmbeddedTarget, TargetOptions
from tests.conftest import make_client_factory
from tests.edge.helpers import make_role, unique
from tests.gateway_e2e.cognito_support import lambda_uri, zip_of

SLOW = """
import json, time
def handler(event, context):
    time.sleep(float(event.get("s", 0)) if isinstance(event, dict) else 0)
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
"""


@pytest.fixture
def capped(tmp_path: Path) -> Iterator[EmbeddedTarget]:
    """A target that may run one Lambda environment at a time."""
    with EmbeddedTarget(TargetOptions(port=0, work_dir=tmp_path / "h", max_environments=1,
                                      account="210987654321")) as t:
        yield t


def _deploy(target: EmbeddedTarget) -> tuple[Any, dict[str, str], str]:
    """Two functions and an API proxying to the first; the Lambda client never retries."""
    aws = make_client_factory(target.endpoint)
    role = make_role(aws, {"Service": "lambda.amazonaws.com"})
    lam = boto3.session.Session().client(
        "lambda", region_name="us-east-1", endpoint_url=target.endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"total_max_attempts": 1}, read_timeout=60))
    fns = {}
    for kind in ("slow", "other"):
        fns[kind] = lam.create_function(FunctionName=unique(kind), Runtime="python3.11", Role=role,
                                        Handler="app.handler", Timeout=20,
                                        Code={"ZipFile": zip_of(SLOW)})["FunctionArn"]
    lam.add_permission(FunctionName=fns["slow"], StatementId="gw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    gw = aws("apigateway")
    rest = gw.create_rest_api(name=unique("api"))
    res = gw.create_resource(restApiId=rest["id"], parentId=rest["rootResourceId"], pathPart="x")
    gw.put_method(restApiId=rest["id"], resourceId=res["id"], httpMethod="GET",
                  authorizationType="NONE")
    gw.put_integration(restApiId=rest["id"], resourceId=res["id"], httpMethod="GET",
                       type="AWS_PROXY", integrationHttpMethod="POST", uri=lambda_uri(fns["slow"]))
    gw.create_deployment(restApiId=rest["id"], stageName="prod")
    return lam, fns, str(rest["id"])


def _get(target: EmbeddedTarget, api_id: str) -> tuple[int, Any]:
    url = f"{target.endpoint}/restapis/{api_id}/prod/_user_request_/x"
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_all_environments_busy_throttles_invoke_and_the_proxy_integration(
        capped: EmbeddedTarget) -> None:
    """With the cap reached by a busy environment, Invoke is TooManyRequestsException (429,
    ConcurrentInvocationLimitExceeded) and the API answers 500 Internal server error; both are
    counted (API_Invoke errors; services-apigateway-errors)."""
    lam, fns, api_id = _deploy(capped)
    assert capped.runtime is not None and capped.gateway is not None
    busy = threading.Thread(target=lam.invoke, kwargs={
        "FunctionName": fns["slow"], "Payload": json.dumps({"s": 8})})
    busy.start()
    deadline = time.monotonic() + 20
    while capped.runtime.metrics()["environments_live"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    outcome: dict[str, Any] = {}

    def invoke_other() -> None:
        try:
            outcome["answer"] = lam.invoke(FunctionName=fns["other"], Payload=b"{}")
        except ClientError as exc:
            outcome["error"] = exc.response

    second = threading.Thread(target=invoke_other)
    second.start()
    status, body = _get(capped, api_id)
    second.join(30)
    busy.join(30)
    assert (status, body) == (500, {"message": "Internal server error"})
    assert "error" in outcome, outcome
    err = outcome["error"]
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert err["Error"]["Code"] == "TooManyRequestsException"
    assert err["Reason"] == "ConcurrentInvocationLimitExceeded"
    lam_metrics = capped.runtime.metrics()
    assert lam_metrics["throttles"] == 2
    slow_name, other_name = (arn.rsplit(":", 1)[-1] for arn in (fns["slow"], fns["other"]))
    assert lam_metrics["functions"][slow_name]["throttles"] == 1
    assert lam_metrics["functions"][other_name]["throttles"] == 1
    assert capped.gateway.metrics()["integration_throttles"] == 1


def test_at_the_cap_an_idle_environment_is_evicted_not_throttled(capped: EmbeddedTarget) -> None:
    """Only busy environments throttle: an idle one gives its slot to the next function."""
    lam, fns, _ = _deploy(capped)
    assert capped.runtime is not None
    assert lam.invoke(FunctionName=fns["slow"], Payload=b"{}")["StatusCode"] == 200
    assert lam.invoke(FunctionName=fns["other"], Payload=b"{}")["StatusCode"] == 200
    metrics = capped.runtime.metrics()
    assert metrics["evictions"] == 1 and metrics["throttles"] == 0
