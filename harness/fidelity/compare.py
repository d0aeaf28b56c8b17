"""Per scenario, the suites' results on the endpoint's own gateway against the harness's data plane."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.fidelity.causes import explain, extract_reason
from harness.runreport.junit import CaseResult

GatewayKind = Literal["harness", "native"]
Verdict = Literal["pass", "fail", "skipped", "not run"]

SCENARIOS: dict[str, str] = {
    "S1": "onboarding", "S2": "API-level isolation", "S3": "data-level isolation",
    "S4": "policy properties", "S5": "role matrix", "S6": "throttling and quotas",
    "S7": "authorizer cache", "S8": "tenant pipeline", "S9": "offboarding", "S10": "hostile input",
    "S11": "fail closed",
}


def verdict(cases: Sequence[CaseResult]) -> Verdict:
    """A scenario passes when none of its tests failed or errored and at least one passed."""
    if not cases:
        return "not run"
    if any(c.outcome in ("failed", "error") for c in cases):
        return "fail"
    return "pass" if any(c.outcome == "passed" for c in cases) else "skipped"


@dataclass
class Reason:
    """One cause of differing results: a known cause (or, unknown, one reason text), its distinct reasons
    as read off the failures, and the tests it explains."""

    cause: str | None
    explanation: str | None
    aws_doc: str | None
    reasons: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.cause or self.reasons[0]

    def as_dict(self) -> dict[str, Any]:
        return {"cause": self.cause, "explanation": self.explanation, "aws_doc": self.aws_doc,
                "reasons": self.reasons, "count": len(self.tests), "tests": self.tests}


@dataclass
class ScenarioComparison:
    """One scenario on both gateways: counts, verdicts, the tests whose outcome differs and why."""

    suite: str
    title: str
    harness: dict[str, int]
    native: dict[str, int]
    harness_verdict: Verdict
    native_verdict: Verdict
    differing_tests: list[str]
    reasons: list[Reason]
    skipped_on_both: list[Reason] = field(default_factory=list)  # tests neither gateway ran, and why

    @property
    def differs(self) -> bool:
        return self.harness_verdict != self.native_verdict or bool(self.differing_tests)

    def as_dict(self) -> dict[str, Any]:
        return {"suite": self.suite, "title": self.title, "differs": self.differs,
                "harness": {"verdict": self.harness_verdict, **self.harness},
                "native": {"verdict": self.native_verdict, **self.native},
                "differing_tests": self.differing_tests, "reasons": [r.as_dict() for r in self.reasons],
                "skipped_on_both": [r.as_dict() for r in self.skipped_on_both]}


def _counts(cases: Iterable[CaseResult]) -> dict[str, int]:
    out = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
    for c in cases:
        out[c.outcome] += 1
    return out


def _suite_order(sid: str) -> tuple[int, str]:
    return (int(sid[1:]) if sid[:1] == "S" and sid[1:].isdigit() else 10**6, sid)


def group_reasons(failures: Iterable[tuple[str, str]]) -> list[Reason]:
    """(test, message) pairs grouped by known cause (unknown ones by reason text), most tests first."""
    groups: dict[str, Reason] = {}
    for test, message in failures:
        text = extract_reason(message)
        cause = explain(message)
        key = f"cause:{cause.id}" if cause else f"reason:{text}"
        group = groups.get(key)
        if group is None:
            group = groups[key] = Reason(cause.id if cause else None, cause.explanation if cause else None,
                                         cause.aws_doc if cause else None)
        if text not in group.reasons:
            group.reasons.append(text)
        if test not in group.tests:
            group.tests.append(test)
    return sorted(groups.values(), key=lambda r: (-len(r.tests), r.label))


def _differing(h: dict[str, CaseResult], n: dict[str, CaseResult]) -> list[tuple[str, CaseResult]]:
    """Tests whose outcome differs, each with the side that did worse (the one whose message explains it)."""
    rank = {"passed": 0, "skipped": 1, "failed": 2, "error": 2}
    out = []
    for test in sorted(set(h) | set(n)):
        hc, nc = h.get(test), n.get(test)
        if hc is None or nc is None:
            present = hc or nc
            assert present is not None
            out.append((test, present))
        elif hc.outcome != nc.outcome and rank[hc.outcome] != rank[nc.outcome]:
            out.append((test, nc if rank[nc.outcome] > rank[hc.outcome] else hc))
    return out


def compare_scenarios(harness: Sequence[CaseResult],
                      native: Sequence[CaseResult]) -> list[ScenarioComparison]:
    """Every scenario either run saw, in S1..S11 order."""
    suites = sorted({c.suite for c in harness} | {c.suite for c in native}, key=_suite_order)
    out = []
    for sid in suites:
        hs = [c for c in harness if c.suite == sid]
        ns = [c for c in native if c.suite == sid]
        by_h, by_n = {c.nodeid: c for c in hs}, {c.nodeid: c for c in ns}
        differing = _differing(by_h, by_n)
        failures = [(test, case.message or f"{case.outcome} on one gateway only") for test, case in differing]
        skipped = [(t, c.message) for t, c in by_n.items()
                   if c.outcome == "skipped" and t in by_h and by_h[t].outcome == "skipped"]
        out.append(ScenarioComparison(
            sid, SCENARIOS.get(sid, sid), _counts(hs), _counts(ns), verdict(hs), verdict(ns),
            [t for t, _ in differing], group_reasons(failures), group_reasons(skipped)))
    return out


def main_job_reasons(native_summary: dict[str, Any]) -> list[Reason]:
    """The main job's failures on the native gateway, by step (each a 'tenant: step: expected, got' line)."""
    failures = [str(f) for f in native_summary.get("failures", [])]
    return group_reasons((f.split(": ", 2)[1] if f.count(": ") >= 2 else f, f) for f in failures)
