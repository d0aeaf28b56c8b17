"""`saas-harness run --target state FILE`: the main job and the suites on a stack deployed elsewhere,
through its public APIs and the user's credentials only."""

from __future__ import annotations

import argparse
import sys
import time

from harness.report.console import err, stage_progress
from harness.targets.spec import TargetSpec


def run_attached(args: argparse.Namespace, spec: TargetSpec, counts: dict[str, int],
                 files: list[str] | None) -> int:
    from harness.commands.run import _finish, _print_summary, _suites_stage
    from harness.commands.saas import saas_client, step_failure
    from harness.saas.onboard import OnboardError
    from harness.saas.run import run_job
    from harness.targets import statefile
    from harness.targets.attach import load_target_state

    assert spec.state_file is not None
    try:
        state = load_target_state(spec.state_file, args.allow_remote, "the main job and the suites")
    except statefile.StateFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    where = state.get("endpoint") or f"AWS {state['region']}"
    how = "public APIs only" if state.get("public_apis_only") else "a running saas-harness up"
    err.print(f"Attached to stack {state.get('stack', 'serverless-saas')} at {where} ({how}) ...")
    try:
        with stage_progress(not args.quiet) as progress:
            summary = run_job(saas_client(state), counts, items=args.items, concurrency=args.concurrency,
                              progress=progress)
    except OnboardError as exc:
        print(f"error: {step_failure(exc)}", file=sys.stderr)
        return 1
    summary.timings["total_s"] = round(time.perf_counter() - t0, 3)
    result = summary.as_dict()
    result["target"] = {"kind": spec.kind.value, "state_file": str(spec.state_file),
                        "stack": state.get("stack", "serverless-saas"),
                        "public_apis_only": bool(state.get("public_apis_only"))}
    _print_summary(summary, result)
    report = _suites_stage(args, files, spec.state_file, result)
    return _finish(args, report, result)
