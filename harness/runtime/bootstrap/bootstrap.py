"""Stand-alone runtime client inside each worker; it never imports `harness`, like awslambdaric.

Protocol (all integers big-endian), on pipes passed as argv fds, never on stdin/stdout:
  harness -> worker  [u32 length][kind 1 byte][body]
      b"S" setup: JSON {"path": [...], "vt": virtual now, "names": ..., "sdk": ...}   (first frame only)
      b"V" invoke: header JSON (with "vt"), b"\\n", event bytes
      b"A" the answer to an SDK request (pipe_transport.py)
  worker -> harness  [u32 length][kind 1 byte][u32 max RSS KiB][body]
      b"I" init done, b"F" init failed (error JSON), b"R" result bytes, b"E" error JSON
      b"Q" an SDK request for the harness, during init or an invocation (pipe_transport.py)
The worker exits when its request pipe or its lifeline pipe reaches EOF (the harness is gone).
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import json
import logging
import os
import resource
import select
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

_LEN = struct.Struct(">I")
_RESP = struct.Struct(">IcI")
_MAX_FRAME = 64 * 1024 * 1024
_THIS_FILE = os.path.abspath(__file__)
_REQUEST_ID = ""

Handler = Callable[[Any, Any], Any]

# Virtual time: the harness runs the emulated world on one clock that tests can advance, so code
# in the function (token expiry checks, timestamps it writes) sees that clock, not the wall.
_real_time = time.time
_real_time_ns = time.time_ns
_real_gmtime = time.gmtime
_real_localtime = time.localtime
_real_ctime = time.ctime
_real_strftime = time.strftime
_OFFSET = 0.0


def _vtime() -> float:
    return _real_time() + _OFFSET


def set_virtual_now(virtual_now: float | None) -> None:
    global _OFFSET
    if virtual_now is not None:
        _OFFSET = float(virtual_now) - _real_time()


def install_virtual_time() -> None:
    """Route time.time() and datetime.now() through the harness clock before user code imports."""
    import datetime as _dt

    time.time = _vtime
    time.time_ns = lambda: _real_time_ns() + int(_OFFSET * 1_000_000_000)
    time.gmtime = lambda secs=None: _real_gmtime(_vtime() if secs is None else secs)
    time.localtime = lambda secs=None: _real_localtime(_vtime() if secs is None else secs)
    time.ctime = lambda secs=None: _real_ctime(_vtime() if secs is None else secs)
    time.strftime = lambda fmt, t=None: _real_strftime(fmt, time.localtime() if t is None else t)

    base = _dt.datetime

    class VirtualDateTime(base):  # type: ignore[misc, valid-type]
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return cls.fromtimestamp(_vtime(), tz)

        @classmethod
        def utcnow(cls) -> Any:
            return cls.fromtimestamp(_vtime(), _dt.timezone.utc).replace(tzinfo=None)  # noqa: UP017 (3.9)

        @classmethod
        def today(cls) -> Any:
            return cls.fromtimestamp(_vtime())

    VirtualDateTime.__name__ = VirtualDateTime.__qualname__ = "datetime"
    VirtualDateTime.__module__ = "datetime"
    _dt.datetime = VirtualDateTime  # type: ignore[misc]


class Fault(Exception):
    """A runtime-level failure with an AWS error type (Runtime.ImportModuleError, ...)."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


class FrameReader:
    """Reassembles length-prefixed frames from a pipe that may deliver them in pieces."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()

    def read(self, timeout: float | None = None) -> bytes | None:
        """The next frame; None at EOF, or when `timeout` seconds pass without one."""
        poller = None
        while True:
            if len(self.buf) >= 4:
                (size,) = _LEN.unpack_from(self.buf)
                if size > _MAX_FRAME:
                    raise SystemExit(70)
                if len(self.buf) >= 4 + size:
                    frame = bytes(self.buf[4 : 4 + size])
                    del self.buf[: 4 + size]
                    return frame
            if timeout is not None:
                if poller is None:
                    poller = select.poll()
                    poller.register(self.fd, select.POLLIN | select.POLLHUP | select.POLLERR)
                    deadline = time.monotonic() + timeout
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not poller.poll(max(1, int(remaining * 1000))):
                    return None
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return None
            self.buf += chunk


def send(fd: int, kind: bytes, body: bytes) -> None:
    """Write one response frame completely, so the harness never sees half a frame from us."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a function may have replaced or closed it
            stream.flush()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    view = memoryview(_RESP.pack(5 + len(body), kind, rss & 0xFFFFFFFF) + body)
    while view:
        view = view[os.write(fd, view) :]


