"""Running pip for a build: which pip, the command line, and pip's failure read as a DeployError."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

from harness.deploy.model import DeployError
from harness.runtime.interpreters import Interpreter, own_version

PIP_TIMEOUT_S = 900.0
_lock = threading.Lock()
_has_pip: dict[str, bool] = {}
_PACKAGE = (re.compile(r"satisfies the requirement ([^\s;(]+)"),
            re.compile(r"distribution found for ([^\s;(]+)"),
            re.compile(r"Invalid requirement: '([^']+)'"),
            re.compile(r"building wheel for ([^\s;(]+)", re.IGNORECASE),
            re.compile(r"install(?:ing)? ([A-Za-z0-9._-]+)"))


class BuildFailed(DeployError):
    """pip could not install a function's or layer's requirements."""

    def __init__(self, what: str, package: str, line: str) -> None:
        super().__init__(f"{what}: pip could not install {package}: {line}")
        self.package = package
        self.line = line


def _pip_works(python: str) -> bool:
    with _lock:
        known = _has_pip.get(python)
    if known is None:
        try:
            known = subprocess.run([python, "-m", "pip", "--version"], capture_output=True,
                                   timeout=60, check=False).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            known = False
        with _lock:
            _has_pip[python] = known
    return known


def pip_command(interpreter: Interpreter, requirements: Path, target: Path) -> list[str]:
    """pip install -r requirements -t target, run by the pip of the interpreter the code runs on.

    An interpreter without pip gets the harness's pip with --python-version (wheels only, as pip
    requires when it installs for another interpreter).
    """
    base = ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--no-compile",
            "--quiet", "-r", str(requirements), "--target", str(target)]
    if interpreter.version == own_version() or _pip_works(interpreter.path):
        python = sys.executable if interpreter.version == own_version() else interpreter.path
        return [python, *base]
    return [sys.executable, *base, "--python-version", interpreter.version, "--only-binary=:all:",
            "--implementation", "cp"]


def first_error(output: str) -> str:
    """pip's first ERROR line, else its last non-empty line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("ERROR:"):
            return line
    return lines[-1] if lines else "pip failed without output"


def failed_package(output: str, line: str) -> str:
    """The requirement pip names in its error, or "a requirement" when it names none."""
    for pattern in _PACKAGE:
        for text in (line, output):
            found = pattern.search(text)
            if found:
                return found.group(1)
    return "a requirement"


def run_pip(what: str, interpreter: Interpreter, requirements: Path, target: Path) -> None:
    """Install; raise BuildFailed naming what is built, the package and pip's first error line."""
    requirements = requirements.resolve()
    command = pip_command(interpreter, requirements, target.resolve())
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S,
                              check=False, cwd=str(requirements.parent))
    except subprocess.TimeoutExpired:
        raise BuildFailed(what, "its requirements",
                          f"pip did not finish within {PIP_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        output = done.stderr + "\n" + done.stdout
        line = first_error(output)
        raise BuildFailed(what, failed_package(output, line), line)
