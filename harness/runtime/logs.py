"""Per-function log files with Lambda's START/END/REPORT framing, written once per invocation.

File: <work_dir>/logs/<function name>.log (all versions and environments of a function share it,
like a CloudWatch log group). Each invocation appends one block with a single O_APPEND write, so
blocks of concurrent invocations never interleave:

    INIT_START Runtime Version: python:3.12            (cold start only)
    <timestamp>\t<line printed during init>
    START RequestId: <id> Version: $LATEST
    <timestamp>\t<id>\t<line printed by the function>   (stdout and stderr, in order)
    END RequestId: <id>
    REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t...

Timestamps are on the harness's virtual clock. The root logger inside the function writes
"[LEVEL]\\tmessage", so a logging call shows up as "<timestamp>\\t<id>\\t[INFO]\\tmessage".
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from harness.runtime.errors import iso_timestamp

TAIL_BYTES = 4096
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class LogBook:
    """Keeps one append-only descriptor per function so a block costs one write() call."""

    def __init__(self, log_dir: Path) -> None:
        self._dir = log_dir
        self._dir.mkdir(parents=True, exist_ok=True)
        self._fds: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = False

    def path(self, function_name: str) -> Path:
        return self._dir / f"{_UNSAFE.sub('_', function_name)}.log"

    def append(self, function_name: str, data: bytes) -> None:
        fd = self._fds.get(function_name)
        if fd is None:
            with self._lock:
                fd = self._fds.get(function_name)
                if fd is None:
                    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
                    fd = os.open(self.path(function_name), flags, 0o644)
                    if self._closed:  # a straggler after shutdown: write once and let go
                        try:
                            os.write(fd, data)
                        finally:
                            os.close(fd)
                        return
                    self._fds[function_name] = fd
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            fds, self._fds = list(self._fds.values()), {}
        for fd in fds:
            os.close(fd)


class LogBlock:
    """Builds one invocation's lines; the same bytes feed the file and LogType=Tail."""

    def __init__(self, clock_offset: float) -> None:
        self._offset = clock_offset
        self.parts: list[bytes] = []

    def line(self, text: str) -> None:
        self.parts.append(text.encode() + b"\n")

    def output(self, chunks: Iterable[tuple[float, bytes]], request_id: str) -> None:
        """Split what the function wrote into lines and prefix each with time and request id."""
        partial = b""
        prefix = b""
        for t, chunk in chunks:
            lines = (partial + chunk).split(b"\n")
            partial = lines.pop()
            prefix = self._prefix(t, request_id)
            self.parts.extend(prefix + ln + b"\n" for ln in lines)
        if partial:
            self.parts.append(prefix + partial + b"\n")

    def _prefix(self, t: float, request_id: str) -> bytes:
        stamp = iso_timestamp(t + self._offset)
        return f"{stamp}\t{request_id}\t".encode() if request_id else f"{stamp}\t".encode()

    def report(
        self,
        request_id: str,
        *,
        duration_ms: float,
        memory_mb: int,
        max_rss_kb: int,
        init_duration_ms: float | None,
        status: str | None = None,
        error_type: str | None = None,
    ) -> None:
        fields = [
            f"REPORT RequestId: {request_id}",
            f"Duration: {duration_ms:.2f} ms",
            f"Billed Duration: {max(1, math.ceil(duration_ms))} ms",
            f"Memory Size: {memory_mb} MB",
            f"Max Memory Used: {math.ceil(max_rss_kb / 1024)} MB",
        ]
        if init_duration_ms is not None:
            fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
        if status:
            fields.append(f"Status: {status}")
        if error_type:
            fields.append(f"Error Type: {error_type}")
        self.line("\t".join(fields))

    def data(self) -> bytes:
        return b"".join(self.parts)


def tail(data: bytes) -> str:
    """The last 4 KB of an invocation's log, as Invoke's LogType=Tail returns it."""
    return data[-TAIL_BYTES:].decode("utf-8", errors="ignore")
