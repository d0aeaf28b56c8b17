"""`saas-harness replay FILE`: re-run a saved violation; exit 1 while it leaks, 0 once fixed, 2 if bad."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from harness.suites.adapter import Target

EXIT_FIXED, EXIT_LEAKS, EXIT_BAD = 0, 1, 2


def cmd_replay(args: argparse.Namespace) -> int:
    from harness.suites.client import ApiClient
    from harness.suites.loader import DEFAULT_ADAPTER, AdapterLoadError, load_adapter_class
    from harness.suites.replayer import ReplayFailed, replay
    from harness.suites.repro import ReproError, load

    try:
        repro = load(Path(args.file))
        cls = load_adapter_class(args.adapter or repro.target.get("adapter") or DEFAULT_ADAPTER)
    except (ReproError, AdapterLoadError) as exc:
        print(f"saas-harness replay: {exc}", file=sys.stderr)
        return EXIT_BAD
    try:
        with _target(args) as target:
            adapter = cls()
            adapter.attach(target)
            try:
                outcomes = replay(repro, adapter, ApiClient())
            finally:
                adapter.close()
    except (ReproError, ReplayFailed, RuntimeError, OSError, ValueError) as exc:  # StaleState too
        print(f"saas-harness replay: cannot replay {args.file}: {exc}", file=sys.stderr)
        return EXIT_BAD
    leaks = [o for o in outcomes if o.leaked]
    print(f"finding: {repro.finding}")
    for o in leaks:
        req, who = o.step.request, o.step.actor
        print(f"LEAK step {o.number}: {who.get('role')} of {who.get('tenant') or 'no tenant'} -> "
              f"{req['method']} {req['path']} on {o.step.tenant or 'provider'}'s data answered {o.status}: "
              f"{o.body[:160]}")
    if leaks:
        print(f"{len(leaks)} of {len(outcomes)} attack steps still get through")
        return EXIT_LEAKS
    print(f"no leak: all {len(outcomes)} attack steps were refused")
    return EXIT_FIXED


@contextlib.contextmanager
def _target(args: argparse.Namespace) -> Iterator[Target]:
    """--target URL, --state FILE (as `saas-harness up` writes it), or a fresh embedded target."""
    if args.target:
        yield Target(args.target)
        return
    if args.state:
        from harness.state import check_alive

        path = Path(args.state)
        state = json.loads(path.read_text())
        if not isinstance(state, dict):
            raise ValueError(f"{path}: not a state file")
        if "run_id" in state:
            check_alive(state, path)
        yield Target(str(state.get("endpoint") or ""), str(state.get("region", "us-east-1")),
                     str(state.get("account", "000000000000")), None, state, path.parent)
        return
    from harness.target import EmbeddedTarget, TargetOptions

    with tempfile.TemporaryDirectory(prefix="saas-replay-") as tmp, \
            EmbeddedTarget(TargetOptions(port=0, work_dir=Path(tmp))) as t:
        info = t.describe()
        yield Target(t.endpoint, str(info["region"]), str(info["account"]), t, info, Path(tmp))

