"""External AWS-compatible endpoints as loopback subprocesses: moto_server and ministack."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.edge_upstream.conftest import MotoServer, free_port

# `make install` puts ministack in a venv of its own (it pins another botocore): .venv/ministack.
MINISTACK = Path(os.environ.get("SAAS_HARNESS_MINISTACK",
                                Path(sys.executable).parent.parent / "ministack" / "bin" / "ministack"))


def _ministack_ready(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/_ministack/health")
        reply = conn.getresponse()
        ok = reply.status == 200 and "services" in json.loads(reply.read())
        conn.close()
        return ok
    except (OSError, ValueError):
        return False


class MiniStack:
    """`ministack` with BIND_HOST=127.0.0.1 and GATEWAY_PORT on a free port, as a child process."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MINISTACK_"))}
        env.update(BIND_HOST="127.0.0.1", GATEWAY_PORT=str(self.port), LOG_LEVEL="WARNING",
                   IOT_MTLS_ENABLED="0")  # else its MQTT listener binds 0.0.0.0:8883
        self.proc = subprocess.Popen([str(MINISTACK)], stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, cwd=log.parent)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ministack exited {self.proc.returncode}:\n"
                                   f"{self.log_path.read_text(errors='replace')[-3000:]}")
            if _ministack_ready(self.port):
                return
            time.sleep(0.2)
        raise RuntimeError(f"ministack did not answer on {self.url} within {timeout}s")

    def listening_addresses(self) -> set[str]:
        """Every local address the process (and its children) listens on."""
        procs = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        return {c.laddr.ip for p in procs for c in p.net_connections("inet")
                if c.status == psutil.CONN_LISTEN}

    def stop(self) -> None:
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


__all__ = ["MINISTACK", "MiniStack", "MotoServer", "free_port"]
