"""`saas-harness load SCENARIO`: Locust against usage plans, noisy neighbours or the authorizer cache."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness.report.console import err, out


def cmd_load(args: argparse.Namespace) -> int:
    from harness.load.runner import LoadOptions, LoadRefused, locustfile_for, run
    from harness.suites.adapter import Target
    from harness.suites.loader import DEFAULT_ADAPTER, AdapterLoadError, load_adapter_class

    try:
        tier_offers = parse_tier_offers(args.tier_offer or [])
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    opts = LoadOptions(scenario=args.scenario, duration_s=args.duration,
                       tiers=tuple(t for t in (args.tiers or "").split(",") if t), flood_tier=args.flood_tier,
                       offer=args.offer, tier_offers=tier_offers, plan_scale=args.plan_scale,
                       per_user_rps=args.rps_per_user, max_rps=args.max_rps, processes=args.processes,
                       locustfiles=Path(args.locustfiles) if args.locustfiles else None,
                       allow_remote=args.allow_remote)
    try:
        locustfile_for(opts.scenario, opts.locustfiles)  # before anything starts, not after the set-up
    except LoadRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from harness.targets import statefile
    from harness.targets.attach import load_target_state
    from harness.targets.spec import TargetKind, TargetSpecError, parse_target, target_from_args

    try:
        alias = args.state and not args.target
        spec = parse_target(["state", args.state]) if alias else target_from_args(args)
    except TargetSpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state: dict[str, Any] = {}
    if spec.kind is TargetKind.STATE:  # refused before anything is loaded or sent
        assert spec.state_file is not None
        try:
            state = load_target_state(spec.state_file, args.allow_remote, "load")
        except (LoadRefused, statefile.StateFileError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        adapter = load_adapter_class(args.adapter or DEFAULT_ADAPTER)()
    except AdapterLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if spec.kind is TargetKind.STATE:
            assert spec.state_file is not None
            target = Target(str(state["endpoint"] or ""), str(state.get("region", "us-east-1")),
                            str(state.get("account") or "000000000000"), None, state, spec.state_file.parent)
            adapter.attach(target)
            if args.prepare_only:
                if opts.plan_scale != 1:
                    print("error: --plan-scale needs a run to put the plans back after; not with "
                          "--prepare-only", file=sys.stderr)
                    return 2
                return _prepare_only(opts, target, adapter)
            return _finish(args, _run(run, opts, target, adapter))
        if args.prepare_only:
            print("error: --prepare-only needs --target state FILE (a running `saas-harness up`)",
                  file=sys.stderr)
            return 2
        from harness.target import EmbeddedTarget, TargetOptions

        with tempfile.TemporaryDirectory(prefix="saas-load-target-") as tmp:
            err.print(f"Starting the embedded target ({spec.describe()}) and deploying the SaaS ...")
            options = TargetOptions(port=0, work_dir=Path(tmp), upstream_url=spec.url,
                                    max_environments=args.max_environments)
            with EmbeddedTarget(options) as embedded:
                info = embedded.describe()
                target = Target(embedded.endpoint, str(info["region"]), str(info["account"]), embedded, info,
                                Path(tmp))
                adapter.attach(target)
                return _finish(args, _run(run, opts, target, adapter))
    except (LoadRefused, statefile.StateFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        adapter.close()


def parse_tier_offers(values: list[str]) -> tuple[tuple[str, float], ...]:
    """`TIER=FACTOR` pairs; a malformed one or a factor that is not positive is a ValueError."""
    out: list[tuple[str, float]] = []
    for value in values:
        tier, sep, factor = value.partition("=")
        try:
            number = float(factor)
        except ValueError:
            number = -1.0
        if not sep or not tier.strip() or not number > 0:
            raise ValueError(f"--tier-offer {value!r}: expected TIER=FACTOR with a positive factor")
        out.append((tier.strip(), number))
    return tuple(out)


def _run(run: Any, opts: Any, target: Any, adapter: Any) -> dict[str, Any]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task("load", total=opts.duration_s)
        return dict(run(opts, target, adapter, progress=lambda s: err.print(s),
                        tick=lambda elapsed: bar.update(task, completed=min(elapsed, opts.duration_s))))


def _finish(args: argparse.Namespace, result: dict[str, Any]) -> int:
    for c in result["checks"]:
        mark = "[green]ok[/green]" if c["ok"] else "[red]FAILED[/red]"
        detail = ", ".join(f"{k}={v}" for k, v in c.items() if k not in ("check", "tenant", "ok"))
        out.print(f"{mark} {c['tenant']}: {c['check']} ({detail})")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["ok"] else 1


def _prepare_only(opts: Any, target: Any, adapter: Any) -> int:
    """The plan for a hand-run `locust -f loadtests/...`, written where the locustfiles look."""
    from harness.load.plan import DEFAULT_PLAN
    from harness.load.prepare import build_plan, offers

    plan, _ = build_plan(adapter, opts.scenario, target.endpoint, opts.duration_s,
                         offers(opts.scenario, opts.tiers or adapter.tiers, opts.flood_tier, opts.offer,
                                dict(opts.tier_offers)),
                         opts.max_rps, per_user_rps=opts.per_user_rps)
    DEFAULT_PLAN.parent.mkdir(parents=True, exist_ok=True)
    DEFAULT_PLAN.write_text(plan.to_json())
    users = sum(t.users for t in plan.tenants)
    out.print(f"Wrote {DEFAULT_PLAN}: {len(plan.tenants)} tenants, {users} users. Run: locust -f "
              f"loadtests/{opts.scenario.replace('-', '_')}.py --headless -u {users} -r {users} -t 30s")
    return 0
