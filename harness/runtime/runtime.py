"""The Lambda service side: runs invocations on pooled environments and answers like Invoke does."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.clock import VirtualClock
from harness.faults.models import FunctionFault
from harness.faults.plan import FaultPlan
from harness.runtime import errors
from harness.runtime.failures import FailureBook, FunctionFailure, error_type_of, first_error_line
from harness.runtime.injected import injected_result
from harness.runtime.invocation import decode_client_context, qualified_arn
from harness.runtime.launch import launch, runtime_version, unsupported
from harness.runtime.logs import LogBlock, LogBook, tail
from harness.runtime.names import AwsNames
from harness.runtime.node import is_node_runtime
from harness.runtime.pool import Counters, Key, Pool, RuntimeClosed
from harness.runtime.provided import provided_dir
from harness.runtime.sdk_requests import SdkRequests
from harness.runtime.types import CredentialsProvider, FunctionConfig, InvokeResult
from harness.runtime.worker import BOOTSTRAP, Outcome, Worker
from harness.runtime.workspace import CodeStore, build_env

INIT_TIMEOUT_S = 10.0  # Lambda's init phase limit for on-demand environments
CREDENTIAL_MARGIN_S = 60.0  # retire an environment whose role session ends within timeout + this

__all__ = ["Runtime", "RuntimeClosed"]


class Runtime:
    """Runs functions in warm-reused worker subprocesses, one invocation per worker at a time."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        region: str,
        account: str,
        credentials: CredentialsProvider,
        clock: VirtualClock,
        work_dir: Path,
        max_environments: int = 32,
        idle_timeout_s: float = 600.0,
        python: str | None = None,
        queue_timeout_s: float = 5.0,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.account = account
        self.work_dir = Path(work_dir).resolve()  # workers run with cwd=task root
        self.idle_timeout_s = idle_timeout_s
        self.max_environments = max(1, max_environments)
        self._credentials = credentials
        self._clock = clock
        self._python = python  # None: each function's declared pythonX.Y where installed
        self._code = CodeStore(self.work_dir)
        self._provided = provided_dir(self.work_dir / "runtime")
        self._logs = LogBook(self.work_dir / "logs")
        self._counters = Counters()
        self._failures = FailureBook()
        self._pool = Pool(max_environments=self.max_environments, queue_timeout_s=queue_timeout_s,
                          clock=clock, counters=self._counters)
        self._keys: dict[int, tuple[FunctionConfig, Key]] = {}
        self._executor_lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, name="lambda-reaper", daemon=True)
        self._reaper.start()
        self.faults = FaultPlan()  # the target shares the edge's plan here (harness/faults/)
        self.aws_names: AwsNames | None = None  # set by the target once its TLS listener is up
        self.sdk: SdkRequests | None = None  # set by the target: Python workers' SDK calls by pipe

    # -- public API -------------------------------------------------------------------------

    def invoke(
        self,
        config: FunctionConfig,
        payload: bytes,
        *,
        invocation_type: str = "RequestResponse",
        client_context: str | None = None,
        timeout_override_s: float | None = None,
        invoked_arn: str | None = None,
    ) -> InvokeResult:
        """Invoke like the Invoke API; 429 (function_error None) when no environment frees up."""
        if invocation_type == "Event":
            return self.invoke_async(config, payload, client_context=client_context)
        self._check_open()
        rid = str(uuid.uuid4())
        if invocation_type == "DryRun":
            return InvokeResult(rid, 204, b"", None, "", 0.0, None, config.version)
        if invocation_type != "RequestResponse":
            raise ValueError(f"unknown invocation type {invocation_type!r}")
        return self._run(config, payload, rid, client_context, timeout_override_s, invoked_arn)

    def invoke_async(
        self,
        config: FunctionConfig,
        payload: bytes,
        *,
        client_context: str | None = None,
        on_done: Callable[[InvokeResult], None] | None = None,
    ) -> InvokeResult:
        """InvocationType=Event: queue on a fixed thread pool, answer 202 at once (no retries)."""
        self._check_open()
        rid = str(uuid.uuid4())
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.max_environments,
                                                    thread_name_prefix="lambda-event")
            executor = self._executor

        def job() -> None:
            try:
                result = self._run(config, payload, rid, client_context, None, None)
                if on_done is not None:
                    on_done(result)
            except Exception:
                self._counters.add("async_failures")

        self._counters.add("async_invocations")
        executor.submit(job)
        return InvokeResult(rid, 202, b"", None, "", 0.0, None, config.version)

    def metrics(self) -> dict[str, Any]:
        return {**self._counters.snapshot(), **self._pool.stats(),
                "sdk_pipe": self.sdk.metrics() if self.sdk is not None else {},
                "last_errors": self._failures.snapshot()}

    def failures(self) -> list[FunctionFailure]:
        """Each function's latest failed invocation (init or invoke), for error reports."""
        return self._failures.all()

    def evict_idle(self, max_idle_s: float | None = None) -> int:
        """Stop environments idle over max_idle_s (default idle_timeout_s); 0 stops all idle."""
        return self._pool.evict_idle(self.idle_timeout_s if max_idle_s is None else max_idle_s)

    def flush(self, function_arn: str | None = None) -> None:
        """Drop environments (of one function, or all), e.g. after its code or config changed."""
        self._pool.flush(function_arn)

    def shutdown(self) -> None:
        """Kill and reap every worker and join our threads; no worker process outlives this call."""
        idle, busy = self._pool.close()
        self._stop.set()
        for w in (*idle, *busy):
            w.kill()
        for w in idle:
            w.terminate()
        for w in busy:  # the invoking thread owns a busy worker's pipes and closes them
            w.proc.wait()
        with self._executor_lock:
            executor = self._executor
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if threading.current_thread() is not self._reaper:
            self._reaper.join()
        self._logs.close()

    def log_path(self, function_name: str) -> Path:
        return self._logs.path(function_name)

    # -- invocation -------------------------------------------------------------------------

    def _run(self, config: FunctionConfig, payload: bytes, rid: str, client_context: str | None,
             timeout_override_s: float | None, invoked_arn: str | None) -> InvokeResult:
        refused = unsupported(config.runtime)
        if refused is not None:
            body = errors.error_payload("Runtime.InvalidRuntime", refused, rid)
            return InvokeResult(rid, 200, body, "Unhandled", "", 0.0, None, config.version)
        decision = self.faults.for_function(config.name) if self.faults.active else None
        if decision is not None:
            time.sleep(decision.delay_s)
            if decision.function is not None:
                return self._injected(config, decision.function, rid)
        timeout = float(config.timeout if timeout_override_s is None else timeout_override_s)
        key = self._key(config)
        lease = self._pool.acquire(key, timeout + CREDENTIAL_MARGIN_S)
        if lease is None:  # every environment busy for queue_timeout_s: Lambda's throttle
            self._counters.throttled(config.name)
            return InvokeResult(rid, 429, errors.throttle_payload(), None, "", 0.0, None,
                                config.version)
        block = LogBlock(self._clock.now() - time.time())
        init_ms: float | None = None
        cold = not isinstance(lease, Worker)
        if isinstance(lease, Worker):
            worker = lease
        else:  # a reserved slot: start a new environment (cold start)
            t0 = time.perf_counter()
            worker = self._spawn(config, key)
            block.line(f"INIT_START Runtime Version: {runtime_version(config.runtime)}")
            try:
                ready = worker.wait_ready(INIT_TIMEOUT_S)
            except BaseException:
                self._pool.release(worker, healthy=False)
                raise
            init_ms = (time.perf_counter() - t0) * 1000
            block.output(ready.output, "")
            if ready.kind != "ready":
                return self._init_failed(config, worker, ready, rid, block, init_ms)
        header = {"id": rid, "dl": int((time.time() + timeout) * 1000),
                  "arn": invoked_arn or qualified_arn(config), "cc": decode_client_context(client_context),
                  "ci": None, "vt": self._clock.now()}
        t1 = time.perf_counter()
        try:
            out = worker.exchange(json.dumps(header).encode() + b"\n" + payload, timeout)
        except BaseException:
            self._pool.release(worker, healthy=False)
            raise
        duration = (time.perf_counter() - t1) * 1000
        self._pool.release(worker, healthy=out.kind in ("result", "error"))
        block.line(f"START RequestId: {rid} Version: {config.version}")
        block.output(out.output, rid)
        status = error_type = None
        function_error: str | None = "Unhandled"
        body = out.body
        if out.kind == "result":
            function_error = None
            if len(body) > errors.MAX_RESPONSE_BYTES:
                body, function_error = errors.too_large_payload(len(body)), "Unhandled"
        elif out.kind == "timeout":
            now = self._clock.now()
            body = errors.timeout_payload(now, rid, timeout)
            stamp = errors.iso_timestamp(now)
            block.line(f"{stamp} {rid} Task timed out after {timeout:.2f} seconds")
            duration, status = timeout * 1000, "timeout"
        elif out.kind == "exit":
            body = errors.exit_payload(rid, out.exit_reason)
            status, error_type = "error", "Runtime.ExitError"
        elif out.kind != "error":
            body = errors.malformed_payload(rid)
            status, error_type = "error", "Runtime.InvalidResponse"
        block.line(f"END RequestId: {rid}")
        block.report(rid, duration_ms=duration, memory_mb=config.memory_mb,
                     max_rss_kb=worker.max_rss_kb, init_duration_ms=init_ms,
                     status=status, error_type=error_type)
        data = block.data()
        self._logs.append(config.name, data)
        self._counters.tally(config.name, cold, function_error is not None, out.kind)
        if function_error is not None:
            kind = error_type or ("Task.TimedOut" if status == "timeout" else error_type_of(body))
            self._failures.record(function=config.name, error_type=kind,
                                  line=first_error_line(data, body),
                                  log_path=str(self._logs.path(config.name)), request_id=rid,
                                  phase="invoke")
        return InvokeResult(rid, 200, body, function_error, tail(data), duration, init_ms,
                            config.version)

    def _injected(self, config: FunctionConfig, fault: FunctionFault, rid: str) -> InvokeResult:
        """A fault plan's Lambda failure, logged, counted and recorded like a real one."""
        result, error_type, kind = injected_result(config, fault, rid, self._clock.now)
        block = LogBlock(self._clock.now() - time.time())
        block.line(f"START RequestId: {rid} Version: {config.version}")
        block.line(f"[harness fault plan] injected {fault.kind}: {error_type}")
        block.line(f"END RequestId: {rid}")
        data = block.data()
        self._logs.append(config.name, data)
        self._counters.tally(config.name, kind == "init", True, kind)
        self._failures.record(function=config.name, error_type=error_type,
                              line=f"injected {fault.kind} (fault plan)",
                              log_path=str(self._logs.path(config.name)), request_id=rid,
                              phase="init" if kind == "init" else "invoke")
        return result

    def _init_failed(self, config: FunctionConfig, worker: Worker, ready: Outcome, rid: str,
                     block: LogBlock, init_ms: float) -> InvokeResult:
        """Init failed: Lambda answers with the init error (requestId "") and drops the env."""
        self._pool.release(worker, healthy=False)
        body, error_type = errors.init_failure(ready.kind, ready.body, ready.exit_reason, rid,
                                               self._clock.now(), INIT_TIMEOUT_S)
        block.line(f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error"
                   f"\tError Type: {error_type}")
        block.line(f"START RequestId: {rid} Version: {config.version}")
        block.line(f"END RequestId: {rid}")
        block.report(rid, duration_ms=0.0, memory_mb=config.memory_mb,
                     max_rss_kb=worker.max_rss_kb, init_duration_ms=init_ms, status="error",
                     error_type=error_type)
        data = block.data()
        self._logs.append(config.name, data)
        self._counters.tally(config.name, True, True,
                             "init_timeout" if ready.kind == "timeout" else "init")
        self._failures.record(function=config.name, error_type=error_type,
                              line=first_error_line(data, body),
                              log_path=str(self._logs.path(config.name)), request_id=rid,
                              phase="init")
        return InvokeResult(rid, 200, body, "Unhandled", tail(data), 0.0, init_ms, config.version,
                            init_error=True)

    def _spawn(self, config: FunctionConfig, key: Key) -> Worker:
        """Start a worker in a slot acquire() reserved; the slot is given back if this fails."""
        worker: Worker | None = None
        try:
            creds = self._credentials(config)
            task_root = self._code.extract("code", config.code_sha256, config.zip_bytes)
            layers = [self._code.extract("layers", lc.sha256, lc.zip_bytes) for lc in config.layers]
            day = time.strftime("%Y/%m/%d", time.gmtime(self._clock.now()))
            env = build_env(config, creds, region=self.region, endpoint_url=self.endpoint_url,
                            task_root=task_root, runtime_dir=BOOTSTRAP.parent, layer_dirs=layers,
                            log_stream=f"{day}/[{config.version}]{uuid.uuid4().hex}")
            start = launch(config.runtime, task_root, layers, self._provided, self._python)
            env.update(start.env)
            names = self.aws_names
            if names is not None:
                env.update(names.env(node=is_node_runtime(config.runtime)))
            worker = Worker(command=start.command, cwd=task_root, env=env, sys_path=start.paths, key=key,
                            function_name=config.name, function_arn=config.arn,
                            cred_expiration=creds.expiration, seq=self._pool.next_seq(),
                            virtual_now=self._clock.now(),
                            names=names.setup() if names is not None else None,
                            sdk=self.sdk, sdk_netlocs=self._sdk_netlocs(start.command))
        finally:
            admitted = self._pool.admit(worker)
        if not admitted:
            assert worker is not None  # a failed spawn raised out of the try block above
            worker.terminate()
            raise RuntimeClosed("the Lambda runtime is shut down")
        return worker

    def _sdk_netlocs(self, command: list[str]) -> list[str]:
        """Where this worker's SDK calls may take the pipe: the endpoint, for the Python bootstrap."""
        if self.sdk is None or str(BOOTSTRAP) not in command:
            return []
        parts = urlsplit(self.endpoint_url)
        if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
            return []
        return [f"127.0.0.1:{parts.port}", f"localhost:{parts.port}"]

    def _reap_loop(self) -> None:
        interval = min(max(self.idle_timeout_s / 4, 0.05), 5.0)
        while not self._stop.wait(interval):
            self.evict_idle()

    def _key(self, config: FunctionConfig) -> Key:
        """(arn, version, code sha, config hash), cached per config object for the hot path."""
        entry = self._keys.get(id(config))
        if entry is not None and entry[0] is config:
            return entry[1]
        shape = [config.name, config.handler, config.runtime, sorted(config.environment.items()),
                 [[lc.arn, lc.sha256] for lc in config.layers], config.role_arn, config.timeout,
                 config.memory_mb]
        digest = hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]
        key = (config.arn, config.version, config.code_sha256, digest)
        if len(self._keys) > 1024:
            self._keys.clear()
        self._keys[id(config)] = (config, key)
        return key

    def _check_open(self) -> None:
        if self._pool.closed:
            raise RuntimeClosed("the Lambda runtime is shut down")

