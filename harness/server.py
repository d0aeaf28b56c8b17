"""The loopback listener: HTTP/1.1 keep-alive, one buffered write per response, TCP_NODELAY."""

from __future__ import annotations

import io
import logging
import re
import socket
import socketserver
import threading
import traceback
from collections.abc import Callable

from harness.http import REASONS, HttpRequest, HttpResponse, json_response

log = logging.getLogger("harness.server")

App = Callable[[HttpRequest], HttpResponse]

MAX_LINE = 65536
MAX_HEADERS = 200
MAX_BODY = 64 * 1024 * 1024
# A request that has started arriving must keep arriving: a client that stalls mid-request for this
# long gets 408 and loses the connection. Idle keep-alive connections are not limited.
REQUEST_READ_TIMEOUT = 60.0
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_DIGITS = re.compile(r"[0-9]{1,19}")
_EXTRA_REASONS = {408: "Request Timeout"}


class BadRequest(Exception):
    """A request the listener cannot parse; answered without reaching the app."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _read_line(rfile: io.BufferedIOBase) -> bytes:
    line = rfile.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise BadRequest(431, "request line or header too long")
    return line


def _read_chunked(rfile: io.BufferedIOBase) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_line = _read_line(rfile).split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_line):
            raise BadRequest(400, "bad chunk size")
        size = int(size_line, 16)
        if size == 0:
            for _ in range(MAX_HEADERS + 1):
                if not _read_line(rfile).strip():
                    return b"".join(parts)
            raise BadRequest(431, "too many trailer fields")
        total += size
        if total > MAX_BODY:
            raise BadRequest(413, "request body too large")
        chunk = rfile.read(size)
        if len(chunk) < size:
            raise BadRequest(400, "chunked body ended early")
        parts.append(chunk)
        if rfile.read(2) != b"\r\n":
            raise BadRequest(400, "chunk data not followed by CRLF")


def read_request(rfile: io.BufferedIOBase, wfile: io.BufferedIOBase, client: str,
                 started: Callable[[], None] | None = None) -> HttpRequest | None:
    """Parse one request from a keep-alive connection; None on a clean close.

    `started` is called once the first byte of a request has arrived: waiting for a request is
    idle keep-alive time, a request that stops arriving half-way is not (the listener arms its
    read timeout there).
    """
    peek = getattr(rfile, "peek", None)
    if started is not None and peek is not None:
        if not peek(1):
            return None
        started()
    line = _read_line(rfile)
    while line in (b"\r\n", b"\n"):
        line = _read_line(rfile)
    if not line:
        return None
    if started is not None and peek is None:
        started()
    try:
        method, target, version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    except ValueError:
        raise BadRequest(400, "malformed request line") from None
    if not version.startswith("HTTP/1."):
        raise BadRequest(400, "unsupported HTTP version")
    headers: dict[str, str] = {}
    raw: list[tuple[str, str]] = []
    while True:
        hline = _read_line(rfile)
        if hline in (b"\r\n", b"\n", b""):
            break
        if len(raw) >= MAX_HEADERS:
            raise BadRequest(431, "too many headers")
        name, sep, value = hline.decode("latin-1").partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(400, "malformed header line")
        value = value.strip()
        raw.append((name, value))
        lname = name.lower()
        headers[lname] = f"{headers[lname]},{value}" if lname in headers else value
    if version == "HTTP/1.0" and headers.get("connection", "").lower() != "keep-alive":
        headers.setdefault("connection", "close")
    if headers.get("expect", "").lower() == "100-continue":
        wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        wfile.flush()
    coding = headers.get("transfer-encoding")
    if coding is not None:
        # RFC 9112 6.1: chunked must be the final coding; with Content-Length too it is a smuggling
        # attempt. The harness speaks no other coding.
        if coding.strip().lower() != "chunked":
            raise BadRequest(400, "unsupported Transfer-Encoding")
        if "content-length" in headers:
            raise BadRequest(400, "both Transfer-Encoding and Content-Length")
        body = _read_chunked(rfile)
    else:
        raw_length = headers.get("content-length", "0").strip() or "0"
        if not _DIGITS.fullmatch(raw_length):
            raise BadRequest(400, "bad Content-Length")
        length = int(raw_length)
        if length > MAX_BODY:
            raise BadRequest(413, "request body too large")
        body = rfile.read(length) if length else b""
        if len(body) < length:
            raise BadRequest(400, "request body shorter than Content-Length")
    path, _, query = target.partition("?")
    if path.startswith(("http://", "https://")):
        path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
    return HttpRequest(method.upper(), path or "/", query, headers, body, client, raw)


def encode_response(resp: HttpResponse, *, head: bool, close: bool) -> bytes:
    """Status line, headers and body as one buffer so Nagle never splits them."""
    reason = REASONS.get(resp.status) or _EXTRA_REASONS.get(resp.status, "Unknown")
    lines = [f"HTTP/1.1 {resp.status} {reason}"]
    has_length = False
    for k, v in resp.headers:
        lk = k.lower()
        if lk == "content-length":
            has_length = True
        elif lk in ("connection", "transfer-encoding"):
            continue
        lines.append(f"{k}: {v}")
    if not has_length:
        lines.append(f"Content-Length: {len(resp.body)}")
    lines.append("Connection: close" if close else "Connection: keep-alive")
    head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    return head_bytes if head else head_bytes + resp.body


class _Handler(socketserver.StreamRequestHandler):
    disable_nagle_algorithm = True
    rbufsize = 65536
    wbufsize = 0
    server: HarnessHTTPServer

    def handle(self) -> None:
        client = self.client_address[0] if self.client_address else "127.0.0.1"
        while not self.server.stopping.is_set():
            try:
                req = read_request(self.rfile, self.wfile, client, self._arm_timeout)
                self.connection.settimeout(None)
            except BadRequest as exc:
                resp = json_response(exc.status, {"message": str(exc)})
                self._send(resp, head=False, close=True)
                return
            except TimeoutError:
                self._send(json_response(408, {"message": "request not received in time"}),
                           head=False, close=True)
                return
            except (ConnectionError, OSError):
                return
            except Exception:
                # Whatever a hostile byte stream provokes in the parser is the client's error.
                log.warning("unparseable request from %s\n%s", client, traceback.format_exc())
                self._send(json_response(400, {"message": "malformed request"}), head=False,
                           close=True)
                return
            if req is None:
                return
            close = req.headers.get("connection", "").lower() == "close"
            resp = self.server.call_app(req)
            if resp.status == 0:  # a fault plan's timeout: the connection closes without an answer
                return
            if resp.header("connection") == "close":
                close = True
            if not self._send(resp, head=req.method == "HEAD", close=close) or close:
                return

    def _arm_timeout(self) -> None:
        self.connection.settimeout(REQUEST_READ_TIMEOUT)

    def _send(self, resp: HttpResponse, *, head: bool, close: bool) -> bool:
        try:
            self.connection.sendall(encode_response(resp, head=head, close=close))
            return True
        except OSError:
            return False


class HarnessHTTPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A threaded listener bound to loopback that hands every request to one app callable."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 4566) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the harness binds to loopback only, not {host!r}")
        self.app = app
        self.stopping = threading.Event()
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def call_app(self, req: HttpRequest) -> HttpResponse:
        try:
            return self.app(req)
        except Exception:
            log.error("harness error on %s %s\n%s", req.method, req.path, traceback.format_exc())
            return json_response(
                500, {"__type": "InternalFailure", "message": "internal error in the harness"}
            )

    def serve_in_thread(self) -> threading.Thread:
        t = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        t.start()
        return t

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        super().server_bind()
