"""`bench runtime`: Lambda worker cold start (trivial and `import boto3` handlers) and warm round trip."""

from __future__ import annotations

import base64
import hashlib
import io
import statistics
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from harness.bench.stats import percentile
from harness.clock import VirtualClock
from harness.runtime import FunctionConfig, Runtime, SessionCredentials
from harness.runtime.bench import measure

_TRIVIAL = "def handler(event, context):\n    return event\n"
_BOTO3 = "import boto3\n\n\ndef handler(event, context):\n    return boto3.__version__\n"


def _function(name: str, source: str, runtime: str) -> FunctionConfig:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("app.py", date_time=(2024, 1, 1, 0, 0, 0)), source)
    data = buf.getvalue()
    return FunctionConfig(
        name=name, arn=f"arn:aws:lambda:us-east-1:000000000000:function:{name}",
        version="$LATEST", code_sha256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
        zip_bytes=data, handler="app.handler", runtime=runtime, environment={}, layers=[],
        role_arn=f"arn:aws:iam::000000000000:role/{name}")


def _cold_starts(rt: Runtime, config: FunctionConfig, runs: int) -> dict[str, float]:
    """Init duration of `runs` fresh environments (each flushed first), in milliseconds."""
    samples = []
    for _ in range(runs):
        rt.flush(config.arn)
        result = rt.invoke(config, b"{}")
        if result.function_error or result.init_duration_ms is None:
            raise RuntimeError(f"bench function {config.name} failed: {result.payload!r}")
        samples.append(result.init_duration_ms)
    return {"runs": runs, "p50_ms": round(percentile(samples, 0.5), 2),
            "max_ms": round(max(samples), 2), "mean_ms": round(statistics.fmean(samples), 2)}


def run(n: int = 1000, cold_runs: int = 10, runtime: str = "python3.11") -> dict[str, Any]:
    """Cold starts first (a quiet machine), then warm round trips through one Runtime."""
    clock = VirtualClock()

    def creds(config: FunctionConfig) -> SessionCredentials:
        return SessionCredentials("ASIABENCH", "secret", "token", clock.now() + 3600)

    with tempfile.TemporaryDirectory() as tmp:
        rt = Runtime(endpoint_url="http://127.0.0.1:9", region="us-east-1", account="000000000000",
                     credentials=creds, clock=clock, work_dir=Path(tmp) / "lambda")
        try:
            trivial = _function("bench-trivial", _TRIVIAL, runtime)
            with_boto3 = _function("bench-boto3", _BOTO3, runtime)
            cold = {"trivial": _cold_starts(rt, trivial, cold_runs),
                    "import_boto3": _cold_starts(rt, with_boto3, cold_runs)}
            warm = measure(rt, trivial, n=n, concurrency=8)
        finally:
            rt.shutdown()
    return {"benchmark": "runtime", "runtime": runtime, "cold_start": cold, "warm": warm}
