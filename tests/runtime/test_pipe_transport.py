"""The worker end of the SDK pipe (bootstrap/pipe_transport.py) and the harness end's frame codec
(harness/runtime/sdk_requests.py), driven directly: which requests take the pipe, what a Q frame
carries, how answers, stale answers, timeouts and dropped connections come back to botocore."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import botocore.httpsession
import pytest
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

from harness.faults.models import parse_specs
from harness.faults.plan import FaultPlan
from harness.http import HttpRequest, HttpResponse
from harness.runtime import sdk_requests
from harness.runtime.worker import BOOTSTRAP

PATTERNS = [r"[a-z0-9-]+\.us-east-1\.amazonaws\.com"]
AUTH = ("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261202/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00")


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pipe_transport_under_test",
                                                  BOOTSTRAP.parent / "pipe_transport.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pipe_transport = _module()


class FakeHarness:
    """Records Q frames and answers each with whatever `reply` makes of the decoded request."""

    def __init__(self, reply: Callable[[sdk_requests.SdkRequest], list[bytes | None]]) -> None:
        self.reply = reply
        self.sent: list[tuple[bytes, bytes]] = []
        self.queue: list[bytes | None] = []
        self.timeouts: list[float | None] = []

    def send(self, kind: bytes, body: bytes) -> None:
        self.sent.append((kind, body))
        self.queue.extend(self.reply(sdk_requests.decode(body)))

    def read(self, timeout: float | None) -> bytes | None:
        self.timeouts.append(timeout)
        return self.queue.pop(0) if self.queue else None


def answer(status: int = 200, body: bytes = b'{"ok":true}',
           headers: list[tuple[str, str]] | None = None) -> Callable[[Any], list[bytes | None]]:
    resp = HttpResponse(status, headers or [("Content-Type", "application/x-amz-json-1.0")], body)
    return lambda sdk: [b"A" + sdk_requests.encode(sdk.rid, resp, sdk.request.method)]


def transport(harness: FakeHarness, active: bool = True) -> Any:
    t = pipe_transport.PipeTransport(harness.send, harness.read, ["127.0.0.1:4566"], PATTERNS)
    t.active = active
    return t


class Session:
    """What try_send reads off URLLib3Session: its timeout."""

    def __init__(self, timeout: Any = 60) -> None:
        self._timeout = timeout


def request(url: str = "http://127.0.0.1:4566/", body: Any = b'{"TableName":"t"}',
            headers: dict[str, str] | None = None) -> Any:
    prepared = AWSRequest("POST", url, data=body, headers={
        "Authorization": AUTH, "X-Amz-Target": "DynamoDB_20120810.GetItem", **(headers or {})}).prepare()
    prepared.stream_output = False
    return prepared


@pytest.mark.parametrize("url, served", [
    ("http://127.0.0.1:4566/", True), ("http://LOCALHOST:4566/x", False),
    ("https://dynamodb.us-east-1.amazonaws.com/", True), ("https://dynamodb.eu-west-1.amazonaws.com/", False),
    ("http://127.0.0.1:4567/", False), ("https://example.com/", False),
    ("https://dynamodb.us-east-1.amazonaws.com.evil.net/", False),
])
def test_only_the_harness_endpoint_and_its_aws_names_are_served(url: str, served: bool) -> None:
    assert transport(FakeHarness(answer())).serves(url) is served


def test_a_request_becomes_one_q_frame_and_the_answer_a_botocore_response() -> None:
    harness = FakeHarness(answer(200, b'{"Item":{}}', [("x-amzn-RequestId", "r1"), ("Set-Cookie", "a"),
                                                      ("Set-Cookie", "b")]))
    resp = transport(harness).try_send(Session(), request())
    assert resp.status_code == 200 and resp.content == b'{"Item":{}}'
    assert resp.headers["X-Amzn-RequestId"] == "r1" and resp.headers["set-cookie"] == "a, b"
    assert resp.headers["content-length"] == str(len(b'{"Item":{}}'))
    [(kind, body)] = harness.sent
    sdk = sdk_requests.decode(body)
    assert kind == b"Q" and sdk.service == "dynamodb"
    got = sdk.request
    assert (got.method, got.path, got.body) == ("POST", "/", b'{"TableName":"t"}')
    assert got.headers["host"] == "127.0.0.1:4566" and got.headers["authorization"] == AUTH
    assert got.headers["content-length"] == "17" and got.headers["accept-encoding"] == "identity"


@pytest.mark.parametrize("case", ["inactive", "other host", "stream", "too large"])
def test_what_the_pipe_does_not_carry_is_left_to_the_socket(case: str) -> None:
    harness = FakeHarness(answer())
    t = transport(harness, active=case != "inactive")
    req = request()
    if case == "other host":
        req = request("https://example.com/")
    elif case == "stream":
        req.body = iter([b"chunk"])
    elif case == "too large":
        req = request(body=b"x" * (pipe_transport.MAX_BODY + 1))
    assert t.try_send(Session(), req) is None and harness.sent == []


def test_a_second_thread_takes_the_socket_while_one_call_is_on_the_pipe() -> None:
    entered, release = threading.Event(), threading.Event()
    harness = FakeHarness(answer())
    t = transport(harness)

    def slow_read(timeout: float | None) -> bytes | None:
        entered.set()
        release.wait(5)
        return harness.queue.pop(0)

    t._read_frame = slow_read
    results: list[Any] = []
    first = threading.Thread(target=lambda: results.append(t.try_send(Session(), request())))
    first.start()
    assert entered.wait(5)
    assert t.try_send(Session(), request()) is None  # busy: this one keeps the socket
    release.set()
    first.join(5)
    assert results[0].status_code == 200


def test_answers_to_earlier_timed_out_calls_are_skipped() -> None:
    def reply(sdk: sdk_requests.SdkRequest) -> list[bytes | None]:
        stale = sdk_requests.encode(sdk.rid - 1, HttpResponse(500, [], b"late"), "POST")
        fresh = sdk_requests.encode(sdk.rid, HttpResponse(200, [], b"{}"), "POST")
        return [b"V" + b"not for us", b"A" + stale, b"A" + fresh]

    resp = transport(FakeHarness(reply)).try_send(Session(), request())
    assert resp.status_code == 200 and resp.content == b"{}"


def test_no_answer_within_the_read_timeout_is_a_read_timeout() -> None:
    harness = FakeHarness(lambda sdk: [])
    timeout = botocore.httpsession.Timeout(connect=5, read=2.5)
    with pytest.raises(ReadTimeoutError):
        transport(harness).try_send(Session(timeout), request())
    assert harness.timeouts == [2.5]


def test_a_per_request_read_timeout_overrides_the_clients() -> None:
    harness = FakeHarness(answer())
    req = request()
    req.context = {"read_timeout": 0.25}
    transport(harness).try_send(Session(60), req)
    assert harness.timeouts == [0.25]


def test_a_dropped_connection_is_connection_closed() -> None:
    harness = FakeHarness(answer(status=0, body=b""))
    with pytest.raises(ConnectionClosedError):
        transport(harness).try_send(Session(), request())


def test_patch_wraps_send_once_and_falls_back_to_the_original() -> None:
    calls: list[str] = []

    class URLLib3Session:
        def __init__(self) -> None:
            self._timeout = 60

        def send(self, req: Any) -> str:
            calls.append(req.url)
            return "socket"

    module = ModuleType("fake_httpsession")
    module.URLLib3Session = URLLib3Session  # type: ignore[attr-defined]
    t = transport(FakeHarness(answer()))
    t.patch(module)
    wrapped = URLLib3Session.send
    t.patch(module)
    assert URLLib3Session.send is wrapped
    assert URLLib3Session().send(request("https://example.com/")) == "socket"
    assert URLLib3Session().send(request()).status_code == 200
    assert calls == ["https://example.com/"]


def test_a_malformed_q_frame_is_refused() -> None:
    for payload in (b"no newline", b"[]\n", b'{"i": 1}\n', b"{not json\n"):
        with pytest.raises(sdk_requests.MalformedSdkRequest):
            sdk_requests.decode(payload)


def test_head_answers_carry_no_body() -> None:
    frame = sdk_requests.encode(3, HttpResponse(200, [("Content-Length", "4")], b"body"), "HEAD")
    head, _, body = frame.partition(b"\n")
    assert json.loads(head) == {"i": 3, "s": 200, "h": [["Content-Length", "4"]]} and body == b""


def _sdk(auth: str | None) -> sdk_requests.SdkRequest:
    headers = {"authorization": auth} if auth else {}
    return sdk_requests.SdkRequest(1, HttpRequest("POST", "/", "", headers, b""))


def test_prompt_services_are_answered_in_place_unless_a_fault_plan_is_set() -> None:
    plan = FaultPlan()
    requests = sdk_requests.SdkRequests(lambda r: HttpResponse(), plan)
    lambda_auth = AUTH.replace("/dynamodb/", "/lambda/")
    assert requests.prompt(_sdk(AUTH)) is True
    assert requests.prompt(_sdk(lambda_auth)) is False  # an Invoke can take the callee's timeout
    assert requests.prompt(_sdk(None)) is False
    plan.replace(parse_specs(["sts:AssumeRole latency=fixed:50ms"]))
    assert requests.prompt(_sdk(AUTH)) is False
    assert requests.metrics() == {"in_place": 1, "on_thread": 3}
