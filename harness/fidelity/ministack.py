"""ministack as a child process on a free loopback port, for the fidelity report and tests."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import harness

CHECKOUT = Path(harness.__file__).resolve().parents[1]
DEFAULT_VENV = CHECKOUT / ".venv" / "ministack"
ENV_BIN = "SAAS_HARNESS_MINISTACK"
"""Environment variable naming the ministack executable, when it is not in the checkout's .venv/ministack."""


class MiniStackUnavailable(RuntimeError):
    """No ministack executable, or it did not start; the message says how to get one."""


def find_ministack(explicit: str | None = None, venv: Path = DEFAULT_VENV) -> Path:
    """The ministack executable: the one named, $SAAS_HARNESS_MINISTACK, or the checkout's .venv/ministack."""
    for candidate in (explicit, os.environ.get(ENV_BIN), str(venv / "bin" / "ministack")):
        if candidate and Path(candidate).is_file():
            return Path(candidate).absolute()
    raise MiniStackUnavailable("no ministack executable: run `make ministack` (creates .venv/ministack from "
                               f"requirements-ministack.lock), set {ENV_BIN}, or pass --ministack-bin PATH")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/_ministack/health")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


class MiniStack:
    """`ministack` bound to 127.0.0.1 only (BIND_HOST, no IoT mTLS listener), its log in `log`."""

    def __init__(self, log: Path, executable: str | None = None, port: int | None = None) -> None:
        self.executable = find_ministack(executable)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.proc: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        """Loopback only; its own bin first on PATH, so the python3 its Lambda workers run has boto3 and the
        stack's layer packages, as the Lambda runtime and the deployed layer would."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(BIND_HOST="127.0.0.1", GATEWAY_PORT=str(self.port), IOT_MTLS_ENABLED="0",
                   PATH=os.pathsep.join([str(self.executable.parent), env.get("PATH", "")]))
        return env

    def start(self, timeout: float = 60.0) -> MiniStack:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as sink:
            self.proc = subprocess.Popen([str(self.executable)], stdout=sink, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=self.environment(),
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise MiniStackUnavailable(f"ministack exited {self.proc.returncode}: "
                                           f"{self.log_path.read_text(errors='replace')[-2000:]}")
            if _ready(self.port):
                return self
            time.sleep(0.2)
        self.stop()
        raise MiniStackUnavailable(f"ministack did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        """Its whole process group (Lambda workers included), TERM then KILL."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait(10)

    def __enter__(self) -> MiniStack:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