class CognitoIdentity:
    """context.identity as the Python runtime builds it."""

    def __init__(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class Client:
    """context.client_context.client (mobile SDK fields)."""

    def __init__(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self.installation_id = data.get("installation_id")
        self.app_title = data.get("app_title")
        self.app_version_name = data.get("app_version_name")
        self.app_version_code = data.get("app_version_code")
        self.app_package_name = data.get("app_package_name")


class ClientContext:
    """context.client_context, decoded from the Invoke ClientContext parameter."""

    def __init__(self, data: dict[str, Any]) -> None:
        client = data.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = data.get("custom")
        self.env = data.get("env")


class LambdaContext:
    """The context object handed to the handler, with the attributes the AWS Python runtime sets."""

    def __init__(self, header: dict[str, Any]) -> None:
        env = os.environ
        self.aws_request_id: str = header["id"]
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        # AWS passes the environment variable through unchanged, so this is a str ("128").
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn: str = header["arn"]
        cc = header.get("cc")
        self.client_context = ClientContext(cc) if isinstance(cc, dict) else None
        self.identity = CognitoIdentity(header.get("ci"))
        self._deadline_ms: int = header["dl"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(_real_time() * 1000))

    def log(self, msg: object) -> None:
        sys.stdout.write(str(msg))


def _default(obj: object) -> object:
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def error_body(error_type: str, message: str, trace: list[str], request_id: str) -> bytes:
    return json.dumps(
        {"errorMessage": message, "errorType": error_type, "requestId": request_id,
         "stackTrace": trace}
    ).encode()


def user_trace(tb: Any) -> list[str]:
    """Stack frames from the first one outside this file, like the AWS runtime reports them."""
    frames = list(traceback.extract_tb(tb))
    for i, frame in enumerate(frames):
        if os.path.abspath(frame.filename) != _THIS_FILE:
            frames = frames[i:]
            break
    return traceback.format_list(frames)


def log_error(error_type: str, message: str, trace: list[str]) -> None:
    lines = [f"[ERROR] {error_type}: {message}"]
    if trace:
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in trace)
    with contextlib.suppress(Exception):
        sys.stdout.write("\n".join(lines) + "\n")


def load_handler(spec: str) -> Handler:
    """Import the handler module once (the init phase) with AWS's error types and messages."""
    try:
        modname, fname = spec.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {e}") from None
    if modname.split(".")[0] in sys.builtin_module_names:
        raise Fault("Runtime.BuiltInModuleConflict",
                    f"Cannot use built-in module {modname} as a handler module")
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError",
                    f"Unable to import module '{modname}': {e}") from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise Fault("Runtime.UserCodeSyntaxError",
                    f"Syntax error in module '{modname}': {e}", trace) from None
    try:
        handler: Handler = getattr(module, fname)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound",
                    f"Handler '{fname}' missing on module '{modname}'") from None
    return handler


def handle(handler: Handler, body: bytes) -> tuple[bytes, bytes]:
    """Run one invocation; return the frame kind and body to send back."""
    global _REQUEST_ID
    newline = body.index(b"\n")
    header = json.loads(body[:newline])
    set_virtual_now(header.get("vt"))
    _REQUEST_ID = rid = header["id"]
    payload = body[newline + 1 :]
    try:
        event = json.loads(payload) if payload.strip() else {}
    except ValueError as e:
        msg = f"Unable to unmarshal input: {e}"
        log_error("Runtime.UnmarshalError", msg, [])
        return b"E", error_body("Runtime.UnmarshalError", msg, [], rid)
    try:
        result = handler(event, LambdaContext(header))
    except Exception as e:
        trace = user_trace(e.__traceback__)
        log_error(type(e).__name__, str(e), trace)
        return b"E", error_body(type(e).__name__, str(e), trace, rid)
    if isinstance(result, (bytes, bytearray)):
        return b"R", bytes(result)
    try:
        return b"R", json.dumps(result, default=_default).encode()
    except (TypeError, ValueError, OverflowError, RecursionError) as e:
        msg = f"Unable to marshal response: {e}"
        log_error("Runtime.MarshalError", msg, [])
        return b"E", error_body("Runtime.MarshalError", msg, [], rid)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _REQUEST_ID
        return True


