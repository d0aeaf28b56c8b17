"""Error payloads in the exact shapes Lambda returns, so callers and scenarios can match on them."""

from __future__ import annotations

import json
import time

MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100  # Lambda's synchronous response limit (6291556 bytes)


def iso_timestamp(epoch: float) -> str:
    """2024-01-31T12:00:00.123Z, the timestamp form Lambda puts in timeout messages and logs."""
    millis = int(epoch * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{millis:03d}Z"


def error_payload(error_type: str, message: str, request_id: str = "") -> bytes:
    """The four-field error document the Python runtime reports for a fault."""
    return json.dumps(
        {"errorMessage": message, "errorType": error_type, "requestId": request_id,
         "stackTrace": []}
    ).encode()


def timeout_payload(now: float, request_id: str, seconds: float) -> bytes:
    """Lambda's timeout answer: only errorMessage, '<timestamp> <request id> Task timed out ...'."""
    message = f"{iso_timestamp(now)} {request_id} Task timed out after {seconds:.2f} seconds"
    return json.dumps({"errorMessage": message}).encode()


def exit_payload(request_id: str, reason: str) -> bytes:
    """Runtime.ExitError as Lambda reports a runtime process that died mid-invocation."""
    if reason == "exit status 0":
        message = f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    else:
        message = f"RequestId: {request_id} Error: Runtime exited with error: {reason}"
    return json.dumps({"errorType": "Runtime.ExitError", "errorMessage": message}).encode()


def malformed_payload(request_id: str) -> bytes:
    """A worker broke the frame protocol; Lambda has no public type for this, so we name one."""
    message = f"RequestId: {request_id} Error: Runtime sent a malformed response frame"
    return json.dumps({"errorType": "Runtime.InvalidResponse", "errorMessage": message}).encode()


def too_large_payload(size: int) -> bytes:
    """Function.ResponseSizeTooLarge, raised when a handler returns more than 6 MB."""
    message = (
        f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
        f"({MAX_RESPONSE_BYTES} bytes)."
    )
    error = {"errorType": "Function.ResponseSizeTooLarge", "errorMessage": message}
    return json.dumps(error).encode()


def init_failure(kind: str, body: bytes, exit_reason: str, request_id: str, now: float,
                 init_timeout_s: float) -> tuple[bytes, str]:
    """(error document, error type) for a worker whose init phase ended in `kind`."""
    if kind == "init_error":
        return body, str(json.loads(body).get("errorType", "Runtime.Unknown"))
    if kind == "exit":
        return exit_payload(request_id, exit_reason), "Runtime.ExitError"
    if kind == "timeout":
        return timeout_payload(now, request_id, init_timeout_s), "Runtime.InitTimeout"
    return malformed_payload(request_id), "Runtime.InvalidResponse"


def throttle_payload() -> bytes:
    """TooManyRequestsException body (HTTP 429): no environment became free in time."""
    return json.dumps(
        {"__type": "TooManyRequestsException", "Type": "User", "message": "Rate Exceeded.",
         "Reason": "ConcurrentInvocationLimitExceeded"}
    ).encode()
