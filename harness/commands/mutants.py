"""`saas-harness mutants`: the clean stack must pass the suites, then every mutant must be caught."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def cmd_mutants(args: argparse.Namespace) -> int:
    from harness.mutants.catalog import CatalogError, load_catalog
    from harness.mutants.runner import MutantResult, RunOptions, run_catalog, run_clean

    extra, rc = _target_args(args)  # refused before anything is read
    if rc:
        return rc
    try:
        mutants = load_catalog(Path(args.catalog), tuple(args.only or ()))
    except CatalogError as exc:
        print(f"saas-harness mutants: {exc}", file=sys.stderr)
        return 2
    suites = tuple(Path(s) for s in (args.suites or ["scenarios"]))
    missing = [str(s) for s in suites if not s.exists()]
    if missing or not Path(args.stack).is_dir():
        print(f"saas-harness mutants: no such suite or stack folder: {', '.join(missing) or args.stack}",
              file=sys.stderr)
        return 2
    opts = RunOptions(Path(args.stack).resolve(), suites, args.adapter, args.full,
                      pytest_args=(*extra, *(args.pytest_arg or ())))
    if getattr(args, "flips", False):
        from harness.commands.flips import cmd_flips

        return cmd_flips(args, mutants, opts)
    report: dict[str, Any] = {"catalog": str(args.catalog), "stack": str(args.stack), "full": args.full}
    started = time.monotonic()
    if not args.skip_clean:
        clean = run_clean(opts)
        report["clean"] = {"passed": clean.returncode == 0, "failed": list(clean.failed),
                           "seconds": round(time.monotonic() - started, 2)}
        if clean.returncode != 0:
            print(f"clean stack FAILED the suites ({', '.join(clean.failed) or clean.returncode}); "
                  "no mutant run means anything until it passes:\n" + clean.output, file=sys.stderr)
            _write(args.json, report)
            return 1
        print(f"clean stack passed in {report['clean']['seconds']}s")

    def progress(r: MutantResult) -> None:
        verdict = (f"ERROR ({r.error})" if r.error else
                   f"caught by {r.caught_by} in {r.seconds}s" if r.caught else f"NOT caught ({r.seconds}s)")
        print(f"{r.id}: {verdict}", flush=True)

    results = run_catalog(mutants, opts, workers=args.workers, progress=progress)
    report["mutants"] = [r.as_json() for r in results]
    report["caught"] = sum(r.caught for r in results)
    report["total"] = len(results)
    report["seconds"] = round(time.monotonic() - started, 2)
    _write(args.json, report)
    print(f"{report['caught']}/{report['total']} mutants caught in {report['seconds']}s")
    return 0 if all(r.caught and not r.error for r in results) else 1


def _target_args(args: argparse.Namespace) -> tuple[tuple[str, ...], int]:
    """--target as the suites' pytest options: an endpoint behind a fresh embedded front door per run."""
    from harness.targets.spec import TargetKind, TargetSpecError, target_from_args

    try:
        spec = target_from_args(args)
    except TargetSpecError as exc:
        print(f"saas-harness mutants: {exc}", file=sys.stderr)
        return (), 2
    if spec.kind is TargetKind.STATE:
        print("saas-harness mutants: each mutant deploys a changed copy of the stack; a stack deployed "
              "elsewhere (--target state) cannot be changed: use the embedded target or --target "
              "endpoint URL",
              file=sys.stderr)
        return (), 2
    if spec.kind is TargetKind.ENDPOINT:
        if args.workers != 1:
            print("saas-harness mutants: --target endpoint runs one mutant at a time (each clears the "
                  "endpoint before deploying): use --workers 1", file=sys.stderr)
            return (), 2
        return ("--saas-upstream", str(spec.url), "--saas-upstream-reset"), 0
    return (), 0


def _write(path: str | None, report: dict[str, Any]) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(report, indent=2) + "\n")
