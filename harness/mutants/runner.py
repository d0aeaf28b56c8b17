"""Run the suites against the clean stack and against each mutant's copy; say which mutants were caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.mutants.catalog import Mutant

STACK_DIR_ENV = "SAAS_HARNESS_STACK_DIR"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".aws-sam", ".harness")


@dataclass(frozen=True)
class RunOptions:
    """What to run: the stack, the suites, the adapter, and how hard to look."""

    stack: Path
    suites: tuple[Path, ...]
    adapter: str | None = None
    full: bool = False
    profile: str = "ci"
    pytest_args: tuple[str, ...] = ()
    timeout: float = 3600.0


@dataclass(frozen=True)
class SuiteRun:
    """One pytest run: its exit code and the node ids that failed or errored, in report order."""

    returncode: int
    failed: tuple[str, ...]
    output: str
    skipped: tuple[str, ...] = ()


@dataclass
class MutantResult:
    """Per mutant: planted or not, caught or not, by which test, how long it took to catch."""

    id: str
    caught_by_expected: str
    applied: bool = False
    caught: bool = False
    caught_by: str | None = None
    findings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def node_id(case: ET.Element) -> str:
    """pytest's node id from a JUnit testcase (classname 'pkg.mod.Class', file attribute if given)."""
    name = case.get("name", "")
    file = case.get("file")
    classname = case.get("classname", "")
    if file:
        module = file
        rest = classname.split(".")
        stem = Path(file).with_suffix("").parts
        tail = rest[len(stem):] if tuple(rest[:len(stem)]) == stem else []
        return "::".join([module, *tail, name])
    parts = classname.split(".")
    return "::".join([("/".join(parts) + ".py") if parts and parts[0] else "?", name])


def read_junit(path: Path, outcomes: tuple[str, ...] = ("failure", "error")) -> tuple[str, ...]:
    """Test node ids with one of `outcomes` (failed and errored by default), in pytest's order."""
    if not path.exists():
        return ()
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return ()
    return tuple(node_id(case) for case in root.iter("testcase")
                 if any(case.find(o) is not None for o in outcomes))


def run_pytest(paths: Sequence[str], opts: RunOptions, stack_dir: Path, work: Path, *, stop_first: bool,
               ignore: Sequence[str] = ()) -> SuiteRun:
    """pytest in a subprocess with the stack copy in the environment; JUnit XML says what failed."""
    junit = work / f"junit-{time.monotonic_ns()}.xml"
    cmd = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
           "-o", "junit_family=xunit1",  # xunit1 carries the file, so class-based node ids read back
           "--saas-profile", opts.profile, *(f"--ignore={p}" for p in ignore), *opts.pytest_args]
    if stop_first:
        cmd.append("-x")
    if opts.adapter:
        cmd += ["--saas-adapter", opts.adapter]
    env = {**os.environ, STACK_DIR_ENV: str(stack_dir)}
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=opts.timeout,
                              cwd=os.getcwd())
    except subprocess.TimeoutExpired:
        return SuiteRun(-1, ("<timeout>",), f"pytest ran past {opts.timeout:.0f}s")
    failed = read_junit(junit)
    if proc.returncode not in (0, 5) and not failed:  # 5: nothing collected; others: pytest itself broke
        failed = (f"<pytest exit {proc.returncode}>",)
    return SuiteRun(proc.returncode, failed, (proc.stdout + proc.stderr)[-4000:],
                    read_junit(junit, ("skipped",)))


def first_suites(caught_by: str, suites: Sequence[Path]) -> list[str] | None:
    """The caught-by suite when it names a file among the suites being run (optionally '::test'),
    None otherwise; looked up within `suites`, so `--suites` elsewhere never runs the default ones."""
    file = caught_by.split("::", 1)[0].strip()
    if not file or " " in file or not file.endswith(".py"):
        return None
    named = Path(file).resolve()
    if named.exists() and any(named == s.resolve() or s.resolve() in named.parents for s in suites):
        return [caught_by.strip()]
    for suite in suites:
        candidate = suite / Path(file).name
        if candidate.exists():
            return [str(candidate) + caught_by.strip()[len(file):]]
    return None


def copy_stack(stack: Path, into: Path) -> Path:
    target = into / "stack"
    shutil.copytree(stack, target, ignore=_IGNORE, symlinks=True)
    return target


def run_clean(opts: RunOptions) -> SuiteRun:
    """The clean stack (a copy, like the mutants') through every suite: it must pass."""
    with tempfile.TemporaryDirectory(prefix="saas-clean-") as tmp:
        stack = copy_stack(opts.stack, Path(tmp))
        return run_pytest([str(s) for s in opts.suites], opts, stack, Path(tmp), stop_first=not opts.full)


def run_mutant(mutant: Mutant, opts: RunOptions) -> MutantResult:
    """Plant the mutant in a copy, run its caught-by suite first, then the rest unless already caught."""
    result = MutantResult(mutant.id, mutant.caught_by)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"saas-mutant-{mutant.id}-") as tmp:
        stack = copy_stack(opts.stack, Path(tmp))
        try:
            mutant.plant(stack)
        except Exception as exc:
            result.error = f"does not apply: {exc}"
            result.seconds = round(time.monotonic() - started, 2)
            return result
        result.applied = True
        all_suites = [str(s) for s in opts.suites]
        first = first_suites(mutant.caught_by, opts.suites)
        plan: list[tuple[list[str], list[str]]] = [(all_suites, [])] if first is None else [
            (first, []), (all_suites, [first[0].split("::", 1)[0]])]
        for paths, ignore in plan:
            run = run_pytest(paths, opts, stack, Path(tmp), stop_first=not opts.full, ignore=ignore)
            result.findings.extend(run.failed)
            if run.failed and not result.caught:
                result.caught, result.caught_by = True, run.failed[0]
                result.seconds = round(time.monotonic() - started, 2)
            if result.caught and not opts.full:
                break
    if not result.caught:
        result.seconds = round(time.monotonic() - started, 2)
    return result


def run_catalog(mutants: Sequence[Mutant], opts: RunOptions, workers: int = 1,
                progress: Callable[[MutantResult], None] | None = None) -> list[MutantResult]:
    """Each mutant in its own stack copy and pytest process; `workers` of them at once."""
    def one(m: Mutant) -> MutantResult:
        res = run_mutant(m, opts)
        if progress is not None:
            progress(res)
        return res

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, mutants))
