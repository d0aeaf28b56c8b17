"""The declared Python runtime runs on pythonX.Y where it is on PATH, else on the harness's own.

AWS: "Lambda runtimes" (each function declares its runtime identifier, python3.9 ... python3.14),
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html.
"""

from __future__ import annotations

import glob
import os
import subprocess
from pathlib import Path

import pytest

from harness.runtime import Runtime
from harness.runtime.interpreters import SUPPORTED, own_version, resolve
from harness.runtime.provided import sdk_floor

from .conftest import body, make_function


def _other_interpreter() -> tuple[str, str] | None:
    """A working interpreter of another supported version on this machine (PATH or pyenv), if any."""
    candidates = []
    for version in reversed(SUPPORTED):
        if version == own_version() or tuple(map(int, version.split("."))) < sdk_floor():
            continue
        found = resolve(f"python{version}")
        if found.exact:
            return version, found.path
        candidates += [(version, p) for p in glob.glob(
            os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}"))]
    for version, path in candidates:
        done = subprocess.run([path, "-I", "-S", "-c", "import sys; print(sys.version_info[1])"],
                              capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip() == version.split(".")[1]:
            return version, path
    return None


def test_missing_runtime_falls_back_to_the_harness_python_with_a_warning(tmp_path: Path) -> None:
    """No pythonX.Y on PATH: the function runs on the harness's Python, and the note says so."""
    chosen = resolve("python3.13" if own_version() != "3.13" else "python3.12", str(tmp_path))
    assert chosen.version == own_version() and not chosen.exact
    warning = chosen.warning("MyFunction")
    assert warning is not None
    assert "MyFunction" in warning and chosen.declared in warning
    assert warning.endswith(f"it runs on python{own_version()}")


def test_an_interpreter_that_fails_its_probe_is_not_used(tmp_path: Path) -> None:
    """A pyenv shim of a version that is not installed is on PATH but cannot run: not installed."""
    version = "3.10" if own_version() != "3.10" else "3.9"
    shim = tmp_path / f"python{version}"
    shim.write_text("#!/bin/sh\necho 'pyenv: version not installed' >&2\nexit 127\n")
    shim.chmod(0o755)
    chosen = resolve(f"python{version}", str(tmp_path))
    assert not chosen.exact and chosen.version == own_version()


def test_a_version_older_than_the_runtime_sdk_supports_falls_back_with_the_reason() -> None:
    """boto3 here needs a newer Python than python3.9: the function runs on ours, and says why."""
    floor = sdk_floor()
    if floor <= (3, 9):
        pytest.skip("the installed SDK still supports python3.9")
    chosen = resolve("python3.9")
    assert not chosen.exact and chosen.version == own_version()
    assert "older than the runtime SDK here supports" in (chosen.warning("F") or "")


def test_own_version_is_exact_without_a_warning() -> None:
    chosen = resolve(f"python{own_version()}")
    assert chosen.exact and chosen.warning("F") is None


def test_function_runs_on_its_declared_python_when_installed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runtime: Runtime) -> None:
    """A python3.X function whose interpreter is on PATH runs on it, boto3 included."""
    other = _other_interpreter()
    if other is None:
        pytest.skip("no second Python version installed on this machine")
    version, path = other
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / f"python{version}").symlink_to(path)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    app = ("import sys, boto3\n\ndef handler(event, context):\n"
           "    return ['%d.%d' % sys.version_info[:2], boto3.__version__]\n")
    fn = make_function("versioned", {"app.py": app}, runtime=f"python{version}")
    result = runtime.invoke(fn, b"{}")
    assert result.function_error is None, result.payload
    assert body(result)[0] == version
