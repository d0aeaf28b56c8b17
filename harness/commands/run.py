"""`saas-harness run`: the main job on a throwaway embedded target, then the isolation suites on the same
target, and a report (markdown, JSON, JUnit XML)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.markup import escape

from harness.commands.saas import saas_client, step_failure
from harness.commands.signals import interrupt_once
from harness.report.console import err, out, run_table, stage_progress, suites_table
from harness.report.failures import describe_failures
from harness.runreport.report import RunReport
from harness.runtime.failures import FunctionFailure
from harness.saas.run import RunSummary, run_job

REPRO_DIR = Path(".harness") / "repros"


def _report(headline: str, failures: list[FunctionFailure]) -> None:
    print(f"error: {headline}", file=sys.stderr)
    for line in describe_failures(failures):
        print(f"  {line}", file=sys.stderr)


def _suite_files(args: argparse.Namespace) -> list[str] | None:
    """The suite files to run (None with --no-suites); SuiteSelectionError when none can be found."""
    if args.no_suites:
        return None
    from harness.runreport.suites import default_paths, select

    paths = tuple(Path(p) for p in args.suites) if args.suites else default_paths()
    return select(paths, tuple(args.only or ()))


def cmd_run(args: argparse.Namespace) -> int:
    """Up (embedded), onboard mixed tiers, exercise, cross-tenant reads, the suites, the report."""
    from harness.runreport.suites import SuiteSelectionError
    from harness.saas.onboard import parse_tiers
    from harness.target import gateway_problem
    from harness.targets.spec import TargetKind, TargetSpecError, target_from_args

    try:
        spec = target_from_args(args)
        counts = parse_tiers(args.tiers)
        files = _suite_files(args)
        problem = gateway_problem(args.gateway, spec.url)
        if problem:
            raise ValueError(problem)
    except (ValueError, SuiteSelectionError, TargetSpecError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if spec.kind is TargetKind.STATE:
        from harness.commands.run_attached import run_attached

        return run_attached(args, spec, counts, files)
    args.upstream = spec.url
    work = Path(tempfile.mkdtemp(prefix="saas-harness-")).resolve()
    rc = 2
    interrupt_once()
    try:
        rc = _run(args, counts, files, work)
        return rc
    except KeyboardInterrupt:
        print("Interrupted; stopped the target, its Lambda workers and the suites.", file=sys.stderr)
        rc = 130
        return rc
    finally:
        if rc == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"Lambda logs and stack records kept in {work}", file=sys.stderr)


def _run(args: argparse.Namespace, counts: dict[str, int], files: list[str] | None, work: Path) -> int:
    from harness.commands.endpoint import endpoint_hint, prepare_endpoint
    from harness.commands.faults import plan_from_args
    from harness.saas.bootstrap import bring_up
    from harness.saas.onboard import OnboardError
    from harness.state import write_state
    from harness.target import EmbeddedTarget, TargetOptions

    faults, rc = plan_from_args(args)
    if rc:
        return rc
    probe = prepare_endpoint(args)
    if probe is None:
        return 2
    opts = TargetOptions(port=args.port, region=args.region, upstream_url=args.upstream,
                         work_dir=work, max_environments=args.max_environments, faults=faults,
                         gateway=args.gateway)
    t0 = time.perf_counter()
    err.print("Starting the embedded target and deploying the SaaS under test ...")
    with EmbeddedTarget(opts) as target:
        try:
            deployment = bring_up(target, work)
        except Exception as exc:
            _report(f"could not bring the SaaS up: {type(exc).__name__}: {exc}{endpoint_hint(args, exc)}",
                    target.failed_functions())
            return 2
        up_s = time.perf_counter() - t0
        err.print(f"Up in {up_s:.1f} s at {target.endpoint}")
        try:
            with stage_progress(not args.quiet) as progress:
                summary = run_job(saas_client(deployment.state), counts, items=args.items,
                                  concurrency=args.concurrency, progress=progress)
        except OnboardError as exc:
            _report(step_failure(exc), target.failed_functions())
            return 1
        failed = [] if summary.ok else target.failed_functions()
        summary.timings["up_s"] = round(up_s, 3)
        summary.timings["total_s"] = round(time.perf_counter() - t0, 3)
        result = summary.as_dict()
        if probe:
            result["probe"] = probe
        _print_summary(summary, result)
        for line in describe_failures(failed):
            out.print(f"  {line}")
        report = _suites_stage(args, files, write_state(deployment.state, work), result)
    return _finish(args, report, result)


def _suites_stage(args: argparse.Namespace, files: list[str] | None, state_file: Path,
                  main_job: dict[str, Any]) -> RunReport:
    """The suites in a pytest subprocess attached to this run's target, read back into the report."""
    from harness.runreport.junit import JUnitError, read_cases
    from harness.runreport.report import build_report
    from harness.runreport.suites import SuitesOptions, new_repros, run_suites

    if files is None:
        return build_report([], [], main_job=main_job, suites_ran=False)
    opts = SuitesOptions(profile=args.profile, adapter=args.adapter, pytest_args=tuple(args.pytest_arg or ()),
                         timeout=args.suites_timeout)
    err.print(f"Running {len(files)} suite file(s) on the same target (profile {opts.profile}) ...")
    echo = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    run = run_suites(files, opts, Path(args.report_dir), state_file, echo)
    error: str | None
    try:
        cases = read_cases(run.junit)
    except JUnitError as exc:
        cases, error = [], run.error or f"no JUnit results: {exc}"
    else:
        error = run.error
    return build_report(cases, new_repros(Path.cwd() / REPRO_DIR, run.started), main_job=main_job,
                        suites_wall_s=run.wall_s, suites_error=error)


def _finish(args: argparse.Namespace, report: RunReport, main_job: dict[str, Any]) -> int:
    from harness.runreport.render import write_report

    doc = report.as_dict()
    if report.suites_ran:
        out.print(suites_table(doc))
        for f in report.findings:
            first = f.message.splitlines()[0][:200] if f.message else ""
            out.print(f"[red]finding[/red] {escape(f.test)}: {escape(first)}", soft_wrap=True)
        for r in report.repros:
            out.print(f"  repro: {escape(r.command)}", soft_wrap=True)
        if report.suites_error:
            out.print(f"[red]the suites did not complete:[/red] {escape(report.suites_error)}",
                      soft_wrap=True)
    written = write_report(report, Path(args.report_dir))
    out.print(f"Report: {escape(str(written.markdown))} ({written.json.name}, {written.junit.name})",
              soft_wrap=True)
    if args.json:
        main_job = {**main_job, "ok": report.ok}
        if report.suites_ran:
            main_job["suites"] = {"totals": doc["totals"], "suites": doc["suites"],
                                  "findings": doc["findings"], "repros": doc["repros"],
                                  "error": doc["suites_error"]}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(main_job, indent=2) + "\n")
    if report.ok:
        return 0
    return 2 if report.suites_error and not report.findings and report.main_job_ok else 1


def _print_summary(summary: RunSummary, result: dict[str, Any]) -> None:
    out.print(run_table(result))
    verdict = "[green]no isolation violations[/green]" if summary.ok else (
        f"[red]{len(summary.violations)} violation(s), {len(summary.failures)} failure(s)[/red]")
    out.print(f"{len(summary.tenants)} tenants, {len(summary.attempts)} cross-tenant reads: "
              f"{verdict} ({summary.timings['total_s']:.1f} s)")
    for failure in summary.failures[:20]:
        out.print(f"  - {failure}")
