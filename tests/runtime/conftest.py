"""Fixtures for runtime tests: real worker subprocesses, zips built on the fly, static credentials."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from harness.clock import VirtualClock
from harness.runtime import FunctionConfig, InvokeResult, LayerCode, Runtime, SessionCredentials
from harness.runtime.worker import BOOTSTRAP

ACCOUNT = "123456789012"
REGION = "us-east-1"
ENDPOINT = "http://127.0.0.1:4566"

# One handler module that can misbehave in every way the tests need, chosen by event["do"].
APP = r'''
import decimal, json, logging, os, signal, struct, sys, time
INITS = 0
INITS += 1
CALLS = 0
print("init ran", flush=True)


def handler(event, context):
    global CALLS
    CALLS += 1
    do = event.get("do", "echo") if isinstance(event, dict) else "echo"
    if do == "echo":
        return {"event": event, "pid": os.getpid(), "inits": INITS, "calls": CALLS}
    if do == "sleep":
        time.sleep(event["s"])
        return {"pid": os.getpid()}
    if do == "raise":
        raise ValueError("boom")
    if do == "sys_exit":
        sys.exit(event.get("code"))
    if do == "os_exit":
        os._exit(3)
    if do == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if do == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if do == "malformed":
        os.write(int(sys.argv[2]), b"\xff\xff\xff\xffjunk")
        return {}
    if do == "short_frame":
        os.write(int(sys.argv[2]), struct.pack(">I", 2) + b"ZZ")
        time.sleep(0.2)
        return {}
    if do == "garbage":
        sys.stdout.write("\x00\x00\x00\x05Rxxxx not a frame\n")
        sys.stdout.buffer.write(b"\xff\xfe binary \x00\x01\n")
        os.write(1, b"raw fd write " + bytes(range(256)) + b"\n")
        sys.stderr.write("stderr line\n")
        print("x" * 200000)
        return {"ok": True, "pid": os.getpid()}
    if do == "print":
        print("hello from handler")
        print("to stderr", file=sys.stderr)
        logging.getLogger().warning("warned")
        return {"pid": os.getpid()}
    if do == "set":
        return {1, 2}
    if do == "decimal":
        return {"d": decimal.Decimal("1.5"), "i": decimal.Decimal("2")}
    if do == "bytes":
        return b"raw-bytes"
    if do == "env":
        return {"env": dict(os.environ), "sys_path": sys.path[:6], "cwd": os.getcwd(),
                "harness_loaded": "harness" in sys.modules}
    if do == "context":
        cc = context.client_context
        return {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "identity_id": context.identity.cognito_identity_id,
            "custom": cc.custom if cc else None,
            "app_title": cc.client.app_title if cc and cc.client else None,
        }
    raise KeyError(do)
'''


def make_zip(files: dict[str, str]) -> bytes:
    """Deterministic bytes (fixed timestamps), so the same files always give the same sha."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()


def sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def make_function(name: str = "kitchen", files: dict[str, str] | None = None, *,
                  handler: str = "app.handler", **overrides: Any) -> FunctionConfig:
    zip_bytes = make_zip(files if files is not None else {"app.py": APP})
    fields: dict[str, Any] = {
        "name": name,
        "arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "version": "$LATEST",
        "code_sha256": sha(zip_bytes),
        "zip_bytes": zip_bytes,
        "handler": handler,
        "runtime": "python3.12",
        "environment": {},
        "layers": [],
        "role_arn": f"arn:aws:iam::{ACCOUNT}:role/{name}-role",
    }
    fields.update(overrides)
    return FunctionConfig(**fields)


def make_layer(name: str, files: dict[str, str]) -> LayerCode:
    zip_bytes = make_zip(files)
    return LayerCode(f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}:1", sha(zip_bytes), zip_bytes)


class StaticCredentials:
    """The seam the harness fills with STS AssumeRole; here a numbered static session per call."""

    def __init__(self, clock: VirtualClock, ttl_s: float = 3600.0) -> None:
        self.clock = clock
        self.ttl_s = ttl_s
        self.calls = 0

    def __call__(self, config: FunctionConfig) -> SessionCredentials:
        self.calls += 1
        return SessionCredentials(f"ASIATEST{self.calls:08d}", "secret", f"token-{self.calls}",
                                  self.clock.now() + self.ttl_s)


def body(result: InvokeResult) -> Any:
    return json.loads(result.payload)


def bootstrap_children(under: list[Path] | None = None) -> list[psutil.Process]:
    """Worker processes of this test process still running (not zombies), optionally only those
    whose working directory is under one of `under` (other targets in the session have workers)."""
    found = []
    roots = [str(p.resolve()) for p in under or []]
    for child in psutil.Process().children(recursive=True):
        try:
            if str(BOOTSTRAP) not in " ".join(child.cmdline()) or \
                    child.status() == psutil.STATUS_ZOMBIE:
                continue
            if roots and not any(child.cwd().startswith(r) for r in roots):
                continue
            found.append(child)
        except psutil.Error:
            continue
    return found


def gone(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def wait_until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def creds(clock: VirtualClock) -> StaticCredentials:
    return StaticCredentials(clock)


@pytest.fixture
def make_runtime(tmp_path: Path, clock: VirtualClock,
                 creds: StaticCredentials) -> Iterator[Callable[..., Runtime]]:
    made: list[Runtime] = []

    def factory(**kwargs: Any) -> Runtime:
        options: dict[str, Any] = {
            "endpoint_url": ENDPOINT, "region": REGION, "account": ACCOUNT,
            "credentials": creds, "clock": clock, "work_dir": tmp_path / f"rt{len(made)}",
        }
        options.update(kwargs)
        rt = Runtime(**options)
        made.append(rt)
        return rt

    yield factory
    for rt in made:
        rt.shutdown()
    assert bootstrap_children([rt.work_dir for rt in made]) == [], \
        "a worker process outlived shutdown()"


@pytest.fixture
def runtime(make_runtime: Callable[..., Runtime]) -> Runtime:
    return make_runtime()
