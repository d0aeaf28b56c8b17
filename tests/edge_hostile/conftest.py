"""One embedded target for the hostile-input suite, in its own moto account, watched after every test.

After each test the edge must still answer a normal signed call and the admin health check, the
listener must not have logged an internal error, and no traceback may have reached stderr: a hostile
request that crashes a handler thread or ends in the listener's 500 fails the test that sent it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.config
import pytest

from harness.target import EmbeddedTarget, TargetOptions
from tests.edge_hostile.wire import Wire

HOSTILE_ACCOUNT = "111122223333"

_CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                 connect_timeout=5, read_timeout=60)


@pytest.fixture(scope="package")
def hostile_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedTarget]:
    opts = TargetOptions(port=0, work_dir=tmp_path_factory.mktemp("hostile"),
                         account=HOSTILE_ACCOUNT)
    with EmbeddedTarget(opts) as t:
        yield t


@pytest.fixture(scope="package")
def wire(hostile_target: EmbeddedTarget) -> Wire:
    return Wire(hostile_target.port)


@pytest.fixture(scope="package")
def haws(hostile_target: EmbeddedTarget) -> Callable[..., Any]:
    """boto3 clients against the hostile target: root by default, or `creds=` from STS/IAM."""

    def client(service: str, *, creds: dict[str, str] | None = None) -> Any:
        key, secret, token = "test", "test", None
        if creds is not None:
            key, secret = creds["AccessKeyId"], creds["SecretAccessKey"]
            token = creds.get("SessionToken")
        return boto3.session.Session().client(
            service, region_name="us-east-1", endpoint_url=hostile_target.endpoint,
            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
            config=_CONFIG)

    return client


@pytest.fixture
def known_internal_errors() -> None:
    """Requested by the few tests that document a 500 still owed to a file this suite may not edit."""


@pytest.fixture(autouse=True)
def edge_survives(request: pytest.FixtureRequest, wire: Wire, caplog: pytest.LogCaptureFixture,
                  capfd: pytest.CaptureFixture[str]) -> Iterator[None]:
    caplog.set_level(logging.WARNING, logger="harness")
    yield
    if "known_internal_errors" not in request.fixturenames:
        internal = [r.getMessage()[:500] for phase in ("setup", "call")
                    for r in caplog.get_records(phase)
                    if r.name == "harness.server" and r.levelno >= logging.ERROR]
        assert not internal, f"the listener answered 500 for: {internal}"
    err = capfd.readouterr().err
    assert "Traceback" not in err, f"a handler thread died:\n{err[-3000:]}"
    ok = wire.dynamodb("ListTables", b"{}")
    assert ok.status == 200 and "TableNames" in ok.json(), ok
    health = wire.send("GET", "/_harness/health")
    assert health.status == 200 and health.json()["status"] == "ok", health
