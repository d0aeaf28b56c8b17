"""moto_server and ministack subprocesses on loopback, one of each per test process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.targets.servers import MINISTACK, MiniStack, MotoServer


@pytest.fixture(scope="package")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto-endpoint") / "moto_server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def ministack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MiniStack]:
    if not MINISTACK.exists():
        pytest.skip(f"ministack is not installed at {MINISTACK}: run `make install`")
    server = MiniStack(tmp_path_factory.mktemp("ministack") / "ministack.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
