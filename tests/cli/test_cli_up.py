"""`saas-harness up --no-stack` as a real subprocess: the contract in DESIGN.md ("Contracts other
tools rely on") and issue 2 item 2 — Ready line, state.json, admin API, loopback only, clean stop on
SIGTERM and SIGINT, a clear error for a busy port."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import psutil
import pytest

from tests.cli.harness_process import HarnessProcess, free_port, port_is_free

CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                connect_timeout=5, read_timeout=30)


def client(endpoint: str, service: str) -> Any:
    return boto3.session.Session().client(service, region_name="us-east-1", endpoint_url=endpoint,
                                          aws_access_key_id="test", aws_secret_access_key="test",
                                          config=CONFIG)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HarnessProcess]:
    """One harness for the read-mostly tests; the stop tests start their own."""
    h = HarnessProcess(tmp_path_factory.mktemp("up"))
    try:
        h.wait_ready()
        yield h
    finally:
        h.kill()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[HarnessProcess]:
    h = HarnessProcess(tmp_path)
    try:
        yield h
    finally:
        h.kill()


def test_prints_ready_and_writes_the_state_file(running: HarnessProcess) -> None:
    line = running.wait_ready()
    assert line.startswith("Ready")
    assert f"http://127.0.0.1:{running.port}" in line
    state = running.state()
    assert state["endpoint"] == f"http://127.0.0.1:{running.port}"
    assert state["region"] == "us-east-1"
    assert re.fullmatch(r"\d{12}", str(state["account"]))
    assert state["pid"] == running.proc.pid
    assert "Traceback" not in running.stderr


def test_health(running: HarnessProcess) -> None:
    status, body = running.request("GET", "/_harness/health")
    assert status == 200
    assert body["status"] == "ok"
    assert body["endpoint"] == running.state()["endpoint"]
    assert body["account"] == running.state()["account"]


def test_clock_advances(running: HarnessProcess) -> None:
    _, before = running.request("GET", "/_harness/clock")
    status, after = running.request("POST", "/_harness/clock", json.dumps({"advance": 3600}).encode(),
                                    {"Content-Type": "application/json"})
    assert status == 200
    assert after["offset"] == pytest.approx(before["offset"] + 3600)
    assert after["now"] >= time.time() + 3590


@pytest.mark.parametrize("body", [b"{", b"[]", b'"advance"', b'{"advance": -1}', b'{"advance": "60"}',
                                  b'{"advance": true}', b'{"advance": NaN}', b'{"advance": 1e999}',
                                  b'{"advance": 1' + b"0" * 400 + b"}", b"[" * 50_000 + b"]" * 50_000,
                                  b'{"freeze": "yes"}', b'{"advnce": 5}', b"\xff\xfe\xfd"],
                         ids=lambda b: repr(b[:20]))
def test_clock_rejects_bad_bodies_with_400(running: HarnessProcess, body: bytes) -> None:
    _, before = running.request("GET", "/_harness/clock")
    status, out = running.request("POST", "/_harness/clock", body)
    assert status == 400, out
    assert isinstance(out["message"], str)
    _, after = running.request("GET", "/_harness/clock")
    assert after["offset"] == before["offset"]


def test_reset_forgets_resources_credentials_and_clock(running: HarnessProcess) -> None:
    endpoint = running.state()["endpoint"]
    ddb, iam = client(endpoint, "dynamodb"), client(endpoint, "iam")
    ddb.create_table(TableName="before-reset", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    iam.create_user(UserName="before-reset")
    key = iam.create_access_key(UserName="before-reset")["AccessKey"]
    running.request("POST", "/_harness/clock", b'{"advance": 60}')
    assert "before-reset" in ddb.list_tables()["TableNames"]

    status, body = running.request("POST", "/_harness/reset")
    assert status == 200 and body == {"reset": True}

    assert "before-reset" not in ddb.list_tables()["TableNames"]
    assert "before-reset" not in {u["UserName"] for u in iam.list_users()["Users"]}
    _, clock = running.request("GET", "/_harness/clock")
    assert clock["offset"] == 0
    user_sts = boto3.session.Session().client(
        "sts", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"], config=CONFIG)
    with pytest.raises(Exception, match="InvalidClientTokenId"):
        user_sts.get_caller_identity()
    # And the target keeps serving after a reset.
    assert ddb.list_tables()["TableNames"] == []


def _non_loopback_ipv4() -> str | None:
    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family == socket.AF_INET and not a.address.startswith("127."):
                return str(a.address)
    return None


def test_binds_loopback_only(running: HarnessProcess) -> None:
    listening = [c for c in psutil.Process(running.proc.pid).net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN]
    assert listening and {c.laddr.ip for c in listening} == {"127.0.0.1"}, listening
    other = _non_loopback_ipv4()
    if other is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with pytest.raises(ConnectionRefusedError), socket.create_connection((other, running.port), timeout=5):
        pass


def _assert_clean_stop(h: HarnessProcess, rc: int) -> None:
    assert rc == 0, (rc, h.stdout, h.stderr[-3000:])
    assert not h.state_path.exists()
    assert "Traceback" not in h.stderr, h.stderr[-3000:]
    assert "Stopped" in h.stdout
    deadline = time.monotonic() + 5
    while not port_is_free(h.port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert port_is_free(h.port)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signals_stop_it_cleanly(fresh: HarnessProcess, sig: int) -> None:
    fresh.wait_ready()
    assert fresh.state_path.exists()
    _assert_clean_stop(fresh, fresh.stop(sig))


def test_a_burst_of_signals_still_ends_in_a_clean_stop(fresh: HarnessProcess) -> None:
    """Ctrl-C held down, then SIGTERMs (as `timeout` sends): the handler once hung forever when a
    signal arrived while the handler before it held the stop event's lock."""
    fresh.wait_ready()
    deadline, sent = time.monotonic() + 1.5, 0
    while time.monotonic() < deadline and fresh.proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            fresh.proc.send_signal(signal.SIGINT if sent % 2 else signal.SIGTERM)
        sent += 1
    _assert_clean_stop(fresh, fresh.stop(signal.SIGTERM))


