"""`saas-harness onboard`, `deploy` and `run`: the SaaS under test, driven from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.report.console import err, out, run_table, stage_progress, tenants_table
from harness.state import read_state, update_state


def _client(state: dict[str, Any]) -> Any:
    from harness.client.saas import SaasClient

    return SaasClient(state["endpoint"], state["admin_api_url"], state.get("region", "us-east-1"))


def cmd_onboard(args: argparse.Namespace) -> int:
    from harness.saas.onboard import OnboardError, onboard, parse_tiers

    try:
        counts = parse_tiers(args.tiers)
        state = read_state(args.work_dir)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if "admin_api_url" not in state:
        print("error: the running target has no SaaS stack (started with --no-stack?)",
              file=sys.stderr)
        return 2
    total = sum(counts.values())
    t0 = time.perf_counter()
    with stage_progress(not args.quiet) as progress:
        made: list[Any] = []

        def done(record: Any) -> None:
            made.append(record)
            progress("onboard", len(made), total)

        progress("onboard", 0, total)
        try:
            records = onboard(_client(state), counts, concurrency=args.concurrency,
                              on_done=done)
        except OnboardError as exc:
            err.print(f"[red]onboarding failed:[/red] {exc}")
            records = made
            failed = True
        else:
            failed = False
    tenants = list(state.get("tenants", [])) + [r.as_dict() for r in records]
    update_state({"tenants": tenants}, args.work_dir)
    out.print(tenants_table([r.as_dict() for r in records], "Onboarded"))
    out.print(f"{len(records)} tenant(s) in {time.perf_counter() - t0:.1f} s; state in "
              f"{args.work_dir / 'state.json'}")
    return 1 if failed else 0


def cmd_deploy(args: argparse.Namespace) -> int:
    from harness.deploy import Deployer, DeployError, FileStackStore

    params: dict[str, str] = {}
    for item in args.param or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            print(f"error: --param takes KEY=VALUE, not {item!r}", file=sys.stderr)
            return 2
        params[key] = value
    endpoint = args.endpoint
    if endpoint is None:
        try:
            endpoint = read_state(args.work_dir)["endpoint"]
        except FileNotFoundError as exc:
            print(f"error: {exc} (or pass --endpoint URL)", file=sys.stderr)
            return 2
    deployer = Deployer(endpoint_url=endpoint, region=args.region,
                        store=FileStackStore(args.work_dir / "stacks"))
    name = args.stack_name or Path(args.template).stem
    try:
        if args.delete:
            deployer.delete(name)
            out.print(f"deleted stack {name}")
            return 0
        result = deployer.deploy(Path(args.template), name, params)
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out.print(json.dumps({"stack": result.name, "status": result.status,
                          "outputs": result.outputs, "notes": result.notes}, indent=2))
    return 0 if result.status.endswith("COMPLETE") else 1


def cmd_run(args: argparse.Namespace) -> int:
    """Up (embedded), onboard mixed tiers, exercise, cross-tenant reads, summary."""
    from harness.saas.bootstrap import bring_up
    from harness.saas.onboard import parse_tiers
    from harness.saas.run import run_job
    from harness.target import EmbeddedTarget, TargetOptions

    try:
        counts = parse_tiers(args.tiers)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="saas-harness-") as tmp:
        work = Path(tmp)
        opts = TargetOptions(port=args.port, region=args.region, upstream_url=args.upstream,
                             work_dir=work, max_environments=args.max_environments)
        t0 = time.perf_counter()
        err.print("Starting the embedded target and deploying the SaaS under test ...")
        with EmbeddedTarget(opts) as target:
            deployment = bring_up(target, work)
            up_s = time.perf_counter() - t0
            err.print(f"Up in {up_s:.1f} s at {target.endpoint}")
            with stage_progress(not args.quiet) as progress:
                summary = run_job(_client(deployment.state), counts, items=args.items,
                                  concurrency=args.concurrency, progress=progress)
            summary.timings["up_s"] = round(up_s, 3)
            summary.timings["total_s"] = round(time.perf_counter() - t0, 3)
    result = summary.as_dict()
    out.print(run_table(result))
    verdict = "[green]no isolation violations[/green]" if summary.ok else (
        f"[red]{len(summary.violations)} violation(s), {len(summary.failures)} failure(s)[/red]")
    out.print(f"{len(summary.tenants)} tenants, {len(summary.attempts)} cross-tenant reads: "
              f"{verdict} ({summary.timings['total_s']:.1f} s)")
    for failure in summary.failures[:20]:
        out.print(f"  - {failure}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if summary.ok else 1
