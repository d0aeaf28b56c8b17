"""Node.js functions: the `node` that runs them, the SDK Lambda's Node runtime provides, their paths.

The SDK (AWS SDK for JavaScript v3 clients, pinned by harness/runtime/node/package-lock.json) is
installed once with `npm ci` into $SAAS_HARNESS_NODE_RUNTIME, else
$XDG_CACHE_HOME/saas-harness/node-runtime, else ~/.cache/saas-harness/node-runtime, in a folder
named by the lock file's hash, and shared by every work dir and process.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.filelock import file_lock

ENV_VAR = "SAAS_HARNESS_NODE_RUNTIME"
MANIFEST = Path(__file__).with_name("node")
BOOTSTRAP = Path(__file__).with_name("bootstrap") / "bootstrap.mjs"
_RUNTIME = re.compile(r"nodejs(\d+)\.x")
_lock = threading.Lock()
_node: dict[str, tuple[str, str] | None] = {}
_installed: dict[Path, Path] = {}  # cache root -> its SDK node_modules, once installed


class NodeUnavailable(RuntimeError):
    """node or npm is missing, or the SDK could not be installed; the message says which."""


def node_major(runtime: str) -> int | None:
    match = _RUNTIME.fullmatch(runtime)
    return int(match.group(1)) if match else None


def is_node_runtime(runtime: str) -> bool:
    return node_major(runtime) is not None


@dataclass(frozen=True)
class NodeInterpreter:
    """The node chosen for a declared nodejsNN.x runtime, and its version ("v20.20.2")."""

    declared: str
    path: str
    version: str

    @property
    def exact(self) -> bool:
        return self.version.lstrip("v").split(".")[0] == str(node_major(self.declared))

    def warning(self, function_name: str) -> str | None:
        if self.exact:
            return None
        return (f"function {function_name} declares {self.declared}, but Node.js "
                f"{node_major(self.declared)} is not installed here (not on PATH); it runs on "
                f"node {self.version}")


def resolve_node(runtime: str, search_path: str | None = None) -> NodeInterpreter | None:
    """nodeNN (or node of that major) on PATH, else any node; None when node is not installed."""
    path_env = os.environ.get("PATH", os.defpath) if search_path is None else search_path
    with _lock:
        cached = _node.get(path_env, ...)
    if cached is ...:
        exe = shutil.which("node", path=path_env)
        found: tuple[str, str] | None = None
        if exe is not None:
            try:
                done = subprocess.run([exe, "--version"], capture_output=True, text=True,
                                      timeout=15, check=False)
                if done.returncode == 0:
                    found = (exe, done.stdout.strip())
            except (OSError, subprocess.TimeoutExpired):
                found = None
        with _lock:
            _node[path_env] = found
        cached = found
    if cached is None:
        return None
    return NodeInterpreter(runtime, cached[0], cached[1])


def _cache_root() -> Path:
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser().resolve() / "saas-harness" / "node-runtime"


def sdk_dir(root: Path | None = None) -> Path:
    """The node_modules folder of the provided SDK, installed with `npm ci` on first use."""
    cache = root or _cache_root()
    with _lock:
        known = _installed.get(cache)
    if known is not None:
        return known
    lock_file = MANIFEST / "package-lock.json"
    digest = hashlib.sha256((MANIFEST / "package.json").read_bytes() + lock_file.read_bytes())
    base = cache / digest.hexdigest()[:16]
    modules = base / "node_modules"
    if not modules.is_dir():
        _install(base)
    with _lock:
        _installed[cache] = modules
    return modules


def _install(base: Path) -> None:
    """npm ci of the pinned manifest into base, under a file lock, through a temporary folder."""
    modules = base / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise NodeUnavailable("npm is not installed, so the AWS SDK for JavaScript cannot be installed")
    base.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(base.parent / f"{base.name}.lock"):
        if modules.is_dir():
            return
        tmp = Path(tempfile.mkdtemp(dir=base.parent, prefix=".tmp-"))
        try:
            for name in ("package.json", "package-lock.json"):
                shutil.copy2(MANIFEST / name, tmp / name)
            done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                                  cwd=tmp, capture_output=True, text=True, timeout=900, check=False)
            if done.returncode != 0:
                lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
                raise NodeUnavailable("npm ci of the AWS SDK for JavaScript failed: "
                                      + (lines[0] if lines else f"exit {done.returncode}"))
            shutil.rmtree(base, ignore_errors=True)
            os.rename(tmp, base)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def node_paths(runtime: str, layer_dirs: Sequence[Path], sdk: Path) -> list[str]:
    """NODE_PATH as Lambda sets it: each layer's nodejs/nodeNN and nodejs node_modules, the SDK."""
    major = node_major(runtime)
    folders: list[Path] = []
    for layer in reversed(layer_dirs):
        folders += [layer / "nodejs" / f"node{major}" / "node_modules", layer / "nodejs" / "node_modules"]
    return [str(p) for p in folders if p.is_dir()] + [str(sdk)]
