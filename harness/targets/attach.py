"""What `--target state FILE` names: a running `saas-harness up`'s state.json (health-checked, a harness
target) or a deployed stack's state file (public APIs only); loopback unless the user allows more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.targets import statefile
from harness.targets.spec import is_loopback_url


def load_target_state(path: Path, allow_remote: bool, what: str) -> dict[str, Any]:
    """The state to attach to; StateFileError (bad file, target gone, remote without leave) otherwise."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise statefile.StateFileError(f"{path}: {exc}") from None
    if not (isinstance(raw, dict) and "run_id" in raw and raw.get("kind") is None):
        state = statefile.validate(raw, str(path))
        statefile.check_loopback(state, allow_remote, what)
        return state
    from harness.state import StaleState, check_alive

    try:
        check_alive(raw, path)
    except StaleState as exc:
        raise statefile.StateFileError(str(exc)) from None
    endpoint = str(raw.get("endpoint", ""))
    if not is_loopback_url(endpoint) and not allow_remote:
        raise statefile.StateFileError(f"refusing to run {what} against {endpoint}: not loopback; pass "
                                       "--allow-remote if you mean it")
    return raw
