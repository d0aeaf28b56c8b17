"""`saas-harness fidelity`: `run` twice on one endpoint (harness data plane, then its own gateway)."""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness.commands.signals import interrupt_once
from harness.fidelity.compare import GatewayKind, compare_scenarios, main_job_reasons
from harness.fidelity.render import FidelityReport, write
from harness.runreport.junit import CaseResult, JUnitError, read_cases

GATEWAYS: tuple[GatewayKind, ...] = ("harness", "native")


def run_command(args: argparse.Namespace, upstream: str, gateway: GatewayKind, out: Path) -> list[str]:
    """`saas-harness run` as a user would type it, on a fresh port, its report in `out`."""
    cmd = [sys.executable, "-m", "harness.cli", "run", "--upstream", upstream, "--gateway", gateway,
           "--port", "0", "--tiers", args.tiers, "--quiet", "--profile", args.profile,
           "--report-dir", str(out), "--json", str(out / "summary.json"),
           "--suites-timeout", str(args.suites_timeout)]
    for only in args.only or ():
        cmd += ["--only", only]
    if args.suites:
        cmd += ["--suites", *args.suites]
    for extra in args.pytest_arg or ():
        cmd.append(f"--pytest-arg={extra}")
    return cmd


def _reset(upstream: str) -> None:
    """Each run deploys the same stack names: start from an empty endpoint."""
    from harness.edge.upstream import RemoteEndpoint

    RemoteEndpoint(upstream).reset()


def _one_run(args: argparse.Namespace, upstream: str, gateway: GatewayKind, runs_dir: Path) -> None:
    """One `saas-harness run` on a freshly reset endpoint; its report, JUnit XML, log in runs_dir/gateway."""
    out = (runs_dir / gateway).resolve()
    out.mkdir(parents=True, exist_ok=True)
    _reset(upstream)
    cmd = run_command(args, upstream, gateway, out)
    print(f"fidelity: {gateway} run: {shlex.join(cmd[2:])}", file=sys.stderr, flush=True)
    with (out / "run.log").open("w") as sink:
        rc = _wait(subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
    (out / "returncode").write_text(f"{rc}\n")
    print(f"fidelity: {gateway} run exited {rc}", file=sys.stderr, flush=True)


def _load_run(runs_dir: Path,
              gateway: GatewayKind) -> tuple[list[CaseResult], dict[str, Any], dict[str, Any]]:
    """A finished run's test results, main-job summary and where its files are."""
    out = (runs_dir / gateway).resolve()
    try:
        cases = read_cases(out / "suites-junit.xml")
    except JUnitError:
        cases = []
    summary_path, rc_path = out / "summary.json", out / "returncode"
    summary: dict[str, Any] = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    rc = int(rc_path.read_text()) if rc_path.is_file() else None
    return cases, summary, {"returncode": rc, "log": str(out / "run.log"), "report": str(out / "report.md"),
                            "tests": len(cases)}


def _wait(proc: subprocess.Popen[bytes]) -> int:
    """The run's exit code; stopped or interrupted, it gets Ctrl-C first, so it stops its Lambda workers."""
    try:
        return proc.wait()
    except BaseException:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise


def _endpoint_label(upstream: str) -> str:
    """`ministack 1.5.33 (its IAM enforcement disabled)` from its health page; the URL for any other."""
    import urllib3

    try:
        r = urllib3.PoolManager(retries=False).request("GET", upstream + "/_ministack/health", timeout=5.0)
        if r.status == 200:
            health = json.loads(r.data)
            return f"ministack {health.get('version', '')} (its IAM enforcement {health.get('auth', '?')})"
    except (urllib3.exceptions.HTTPError, ValueError):
        pass
    return upstream


def _command_line(args: argparse.Namespace) -> str:
    """The command that regenerates this report, as the docs show it (without --from-runs)."""
    argv = sys.argv[1:] if sys.argv and Path(sys.argv[0]).name in ("saas-harness", "cli.py") else [
        "fidelity", "--ministack" if args.ministack else f"--upstream {args.upstream}"]
    return ".venv/bin/saas-harness " + shlex.join(a for a in argv if a != "--from-runs")


def cmd_fidelity(args: argparse.Namespace) -> int:
    interrupt_once()  # SIGTERM unwinds like Ctrl-C: the run in progress and its ministack stop too
    try:
        return _cmd_fidelity(args)
    except KeyboardInterrupt:
        print("fidelity: interrupted; stopped the run and the endpoint it started", file=sys.stderr)
        return 130


def _cmd_fidelity(args: argparse.Namespace) -> int:
    if args.from_runs:
        meta_path = Path(args.runs_dir) / "meta.json"
        if not meta_path.is_file():
            print(f"error: --from-runs: no earlier runs in {args.runs_dir} ({meta_path.name} missing)",
                  file=sys.stderr)
            return 2
        meta = json.loads(meta_path.read_text())
        return _report(args, meta["upstream"], meta["endpoint"])
    if args.ministack:
        from harness.fidelity.ministack import MiniStack, MiniStackUnavailable

        try:
            with MiniStack(Path(tempfile.mkdtemp(prefix="ministack-")) / "ministack.log",
                           args.ministack_bin) as ms:
                print(f"fidelity: ministack on {ms.url} (log {ms.log_path})", file=sys.stderr, flush=True)
                return _fidelity(args, ms.url)
        except MiniStackUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return _fidelity(args, args.upstream.rstrip("/"))


def _fidelity(args: argparse.Namespace, upstream: str) -> int:
    runs_dir = Path(args.runs_dir)
    label = _endpoint_label(upstream)
    for gateway in GATEWAYS:
        _one_run(args, upstream, gateway, runs_dir)
    (runs_dir / "meta.json").write_text(json.dumps({"upstream": upstream, "endpoint": label}) + "\n")
    return _report(args, upstream, label)


def _report(args: argparse.Namespace, upstream: str, label: str) -> int:
    runs_dir = Path(args.runs_dir)
    (h_cases, h_sum, h_info), (n_cases, n_sum, n_info) = (_load_run(runs_dir, g) for g in GATEWAYS)
    if not h_cases:
        print(f"error: the harness data plane run produced no suite results (exit {h_info['returncode']}); "
              f"see {h_info['log']}", file=sys.stderr)
        return 2
    report = FidelityReport(
        command=_command_line(args), upstream=upstream, endpoint_label=label,
        profile=args.profile, tiers=args.tiers, scenarios=compare_scenarios(h_cases, n_cases),
        main_job={"harness_ok": not h_sum.get("failures") and bool(h_sum),
                  "native_ok": not n_sum.get("failures") and bool(n_sum)},
        main_job_reasons=main_job_reasons(n_sum), runs={"harness": h_info, "native": n_info})
    json_path, md_path = Path(args.json), Path(args.md)
    write(report, json_path, md_path)
    for s in report.scenarios:
        top = s.reasons[0] if s.reasons else None
        why = f": {top.label}" if top else ""
        print(f"{s.suite:4} harness {s.harness_verdict:8} native {s.native_verdict:8}"
              f"{' DIFFERS' + why if s.differs else ''}")
    print(f"{len(report.differing)} of {len(report.scenarios)} scenarios differ. "
          f"Report: {md_path} ({json_path})")
    return 0
