"""Happy-path behaviour of one environment: reuse, context, environment, layers, logs, invoke types."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.runtime import InvokeResult, Runtime
from harness.runtime.worker import BOOTSTRAP

from .conftest import ENDPOINT, REGION, body, make_function, make_layer, wait_until


def test_echo_returns_the_event(runtime: Runtime) -> None:
    result = runtime.invoke(make_function(), b'{"hello": "world"}')
    assert result.status_code == 200
    assert result.function_error is None
    assert body(result)["event"] == {"hello": "world"}
    assert result.executed_version == "$LATEST"
    assert re.fullmatch(r"[0-9a-f-]{36}", result.request_id)


def test_warm_reuse_keeps_the_process_and_runs_init_once(runtime: Runtime) -> None:
    fn = make_function()
    results = [runtime.invoke(fn, b"{}") for _ in range(5)]
    payloads = [body(r) for r in results]
    assert {p["pid"] for p in payloads} == {payloads[0]["pid"]}
    assert [p["inits"] for p in payloads] == [1] * 5
    assert [p["calls"] for p in payloads] == [1, 2, 3, 4, 5]
    assert results[0].init_duration_ms is not None and results[0].init_duration_ms > 0
    assert all(r.init_duration_ms is None for r in results[1:])
    metrics = runtime.metrics()
    assert metrics["cold_starts"] == 1
    assert metrics["warm_invocations"] == 4
    assert metrics["functions"]["kitchen"]["invocations"] == 5


def test_new_code_or_config_gets_a_new_environment(runtime: Runtime) -> None:
    first = body(runtime.invoke(make_function(), b"{}"))["pid"]
    changed = make_function(environment={"V": "2"})
    assert body(runtime.invoke(changed, b"{}"))["pid"] != first


def test_context_object_carries_the_lambda_fields(runtime: Runtime) -> None:
    fn = make_function(memory_mb=256, timeout=7)
    client_context = base64.b64encode(json.dumps(
        {"custom": {"tenant": "t1"}, "client": {"app_title": "app"}}).encode()).decode()
    result = runtime.invoke(fn, b'{"do": "context"}', client_context=client_context)
    ctx = body(result)
    assert ctx["aws_request_id"] == result.request_id
    assert ctx["function_name"] == "kitchen"
    assert ctx["function_version"] == "$LATEST"
    assert ctx["invoked_function_arn"] == fn.arn
    assert ctx["memory_limit_in_mb"] == "256"  # a str, as the AWS Python runtime passes it
    assert ctx["log_group_name"] == "/aws/lambda/kitchen"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", ctx["log_stream_name"])
    assert 5000 < ctx["remaining"] <= 7000
    assert ctx["identity_id"] is None
    assert ctx["custom"] == {"tenant": "t1"}
    assert ctx["app_title"] == "app"


def test_invoked_arn_is_qualified_for_a_published_version(runtime: Runtime) -> None:
    fn = make_function(version="3")
    ctx = body(runtime.invoke(fn, b'{"do": "context"}'))
    assert ctx["invoked_function_arn"] == f"{fn.arn}:3"
    assert ctx["function_version"] == "3"


def test_environment_is_built_from_scratch_with_lambda_variables(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_SECRET_SHOULD_NOT_LEAK", "x")
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/certs/test.pem")
    fn = make_function(environment={
        "MY_VAR": "mine", "AWS_REGION": "evil-1", "AWS_ACCESS_KEY_ID": "EVIL", "TZ": "Asia/Tokyo",
        "_HANDLER": "evil.handler", "LANG": "fr_FR.UTF-8"})
    out = body(runtime.invoke(fn, b'{"do": "env"}'))
    env = out["env"]
    assert "HARNESS_SECRET_SHOULD_NOT_LEAK" not in env
    assert env["SSL_CERT_FILE"] == "/etc/ssl/certs/test.pem"
    assert env["MY_VAR"] == "mine"
    assert env["LANG"] == "fr_FR.UTF-8"  # not reserved: the function may set it
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == REGION
    assert env["AWS_ACCESS_KEY_ID"] == "ASIATEST00000001"
    assert env["AWS_SECRET_ACCESS_KEY"] == "secret"
    assert env["AWS_SESSION_TOKEN"] == "token-1"
    assert env["TZ"] == ":UTC"
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_ENDPOINT_URL"] == ENDPOINT
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "kitchen"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/kitchen"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert env["LAMBDA_RUNTIME_DIR"] == str(BOOTSTRAP.parent)
    task_root = env["LAMBDA_TASK_ROOT"]
    assert Path(task_root).parent == runtime.work_dir / "code"
    assert out["cwd"] == task_root == out["sys_path"][0]
    assert out["harness_loaded"] is False


def test_bootstrap_source_does_not_import_harness() -> None:
    source = BOOTSTRAP.read_text()
    assert not re.search(r"^\s*(import|from)\s+harness", source, re.MULTILINE)


def test_layers_are_importable_and_later_layers_win(runtime: Runtime) -> None:
    app = (
        "import shared, only_first, sitemod, mine\n"
        "def handler(event, context):\n"
        "    return [shared.WHO, only_first.WHO, sitemod.WHO, mine.WHO]\n"
    )
    first = make_layer("one", {
        "python/shared.py": "WHO = 'layer1'", "python/only_first.py": "WHO = 'only1'",
        "python/mine.py": "WHO = 'layer-mine'",
        "python/lib/python3.12/site-packages/sitemod.py": "WHO = 'site1'"})
    second = make_layer("two", {"python/shared.py": "WHO = 'layer2'"})
    fn = make_function("layered", {"app.py": app, "mine.py": "WHO = 'code'"},
                       layers=[first, second])
    result = runtime.invoke(fn, b"{}")
    assert result.function_error is None, result.payload
    assert body(result) == ["layer2", "only1", "site1", "code"]
    assert (runtime.work_dir / "layers").is_dir()


def test_log_file_has_start_end_report_and_printed_lines(runtime: Runtime) -> None:
    fn = make_function()
    cold = runtime.invoke(fn, b'{"do": "print"}')
    warm = runtime.invoke(fn, b'{"do": "print"}')
    text = runtime.log_path("kitchen").read_text()
    assert runtime.log_path("kitchen") == runtime.work_dir / "logs" / "kitchen.log"
    assert text.index("INIT_START") < text.index("init ran") < text.index(
        f"START RequestId: {cold.request_id} Version: $LATEST")
    for rid in (cold.request_id, warm.request_id):
        assert re.search(rf"\t{rid}\thello from handler\n", text)
        assert re.search(rf"\t{rid}\tto stderr\n", text)
        assert re.search(rf"\t{rid}\t\[WARNING\]\twarned\n", text)
        assert f"END RequestId: {rid}\n" in text
        assert f"REPORT RequestId: {rid}\tDuration: " in text
    cold_report = re.search(rf"REPORT RequestId: {cold.request_id}.*", text)
    warm_report = re.search(rf"REPORT RequestId: {warm.request_id}.*", text)
    assert cold_report and "Init Duration:" in cold_report.group(0)
    assert warm_report and "Init Duration:" not in warm_report.group(0)
    assert "Memory Size: 128 MB" in warm_report.group(0)
    assert warm.log_tail.startswith(f"START RequestId: {warm.request_id}")
    assert warm.log_tail.endswith("\n") and "hello from handler" in warm.log_tail


def test_log_tail_is_capped_at_4kb(runtime: Runtime) -> None:
    result = runtime.invoke(make_function(), b'{"do": "garbage"}')
    assert len(result.log_tail.encode()) <= 4096
    assert "REPORT RequestId" in result.log_tail


def test_dry_run_answers_204_without_running(runtime: Runtime) -> None:
    result = runtime.invoke(make_function(), b"{}", invocation_type="DryRun")
    assert result.status_code == 204
    assert runtime.metrics()["invocations"] == 0


def test_event_invocation_returns_202_and_runs_in_background(runtime: Runtime) -> None:
    done: list[InvokeResult] = []
    fired = threading.Event()

    def on_done(result: InvokeResult) -> None:
        done.append(result)
        fired.set()

    accepted = runtime.invoke_async(make_function(), b'{"do": "sleep", "s": 0.2}', on_done=on_done)
    assert accepted.status_code == 202 and accepted.payload == b""
    assert not fired.is_set()
    assert fired.wait(10)
    assert done[0].request_id == accepted.request_id
    assert done[0].function_error is None
    via_invoke = runtime.invoke(make_function(), b"{}", invocation_type="Event")
    assert via_invoke.status_code == 202
    assert wait_until(lambda: runtime.metrics()["invocations"] == 2)


def test_decimal_and_bytes_results_marshal_like_aws(runtime: Runtime) -> None:
    fn = make_function()
    assert body(runtime.invoke(fn, b'{"do": "decimal"}')) == {"d": 1.5, "i": 2}
    assert runtime.invoke(fn, b'{"do": "bytes"}').payload == b"raw-bytes"


def test_empty_payload_is_an_empty_event(runtime: Runtime) -> None:
    assert body(runtime.invoke(make_function(), b""))["event"] == {}


def test_other_runtimes_are_refused(make_runtime: Callable[..., Runtime]) -> None:
    """Runtimes other than python3.x and nodejsNN.x (java21, provided.al2023, ...) do not run here."""
    runtime = make_runtime()
    result = runtime.invoke(make_function(runtime="java21"), b"{}")
    assert result.function_error == "Unhandled"
    assert body(result)["errorType"] == "Runtime.InvalidRuntime"
    assert "java21" in body(result)["errorMessage"]


def test_concurrent_log_blocks_never_interleave(runtime: Runtime) -> None:
    fn = make_function()
    threads = [threading.Thread(target=runtime.invoke, args=(fn, b'{"do": "print"}'))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    current = None
    starts = 0
    for line in runtime.log_path("kitchen").read_text().splitlines():
        if line.startswith("START RequestId: "):
            assert current is None
            current, starts = line.split()[2], starts + 1
        elif current is not None and "\thello from handler" in line:
            assert f"\t{current}\t" in line
        elif line.startswith("REPORT RequestId: "):
            assert line.split()[2] == current
            current = None
    assert starts == 8
