"""`saas-harness up` as a real subprocess: start it, wait for Ready, talk to it, stop it."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

SAAS_HARNESS = str(Path(sys.executable).with_name("saas-harness"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Nothing listens there and a new listener can bind it the way the harness does
    (SO_REUSEADDR, so connections of the previous one lingering in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(2)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen(1)
        except OSError:
            return False
        return True


class HarnessProcess:
    """One `saas-harness up` child with its stdout/stderr in files (no pipe to fill up)."""

    def __init__(self, tmp: Path, *args: str, port: int | None = None, stack: bool = False,
                 default_work_dir: bool = False, name: str = "") -> None:
        """`default_work_dir` runs `up` as the README does: no --work-dir, so `.harness` in tmp."""
        self.tmp = tmp
        self.port = free_port() if port is None else port
        self.work_dir = tmp / (".harness" if default_work_dir else "work")
        self.stdout_path = tmp / f"stdout{name}.txt"
        self.stderr_path = tmp / f"stderr{name}.txt"
        where = [] if default_work_dir else ["--work-dir", str(self.work_dir)]
        self.args = [SAAS_HARNESS, "up", *([] if stack else ["--no-stack"]), "--port",
                     str(self.port), *where, *args]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.args, cwd=tmp, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, env=env)

    @property
    def state_path(self) -> Path:
        return self.work_dir / "state.json"

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90.0) -> str:
        """The `Ready` line, once printed; fails with the child's output if it never comes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.stdout.splitlines():
                if line.startswith("Ready"):
                    return line
            if self.proc.poll() is not None:
                raise AssertionError(f"exited {self.proc.returncode} before Ready\nstdout:\n"
                                     f"{self.stdout}\nstderr:\n{self.stderr[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"no Ready line in {timeout}s\nstdout:\n{self.stdout}\nstderr:\n"
                             f"{self.stderr[-3000:]}")

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_path.read_text())
        return data

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
            try:
                return resp.status, json.loads(raw)
            except ValueError:
                return resp.status, raw
        finally:
            conn.close()

    def workers(self) -> list[int]:
        """Pids of this target's Lambda worker processes (they run in their own sessions)."""
        with contextlib.suppress(psutil.Error):
            return [c.pid for c in psutil.Process(self.proc.pid).children(recursive=True)
                    if "bootstrap" in " ".join(c.cmdline())]
        return []

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"did not stop within {timeout}s after signal {sig}") from None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
