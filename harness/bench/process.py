"""A target in its own process, so load generators never share its interpreter lock."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import urllib3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TargetProcess:
    """`saas-harness up --no-stack` as a child process on a free loopback port."""

    def __init__(self, *extra: str, stack: bool = False) -> None:
        self.port = free_port()
        self._tmp = tempfile.TemporaryDirectory(prefix="harness-bench-")
        self.work_dir = Path(self._tmp.name)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "harness.cli", "up", "--port", str(self.port),
                "--work-dir", str(self.work_dir), *extra]
        if not stack:
            args.append("--no-stack")
        self.ready_seconds = 0.0
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: list[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("Ready"):
                self.ready_seconds = time.perf_counter() - t0
                return
        raise RuntimeError("target exited before Ready:\n" + "".join(self.lines[-40:]))

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        import json

        r = urllib3.request(method, self.endpoint + path,
                            body=json.dumps(body).encode() if body is not None else None,
                            timeout=30.0)
        return json.loads(r.data or b"null")

    def state(self) -> dict[str, Any]:
        from harness.state import read_state

        return read_state(self.work_dir)

    def rss_mb(self) -> float:
        """Resident memory of the target and all its Lambda workers, in MiB (shared pages counted
        once per process, so this is an upper bound)."""
        return self._memory("rss")

    def pss_mb(self) -> float:
        """Proportional set size of the same processes: shared pages split between them."""
        return self._memory("pss")

    def _memory(self, field: str) -> float:
        import psutil

        total = 0
        parent = psutil.Process(self.proc.pid)
        for proc in [parent, *parent.children(recursive=True)]:
            try:
                info = proc.memory_full_info() if field == "pss" else proc.memory_info()
                total += getattr(info, field)
            except psutil.Error:
                continue
        return float(round(total / 2**20, 1))

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the target and its Lambda workers, the exited
        ones included (their time is in the target's children counters): the cost of a run that
        other processes on a shared machine do not inflate the way they inflate wall time."""
        import psutil

        parent = psutil.Process(self.proc.pid)
        t = parent.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for child in parent.children(recursive=True):
            try:
                c = child.cpu_times()
                total += c.user + c.system
            except psutil.Error:
                continue
        return float(total)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self._tmp.cleanup()

    def __enter__(self) -> TargetProcess:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
