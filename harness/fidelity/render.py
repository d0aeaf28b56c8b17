"""The fidelity report as JSON (for tools) and markdown (docs/FIDELITY.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.fidelity.compare import Reason, ScenarioComparison

VERSION = 1


@dataclass
class FidelityReport:
    """Both runs' outcomes per scenario, with the reasons the native gateway's results differ."""

    command: str
    upstream: str
    endpoint_label: str
    profile: str
    tiers: str
    scenarios: list[ScenarioComparison]
    main_job: dict[str, Any]
    main_job_reasons: list[Reason] = field(default_factory=list)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def differing(self) -> list[ScenarioComparison]:
        return [s for s in self.scenarios if s.differs]

    def as_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "command": self.command, "upstream": self.upstream,
                "endpoint": self.endpoint_label, "profile": self.profile, "tiers": self.tiers,
                "differences": len(self.differing), "scenarios": [s.as_dict() for s in self.scenarios],
                "main_job": {**self.main_job, "reasons": [r.as_dict() for r in self.main_job_reasons]},
                "runs": self.runs}


def _cell(verdict: str, counts: dict[str, int]) -> str:
    bad = counts["failed"] + counts["error"]
    detail = f"{counts['passed']} passed" + (f", {bad} failed" if bad else "") + (
        f", {counts['skipped']} skipped" if counts["skipped"] else "")
    return f"{verdict} ({detail})"


def _reason_lines(reasons: list[Reason], what: str = "tests", limit: int = 8) -> list[str]:
    lines = []
    for r in reasons:
        n = len(r.tests)
        head = f"**{r.cause}**: {r.explanation} ([AWS]({r.aws_doc}))" if r.cause else "**unexplained**"
        lines.append(f"- {head} ({n} {what if n != 1 else what.rstrip('s')})")
        for text in r.reasons[:limit]:
            lines.append(f"  - `{text.replace('`', chr(39))}`")
        shown = ", ".join(f"`{t.split('::', 1)[-1]}`" for t in r.tests[:limit])
        more = f" and {n - limit} more" if n > limit else ""
        lines.append(f"  - {what}: {shown}{more}")
    return lines


def markdown(report: FidelityReport) -> str:
    """docs/FIDELITY.md: the command that regenerates it first, then the table, then each difference."""
    out = [f"# Fidelity: the native API Gateway of {report.endpoint_label}, beside the harness's data plane",
           "",
           "Regenerate (from the checkout, after `make install ministack`; `make fidelity` runs the same):",
           "", "```sh", report.command, "```", "",
           f"The same isolation suites (profile `{report.profile}`) ran twice against "
           f"{report.endpoint_label} as the upstream: once with the harness's front door and API Gateway "
           "data plane in front (`saas-harness run --upstream URL`), once with API traffic sent to the "
           "endpoint's own execute-api "
           "(`--gateway native`; the endpoint then runs the authorizer and the functions itself, and the "
           f"functions call its services directly). Main job tiers: `{report.tiers}`. A scenario differs "
           "when its verdict or any test's outcome differs; each reason is read off the failing assertion "
           "or error, with run-specific names replaced by placeholders. A cause that stops a test early "
           "hides whatever its later steps would have shown.", "",
           f"**{len(report.differing)} of {len(report.scenarios)} scenarios differ.**", "",
           "| Scenario | harness data plane | native gateway | differs | main reason |",
           "|---|---|---|---|---|"]
    for s in report.scenarios:
        top = s.reasons[0] if s.reasons else None
        why = top.label if top else ""
        out.append(f"| {s.suite} {s.title} | {_cell(s.harness_verdict, s.harness)} | "
                   f"{_cell(s.native_verdict, s.native)} | {'yes' if s.differs else 'no'} | "
                   f"{why.replace('|', '/')} |")
    out += ["", "## The main job", "",
            f"- harness data plane: {'ok' if report.main_job.get('harness_ok') else 'failed'}",
            f"- native gateway: {'ok' if report.main_job.get('native_ok') else 'failed'}", ""]
    out += _reason_lines(report.main_job_reasons, "steps")
    for s in report.differing:
        out += ["", f"## {s.suite} {s.title}", "",
                f"harness data plane: {_cell(s.harness_verdict, s.harness)}; "
                f"native gateway: {_cell(s.native_verdict, s.native)}.", ""]
        out += _reason_lines(s.reasons)
    skipped = [s for s in report.scenarios if s.skipped_on_both]
    if skipped:
        out += ["", "## Skipped on both gateways", "",
                "Tests neither run could run, so they say nothing about the gateways; the reason is the "
                "skip message.", ""]
        for s in skipped:
            out += [f"### {s.suite} {s.title}", "", *_reason_lines(s.skipped_on_both), ""]
    return "\n".join(out).rstrip() + "\n"


def write(report: FidelityReport, json_path: Path | None, md_path: Path | None) -> None:
    for path, text in ((json_path, json.dumps(report.as_dict(), indent=2) + "\n"),
                       (md_path, markdown(report) if md_path else "")):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