def test_stops_cleanly_with_keep_alive_clients_connected(fresh: HarnessProcess) -> None:
    fresh.wait_ready()
    ddb = client(fresh.state()["endpoint"], "dynamodb")
    ddb.list_tables()  # leaves a pooled keep-alive connection open
    idle = socket.create_connection(("127.0.0.1", fresh.port), timeout=5)
    half = socket.create_connection(("127.0.0.1", fresh.port), timeout=5)
    half.sendall(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")  # stalled mid-request
    try:
        started = time.monotonic()
        rc = fresh.stop(signal.SIGTERM)
        assert time.monotonic() - started < 10
        _assert_clean_stop(fresh, rc)
    finally:
        idle.close()
        half.close()


def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        h = HarnessProcess(tmp_path, port=port)
        try:
            rc = h.proc.wait(60)
        finally:
            h.kill()
    assert rc != 0
    assert f"cannot listen on 127.0.0.1:{port}" in h.stderr, h.stderr
    assert "in use" in h.stderr.lower(), h.stderr
    assert "Traceback" not in h.stderr, h.stderr
    assert "Ready" not in h.stdout
    assert not h.state_path.exists()


def test_a_port_held_by_another_harness_leaves_that_one_untouched(running: HarnessProcess,
                                                                  tmp_path: Path) -> None:
    h = HarnessProcess(tmp_path, port=running.port)
    try:
        rc = h.proc.wait(60)
    finally:
        h.kill()
    assert rc != 0 and "Traceback" not in h.stderr and "cannot listen" in h.stderr
    assert running.state_path.exists()
    assert running.request("GET", "/_harness/health")[0] == 200


@pytest.mark.parametrize(("args", "message"), [
    (["--port", "70000"], "--port must be between 0 and 65535"),
    (["--upstream", "http://127.0.0.1:{closed}"], "cannot start the upstream"),
])
def test_bad_options_are_clear_errors(tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.replace("{closed}", str(free_port())) for a in args]
    h = HarnessProcess(tmp_path, *args)
    # The last --port wins with argparse, so the extra one in `args` is what `up` sees.
    try:
        rc = h.proc.wait(60)
    finally:
        h.kill()
    assert rc != 0
    assert message in h.stderr, h.stderr
    assert "Traceback" not in h.stderr, h.stderr
    assert not h.state_path.exists()


def test_up_names_the_local_ca_and_its_tls_listener_for_aws_host_names(running: HarnessProcess) -> None:
    """state.json carries `ca_file`, `ca_bundle` and `aws_names_endpoint`, `up` prints the CA path, and
    a client that trusts the CA reaches STS by `https://sts.amazonaws.com` through the listener.

    https://docs.aws.amazon.com/general/latest/gr/sts.html (STS's global endpoint sts.amazonaws.com).
    """
    running.wait_ready()
    state = running.state()
    assert Path(state["ca_file"]).is_file() and Path(state["ca_bundle"]).is_file()
    deadline = time.monotonic() + 10
    while "Local CA" not in running.stdout and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"Local CA for https://*.amazonaws.com names: {state['ca_file']}" in running.stdout
    port = int(state["aws_names_endpoint"].rsplit(":", 1)[1])
    assert state["aws_names_endpoint"] == f"https://127.0.0.1:{port}"
    sts = boto3.session.Session().client("sts", region_name="us-east-1",
                                         endpoint_url=state["aws_names_endpoint"], verify=state["ca_file"],
                                         aws_access_key_id="test", aws_secret_access_key="test",
                                         config=CONFIG)
    assert sts.get_caller_identity()["Account"] == state["account"]
    context = ssl.create_default_context(cafile=state["ca_file"])
    with socket.create_connection(("127.0.0.1", port)) as raw, \
            context.wrap_socket(raw, server_hostname="sts.amazonaws.com") as tls:
        assert tls.getpeercert() is not None
