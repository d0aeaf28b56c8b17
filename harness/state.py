"""`.harness/state.json`: how other commands and tools find the running target."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import urllib3

STATE_DIR = Path(".harness")
STATE_FILE = "state.json"
HEALTH_TIMEOUT_S = 3.0


class StaleState(RuntimeError):
    """state.json names a target that no longer answers (or is another one on the same port)."""


def absolute(work_dir: Path | str) -> Path:
    """The work dir as an absolute path, so workers and deployers never depend on their cwd."""
    return Path(work_dir).expanduser().resolve()


def state_path(work_dir: Path = STATE_DIR) -> Path:
    return absolute(work_dir) / STATE_FILE


def write_state(data: dict[str, Any], work_dir: Path = STATE_DIR) -> Path:
    """Atomic write, so a reader never sees half a file."""
    work_dir = absolute(work_dir)
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
    try:
        data = json.loads(path.read_text())
    except ValueError:
        raise StaleState(f"{path} is not valid JSON: start the target again with "
                         "`saas-harness up`") from None
    if not isinstance(data, dict):
        raise StaleState(f"{path} is not a state file: start the target again with "
                         "`saas-harness up`")
    return data


def check_alive(state: dict[str, Any], where: Path | str = "the state file") -> None:
    """Raise StaleState unless the state's endpoint answers health as the same target run."""
    endpoint = str(state.get("endpoint", ""))
    hint = "start the target with `saas-harness up`"
    if not endpoint.startswith("http"):
        raise StaleState(f"{where} has no endpoint: {hint}")
    try:
        reply = urllib3.request("GET", endpoint.rstrip("/") + "/_harness/health",
                                timeout=HEALTH_TIMEOUT_S, retries=False)
        health = json.loads(reply.data) if reply.status == 200 else None
    except (urllib3.exceptions.HTTPError, OSError, ValueError):
        health = None
    if not isinstance(health, dict) or health.get("status") != "ok":
        raise StaleState(f"{where}: the target at {endpoint} is not running (no answer from "
                         f"/_harness/health): {hint}")
    run_id = state.get("run_id")
    if run_id is not None and health.get("run_id") != run_id:
        raise StaleState(f"{where}: is from an earlier target run; the target now at {endpoint} "
                         "is another one: start `saas-harness up` from this folder again, or pass "
                         "the --work-dir of the one running")


def read_live_state(work_dir: Path = STATE_DIR) -> dict[str, Any]:
    """The state of a target that is running now: health-checked before anyone trusts it."""
    state = read_state(work_dir)
    check_alive(state, state_path(work_dir))
    return state


def update_state(changes: dict[str, Any], work_dir: Path = STATE_DIR) -> dict[str, Any]:
    data = read_state(work_dir) if state_path(work_dir).exists() else {}
    data.update(changes)
    write_state(data, work_dir)
    return data


def clear_state(work_dir: Path = STATE_DIR) -> None:
    with contextlib.suppress(FileNotFoundError):
        state_path(work_dir).unlink()
