"""Where `bench attacks` sends its attempts: a fresh `up` (embedded or in front of an endpoint) or an
attached stack (`--target state FILE`, loopback unless --allow-remote)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from harness.bench.process import TargetProcess
from harness.targets import statefile
from harness.targets.attach import load_target_state
from harness.targets.spec import EMBEDDED, TargetKind, TargetSpec


@dataclass
class AttackTarget:
    """The endpoint and SaaS state the attempts go to, and the harness metrics where it has an admin API."""

    endpoint: str
    state: dict[str, Any]
    process: TargetProcess | None = None

    def metrics(self) -> dict[str, Any]:
        if self.process is None:
            return {}  # an attached stack: public APIs only
        got: dict[str, Any] = self.process.admin("GET", "/_harness/metrics")
        return got

    def cpu_seconds(self) -> float:
        """CPU of the target and its workers; 0 for an attached stack, whose CPU is not ours to see."""
        return self.process.cpu_seconds() if self.process is not None else 0.0


@contextlib.contextmanager
def attack_target(spec: TargetSpec = EMBEDDED, allow_remote: bool = False,
                  max_environments: int = 64) -> Iterator[AttackTarget]:
    """StateFileError for a state file that is bad or names a remote stack without allow_remote."""
    if spec.kind is TargetKind.STATE:
        assert spec.state_file is not None
        state = load_target_state(spec.state_file, allow_remote, "bench attacks")
        if not state.get("endpoint"):
            raise statefile.StateFileError(
                f"{spec.state_file}: bench attacks sends every attempt to one endpoint's execute-api paths; "
                "a stack on AWS itself has a host per API (give the state an endpoint)")
        yield AttackTarget(str(state["endpoint"] or ""), state)
        return
    endpoint = spec.kind is TargetKind.ENDPOINT
    extra = ("--upstream", str(spec.url), "--reset-endpoint", "--no-probe") if endpoint else ()
    with TargetProcess("--max-environments", str(max_environments), *extra, stack=True) as process:
        yield AttackTarget(process.endpoint, process.state(), process)
