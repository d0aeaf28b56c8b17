"""One execution environment: a `python -I -S -u bootstrap.py` (or `node bootstrap.mjs`) process.

`-I -S`: no site-packages, no user site, no PYTHON* variables and no script folder on sys.path, so
function code sees only what the setup frame lists (its code, its layers, the runtime's SDK) and
the standard library, never the harness's own packages. Node workers get NODE_PATH the same way.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import signal
import struct
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.runtime.sdk_requests import MalformedSdkRequest, SdkRequest, SdkRequests, decode

BOOTSTRAP = Path(__file__).with_name("bootstrap") / "bootstrap.py"
NODE_BOOTSTRAP = Path(__file__).with_name("bootstrap") / "bootstrap.mjs"


def python_command(python: str) -> list[str]:
    return [python, "-I", "-S", "-u", str(BOOTSTRAP)]


def node_command(node: str) -> list[str]:
    return [node, str(NODE_BOOTSTRAP)]


MAX_FRAME = 16 * 1024 * 1024  # above Lambda's 6 MB response limit, far below "garbage length"
MAX_OUTPUT = 4 * 1024 * 1024  # per invocation kept in memory for the log; the rest is counted
_LEN = struct.Struct(">I")
_RSS = struct.Struct(">I")
_READ = 1 << 16
_POLL_IN = select.POLLIN | select.POLLHUP | select.POLLERR
_SIGNAL_TEXT = {
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGTERM: "terminated",
    signal.SIGBUS: "bus error",
    signal.SIGILL: "illegal instruction",
    signal.SIGFPE: "floating point exception",
}


@dataclass
class Outcome:
    """What came back from one exchange: a frame, or the way the worker failed."""

    kind: str  # "ready", "init_error", "result", "error", "timeout", "exit", "malformed"
    body: bytes = b""
    output: list[tuple[float, bytes]] = field(default_factory=list)
    exit_reason: str = ""


class Worker:
    """Owns the process and its pipes; only the thread holding the lease may call exchange()."""

    def __init__(
        self,
        *,
        command: Sequence[str],
        cwd: Path,
        env: Mapping[str, str],
        sys_path: Sequence[str],
        key: tuple[str, ...],
        function_name: str,
        function_arn: str,
        cred_expiration: float,
        seq: int,
        virtual_now: float | None = None,
        names: Mapping[str, object] | None = None,
        sdk: SdkRequests | None = None,
        sdk_netlocs: Sequence[str] = (),
    ) -> None:
        self.key = key
        self.function_name = function_name
        self.function_arn = function_arn
        self.cred_expiration = cred_expiration
        self.seq = seq
        self.last_used = time.monotonic()
        self.max_rss_kb = 0
        self.invocations = 0
        self._rbuf = bytearray()
        self._out: list[tuple[float, bytes]] = []
        self._out_bytes = 0
        self.out_dropped = 0
        self._closed = False
        self._close_lock = threading.Lock()
        self._write_lock = threading.Lock()  # a slow SDK answer is written from its own thread
        self._sdk = sdk
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        life_r, self._life_w = os.pipe()
        self._out_r, out_w = os.pipe()
        child_fds = (req_r, resp_w, life_r)
        try:
            self.proc = subprocess.Popen(
                [*command, *(str(fd) for fd in child_fds)],
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=child_fds,
                cwd=str(cwd),
                env=dict(env),
                start_new_session=True,  # a Ctrl-C on the harness terminal must not hit handlers
            )
        except BaseException:
            for fd in (*child_fds, out_w, self._req_w, self._resp_r, self._life_w, self._out_r):
                os.close(fd)
            raise
        for fd in (*child_fds, out_w):
            os.close(fd)
        self.pid = self.proc.pid
        os.set_blocking(self._out_r, False)
        self._poll = select.poll()
        self._poll.register(self._resp_r, _POLL_IN)
        self._poll.register(self._out_r, _POLL_IN)
        self._out_open = True
        setup: dict[str, object] = {"path": list(sys_path)}
        if virtual_now is not None:
            setup["vt"] = virtual_now
        if names is not None:
            setup["names"] = dict(names)
        if sdk is not None and sdk_netlocs:
            setup["sdk"] = {"netlocs": list(sdk_netlocs)}
        self._send(b"S" + json.dumps(setup).encode())

    # -- protocol ---------------------------------------------------------------------------

    def _send(self, body: bytes) -> bool:
        view = memoryview(_LEN.pack(len(body)) + body)
        with self._write_lock:
            if self._closed:
                return False
            try:
                while view:
                    view = view[os.write(self._req_w, view) :]
            except OSError:  # EPIPE: the worker is gone; the read side will report how
                return False
        return True

    def _next_answer(self, deadline: float) -> tuple[str, bytes]:
        """The next frame that is not an SDK request, answering those on the way."""
        while True:
            state, frame = self._next_frame(deadline)
            if state != "frame" or frame[:1] != b"Q" or self._sdk is None or len(frame) < 5:
                return state, frame
            try:
                request = decode(frame[5:])
            except MalformedSdkRequest:
                return "malformed", b""
            if self._sdk.prompt(request):
                self._answer(self._sdk, request)
            else:
                threading.Thread(target=self._answer, args=(self._sdk, request),
                                 name="lambda-sdk-request", daemon=True).start()

    def _answer(self, sdk: SdkRequests, request: SdkRequest) -> None:
        self._send(b"A" + sdk.answer(request))

    def _drain_output(self) -> None:
        while True:
            try:
                chunk = os.read(self._out_r, _READ)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._poll.unregister(self._out_r)
                self._out_open = False
                return
            if self._out_bytes < MAX_OUTPUT:
                self._out.append((time.time(), chunk))
                self._out_bytes += len(chunk)
            else:
                self.out_dropped += len(chunk)
            if len(chunk) < _READ:
                return

    def _next_frame(self, deadline: float) -> tuple[str, bytes]:
        buf = self._rbuf
        while True:
            if len(buf) >= 4:
                (size,) = _LEN.unpack_from(buf)
                if size < 5 or size > MAX_FRAME:
                    return "malformed", b""
                if len(buf) >= 4 + size:
                    frame = bytes(buf[4 : 4 + size])
                    del buf[: 4 + size]
                    return ("malformed", b"") if buf else ("frame", frame)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout", b""
            for fd, _ in self._poll.poll(math.ceil(remaining * 1000)):
                if fd == self._out_r:
                    self._drain_output()
                    continue
                try:
                    chunk = os.read(self._resp_r, 1 << 20)
                except OSError:
                    chunk = b""
                if not chunk:
                    return "eof", b""
                buf += chunk

    def take_output(self) -> list[tuple[float, bytes]]:
        """Hand over what the function printed so far (stdout and stderr, interleaved)."""
        if self._out_open:
            self._drain_output()
        out, self._out, self._out_bytes = self._out, [], 0
        return out

    def _finish(self, state: str, frame: bytes, allowed: bytes) -> Outcome:
        if state == "frame":
            kind = frame[:1]
            if kind in allowed and len(frame) >= 5:
                (rss,) = _RSS.unpack_from(frame, 1)
                self.max_rss_kb = max(self.max_rss_kb, rss)
                names = {b"I": "ready", b"F": "init_error", b"R": "result", b"E": "error"}
                return Outcome(names[kind], frame[5:], self.take_output())
            state = "malformed"
        if state == "eof":
            self._reap(grace=2.0)
            return Outcome("exit", output=self._final_output(), exit_reason=self.exit_reason())
        self.kill()
        self._reap(grace=5.0)
        return Outcome(state, output=self._final_output())

    def wait_ready(self, timeout_s: float) -> Outcome:
        """Block until init (the handler module import) has finished or failed."""
        state, frame = self._next_answer(time.monotonic() + timeout_s)
        return self._finish(state, frame, b"IF")

    def exchange(self, body: bytes, timeout_s: float) -> Outcome:
        """Send one invoke frame and wait for its answer, killing the worker at the deadline."""
        deadline = time.monotonic() + timeout_s
        self.invocations += 1
        if not self._send(b"V" + body):
            state, frame = "eof", b""
        else:
            state, frame = self._next_answer(deadline)
        return self._finish(state, frame, b"RE")

    # -- lifecycle --------------------------------------------------------------------------

    def _final_output(self) -> list[tuple[float, bytes]]:
        out = self.take_output()
        if self._out_open:  # a grandchild may still hold stdout; take what is there and stop
            self._poll.unregister(self._out_r)
            self._out_open = False
        return out

    def _reap(self, grace: float) -> None:
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()
            self.proc.wait()

    def exit_reason(self) -> str:
        rc = self.proc.returncode
        if rc is None:
            return "unknown"
        if rc < 0:
            try:
                text = _SIGNAL_TEXT.get(signal.Signals(-rc)) or signal.Signals(-rc).name
            except ValueError:
                text = str(-rc)
            return f"signal: {text}"
        return f"exit status {rc}"

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Send SIGKILL; safe from any thread, it never touches the pipes."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()

    def terminate(self) -> None:
        """Kill, reap and close the pipes; only the owner of the worker calls this."""
        self.kill()
        self.proc.wait()
        with self._close_lock, self._write_lock:
            if self._closed:
                return
            self._closed = True
        for fd in (self._req_w, self._resp_r, self._life_w, self._out_r):
            with contextlib.suppress(OSError):
                os.close(fd)
