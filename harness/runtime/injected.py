"""Lambda failures injected by a fault plan, answered exactly as Lambda answers the real ones."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from harness.faults.models import FunctionFault
from harness.runtime import errors
from harness.runtime.types import FunctionConfig, InvokeResult

MAX_TIMEOUT_WAIT_S = 900.0  # Lambda's own ceiling on a function timeout


def oom_payload(request_id: str) -> bytes:
    """Runtime.OutOfMemory: the runtime was killed at its memory limit."""
    message = f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"
    return json.dumps({"errorType": "Runtime.OutOfMemory", "errorMessage": message}).encode()


def injected_result(config: FunctionConfig, fault: FunctionFault, request_id: str, now: Callable[[], float],
                    sleep: Callable[[float], None] = time.sleep) -> tuple[InvokeResult, str, str]:
    """(result, error type, counter kind); a timeout holds the caller for the function's timeout."""
    if fault.kind == "init":
        body, error_type = errors.init_failure("exit", b"", "exit status 1", request_id, now(), 10.0)
        result = InvokeResult(request_id, 200, body, "Unhandled", "", 0.0, 0.0, config.version,
                              init_error=True)
        return result, error_type, "init"
    if fault.kind == "crash":
        body = errors.exit_payload(request_id, "exit status 1")
        return (InvokeResult(request_id, 200, body, "Unhandled", "", 0.0, None, config.version),
                "Runtime.ExitError", "exit")
    if fault.kind == "oom":
        return (InvokeResult(request_id, 200, oom_payload(request_id), "Unhandled", "", 0.0, None,
                             config.version), "Runtime.OutOfMemory", "exit")
    seconds = min(float(config.timeout), MAX_TIMEOUT_WAIT_S)
    sleep(seconds)
    body = errors.timeout_payload(now(), request_id, seconds)
    return (InvokeResult(request_id, 200, body, "Unhandled", "", seconds * 1000, None, config.version),
            "Task.TimedOut", "timeout")
