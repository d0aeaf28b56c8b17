"""Raw socket garbage at the listener: every answer is a 4xx (or a silent close), never a 5xx or a
dead handler thread, and the edge keeps serving ordinary calls (checked after each test by conftest).

HTTP references: RFC 9112 (message syntax: request line, field lines, Content-Length, chunked
coding, and 6.1 on Transfer-Encoding with Content-Length); RFC 9110 15.5 (4xx status codes).
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import harness.server
from harness.target import EmbeddedTarget
from tests.edge_hostile.wire import Wire, status_line

HEALTH = b"GET /_harness/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

CASES: dict[str, tuple[bytes, int | None]] = {
    # name: (bytes sent, expected status; None = the server may just close)
    "binary noise": (bytes(range(256)) * 4, 400),
    "no newline at all": (b"GARBAGE" * 100, 400),
    "request line with one word": (b"GET\r\n\r\n", 400),
    "request line with two words": (b"GET /\r\n\r\n", 400),
    "HTTP/2 preface": (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
    "unknown HTTP version": (b"GET / HTTP/9.9\r\n\r\n", 400),
    "TLS client hello": (bytes.fromhex("16030100a5010000a10303") + b"\x00" * 200, 400),
    "request line too long": (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 431),
    "header too long": (b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n", 431),
    "too many headers": (b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(500))
                         + b"\r\n", 431),
    "header without colon": (b"GET / HTTP/1.1\r\nNoColonHere\r\n\r\n", 400),
    "header with empty name": (b"GET / HTTP/1.1\r\n: value\r\n\r\n", 400),
    "obsolete line folding": (b"GET / HTTP/1.1\r\n folded: x\r\n\r\n", 400),
    "Content-Length not a number": (b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
    "Content-Length negative": (b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400),
    "Content-Length with sign": (b"POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc", 400),
    "Content-Length with underscore": (b"POST / HTTP/1.1\r\nContent-Length: 1_0\r\n\r\n0123456789", 400),
    "Content-Length hex": (b"POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400),
    "Content-Length twice, different": (b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4"
                                        b"\r\n\r\nabcd", 400),
    "Content-Length huge": (b"POST / HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n", 413),
    "Content-Length absurd": (b"POST / HTTP/1.1\r\nContent-Length: " + b"9" * 200 + b"\r\n\r\n", 400),
    "body shorter than Content-Length": (b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc", 400),
    "chunk size not hex": (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
                           400),
    "chunk size negative": (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nabc\r\n0\r\n\r\n",
                            400),
    "chunk size with sign": (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n",
                             400),
    "chunk size huge": (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nab"
                        b"\r\n0\r\n\r\n", 413),
    "chunk shorter than its size": (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", 400),
    "chunk without CRLF after data": (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY"
                                      b"0\r\n\r\n", 400),
    "chunked without last chunk": (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
                                   400),
    "endless trailers": (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
                         + b"".join(b"T%d: x\r\n" % i for i in range(400)) + b"\r\n", 431),
    "unknown transfer coding": (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc", 400),
    "chunked plus Content-Length": (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3"
                                    b"\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400),
    "chunked twice": (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
    "NUL and high bytes in the path": (b"GET /\x00\xff\xfe HTTP/1.1\r\n\r\n", 400),
    "absolute-form target": (b"GET http://evil.example/ HTTP/1.1\r\n\r\n", 400),
    "asterisk-form target": (b"OPTIONS * HTTP/1.1\r\n\r\n", 400),
    "only blank lines": (b"\r\n" * 1000, None),
    "nothing": (b"", None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_raw_garbage_gets_a_4xx_or_a_close(wire: Wire, name: str) -> None:
    data, expected = CASES[name]
    out = wire.raw(data)
    if expected is None:
        assert out == b"" or 400 <= status_line(out) < 500, out[:300]
        return
    assert out, f"{name}: the server closed without an answer"
    assert status_line(out) == expected, out[:300]


@settings(max_examples=80)
@given(data=st.binary(min_size=1, max_size=2000))
def test_random_bytes_never_get_a_5xx(wire: Wire, data: bytes) -> None:
    out = wire.raw(data)
    if out:
        assert 400 <= status_line(out) < 500, out[:300]


request_lines = st.tuples(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "\x00", "G E T", ""]),
    st.text(st.characters(min_codepoint=1, max_codepoint=255, exclude_characters="\r\n"), max_size=60),
    st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/1.", "HTTP/2", "http/1.1", "", "HTTP/1.1 extra"]))
headers = st.lists(st.tuples(
    st.sampled_from(["Content-Length", "Transfer-Encoding", "Authorization", "X-Amz-Target",
                     "Host", "Expect", "Connection", "X-Amz-Date", "Content-Type"]),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30)), max_size=6)


@settings(max_examples=80)
@given(line=request_lines, hdrs=headers, body=st.binary(max_size=200))
def test_structured_garbage_requests_never_get_a_5xx(wire: Wire, line: tuple[str, str, str],
                                                    hdrs: list[tuple[str, str]], body: bytes) -> None:
    method, target, version = line
    raw = f"{method} {target} {version}\r\n".encode("latin-1")
    raw += b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in hdrs) + b"\r\n" + body
    out = wire.raw(raw, timeout=5.0)
    for response in out.split(b"HTTP/1.1 ")[1:]:  # keep-alive may answer more than once
        status = int(response[:3])
        assert status < 500, out[:400]


def test_expect_100_continue_then_a_normal_call(wire: Wire) -> None:
    body = b'{"advance": 0}'
    out = wire.raw(b"POST /_harness/clock HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: "
                   + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    assert out.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200"), out[:200]


def test_keep_alive_connection_survives_pipelined_requests(wire: Wire) -> None:
    out = wire.raw(HEALTH * 5)
    assert out.count(b"HTTP/1.1 200 OK") == 5, out[:500]


def test_a_bad_request_in_a_pipeline_closes_only_that_connection(wire: Wire) -> None:
    out = wire.raw(HEALTH + b"BROKEN\r\n\r\n" + HEALTH)
    assert out.count(b"HTTP/1.1 200 OK") == 1 and b"HTTP/1.1 400" in out, out[:500]
    assert status_line(wire.raw(HEALTH)) == 200


def test_a_stalled_request_gets_408_and_idle_keep_alive_is_left_alone(
        wire: Wire, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness.server, "REQUEST_READ_TIMEOUT", 0.5)
    # Mid-request stall: headers promise a body that never comes.
    started = time.monotonic()
    out = wire.raw(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc", shutdown=False, timeout=10)
    assert status_line(out) == 408, out[:200]
    assert time.monotonic() - started < 5
    # A request line that never ends is a stall too.
    out = wire.raw(b"GET /_harness/health HTTP/1.1", shutdown=False, timeout=10)
    assert status_line(out) == 408, out[:200]
    # Idle between requests is not a stall: a keep-alive connection outlives the read timeout.
    with socket.create_connection(("127.0.0.1", wire.port), timeout=10) as s:
        s.sendall(HEALTH)
        assert s.recv(65536).startswith(b"HTTP/1.1 200")
        time.sleep(1.0)
        s.sendall(HEALTH)
        assert s.recv(65536).startswith(b"HTTP/1.1 200")


def test_a_body_over_the_listener_limit_is_413_without_reading_it(wire: Wire) -> None:
    limit = harness.server.MAX_BODY
    out = wire.raw(b"POST / HTTP/1.1\r\nContent-Length: " + str(limit + 1).encode() + b"\r\n\r\n",
                   shutdown=False)
    assert status_line(out) == 413, out[:200]


def test_many_concurrent_garbage_connections(wire: Wire, hostile_target: EmbeddedTarget) -> None:
    """Fifty clients sending garbage at once, then ordinary calls: all answered, the edge alive."""
    failures: list[str] = []

    def attack(i: int) -> None:
        try:
            data = [CASES["binary noise"][0], CASES["too many headers"][0],
                    CASES["chunk size negative"][0], HEALTH][i % 4]
            out = wire.raw(data, timeout=10)
            if out and status_line(out) >= 500:
                failures.append(out[:200].decode("latin-1"))
        except Exception as exc:  # any client-side failure is a finding
            failures.append(repr(exc))

    threads = [threading.Thread(target=attack, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failures, failures[:5]
    assert status_line(wire.raw(HEALTH)) == 200


def test_half_open_connections_do_not_block_others(wire: Wire) -> None:
    """Sockets that connect and say nothing hold one thread each, not the listener."""
    idle = [socket.create_connection(("127.0.0.1", wire.port), timeout=5) for _ in range(20)]
    try:
        assert status_line(wire.raw(HEALTH)) == 200
    finally:
        for s in idle:
            s.close()
