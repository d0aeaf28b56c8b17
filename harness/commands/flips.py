"""`saas-harness mutants --flips`: each fault model flips a mutant from uncaught to caught."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from harness.mutants.catalog import Mutant
from harness.mutants.runner import RunOptions


def cmd_flips(args: argparse.Namespace, mutants: list[Mutant], opts: RunOptions) -> int:
    from harness.mutants import flips

    chosen = flips.flip_candidates(mutants)
    if not chosen:
        print("saas-harness mutants --flips: no chosen mutant has a '# fault:' header", file=sys.stderr)
        return 2
    files = sorted({f for m in chosen if (f := flips.fault_suite_file(m, opts.suites))})
    report: dict[str, Any] = {"catalog": str(args.catalog), "stack": str(args.stack), "fault_suites": files}
    started = time.monotonic()
    if not args.skip_clean:
        clean = flips.run_clean_faults(opts, files)
        passed = clean.returncode == 0 and not clean.skipped
        report["clean"] = {"passed": passed, "failed": list(clean.failed), "skipped": list(clean.skipped),
                           "seconds": round(time.monotonic() - started, 2)}
        if not report["clean"]["passed"]:
            print(f"clean stack did not pass the fault scenarios (failed: {', '.join(clean.failed) or '-'}; "
                  f"skipped: {', '.join(clean.skipped) or '-'}):\n{clean.output}", file=sys.stderr)
            _write(args.json, report)
            return 1
        print(f"clean stack passed {', '.join(files)} under every fault, none skipped, in "
              f"{report['clean']['seconds']}s", flush=True)

    def progress(r: flips.FlipResult) -> None:
        if r.error:
            print(f"{r.id}: ERROR ({r.error})", flush=True)
            return
        without = ("not caught" if r.latent_without_fault else f"CAUGHT by {r.found_without_fault[0]}")
        if r.unconfirmed_without_fault:
            without += (f" (failed once, not reproduced on the mutant or failing on the clean stack too: "
                        f"{', '.join(r.unconfirmed_without_fault)})")
        withf = f"caught by {r.caught_by}" if r.caught_with_fault else "NOT caught"
        verdict = "flipped" if r.flipped else "NOT flipped"
        print(f"{r.id} [{r.fault}]: without the fault {without} ({r.without_fault_seconds}s); "
              f"with it {withf} ({r.fault_seconds}s): {verdict}", flush=True)

    results = flips.run_flips(chosen, opts, progress=progress)
    report["flips"] = [r.as_json() for r in results]
    report["per_fault"] = flips.per_fault(results)
    report["seconds"] = round(time.monotonic() - started, 2)
    _write(args.json, report)
    flipped = sum(r.flipped for r in results)
    print(f"{flipped}/{len(results)} mutants flipped by their fault; fault models flipping none: "
          f"{', '.join(f for f, ids in report['per_fault'].items() if not ids) or 'none'} "
          f"({report['seconds']}s)")
    return 0 if flipped == len(results) else 1


def _write(path: str | None, report: dict[str, Any]) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(report, indent=2) + "\n")
