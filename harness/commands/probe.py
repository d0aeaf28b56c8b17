"""`saas-harness probe URL`: what an AWS-compatible endpoint itself supports, per service and behaviour."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from harness.report.console import err, out
from harness.targets.probe import ProbeReport, run_probe
from harness.targets.spec import TargetSpecError, check_url
from harness.targets.verdicts import Verdict

COLOURS = {Verdict.SUPPORTED: "green", Verdict.PARTIAL: "yellow", Verdict.UNSUPPORTED: "red"}


def probe_table(report: ProbeReport) -> Table:
    table = Table(title=f"what {report.endpoint} itself supports", title_justify="left")
    for column in ("service", "behaviour", "verdict", "observed"):
        table.add_column(column, overflow="fold")
    for c in report.capabilities:
        colour = COLOURS[c.verdict]
        table.add_row(c.service, escape(c.behaviour), f"[{colour}]{c.verdict.value}[/{colour}]",
                      escape(c.reason))
    return table


def print_probe(report: ProbeReport) -> None:
    """The table and one line saying what the harness front door covers for the endpoint."""
    out.print(probe_table(report))
    lacking = report.count(Verdict.PARTIAL) + report.count(Verdict.UNSUPPORTED)
    out.print(f"{report.count(Verdict.SUPPORTED)} supported, {report.count(Verdict.PARTIAL)} partial, "
              f"{report.count(Verdict.UNSUPPORTED)} unsupported ({report.seconds:.1f} s)"
              + ("; the harness front door (SigV4, IAM gate, STS, Cognito, API Gateway data plane, Lambda "
                 "runtime) serves these in front of the endpoint" if lacking else ""), soft_wrap=True)


def write_probe(report: ProbeReport, path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(report.as_dict(), indent=2) + "\n")


def cmd_probe(args: argparse.Namespace) -> int:
    try:
        url = check_url(args.url)
    except TargetSpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    err.print(f"Probing {url} ...")
    report = run_probe(url, args.region)
    if not any(c.verdict is Verdict.SUPPORTED for c in report.capabilities):
        print(f"error: {url} did not answer as an AWS endpoint (every probe failed: "
              f"{report.capabilities[0].reason})", file=sys.stderr)
        if args.json:
            write_probe(report, args.json)
        return 2
    print_probe(report)
    if args.json:
        write_probe(report, args.json)
    return 0
