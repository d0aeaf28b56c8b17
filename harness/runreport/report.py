"""The run report's content: the main job, per-suite counts, findings, repros and cross-tenant attempts."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.runreport.junit import CaseResult
from harness.suites.repro import ReproError, load

VERSION = 1


@dataclass
class SuiteSummary:
    """One suite file: how its tests ended, how long they took, how many cross-tenant attempts they made."""

    suite: str
    file: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    seconds: float = 0.0
    attempts: int = 0

    @property
    def tests(self) -> int:
        return self.passed + self.failed + self.skipped + self.errors

    @property
    def attempts_per_s(self) -> float:
        return round(self.attempts / self.seconds, 1) if self.seconds > 0 else 0.0

    def add(self, case: CaseResult) -> None:
        if case.outcome == "passed":
            self.passed += 1
        elif case.outcome == "failed":
            self.failed += 1
        elif case.outcome == "error":
            self.errors += 1
        else:
            self.skipped += 1
        self.seconds = round(self.seconds + case.seconds, 3)
        self.attempts += case.attempts

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tests": self.tests, "attempts_per_s": self.attempts_per_s}


@dataclass(frozen=True)
class ReproEntry:
    """A repro the suites saved, and the one line that replays it."""

    path: str
    test: str | None
    finding: str
    command: str


@dataclass(frozen=True)
class Finding:
    """A test that failed or errored, with its message and the repro it saved (if any)."""

    suite: str
    test: str
    outcome: str
    message: str
    repro: str | None = None


@dataclass
class RunReport:
    """Everything `saas-harness run` found, as the markdown, JSON and JUnit writers need it."""

    main_job: dict[str, Any] | None = None
    suites: list[SuiteSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    repros: list[ReproEntry] = field(default_factory=list)
    cases: list[CaseResult] = field(default_factory=list)
    suites_wall_s: float = 0.0
    suites_ran: bool = False
    suites_error: str | None = None
    """Why the suites could not run or report (pytest broke, nothing was collected); None when they did."""

    @property
    def attempts(self) -> int:
        return sum(s.attempts for s in self.suites)

    @property
    def main_job_ok(self) -> bool:
        return self.main_job is None or bool(self.main_job.get("ok"))

    @property
    def ok(self) -> bool:
        return self.main_job_ok and not self.findings and self.suites_error is None

    def totals(self) -> dict[str, Any]:
        seconds = round(sum(s.seconds for s in self.suites), 3)
        return {"tests": sum(s.tests for s in self.suites), "passed": sum(s.passed for s in self.suites),
                "failed": sum(s.failed for s in self.suites), "skipped": sum(s.skipped for s in self.suites),
                "errors": sum(s.errors for s in self.suites), "seconds": seconds,
                "wall_seconds": round(self.suites_wall_s, 3), "cross_tenant_attempts": self.attempts,
                "attempts_per_s": round(self.attempts / seconds, 1) if seconds > 0 else 0.0}

    def as_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "ok": self.ok, "main_job": self.main_job,
                "suites_ran": self.suites_ran, "suites_error": self.suites_error,
                "suites": [s.as_dict() for s in self.suites], "totals": self.totals(),
                "findings": [asdict(f) for f in self.findings], "repros": [asdict(r) for r in self.repros]}


def replay_command(path: Path, adapter: str | None) -> str:
    """The one line that replays a repro (against a fresh embedded target unless told otherwise)."""
    extra = f" --adapter {shlex.quote(adapter)}" if adapter else ""
    return f"saas-harness replay {shlex.quote(str(path))}{extra}"


def read_repro(path: Path) -> ReproEntry:
    """A repro file as a report entry; an unreadable one is listed with what is wrong with it."""
    try:
        doc = load(path)
    except ReproError as exc:
        return ReproEntry(str(path), None, f"unreadable repro: {exc}", replay_command(path, None))
    test = doc.target.get("test")
    adapter = doc.target.get("adapter")
    return ReproEntry(str(path), str(test) if test else None, doc.finding,
                      replay_command(path, str(adapter) if adapter else None))


def _repro_of(case: CaseResult, repros: Sequence[ReproEntry]) -> str | None:
    """The repro a failing test saved: by node id, or for a file outside pytest's rootdir (whose node id
    pytest writes as `::name`) by the test name when the file part agrees."""
    exact = [r.path for r in repros if r.test == case.nodeid]
    if exact:
        return exact[0]
    name = case.nodeid.rsplit("::", 1)[-1]
    near = [r.path for r in repros if r.test and r.test.rsplit("::", 1)[-1] == name
            and case.file.endswith(r.test.rsplit("::", 1)[0])]
    return near[0] if len(near) == 1 else None


def summarise(cases: Iterable[CaseResult]) -> list[SuiteSummary]:
    """Per suite file, in the order the files first appear."""
    by_file: dict[str, SuiteSummary] = {}
    for case in cases:
        summary = by_file.setdefault(case.file, SuiteSummary(case.suite, case.file))
        summary.add(case)
    return list(by_file.values())


def build_report(cases: Sequence[CaseResult], repro_files: Iterable[Path], *,
                 main_job: dict[str, Any] | None = None, suites_wall_s: float = 0.0,
                 suites_ran: bool = True, suites_error: str | None = None) -> RunReport:
    """The report from the suites' test results and the repros they saved."""
    repros = [read_repro(p) for p in sorted(repro_files)]
    findings = [Finding(c.suite, c.nodeid, c.outcome, c.message, _repro_of(c, repros))
                for c in cases if c.outcome in ("failed", "error")]
    return RunReport(main_job, summarise(cases), findings, repros, list(cases), suites_wall_s, suites_ran,
                     suites_error)
