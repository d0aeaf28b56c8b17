"""What the runtime tells about failing functions: init errors per function, and each function's
latest failure with its first error line and log file, so a failed step can name them.

Docs: https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html (init errors such as
Runtime.ImportModuleError), https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
(the init phase), https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
(LAMBDA_TASK_ROOT is an absolute path).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.runtime import Runtime
from harness.runtime.failures import first_error_line
from tests.runtime.conftest import body, make_function


def test_init_errors_are_counted_per_function(runtime: Runtime) -> None:
    broken = make_function("broken-import", {"app.py": "x = 1"}, handler="missing_mod.handler")
    healthy = make_function("healthy")
    for _ in range(2):
        assert runtime.invoke(broken, b"{}").function_error == "Unhandled"
    assert runtime.invoke(healthy, b'{"do": "echo"}').function_error is None
    metrics = runtime.metrics()
    assert metrics["init_errors"] == 2
    assert metrics["functions"]["broken-import"]["init_errors"] == 2
    assert metrics["functions"]["broken-import"]["errors"] == 2
    assert metrics["functions"]["healthy"]["init_errors"] == 0


def test_an_init_that_raises_counts_as_an_init_error_not_an_invoke_error(runtime: Runtime) -> None:
    fn = make_function("raises-in-init", {"app.py": "raise RuntimeError('bad init')"})
    runtime.invoke(fn, b"{}")
    assert runtime.metrics()["functions"]["raises-in-init"]["init_errors"] == 1
    handled = make_function("raises-in-handler")
    runtime.invoke(handled, b'{"do": "raise"}')
    assert runtime.metrics()["functions"]["raises-in-handler"]["init_errors"] == 0


def test_the_latest_failure_names_the_first_error_line_and_an_absolute_log_path(
        runtime: Runtime) -> None:
    fn = make_function("no-module", {"app.py": "x = 1"}, handler="registration.handler")
    runtime.invoke(fn, b"{}")
    runtime.invoke(fn, b"{}")
    (failure,) = runtime.failures()
    assert failure.function == "no-module" and failure.phase == "init" and failure.count == 2
    assert failure.error_type == "Runtime.ImportModuleError"
    assert failure.first_error_line == ("[ERROR] Runtime.ImportModuleError: Unable to import "
                                        "module 'registration': No module named 'registration'")
    log = Path(failure.log_path)
    assert log.is_absolute() and log == runtime.log_path("no-module")
    assert failure.first_error_line in log.read_text()
    assert runtime.metrics()["last_errors"]["no-module"] == failure.as_dict()


def test_a_handler_error_is_recorded_with_its_logged_error_line(runtime: Runtime) -> None:
    fn = make_function("raises")
    assert runtime.invoke(fn, b'{"do": "echo"}').function_error is None
    assert runtime.failures() == []
    runtime.invoke(fn, b'{"do": "raise"}')
    (failure,) = runtime.failures()
    assert failure.phase == "invoke" and failure.error_type == "ValueError"
    assert failure.first_error_line == "[ERROR] ValueError: boom"


def test_first_error_line_falls_back_to_the_error_document() -> None:
    payload = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": "exited"}).encode()
    assert first_error_line(b"START RequestId: x\nEND RequestId: x\n", payload) == \
        "Runtime.ExitError: exited"
    assert first_error_line(b"2024-01-01T00:00:00.000Z\tid\t[ERROR]\tlogged\n", payload) == \
        "[ERROR]\tlogged"


def test_a_relative_work_dir_still_gives_workers_absolute_paths(
        make_runtime: Callable[..., Runtime], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers run with cwd = their task root, so a relative path would point nowhere there."""
    monkeypatch.chdir(tmp_path)
    runtime = make_runtime(work_dir=Path(".harness") / "lambda")
    assert runtime.work_dir == tmp_path.resolve() / ".harness" / "lambda"
    result = runtime.invoke(make_function("relative"), b'{"do": "env"}')
    assert result.function_error is None, result.payload
    env = body(result)
    root = env["env"]["LAMBDA_TASK_ROOT"]
    assert os.path.isabs(root) and root.startswith(str(tmp_path.resolve()))
    assert env["cwd"] == root and env["sys_path"][0] == root
