"""Environment pool: concurrency, the global cap, eviction, credentials, idleness, shutdown."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.clock import VirtualClock
from harness.runtime import InvokeResult, Runtime, RuntimeClosed

from .conftest import StaticCredentials, body, gone, make_function, wait_until

SLEEP = b'{"do": "sleep", "s": %.2f}'


def _parallel(runtime: Runtime, events: list[tuple[object, bytes]]) -> list[InvokeResult]:
    """Invoke all at once (a barrier lines the threads up) and return results in order."""
    results: list[InvokeResult | None] = [None] * len(events)
    barrier = threading.Barrier(len(events))

    def call(i: int) -> None:
        config, payload = events[i]
        barrier.wait()
        results[i] = runtime.invoke(config, payload)  # type: ignore[arg-type]

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(events))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_concurrent_invocations_get_new_environments(runtime: Runtime) -> None:
    fn = make_function()
    results = _parallel(runtime, [(fn, SLEEP % 0.4)] * 4)
    assert all(r.function_error is None for r in results)
    assert len({body(r)["pid"] for r in results}) == 4
    assert all(r.init_duration_ms is not None for r in results)
    metrics = runtime.metrics()
    assert metrics["cold_starts"] == 4
    assert metrics["environments_peak"] == 4
    assert metrics["environments_live"] == 4


def test_cap_evicts_the_least_recently_used_idle_environment(
        make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime(max_environments=2)
    a, b, c = make_function("fa"), make_function("fb"), make_function("fc")
    pid_a = body(runtime.invoke(a, b"{}"))["pid"]
    pid_b = body(runtime.invoke(b, b"{}"))["pid"]
    body(runtime.invoke(c, b"{}"))
    assert runtime.metrics()["evictions"] == 1
    assert runtime.metrics()["environments_live"] == 2
    assert gone(pid_a)
    assert body(runtime.invoke(b, b"{}"))["pid"] == pid_b  # b survived and is still warm


def test_at_cap_a_call_waits_for_a_free_environment(make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime(max_environments=1, queue_timeout_s=10)
    fn = make_function()
    started = time.monotonic()
    first, second = _parallel(runtime, [(fn, SLEEP % 0.5), (fn, SLEEP % 0.5)])
    assert time.monotonic() - started >= 0.9
    assert first.function_error is None and second.function_error is None
    assert body(first)["pid"] == body(second)["pid"]
    assert runtime.metrics()["environments_peak"] == 1


def test_at_cap_a_bounded_wait_ends_in_429(make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime(max_environments=1, queue_timeout_s=0.2)
    fn = make_function()
    busy = threading.Thread(target=runtime.invoke, args=(fn, SLEEP % 1.5))
    busy.start()
    assert wait_until(lambda: runtime.metrics()["environments_live"] == 1)
    time.sleep(0.2)
    throttled = runtime.invoke(make_function("other"), b"{}")
    busy.join()
    assert throttled.status_code == 429
    assert throttled.function_error is None
    assert body(throttled)["__type"] == "TooManyRequestsException"
    assert runtime.metrics()["throttles"] == 1


def test_idle_environments_are_reaped_after_idle_timeout(
        make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime(idle_timeout_s=0.3)
    pid = body(runtime.invoke(make_function(), b"{}"))["pid"]
    assert wait_until(lambda: runtime.metrics()["environments_live"] == 0, timeout_s=30)
    # The reaper takes the environment out of the pool before it kills the process.
    assert wait_until(lambda: gone(pid), timeout_s=30)
    assert wait_until(lambda: runtime.metrics()["idle_evictions"] == 1, timeout_s=30)


def test_evict_idle_zero_stops_every_idle_environment(runtime: Runtime) -> None:
    pids = [body(runtime.invoke(make_function(f"f{i}"), b"{}"))["pid"] for i in range(3)]
    assert runtime.evict_idle() == 0  # none idle for 600 s yet
    assert runtime.evict_idle(0) == 3
    assert all(gone(pid) for pid in pids)


def test_flush_drops_environments_of_one_function(runtime: Runtime) -> None:
    a, b = make_function("fa"), make_function("fb")
    pid_a = body(runtime.invoke(a, b"{}"))["pid"]
    pid_b = body(runtime.invoke(b, b"{}"))["pid"]
    runtime.flush(a.arn)
    assert gone(pid_a)
    assert body(runtime.invoke(a, b"{}"))["pid"] != pid_a
    assert body(runtime.invoke(b, b"{}"))["pid"] == pid_b
    runtime.flush()
    assert gone(pid_b)


def test_flush_while_busy_retires_the_environment_after_its_call(runtime: Runtime) -> None:
    fn = make_function()
    results: list[InvokeResult] = []
    busy = threading.Thread(target=lambda: results.append(runtime.invoke(fn, SLEEP % 0.4)))
    busy.start()
    assert wait_until(lambda: runtime.metrics()["environments_live"] == 1)
    runtime.flush(fn.arn)
    busy.join()
    assert results[0].function_error is None
    assert wait_until(lambda: gone(body(results[0])["pid"]))


def test_credentials_are_refreshed_when_the_virtual_clock_nears_expiry(
        make_runtime: Callable[..., Runtime], clock: VirtualClock) -> None:
    provider = StaticCredentials(clock, ttl_s=900)
    runtime = make_runtime(credentials=provider)
    fn = make_function()

    def env_of() -> dict[str, str]:
        env: dict[str, str] = body(runtime.invoke(fn, b'{"do": "env"}'))["env"]
        return env

    def pid_of() -> int:
        pid: int = body(runtime.invoke(fn, b"{}"))["pid"]
        return pid

    first_pid = pid_of()
    assert env_of()["AWS_ACCESS_KEY_ID"] == "ASIATEST00000001"
    clock.advance(900 - 64)  # 64 s left > timeout 3 + 60: still reused
    assert pid_of() == first_pid
    clock.advance(2)  # 62 s left: retire and start fresh with a new session
    new_pid = pid_of()
    assert new_pid != first_pid and gone(first_pid)
    assert env_of()["AWS_ACCESS_KEY_ID"] == "ASIATEST00000002"
    assert provider.calls == 2
    assert runtime.metrics()["credential_refreshes"] == 1


def test_shutdown_leaves_no_worker_process(make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime()
    pids = [body(runtime.invoke(make_function(f"f{i}"), b"{}"))["pid"] for i in range(3)]
    busy: list[InvokeResult | BaseException] = []

    def call() -> None:
        try:
            busy.append(runtime.invoke(make_function("slow"), SLEEP % 20))
        except RuntimeClosed as e:
            busy.append(e)

    thread = threading.Thread(target=call)
    thread.start()
    assert wait_until(lambda: runtime.metrics()["environments_live"] == 4)
    started = time.monotonic()
    runtime.shutdown()
    assert time.monotonic() - started < 5
    assert all(gone(pid) for pid in pids)
    thread.join(5)
    assert busy and isinstance(busy[0], InvokeResult)
    assert body(busy[0])["errorType"] == "Runtime.ExitError"
    assert runtime.metrics()["environments_live"] == 0
    with pytest.raises(RuntimeClosed):
        runtime.invoke(make_function(), b"{}")
    runtime.shutdown()  # idempotent


HARNESS_DIES = """
import json, os, sys, tempfile, threading, time
from pathlib import Path
import psutil
sys.path.insert(0, {tests!r})
from runtime.conftest import StaticCredentials, make_function, ENDPOINT, REGION, ACCOUNT
from harness.clock import VirtualClock
from harness.runtime import Runtime
clock = VirtualClock()
rt = Runtime(endpoint_url=ENDPOINT, region=REGION, account=ACCOUNT,
             credentials=StaticCredentials(clock), clock=clock, work_dir=Path({work!r}))
rt.invoke(make_function("idle"), b"{{}}")
threading.Thread(target=rt.invoke, args=(make_function("busy"), b'{{"do": "sleep", "s": 60}}'),
                 daemon=True).start()
while len(psutil.Process().children()) < 2:
    time.sleep(0.02)
time.sleep(0.3)
print(json.dumps([c.pid for c in psutil.Process().children()]), flush=True)
os._exit(0)
"""


def test_workers_exit_when_the_harness_process_dies(tmp_path: Path) -> None:
    tests_dir = str(Path(__file__).resolve().parents[1])
    script = textwrap.dedent(HARNESS_DIES).format(tests=tests_dir, work=str(tmp_path / "w"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60,
                          text=True, check=True)
    pids = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(pids) == 2
    assert wait_until(lambda: all(gone(pid) for pid in pids), timeout_s=5)
