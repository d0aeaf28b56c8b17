"""`.harness/state.json`: how other commands and tools find the running target."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

STATE_DIR = Path(".harness")
STATE_FILE = "state.json"


def state_path(work_dir: Path = STATE_DIR) -> Path:
    return work_dir / STATE_FILE


def write_state(data: dict[str, Any], work_dir: Path = STATE_DIR) -> Path:
    """Atomic write, so a reader never sees half a file."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = state_path(work_dir)
    fd, tmp = tempfile.mkstemp(dir=work_dir, prefix=".state-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
    return path


def read_state(work_dir: Path = STATE_DIR) -> dict[str, Any]:
    path = state_path(work_dir)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: start the target first with `saas-harness up`")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def update_state(changes: dict[str, Any], work_dir: Path = STATE_DIR) -> dict[str, Any]:
    data = read_state(work_dir) if state_path(work_dir).exists() else {}
    data.update(changes)
    write_state(data, work_dir)
    return data


def clear_state(work_dir: Path = STATE_DIR) -> None:
    with contextlib.suppress(FileNotFoundError):
        state_path(work_dir).unlink()
