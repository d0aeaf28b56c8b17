"""The emulators the endpoint tests start are pinned once: pyproject's test-services table, their own lock."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

from tests.targets.servers import MINISTACK

ROOT = Path(__file__).resolve().parents[2]


def _lock() -> dict[str, str]:
    lines = (ROOT / "requirements-ministack.lock").read_text().splitlines()
    pins = (re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip()) for line in lines
            if line.strip() and not line.startswith("#"))
    return {m.group(1).lower(): m.group(2) for m in pins if m}


def test_the_ministack_pin_matches_its_lock_and_what_make_install_put_there() -> None:
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["saas-harness"]["test-services"]
    name, version = spec["ministack"].split("==")
    assert _lock()[name] == version
    if MINISTACK.exists():
        freeze = subprocess.run([str(MINISTACK.parent / "python"), "-m", "pip", "freeze"],
                                capture_output=True, text=True, timeout=60).stdout
        installed = {k.lower(): v for k, _, v in (line.partition("==") for line in freeze.splitlines())}
        assert installed == _lock(), "the ministack venv differs from requirements-ministack.lock"
