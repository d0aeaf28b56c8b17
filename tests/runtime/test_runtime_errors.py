"""Failures are AWS-shaped, cost one invocation (or one environment) and never the Runtime."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from harness.runtime import Runtime

from .conftest import body, gone, make_function, wait_until


def _pid(runtime: Runtime) -> int:
    pid = body(runtime.invoke(make_function(), b"{}"))["pid"]
    assert isinstance(pid, int)
    return pid


def test_handler_exception_is_unhandled_with_stack_trace(runtime: Runtime) -> None:
    pid = _pid(runtime)
    result = runtime.invoke(make_function(), b'{"do": "raise"}')
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    err = body(result)
    assert set(err) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert err["errorMessage"] == "boom"
    assert err["errorType"] == "ValueError"
    assert err["requestId"] == result.request_id
    assert any("app.py" in frame and "raise ValueError" in frame for frame in err["stackTrace"])
    assert not any("bootstrap.py" in frame for frame in err["stackTrace"])
    assert "[ERROR] ValueError: boom" in result.log_tail
    assert _pid(runtime) == pid  # an exception does not cost the environment


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        ({"app.py": "x = 1"}, "missing_mod.handler", "Runtime.ImportModuleError",
         "Unable to import module 'missing_mod': No module named 'missing_mod'"),
        ({"app.py": "x = 1"}, "app.nope", "Runtime.HandlerNotFound",
         "Handler 'nope' missing on module 'app'"),
        ({"app.py": "x = 1"}, "nodot", "Runtime.MalformedHandlerName",
         "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)"),
        ({"app.py": "def handler(:\n"}, "app.handler", "Runtime.UserCodeSyntaxError", None),
        ({"app.py": "raise RuntimeError('bad init')"}, "app.handler", "RuntimeError", "bad init"),
        ({"pkg/__init__.py": "", "pkg/mod.py": "def h(e, c):\n    return 'deep'\n"},
         "pkg/mod.h", None, None),
    ],
)
def test_init_errors_have_aws_types_and_messages(
        runtime: Runtime, files: dict[str, str], handler: str, error_type: str | None,
        message: str | None) -> None:
    fn = make_function("initfail", files, handler=handler)
    result = runtime.invoke(fn, b"{}")
    if error_type is None:  # "pkg/mod.func" handlers import pkg.mod
        assert body(result) == "deep"
        return
    assert result.function_error == "Unhandled"
    err = body(result)
    assert err["errorType"] == error_type
    assert err["requestId"] == ""  # init errors carry no request id on AWS either
    if message is not None:
        assert err["errorMessage"] == message
    assert "INIT_REPORT" in result.log_tail and f"Error Type: {error_type}" in result.log_tail
    assert runtime.metrics()["environments_live"] == 0
    assert runtime.invoke(fn, b"{}").function_error == "Unhandled"  # retried, fails again
    assert runtime.metrics()["init_errors"] == 2


def test_unserialisable_result_is_a_marshal_error(runtime: Runtime) -> None:
    result = runtime.invoke(make_function(), b'{"do": "set"}')
    err = body(result)
    assert result.function_error == "Unhandled"
    assert err["errorType"] == "Runtime.MarshalError"
    assert err["errorMessage"] == (
        "Unable to marshal response: Object of type set is not JSON serializable")


def test_invalid_json_event_is_an_unmarshal_error(runtime: Runtime) -> None:
    err = body(runtime.invoke(make_function(), b"not json"))
    assert err["errorType"] == "Runtime.UnmarshalError"


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (b'{"do": "os_exit"}', "Runtime exited with error: exit status 3"),
        (b'{"do": "sys_exit", "code": 2}', "Runtime exited with error: exit status 2"),
        (b'{"do": "sys_exit"}', "Runtime exited without providing a reason"),
        (b'{"do": "kill"}', "Runtime exited with error: signal: killed"),
        (b'{"do": "segv"}', "Runtime exited with error: signal: segmentation fault"),
    ],
)
def test_process_exit_fails_one_invocation_with_exit_error(
        runtime: Runtime, event: bytes, reason: str) -> None:
    pid = _pid(runtime)
    result = runtime.invoke(make_function(), event)
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    assert body(result) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: {reason}",
    }
    assert "Status: error\tError Type: Runtime.ExitError" in result.log_tail
    assert gone(pid)
    assert _pid(runtime) != pid  # the Runtime keeps serving with a fresh environment
    assert runtime.metrics()["crashes"] == 1


def test_garbage_on_stdout_never_breaks_the_protocol(runtime: Runtime) -> None:
    fn = make_function()
    result = runtime.invoke(fn, b'{"do": "garbage"}')
    assert result.function_error is None
    assert body(result)["ok"] is True
    text = runtime.log_path("kitchen").read_text(errors="replace")
    assert "not a frame" in text and "stderr line" in text and "x" * 1000 in text
    assert body(runtime.invoke(fn, b"{}"))["pid"] == body(result)["pid"]


@pytest.mark.parametrize("event", [b'{"do": "malformed"}', b'{"do": "short_frame"}'])
def test_malformed_frame_fails_one_invocation_and_discards_the_environment(
        runtime: Runtime, event: bytes) -> None:
    pid = _pid(runtime)
    result = runtime.invoke(make_function(), event)
    assert result.function_error == "Unhandled"
    assert body(result)["errorType"] == "Runtime.InvalidResponse"
    assert gone(pid)
    assert _pid(runtime) != pid


def test_timeout_kills_the_worker_and_the_next_call_works(runtime: Runtime) -> None:
    pid = _pid(runtime)
    started = time.monotonic()
    result = runtime.invoke(make_function(), b'{"do": "sleep", "s": 30}', timeout_override_s=0.5)
    assert time.monotonic() - started < 3
    assert result.function_error == "Unhandled"
    err: dict[str, Any] = body(result)
    assert set(err) == {"errorMessage"}
    assert re.fullmatch(
        rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z {result.request_id} "
        r"Task timed out after 0\.50 seconds", err["errorMessage"])
    assert wait_until(lambda: gone(pid))
    assert "Status: timeout" in result.log_tail
    assert _pid(runtime) != pid
    assert runtime.metrics()["timeouts"] == 1


def test_timeout_uses_the_function_timeout(runtime: Runtime) -> None:
    fn = make_function(timeout=1)
    result = runtime.invoke(fn, b'{"do": "sleep", "s": 30}')
    assert body(result)["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert result.duration_ms == pytest.approx(1000.0)
    text = runtime.log_path("kitchen").read_text()
    assert f"{result.request_id} Task timed out after 1.00 seconds" in text
