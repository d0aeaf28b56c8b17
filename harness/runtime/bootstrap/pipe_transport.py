"""botocore's requests to the harness over the worker's own pipes, loaded by bootstrap.py; it never
imports `harness`.

botocore builds, serialises and signs each request as always; only URLLib3Session.send changes:
a request for the harness (its endpoint, or an AWS name it serves) goes to the harness as one
b"Q" frame and its answer comes back as one b"A" frame, instead of through urllib3, loopback TCP
and the listener's parser. Everything else keeps the real socket: other hosts, streamed bodies,
bodies too large for a frame, calls outside init and invocations (a frozen environment), and a
second thread's call while one is on the pipe, so a function's parallel calls stay parallel.
The read timeout (client config or per request) and a dropped connection raise the errors
urllib3 would have led botocore to raise.

  worker -> harness  b"Q": JSON {"i": id, "m": method, "u": url, "h": [[name, value], ...]}, b"\\n", body
  harness -> worker  b"A": JSON {"i": id, "s": status (0: dropped), "h": [[name, value], ...]}, b"\\n", body
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import io
import json
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

MAX_BODY = 8 * 1024 * 1024  # larger bodies take the socket: a frame stays far below the harness's limit
_PATCHED = "_saas_harness_pipe"

SendFrame = Callable[[bytes, bytes], None]
ReadFrame = Callable[[float | None], bytes | None]  # None: nothing arrived within the timeout


class _Body(io.BytesIO):
    """The answer's body as urllib3's response offers it to botocore: read() and stream()."""

    def stream(self, amt: int = 65536, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk


class PipeTransport:
    """Carries one botocore request at a time to the harness; `active` while init or an invocation runs."""

    def __init__(self, send_frame: SendFrame, read_frame: ReadFrame, netlocs: Sequence[str],
                 patterns: Sequence[str]) -> None:
        self._send_frame = send_frame
        self._read_frame = read_frame
        self._netlocs = frozenset(n.lower() for n in netlocs)
        self._patterns = [re.compile(p) for p in patterns]
        self._lock = threading.Lock()
        self._next_id = 0
        self.active = False

    def serves(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.netloc.lower() in self._netlocs:
            return True
        host = (parts.hostname or "").rstrip(".")
        return any(p.fullmatch(host) for p in self._patterns)

    def try_send(self, session: Any, request: Any) -> Any:
        """The AWSResponse for a request the pipe carries; None to send it over the socket."""
        if not self.active or not self.serves(request.url):
            return None
        body = request.body
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes | bytearray):
            return None  # a stream: urllib3 sends it as it reads
        if len(body) > MAX_BODY or not self._lock.acquire(blocking=False):
            return None
        try:
            return self._call(request, bytes(body), _read_timeout(session, request))
        finally:
            self._lock.release()

    def _call(self, request: Any, body: bytes, timeout: float | None) -> Any:
        from botocore.awsrequest import AWSResponse
        from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

        self._next_id += 1
        rid = self._next_id
        headers = [[str(k), v.decode("latin-1") if isinstance(v, bytes) else str(v)]
                   for k, v in request.headers.items()]
        head = {"i": rid, "m": request.method, "u": request.url, "h": headers}
        self._send_frame(b"Q", json.dumps(head).encode() + b"\n" + body)
        while True:
            frame = self._read_frame(timeout)
            if frame is None:
                raise ReadTimeoutError(endpoint_url=request.url,
                                       error=f"Read timed out. (read timeout={timeout})")
            if frame[:1] != b"A":
                continue
            newline = frame.index(b"\n")
            answer = json.loads(frame[1:newline])
            if answer.get("i") == rid:
                break  # older answers belong to calls that timed out
        status = int(answer["s"])
        if status == 0:  # the harness dropped the connection without an answer (a fault plan)
            raise ConnectionClosedError(endpoint_url=request.url)
        data = frame[newline + 1:]
        merged: dict[str, str] = {}
        for name, value in answer["h"]:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        merged.setdefault("content-length", str(len(data)))
        response = AWSResponse(request.url, status, merged, _Body(data))
        if not request.stream_output:
            response.content  # noqa: B018 (as URLLib3Session.send: read the body now)
        return response

    def install(self) -> None:
        """Wrap URLLib3Session.send now if botocore is loaded, else as soon as it is imported."""
        module = sys.modules.get("botocore.httpsession")
        if module is not None:
            self.patch(module)
        else:
            sys.meta_path.insert(0, _PatchOnImport(self))

    def patch(self, module: Any) -> None:
        cls = getattr(module, "URLLib3Session", None)
        original = getattr(cls, "send", None)
        if cls is None or original is None or getattr(original, _PATCHED, False):
            return
        transport = self

        def send(session: Any, request: Any) -> Any:
            answer = transport.try_send(session, request)
            return original(session, request) if answer is None else answer

        setattr(send, _PATCHED, True)
        send.__wrapped__ = original  # type: ignore[attr-defined]
        cls.send = send


def _read_timeout(session: Any, request: Any) -> float | None:
    """The read timeout urllib3 would apply: the request's override, else the client config's."""
    context = getattr(request, "context", None) or {}
    override = context.get("read_timeout") if isinstance(context, dict) else None
    if override is not None:
        return float(override)
    timeout = getattr(session, "_timeout", None)
    value = getattr(timeout, "read_timeout", timeout)
    return float(value) if isinstance(value, int | float) else None


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Lets botocore.httpsession load as usual, then wraps its send before anyone calls it."""

    def __init__(self, transport: PipeTransport) -> None:
        self._transport = transport

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "botocore.httpsession":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader, transport = spec.loader, self._transport

        class Loader(importlib.abc.Loader):
            def create_module(self, spec: Any) -> Any:
                return loader.create_module(spec)

            def exec_module(self, module: Any) -> None:
                loader.exec_module(module)
                transport.patch(module)

        spec.loader = Loader()
        return spec
