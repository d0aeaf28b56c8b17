"""The suites stage of `saas-harness run`: pick the suite files, run pytest on the run's own target."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import harness
from harness.runreport.junit import suite_id

CHECKOUT_SUITES = Path(harness.__file__).resolve().parents[1] / "scenarios"
"""The repository's scenarios/, beside the harness package in a checkout (editable install)."""
NO_TESTS_COLLECTED = 5


class SuiteSelectionError(ValueError):
    """The suites named cannot be found, or `--only` picks none of them."""


@dataclass(frozen=True)
class SuitesOptions:
    """Which suites to run and how: files or folders, `--only` ids, profile, adapter, extra pytest args."""

    paths: tuple[Path, ...] = ()
    only: tuple[str, ...] = ()
    profile: str = "ci"
    adapter: str | None = None
    pytest_args: tuple[str, ...] = ()
    timeout: float = 3600.0


@dataclass
class SuitesRun:
    """What pytest did: its exit code, where its JUnit XML and log are, how long it took."""

    returncode: int
    junit: Path
    log: Path
    wall_s: float
    started: float
    files: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """Why the results say nothing (pytest broke or collected nothing); None when they are the verdict."""
        if self.returncode in (0, 1):
            return None
        if self.returncode == NO_TESTS_COLLECTED:
            return "pytest collected no tests"
        if self.returncode < 0:
            return f"pytest did not finish (exit {self.returncode}): see {self.log}"
        return f"pytest exited {self.returncode} (interrupted, internal or usage error): see {self.log}"


def default_paths() -> tuple[Path, ...]:
    """The checkout's scenarios/; an installed copy without one must name its suites with --suites."""
    if CHECKOUT_SUITES.is_dir():
        return (CHECKOUT_SUITES,)
    raise SuiteSelectionError(f"no scenarios folder at {CHECKOUT_SUITES} (the harness is not run from a "
                              "checkout): name your suites with --suites PATH, or pass --no-suites")


def _suite_order(path: Path) -> tuple[int, str]:
    """S2 before S10: by the suite's number, then by name."""
    sid = suite_id(path.name)
    return (int(sid[1:]) if sid[:1] == "S" and sid[1:].isdigit() else 10**6, path.name)


def select(paths: Sequence[Path], only: Sequence[str] = ()) -> list[str]:
    """The suite files to run: each folder's test_*.py files, files as given; `only` keeps suite ids."""
    files: list[str] = []
    for path in paths:
        file_part = Path(str(path).split("::", 1)[0])
        if file_part.is_dir():
            files += [str(p) for p in sorted(file_part.glob("test_*.py"), key=_suite_order)]
        elif file_part.is_file():
            files.append(str(path))
        else:
            raise SuiteSelectionError(f"--suites {path}: no such file or folder")
    if only:
        wanted = {o.strip().upper() for o in only}
        files = [f for f in files if suite_id(f.split("::", 1)[0]).upper() in wanted]
        if not files:
            raise SuiteSelectionError(f"--only {', '.join(only)}: no suite file matches among "
                                      f"{', '.join(str(p) for p in paths)}")
    if not files:
        raise SuiteSelectionError(f"no test_*.py suite files in {', '.join(str(p) for p in paths)}")
    return files


def pytest_command(files: Sequence[str], opts: SuitesOptions, junit: Path,
                   state_file: Path | None) -> list[str]:
    """pytest as the mutant runner runs it (xunit1 JUnit carries file names), attached to the run's target."""
    cmd = [sys.executable, "-m", "pytest", *files, "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
           "-o", "junit_family=xunit1", "--saas-profile", opts.profile]
    if state_file is not None:
        cmd += ["--saas-state", str(state_file)]
    if opts.adapter:
        cmd += ["--saas-adapter", opts.adapter]
    return [*cmd, *opts.pytest_args]


def suites_env(base: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without a surrounding pytest's per-process variables, with the checkout on
    PYTHONPATH so the default adapter (stack.harness_adapter) imports for suites outside the checkout too."""
    env = {k: v for k, v in base.items() if not k.startswith(("PYTEST_XDIST_", "PYTEST_CURRENT_TEST"))}
    env["PYTHONUNBUFFERED"] = "1"
    if CHECKOUT_SUITES.parent.joinpath("stack").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CHECKOUT_SUITES.parent), base.get("PYTHONPATH"))
                                            if p)
    return env


def run_suites(files: Sequence[str], opts: SuitesOptions, out_dir: Path, state_file: Path | None,
               echo: Callable[[str], None] | None = None) -> SuitesRun:
    """pytest in a subprocess from the current folder (repros land in its .harness/repros/); its output
    goes to `out_dir/pytest.log` and, line by line, to `echo`."""
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    junit, log = out_dir / "suites-junit.xml", out_dir / "pytest.log"
    junit.unlink(missing_ok=True)
    cmd = pytest_command(files, opts, junit, state_file)
    started = time.time()
    t0 = time.perf_counter()
    env = suites_env(os.environ)
    with log.open("w") as sink:
        sink.write(" ".join(cmd) + "\n")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                cwd=os.getcwd())
        assert proc.stdout is not None
        timer = threading.Timer(opts.timeout, proc.kill)  # a silent hang is stopped too
        timer.start()
        try:
            for line in proc.stdout:
                sink.write(line)
                sink.flush()
                if echo is not None:
                    echo(line.rstrip("\n"))
            rc = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
    return SuitesRun(rc, junit, log, time.perf_counter() - t0, started, list(files))


def new_repros(repro_dir: Path, since: float) -> list[Path]:
    """The repro files written (or rewritten) at or after `since` (a time.time() value)."""
    if not repro_dir.is_dir():
        return []
    return sorted(p for p in repro_dir.glob("*.json") if p.stat().st_mtime >= since - 1.0)
