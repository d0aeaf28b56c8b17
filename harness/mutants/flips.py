"""Fault flips: a fault-latent mutant passes every suite that sets no fault, and its fault scenario
catches it; the clean stack passes the fault scenarios, none skipped."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.mutants.catalog import Mutant
from harness.mutants.runner import RunOptions, SuiteRun, copy_stack, first_suites, run_pytest


@dataclass
class FlipResult:
    """One mutant under its fault model: latent without the fault, caught with it."""

    id: str
    fault: str
    fault_test: str
    applied: bool = False
    caught_with_fault: bool = False
    caught_by: str | None = None
    fault_seconds: float = 0.0
    latent_without_fault: bool = False
    found_without_fault: list[str] = field(default_factory=list)  # the mutant's own, confirmed
    without_fault_output: str = ""  # pytest's last lines when a suite without the fault failed
    unconfirmed_without_fault: list[str] = field(default_factory=list)  # failed once, not the mutant's
    without_fault_seconds: float = 0.0
    error: str | None = None

    @property
    def flipped(self) -> bool:
        return self.applied and self.latent_without_fault and self.caught_with_fault and self.error is None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "flipped": self.flipped}


def fault_suite_file(mutant: Mutant, suites: Sequence[Path]) -> str | None:
    """The file of the mutant's caught-by test among `suites`: the scenario that sets the fault."""
    first = first_suites(mutant.caught_by, suites)
    return first[0].split("::", 1)[0] if first else None


def suites_without(suites: Sequence[Path], excluded: Sequence[str]) -> list[str]:
    """Every suite file of `suites` (folders expanded to their test_*.py) except the excluded ones."""
    skip = {Path(e).resolve() for e in excluded}
    files: list[Path] = []
    for s in suites:
        files.extend(sorted(s.glob("test_*.py")) if s.is_dir() else [s])
    return [str(f) for f in files if f.resolve() not in skip]


def flip_candidates(mutants: Sequence[Mutant]) -> list[Mutant]:
    """The mutants that name the fault model they depend on (the `# fault:` header)."""
    return [m for m in mutants if m.fault]


def run_flip(mutant: Mutant, opts: RunOptions, fault_files: Sequence[str]) -> FlipResult:
    """Plant the mutant; its caught-by test (which sets the fault) must fail, and every suite except
    the fault scenarios must pass."""
    fault_file = fault_suite_file(mutant, opts.suites)
    result = FlipResult(mutant.id, mutant.fault, mutant.caught_by)
    if fault_file is None:
        result.error = f"caught-by {mutant.caught_by!r} is not among the suites"
        return result
    with tempfile.TemporaryDirectory(prefix=f"saas-flip-{mutant.id}-") as tmp:
        stack = copy_stack(opts.stack, Path(tmp))
        try:
            mutant.plant(stack)
        except Exception as exc:
            result.error = f"does not apply: {exc}"
            return result
        result.applied = True
        first = first_suites(mutant.caught_by, opts.suites) or [fault_file]
        t0 = time.monotonic()
        with_fault = run_pytest(first, opts, stack, Path(tmp), stop_first=True)
        result.fault_seconds = round(time.monotonic() - t0, 2)
        result.caught_with_fault = bool(with_fault.failed)
        result.caught_by = with_fault.failed[0] if with_fault.failed else None
        t0 = time.monotonic()
        without = run_pytest(suites_without(opts.suites, fault_files), opts, stack, Path(tmp),
                             stop_first=not opts.full)
        result.without_fault_output = without.output[-2500:] if without.failed else ""
        confirmed = confirm(list(without.failed), opts, stack, Path(tmp)) if without.failed else []
        result.found_without_fault = confirmed
        result.unconfirmed_without_fault = [t for t in without.failed if t not in confirmed]
        result.without_fault_seconds = round(time.monotonic() - t0, 2)
        result.latent_without_fault = not confirmed
    return result


def confirm(failed: list[str], opts: RunOptions, mutant_stack: Path, work: Path) -> list[str]:
    """The failures that are the mutant's: failing again on the mutant and passing on the clean stack.
    A test that fails on the clean stack too (or passes on a second try) failed for another reason,
    such as a machine too busy to answer within API Gateway's 29 s."""
    again = run_pytest(failed, opts, mutant_stack, work, stop_first=False)
    still = [t for t in failed if t in again.failed]
    if not still:
        return []
    clean_dir = work / "clean"
    clean_dir.mkdir(exist_ok=True)
    on_clean = run_pytest(still, opts, copy_stack(opts.stack, clean_dir), clean_dir, stop_first=False)
    return [t for t in still if t not in on_clean.failed]


def run_clean_faults(opts: RunOptions, fault_files: Sequence[str]) -> SuiteRun:
    """The clean stack through the fault scenarios: every test must pass, none skipped."""
    with tempfile.TemporaryDirectory(prefix="saas-clean-faults-") as tmp:
        stack = copy_stack(opts.stack, Path(tmp))
        return run_pytest(list(fault_files), opts, stack, Path(tmp), stop_first=False)


def per_fault(results: Sequence[FlipResult]) -> dict[str, list[str]]:
    """For each fault model, the mutants it flipped (an empty list: the fault model flipped none)."""
    out: dict[str, list[str]] = {}
    for r in results:
        out.setdefault(r.fault, [])
        if r.flipped:
            out[r.fault].append(r.id)
    return out


def run_flips(mutants: Sequence[Mutant], opts: RunOptions,
              progress: Callable[[FlipResult], None] | None = None) -> list[FlipResult]:
    """Each fault-latent mutant in turn (each runs nearly every suite: one at a time on a small machine)."""
    files = sorted({f for m in mutants if (f := fault_suite_file(m, opts.suites))})
    results = []
    for m in mutants:
        r = run_flip(m, opts, files)
        if progress is not None:
            progress(r)
        results.append(r)
    return results
