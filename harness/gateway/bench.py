"""`saas-harness bench gateway`: latency and throughput of a deployed route over keep-alive HTTP.

measure() is target-agnostic (any base URL); deploy_bench_api() builds the reference route
(TOKEN authorizer, AUTHORIZER key source, Lambda proxy, and a 1 rps route for the 429 path)
through an apigateway client, given two already-created functions.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

AUTHORIZER_CODE = '''
import os


def handler(event, context):
    arn = event["methodArn"]
    base = arn.split("/", 1)[0]
    return {
        "principalId": "bench-user",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": base + "/*"}]},
        "context": {"tenantId": "bench"},
        "usageIdentifierKey": os.environ["BENCH_API_KEY"],
    }
'''

HANDLER_CODE = '''
def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}
'''

BENCH_KEY_VALUE = "bench-key-0123456789abcdefghij"


def _connect(base_url: str) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80,
                                      timeout=60)
    return conn, parts.path.rstrip("/")


def _one(conn: http.client.HTTPConnection, target: str, headers: dict[str, str]) -> int:
    conn.request("GET", target, headers=headers)
    resp = conn.getresponse()
    resp.read()
    return resp.status


def _percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    idx = min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))
    return sorted_ms[idx]


def measure(base_url: str, path: str, headers: dict[str, str], n: int,
            concurrency: int) -> dict[str, Any]:
    """Sequential p50/p99 latency over n requests, then req/s over n requests from
    `concurrency` threads, each on its own keep-alive connection; status counts for both."""
    conn, prefix = _connect(base_url)
    target = prefix + path
    for _ in range(min(20, max(n // 10, 1))):
        _one(conn, target, headers)
    lat: list[float] = []
    seq_status: Counter[int] = Counter()
    for _ in range(n):
        t0 = time.perf_counter()
        seq_status[_one(conn, target, headers)] += 1
        lat.append((time.perf_counter() - t0) * 1000.0)
    conn.close()
    lat.sort()
    conc_status: Counter[int] = Counter()
    lock = threading.Lock()
    per_thread = max(1, n // max(concurrency, 1))
    start_gate = threading.Barrier(concurrency + 1)

    def worker() -> None:
        c, _ = _connect(base_url)
        local: Counter[int] = Counter()
        _one(c, target, headers)
        start_gate.wait()
        for _ in range(per_thread):
            local[_one(c, target, headers)] += 1
        c.close()
        with lock:
            conc_status.update(local)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    total = per_thread * concurrency
    return {
        "path": path, "n": n, "concurrency": concurrency,
        "p50_ms": round(_percentile(lat, 0.50), 3), "p99_ms": round(_percentile(lat, 0.99), 3),
        "mean_ms": round(statistics.fmean(lat), 3) if lat else 0.0,
        "sequential_status": {str(k): v for k, v in sorted(seq_status.items())},
        "requests_per_s": round(total / elapsed, 1) if elapsed > 0 else 0.0,
        "concurrent_requests": total, "concurrent_seconds": round(elapsed, 3),
        "status": {str(k): v for k, v in sorted(conc_status.items())},
    }


def deploy_bench_api(client: Any, *, authorizer_arn: str, function_arn: str,
                     region: str) -> dict[str, str]:
    """Create the reference API: GET /bench (200 path) and GET /throttled (1 rps, 429 path).

    The authorizer must return usageIdentifierKey = BENCH_KEY_VALUE (AUTHORIZER_CODE does,
    given BENCH_API_KEY in its environment). Returns ids and the request paths and headers.
    """
    def uri(arn: str) -> str:
        return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"

    api = client.create_rest_api(name="harness-bench", apiKeySource="AUTHORIZER")
    api_id, root = api["id"], api["rootResourceId"]
    auth = client.create_authorizer(
        restApiId=api_id, name="bench-token", type="TOKEN", authorizerUri=uri(authorizer_arn),
        identitySource="method.request.header.Authorization", authorizerResultTtlInSeconds=300)
    for part in ("bench", "throttled"):
        res = client.create_resource(restApiId=api_id, parentId=root, pathPart=part)
        client.put_method(restApiId=api_id, resourceId=res["id"], httpMethod="GET",
                          authorizationType="CUSTOM", authorizerId=auth["id"],
                          apiKeyRequired=True)
        client.put_integration(restApiId=api_id, resourceId=res["id"], httpMethod="GET",
                               type="AWS_PROXY", integrationHttpMethod="POST",
                               uri=uri(function_arn))
    deployment = client.create_deployment(restApiId=api_id, stageName="bench")
    plan = client.create_usage_plan(
        name="harness-bench", apiStages=[{"apiId": api_id, "stage": "bench", "throttle": {
            "/throttled/GET": {"rateLimit": 1.0, "burstLimit": 1}}}])
    key = client.create_api_key(name="harness-bench", enabled=True, value=BENCH_KEY_VALUE)
    client.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    base = f"/restapis/{api_id}/bench/_user_request_"
    return {"api_id": api_id, "deployment_id": deployment["id"], "stage": "bench",
            "usage_plan_id": plan["id"], "key_id": key["id"], "ok_path": base + "/bench",
            "throttled_path": base + "/throttled", "authorization": "Bearer bench-token"}
