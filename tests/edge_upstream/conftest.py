"""A real `moto_server` subprocess on loopback with the harness edge in front of it (--upstream)."""

from __future__ import annotations

import contextlib
import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import psutil
import pytest

from harness.target import EmbeddedTarget, TargetOptions

MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))
CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                connect_timeout=5, read_timeout=60)

ClientFactory = Callable[..., Any]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/moto-api/data.json")
        ok = conn.getresponse().status < 500
        conn.close()
        return ok
    except OSError:
        return False


class MotoServer:
    """`moto_server -H 127.0.0.1 -p PORT` as a child process, killed (with any children) at the end."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([MOTO_SERVER, "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.log_path = log

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited {self.proc.returncode}:\n"
                                   f"{self.log_path.read_text(errors='replace')[-3000:]}")
            if _answers(self.port):
                return
            time.sleep(0.1)
        raise RuntimeError(f"moto_server did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        with contextlib.suppress(psutil.NoSuchProcess):
            children = psutil.Process(self.proc.pid).children(recursive=True)
            for child in children:
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


@pytest.fixture(scope="package")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto_server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        pid = server.proc.pid
        server.stop()
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


@pytest.fixture(scope="package")
def upstream_target(moto_server: MotoServer,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedTarget]:
    opts = TargetOptions(port=0, upstream_url=moto_server.url,
                         work_dir=tmp_path_factory.mktemp("edge-upstream"))
    with EmbeddedTarget(opts) as t:
        yield t


def _factory(endpoint: str) -> ClientFactory:
    def client(service: str, *, key: str = "test", secret: str = "test", token: str | None = None,
               creds: dict[str, str] | None = None) -> Any:
        if creds is not None:
            key, secret, token = creds["AccessKeyId"], creds["SecretAccessKey"], creds.get("SessionToken")
        return boto3.session.Session().client(
            service, region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=key,
            aws_secret_access_key=secret, aws_session_token=token, config=CONFIG)

    return client


@pytest.fixture(scope="package")
def edge(upstream_target: EmbeddedTarget) -> ClientFactory:
    """boto3 against the harness edge (which forwards to moto_server)."""
    return _factory(upstream_target.endpoint)


@pytest.fixture(scope="package")
def direct(moto_server: MotoServer) -> ClientFactory:
    """boto3 straight at moto_server, bypassing the edge: the oracle for where data landed."""
    return _factory(moto_server.url)
