"""`saas-harness run`: the main job on a throwaway embedded target (up, onboard, exercise, attack)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.commands.saas import saas_client, step_failure
from harness.report.console import err, out, run_table, stage_progress
from harness.report.failures import describe_failures
from harness.runtime.failures import FunctionFailure
from harness.saas.run import RunSummary, run_job


def _report(headline: str, failures: list[FunctionFailure]) -> None:
    print(f"error: {headline}", file=sys.stderr)
    for line in describe_failures(failures):
        print(f"  {line}", file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    """Up (embedded), onboard mixed tiers, exercise, cross-tenant reads, summary."""
    from harness.saas.onboard import parse_tiers

    try:
        counts = parse_tiers(args.tiers)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="saas-harness-")).resolve()
    rc = 2
    try:
        rc = _run(args, counts, work)
        return rc
    finally:
        if rc == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"Lambda logs and stack records kept in {work}", file=sys.stderr)


def _run(args: argparse.Namespace, counts: dict[str, int], work: Path) -> int:
    from harness.commands.faults import plan_from_args
    from harness.saas.bootstrap import bring_up
    from harness.saas.onboard import OnboardError
    from harness.target import EmbeddedTarget, TargetOptions

    faults, rc = plan_from_args(args)
    if rc:
        return rc
    opts = TargetOptions(port=args.port, region=args.region, upstream_url=args.upstream,
                         work_dir=work, max_environments=args.max_environments, faults=faults)
    t0 = time.perf_counter()
    err.print("Starting the embedded target and deploying the SaaS under test ...")
    with EmbeddedTarget(opts) as target:
        try:
            deployment = bring_up(target, work)
        except Exception as exc:
            _report(f"could not bring the SaaS up: {type(exc).__name__}: {exc}",
                    target.failed_functions())
            return 2
        up_s = time.perf_counter() - t0
        err.print(f"Up in {up_s:.1f} s at {target.endpoint}")
        try:
            with stage_progress(not args.quiet) as progress:
                summary = run_job(saas_client(deployment.state), counts, items=args.items,
                                  concurrency=args.concurrency, progress=progress)
        except OnboardError as exc:
            _report(step_failure(exc), target.failed_functions())
            return 1
        failed = [] if summary.ok else target.failed_functions()
        summary.timings["up_s"] = round(up_s, 3)
        summary.timings["total_s"] = round(time.perf_counter() - t0, 3)
    result = summary.as_dict()
    _print_summary(summary, result)
    for line in describe_failures(failed):
        out.print(f"  {line}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if summary.ok else 1


def _print_summary(summary: RunSummary, result: dict[str, Any]) -> None:
    out.print(run_table(result))
    verdict = "[green]no isolation violations[/green]" if summary.ok else (
        f"[red]{len(summary.violations)} violation(s), {len(summary.failures)} failure(s)[/red]")
    out.print(f"{len(summary.tenants)} tenants, {len(summary.attempts)} cross-tenant reads: "
              f"{verdict} ({summary.timings['total_s']:.1f} s)")
    for failure in summary.failures[:20]:
        out.print(f"  - {failure}")

