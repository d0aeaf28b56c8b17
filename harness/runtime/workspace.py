"""Code and layer extraction and a worker's from-scratch environment, built the way Lambda does."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.runtime.types import FunctionConfig, SessionCredentials

# Lambda refuses these in a function's Environment; the runtime's own values always win here.
RESERVED = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY",
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR", "TZ",
})
# The only harness variables a worker inherits: what a process needs to run and to trust TLS.
PASSTHROUGH = (
    "PATH", "LANG", "HOME", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
    "AWS_CA_BUNDLE", "CURL_CA_BUNDLE",
)
_PYTHON_RUNTIME = re.compile(r"python3\.\d+")


def is_python_runtime(runtime: str) -> bool:
    return _PYTHON_RUNTIME.fullmatch(runtime) is not None


def dir_name(sha: str) -> str:
    """CodeSha256 is base64 (may hold '/' and '+'); make it one safe path component."""
    return re.sub(r"[^A-Za-z0-9=_-]", "_", sha.replace("/", "_").replace("+", "-")) or "empty"


class CodeStore:
    """Extracts each zip once per sha (atomically, via rename) and hands out its directory."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._done: set[str] = set()

    def extract(self, kind: str, sha: str, zip_bytes: bytes) -> Path:
        dest = self._root / kind / dir_name(sha)
        token = f"{kind}/{dest.name}"
        if token in self._done:
            return dest
        with self._lock:
            lock = self._locks.setdefault(token, threading.Lock())
        with lock:
            if not dest.is_dir():
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".tmp-"))
                try:
                    _unzip(zip_bytes, tmp)
                    os.rename(tmp, dest)
                except BaseException:
                    shutil.rmtree(tmp, ignore_errors=True)
                    if not dest.is_dir():
                        raise
            self._done.add(token)
        return dest


def _unzip(zip_bytes: bytes, dest: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        zf.extractall(dest)  # zipfile drops absolute paths and ".." components
        for info in zf.infolist():
            mode = (info.external_attr >> 16) & 0o777
            target = dest / info.filename
            if mode & 0o111 and not info.is_dir() and target.is_file():
                target.chmod(mode | 0o600)


def python_paths(runtime: str, task_root: Path, layer_dirs: Sequence[Path]) -> list[str]:
    """sys.path head: code first, then each layer's site-packages, then each layer's python/.

    Lambda unpacks layers into one /opt in order, a later layer overwriting an earlier one's
    files; listing later layers first on sys.path gives the same winner per module.
    """
    site = [d / "python" / "lib" / runtime / "site-packages" for d in reversed(layer_dirs)]
    plain = [d / "python" for d in reversed(layer_dirs)]
    return [str(task_root)] + [str(p) for p in (*site, *plain) if p.is_dir()]


def build_env(
    config: FunctionConfig,
    creds: SessionCredentials,
    *,
    region: str,
    endpoint_url: str,
    task_root: Path,
    runtime_dir: Path,
    layer_dirs: Sequence[Path],
    log_stream: str,
    source: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The worker's environment, built from nothing so no harness secret or setting leaks in."""
    source = os.environ if source is None else source
    env = {k: source[k] for k in PASSTHROUGH if k in source}
    bins = [str(d / "bin") for d in reversed(layer_dirs) if (d / "bin").is_dir()]
    env["PATH"] = os.pathsep.join([*bins, env.get("PATH", "/usr/local/bin:/usr/bin:/bin")])
    libs = [str(d / "lib") for d in reversed(layer_dirs) if (d / "lib").is_dir()]
    if libs:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(libs)
    env["AWS_ENDPOINT_URL"] = endpoint_url
    env.update((k, str(v)) for k, v in config.environment.items() if k not in RESERVED)
    env.update({
        "_HANDLER": config.handler,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": config.version,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_SESSION_TOKEN": creds.session_token,
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(runtime_dir),
        "TZ": ":UTC",
    })
    return env
