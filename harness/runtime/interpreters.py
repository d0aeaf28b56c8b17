"""Which interpreter runs a Python function: the declared pythonX.Y when it is on PATH, else ours."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass

from harness.runtime.provided import sdk_floor

# Lambda's Python runtimes the bootstrap supports (python3.9 .. python3.14).
SUPPORTED = tuple(f"3.{minor}" for minor in range(9, 15))
_RUNTIME = re.compile(r"python(3\.\d+)")
_PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"
_lock = threading.Lock()
_found: dict[tuple[str, str], str | None] = {}


@dataclass(frozen=True)
class Interpreter:
    """The interpreter chosen for a declared runtime, and whether it is that runtime's version."""

    declared: str  # "python3.12"
    path: str
    version: str  # "3.11"
    reason: str = "is not installed here (not on PATH)"

    @property
    def exact(self) -> bool:
        return self.declared == f"python{self.version}"

    def warning(self, function_name: str) -> str | None:
        """The deploy note when the function cannot run on the version it declares."""
        if self.exact:
            return None
        return (f"function {function_name} declares {self.declared}, but {self.declared} "
                f"{self.reason}; it runs on python{self.version}")


def _sdk_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("boto3")


def own_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _probe(version: str, search_path: str) -> str | None:
    """The path of a working pythonX.Y on search_path (pyenv shims of absent versions fail the probe)."""
    exe = shutil.which(f"python{version}", path=search_path)
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "-I", "-S", "-c", _PROBE], capture_output=True, text=True,
                              timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return exe if done.returncode == 0 and done.stdout.strip() == version else None


def resolve(runtime: str, search_path: str | None = None) -> Interpreter:
    """The interpreter for a python3.x runtime; probed once per version and PATH, then cached."""
    match = _RUNTIME.fullmatch(runtime)
    wanted = match.group(1) if match else ""
    path_env = os.environ.get("PATH", os.defpath) if search_path is None else search_path
    exe: str | None = None
    floor = sdk_floor()
    if wanted in SUPPORTED and tuple(int(x) for x in wanted.split(".")) < floor:
        return Interpreter(runtime, sys.executable, own_version(),
                           f"is older than the runtime SDK here supports (Python >= "
                           f"{floor[0]}.{floor[1]}, boto3 {_sdk_version()})")
    if wanted == own_version():
        exe = sys.executable
    elif wanted in SUPPORTED:
        with _lock:
            known = (wanted, path_env) in _found
            exe = _found.get((wanted, path_env))
        if not known:
            exe = _probe(wanted, path_env)
            with _lock:
                _found[(wanted, path_env)] = exe
    if exe is None:
        return Interpreter(runtime, sys.executable, own_version())
    return Interpreter(runtime, exe, wanted)
