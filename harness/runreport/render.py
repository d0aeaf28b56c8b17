"""The run report written out: markdown for people, JSON for tools, JUnit XML for CI dashboards."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.runreport.junit import CaseResult
from harness.runreport.report import RunReport

MESSAGE_LINES = 20


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _main_job_lines(job: dict[str, Any]) -> list[str]:
    counts = job.get("counts", {})
    timings = job.get("timings", {})
    lines = ["## Main job", "",
             "| tenants | cross-tenant reads | violations | failures | seconds |",
             "|---:|---:|---:|---:|---:|",
             f"| {counts.get('tenants', 0)} | {counts.get('cross_tenant_attempts', 0)} | "
             f"{counts.get('violations', 0)} | {counts.get('failures', 0)} | "
             f"{timings.get('total_s', 0)} |", ""]
    for v in job.get("violations", []):
        lines.append(f"- violation: {_cell(v.get('attacker'))} read {_cell(v.get('victim'))}'s item at "
                     f"`{v.get('url')}` (HTTP {v.get('status')})")
    for f in job.get("failures", [])[:20]:
        lines.append(f"- failure: {_cell(f)}")
    return [*lines, ""] if job.get("violations") or job.get("failures") else lines


def _suite_lines(report: RunReport) -> list[str]:
    lines = ["## Suites", ""]
    if report.suites_error:
        lines += [f"**The suites did not complete:** {_cell(report.suites_error)}", ""]
    if not report.suites:
        return [*lines, "No suite results.", ""]
    lines += ["| suite | file | passed | failed | skipped | errors | seconds | cross-tenant attempts "
              "| attempts/s |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in report.suites:
        lines.append(f"| {s.suite} | `{s.file}` | {s.passed} | {s.failed} | {s.skipped} | {s.errors} | "
                     f"{s.seconds:.1f} | {s.attempts} | {s.attempts_per_s} |")
    t = report.totals()
    lines += [f"| **all** | | {t['passed']} | {t['failed']} | {t['skipped']} | {t['errors']} | "
              f"{t['seconds']:.1f} | {t['cross_tenant_attempts']} | {t['attempts_per_s']} |", "",
              f"pytest wall time {t['wall_seconds']:.1f} s (bring-up and onboarding included).", ""]
    return lines


def _finding_lines(report: RunReport) -> list[str]:
    lines = ["## Findings", ""]
    if not report.findings:
        return [*lines, "None.", ""]
    for f in report.findings:
        message = f.message.strip().splitlines()[:MESSAGE_LINES] or ["(no message)"]
        lines += [f"### {f.suite}: `{f.test}` ({f.outcome})", "", "```", *message, "```", ""]
        if f.repro:
            lines += [f"Repro: `{f.repro}`", ""]
    return lines


def _repro_lines(report: RunReport) -> list[str]:
    lines = ["## Repros", ""]
    if not report.repros:
        return [*lines, "None saved.", ""]
    for r in report.repros:
        lines.append(f"- `{r.test or r.path}`: {_cell(r.finding)}  ")
        lines.append(f"  `{r.command}`")
    return [*lines, ""]


def _skip_lines(cases: list[CaseResult]) -> list[str]:
    reasons: dict[str, int] = {}
    for c in cases:
        if c.outcome == "skipped":
            reasons[c.message or "(no reason)"] = reasons.get(c.message or "(no reason)", 0) + 1
    if not reasons:
        return []
    return ["## Skipped", "", *(f"- {n} x {_cell(reason)}" for reason, n in sorted(reasons.items())), ""]


def markdown(report: RunReport) -> str:
    """The report a person reads first: verdict, main job, suites table, findings, repros, skips."""
    verdict = "PASS: no isolation findings" if report.ok else (
        f"FAIL: {len(report.findings)} finding(s)"
        + ("" if report.main_job_ok else ", the main job failed")
        + ("" if report.suites_error is None else ", the suites did not complete"))
    lines = ["# saas-harness run report", "", f"**{verdict}**", ""]
    if report.main_job:
        lines += [f"Target: `{report.main_job.get('endpoint', '')}`", ""]
        lines += _main_job_lines(report.main_job)
    if report.suites_ran or report.suites_error:
        lines += [*_suite_lines(report), *_finding_lines(report), *_repro_lines(report),
                  *_skip_lines(report.cases)]
    return "\n".join(lines).rstrip() + "\n"


def _case_element(parent: ET.Element, case: CaseResult) -> None:
    el = ET.SubElement(parent, "testcase", classname=case.suite, name=case.name, file=case.file,
                       time=f"{case.seconds:.3f}")
    if case.outcome != "passed":
        tag = {"failed": "failure", "error": "error", "skipped": "skipped"}[case.outcome]
        child = ET.SubElement(el, tag, message=case.message.splitlines()[0][:500] if case.message else "")
        child.text = case.message
    props = ET.SubElement(el, "properties")
    ET.SubElement(props, "property", name="nodeid", value=case.nodeid)
    ET.SubElement(props, "property", name="cross_tenant_attempts", value=str(case.attempts))


def _main_job_suite(root: ET.Element, job: dict[str, Any]) -> None:
    tenants = job.get("tenants", [])
    failing = [t for t in tenants if t.get("errors") or t.get("violations")]
    suite = ET.SubElement(root, "testsuite", name="main job", tests=str(len(tenants)),
                          failures=str(len(failing)), errors="0", skipped="0",
                          time=f"{float(job.get('timings', {}).get('total_s', 0)):.3f}")
    for t in tenants:
        el = ET.SubElement(suite, "testcase", classname="main job",
                           name=f"{t.get('name')} ({t.get('tier')}, {t.get('placement')})", time="0")
        if t.get("errors") or t.get("violations"):
            text = "\n".join([*(str(e) for e in t.get("errors", [])),
                              *(f"{v} cross-tenant read(s) leaked" for v in [t.get("violations")] if v)])
            child = ET.SubElement(el, "failure", message=text.splitlines()[0][:500] if text else "")
            child.text = text


def junit(report: RunReport) -> str:
    """One testsuite for the main job (a testcase per tenant), then one per suite file."""
    t = report.totals()
    failing_main = sum(1 for x in (report.main_job or {}).get("tenants", [])
                       if x.get("errors") or x.get("violations"))
    root = ET.Element("testsuites", name="saas-harness run",
                      tests=str(t["tests"] + len((report.main_job or {}).get("tenants", []))),
                      failures=str(t["failed"] + failing_main), errors=str(t["errors"]),
                      skipped=str(t["skipped"]), time=f"{t['wall_seconds']:.3f}")
    if report.main_job:
        _main_job_suite(root, report.main_job)
    for s in report.suites:
        suite = ET.SubElement(root, "testsuite", name=f"{s.suite} {s.file}", tests=str(s.tests),
                              failures=str(s.failed), errors=str(s.errors), skipped=str(s.skipped),
                              time=f"{s.seconds:.3f}")
        for case in report.cases:
            if case.file == s.file:
                _case_element(suite, case)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


@dataclass(frozen=True)
class Written:
    markdown: Path
    json: Path
    junit: Path


def write_report(report: RunReport, report_dir: Path) -> Written:
    """report.md, report.json and report.xml in `report_dir` (made if missing)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    out = Written(report_dir / "report.md", report_dir / "report.json", report_dir / "report.xml")
    out.markdown.write_text(markdown(report))
    out.json.write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    out.junit.write_text(junit(report))
    return out