def _runtime_module(runtime_dir: str, name: str) -> Any:
    """`<name>.py` of this folder, loaded under a private name, so no function module shadows it."""
    import importlib.util

    found = importlib.util.spec_from_file_location(f"_saas_harness_{name}",
                                                   os.path.join(runtime_dir, f"{name}.py"))
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def install_aws_names(runtime_dir: str, spec: dict[str, Any]) -> None:
    """Resolve the AWS names the harness serves to its listeners (aws_names.py)."""
    _runtime_module(runtime_dir, "aws_names").install_aws_names(spec)


def install_pipe_transport(runtime_dir: str, spec: dict[str, Any], reader: FrameReader,
                           resp_fd: int, names: dict[str, Any] | None) -> Any:
    """Route botocore's requests for the harness to the pipe (pipe_transport.py)."""
    module = _runtime_module(runtime_dir, "pipe_transport")
    transport = module.PipeTransport(lambda kind, body: send(resp_fd, kind, body), reader.read,
                                     spec.get("netlocs", []), (names or {}).get("patterns", []))
    transport.install()
    return transport


def setup_logging() -> None:
    """Give the root logger a stdout handler, as AWS does, so logger.info() reaches the log."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(message)s"))
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if isinstance(logging.getLevelName(level), int):  # getLevelNamesMapping is 3.11+
        root.setLevel(level)


def _lifeline(fd: int) -> None:
    try:
        while os.read(fd, 64):
            pass
    except OSError:
        pass
    os._exit(0)


def main(argv: list[str]) -> int:
    req_fd, resp_fd, life_fd = (int(x) for x in argv[1:4])
    for fd in (req_fd, resp_fd, life_fd):
        os.set_inheritable(fd, False)  # children of the function must not hold our pipes open
    threading.Thread(target=_lifeline, args=(life_fd,), daemon=True).start()
    reader = FrameReader(req_fd)
    setup = reader.read()
    if setup is None or setup[:1] != b"S":
        return 0
    runtime_dir = os.path.dirname(_THIS_FILE)  # like /var/runtime: last, after the stdlib
    setup_data = json.loads(setup[1:])
    stdlib = [p for p in sys.path if p and p != runtime_dir]
    sys.path[:] = [*setup_data["path"], *stdlib, runtime_dir]
    set_virtual_now(setup_data.get("vt"))
    install_virtual_time()
    if setup_data.get("names"):
        install_aws_names(runtime_dir, setup_data["names"])
    pipe = None
    if setup_data.get("sdk"):
        pipe = install_pipe_transport(runtime_dir, setup_data["sdk"], reader, resp_fd,
                                      setup_data.get("names"))
        pipe.active = True
    setup_logging()
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Fault as f:
        log_error(f.error_type, f.message, f.trace)
        send(resp_fd, b"F", error_body(f.error_type, f.message, f.trace, ""))
        return 1
    except Exception as e:
        trace = user_trace(e.__traceback__)
        log_error(type(e).__name__, str(e), trace)
        send(resp_fd, b"F", error_body(type(e).__name__, str(e), trace, ""))
        return 1
    if pipe is not None:
        pipe.active = False  # between invocations the environment is frozen: no pipe calls
    send(resp_fd, b"I", b"")
    while True:
        frame = reader.read()
        if frame is None:
            return 0
        if frame[:1] == b"V":
            if pipe is not None:
                pipe.active = True
            kind, body = handle(handler, frame[1:])
            if pipe is not None:
                pipe.active = False
            send(resp_fd, kind, body)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
