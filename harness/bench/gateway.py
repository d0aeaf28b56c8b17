"""`bench gateway`: a trivial route (TOKEN authorizer, AUTHORIZER key, Lambda proxy) measured warm."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import botocore.config

from harness.bench.process import TargetProcess
from harness.gateway.bench import (
    AUTHORIZER_CODE,
    BENCH_KEY_VALUE,
    HANDLER_CODE,
    deploy_bench_api,
    measure,
)

REGION = "us-east-1"


def _zip(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    return buf.getvalue()


def _deploy(endpoint: str) -> dict[str, str]:
    cfg = botocore.config.Config(retries={"max_attempts": 1})

    def client(name: str) -> Any:
        return boto3.session.Session().client(
            name, region_name=REGION, endpoint_url=endpoint, aws_access_key_id="test",
            aws_secret_access_key="test", config=cfg)

    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}
    role = client("iam").create_role(RoleName="bench-fn",
                                     AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    lam = client("lambda")
    arns = {}
    for name, code, env in (("bench-authorizer", AUTHORIZER_CODE, {"BENCH_API_KEY": BENCH_KEY_VALUE}),
                            ("bench-handler", HANDLER_CODE, {})):
        arns[name] = lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
            Code={"ZipFile": _zip(code)}, Environment={"Variables": env})["FunctionArn"]
        lam.add_permission(FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com")
    return deploy_bench_api(client("apigateway"), authorizer_arn=arns["bench-authorizer"],
                            function_arn=arns["bench-handler"], region=REGION)


def run(n: int = 2000, concurrency: int = 16) -> dict[str, Any]:
    """Sequential latency, 16-client throughput and the 429 path, measured in this one run."""
    with TargetProcess() as target:
        api = _deploy(target.endpoint)
        headers = {"Authorization": api["authorization"]}
        # Warm: one environment per concurrent client exists before anything is timed.
        measure(target.endpoint, api["ok_path"], headers, 4 * concurrency, concurrency)
        ok = measure(target.endpoint, api["ok_path"], headers, n, concurrency)
        throttled = measure(target.endpoint, api["throttled_path"], headers, n, concurrency)
        metrics = target.admin("GET", "/_harness/metrics")
    return {
        "benchmark": "gateway",
        "route": {"ok": ok, "throttled": throttled},
        "summary": {"warm_p50_ms": ok["p50_ms"], "warm_p99_ms": ok["p99_ms"],
                    "requests_per_s_16_clients": ok["requests_per_s"],
                    "throttled_requests_per_s": throttled["requests_per_s"],
                    "throttled_share_429": round(
                        throttled["status"].get("429", 0) / max(1, throttled["concurrent_requests"]),
                        3)},
        "gateway_metrics": metrics.get("gateway", {}),
        "targets": {"warm_p50_ms_max": 3.0, "requests_per_s_min": 400,
                    "throttled_requests_per_s_min": 1500},
    }
