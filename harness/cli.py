"""The `saas-harness` command line: argument parsing; each command lives in harness/commands/."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from harness.targets.spec import add_target_option


def _lazy(module: str, name: str) -> Any:
    """Import a command only when it runs, so `--help` and `up` start fast."""
    def run(args: argparse.Namespace) -> int:
        import importlib

        fn = getattr(importlib.import_module(f"harness.commands.{module}"), name)
        rc: int = fn(args)
        return rc

    return run


def _target_options(p: argparse.ArgumentParser, default_port: int = 4566) -> None:
    hint = "; 0 picks a free one" if not default_port else ""
    p.add_argument("--port", type=int, default=default_port,
                   help=f"loopback port (default {default_port}{hint})")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--max-environments", type=int, default=24,
                   help="Lambda execution environments alive at once (default 24, ~60 MB each)")
    add_target_option(p, upstream_alias=True)
    p.add_argument("--reset-endpoint", action="store_true",
                   help="with --target endpoint: clear the endpoint first through its reset hook "
                        "(moto_server, ministack, LocalStack)")
    p.add_argument("--no-probe", action="store_true",
                   help="with --target endpoint: skip the capability probe")
    p.add_argument("--gateway", choices=("harness", "native"), default="harness",
                   help="who serves API traffic: the harness's data plane (default), or with --target "
                        "endpoint the endpoint's own execute-api ('native'; see docs/FIDELITY.md)")
    p.add_argument("--fault", action="append", metavar="RULE",
                   help="inject latency or errors, e.g. 'sts:AssumeRole latency=fixed:200ms', "
                        "'dynamodb:* error=throttle:0.1', 'function:*Authorizer* lambda=timeout' "
                        "(repeatable; see docs/FAULTS.md)")
    p.add_argument("--faults-file", metavar="FILE", help="a fault plan in JSON or YAML (docs/FAULTS.md)")
    p.add_argument("--fault-seed", type=int, default=None, help="seed for fault rates and latencies")


def _absolute_dir(text: str) -> Path:
    """--work-dir made absolute at once: workers run elsewhere and must not resolve it again."""
    return Path(text).expanduser().resolve()


def _work_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--work-dir", type=_absolute_dir, default=".harness",
                   help="where state.json, stack records and logs live (default .harness in the "
                        "current folder)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="saas-harness",
        description="Local AWS-faithful emulation and tenant-isolation harness for serverless SaaS.")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the embedded target (and the SaaS) in the foreground")
    _target_options(up)
    _work_dir(up)
    up.add_argument("--no-stack", action="store_true", help="start the edge only")
    up.set_defaults(func=_lazy("up", "cmd_up"))

    ob = sub.add_parser("onboard", help="register tenants through the running SaaS's public API")
    ob.add_argument("--tiers", default="basic=2,standard=2,premium=1,platinum=2",
                    help="tier=count,... (basic, standard, premium, platinum)")
    ob.add_argument("--concurrency", type=int, default=8)
    ob.add_argument("--quiet", action="store_true", help="no progress bar")
    _work_dir(ob)
    ob.set_defaults(func=_lazy("saas", "cmd_onboard"))

    dep = sub.add_parser("deploy", help="deploy a SAM template to the running target or any endpoint")
    dep.add_argument("template")
    dep.add_argument("--param", action="append", metavar="KEY=VALUE", help="template parameter")
    dep.add_argument("--stack-name", help="default: the template's file name")
    dep.add_argument("--endpoint", help="deploy here instead of the running target")
    dep.add_argument("--region", default="us-east-1")
    dep.add_argument("--delete", action="store_true", help="delete the stack instead")
    _work_dir(dep)
    dep.set_defaults(func=_lazy("deploy", "cmd_deploy"))

    run = sub.add_parser("run", help="the main job (up, onboard, exercise, attack across tenants), then "
                                     "the isolation suites on the same target, and a report")
    _target_options(run, default_port=0)
    run.add_argument("--tiers", default="basic=2,standard=2,premium=1,platinum=2")
    run.add_argument("--items", type=int, default=2, help="products and orders per tenant")
    run.add_argument("--concurrency", type=int, default=8)
    run.add_argument("--json", metavar="PATH", help="write the machine-readable summary here")
    run.add_argument("--report-dir", default=".harness/report", metavar="DIR",
                     help="where report.md, report.json and report.xml go (default .harness/report)")
    run.add_argument("--suites", nargs="+", metavar="PATH",
                     help="suite folders or files to run (default the checkout's scenarios/)")
    run.add_argument("--only", action="append", metavar="SUITE",
                     help="run only this suite, e.g. S2 (repeatable)")
    run.add_argument("--no-suites", action="store_true", help="the main job only (the quick job)")
    run.add_argument("--profile", default="ci", choices=["ci", "dev", "deep"],
                     help="the suites' hypothesis profile (default ci)")
    run.add_argument("--adapter", metavar="MODULE:CLASS", help="passed to the suites as --saas-adapter")
    run.add_argument("--pytest-arg", action="append", metavar="ARG",
                     help="extra pytest argument (repeatable)")
    run.add_argument("--suites-timeout", type=float, default=3600.0, metavar="SECONDS",
                     help="stop the suites after this long (default 3600)")
    run.add_argument("--quiet", action="store_true", help="no progress bars or pytest output")
    run.add_argument("--allow-remote", action="store_true",
                     help="with --target state FILE: allow a stack that is not on loopback")
    run.set_defaults(func=_lazy("run", "cmd_run"))

    fid = sub.add_parser("fidelity", help="the suites on an endpoint's own API Gateway beside the harness's "
                                          "data plane: per scenario, pass or fail and why (docs/FIDELITY.md)")
    endpoint = fid.add_mutually_exclusive_group(required=True)
    endpoint.add_argument("--upstream", metavar="URL",
                          help="an AWS-compatible endpoint; it is reset before each of the two runs")
    endpoint.add_argument("--ministack", action="store_true",
                          help="start ministack on a free loopback port for this report (make ministack)")
    fid.add_argument("--ministack-bin", metavar="PATH", help="the ministack executable (default "
                     ".venv/ministack/bin/ministack or $SAAS_HARNESS_MINISTACK)")
    fid.add_argument("--json", metavar="PATH", default=".harness/fidelity/fidelity.json")
    fid.add_argument("--md", metavar="PATH", default=".harness/fidelity/FIDELITY.md")
    fid.add_argument("--runs-dir", metavar="DIR", default=".harness/fidelity",
                     help="each run's report and log go to DIR/harness and DIR/native")
    fid.add_argument("--from-runs", action="store_true",
                     help="write the report again from the runs already in --runs-dir (no new runs)")
    fid.add_argument("--tiers", default="basic=1",
                     help="the main job's tenants on each run (default basic=1)")
    fid.add_argument("--only", action="append", metavar="SUITE",
                     help="only this suite, e.g. S7 (repeatable)")
    fid.add_argument("--suites", nargs="+", metavar="PATH",
                     help="suite folders or files (default scenarios/)")
    fid.add_argument("--pytest-arg", action="append", metavar="ARG",
                     help="extra pytest argument for both runs, e.g. --pytest-arg=-k --pytest-arg=warm")
    fid.add_argument("--profile", default="ci", choices=["ci", "dev", "deep"])
    fid.add_argument("--suites-timeout", type=float, default=1800.0, metavar="SECONDS")
    fid.set_defaults(func=_lazy("fidelity", "cmd_fidelity"))

    bench = sub.add_parser("bench", help="measure speed targets and write JSON")
    bench.add_argument("which", choices=["edge", "gateway", "onboarding", "authorizer", "attacks",
                                         "runtime"], help="what to measure")
    bench.add_argument("--json", metavar="PATH", help="write the results here")
    bench.add_argument("-n", type=int, default=1000, help="samples per latency measurement")
    bench.add_argument("--tenants", type=int, default=100, help="onboarding: tenants in all")
    bench.add_argument("--platinum", type=int, default=None,
                       help="onboarding: how many are Platinum (default a tenth)")
    bench.add_argument("--concurrency", type=int, default=8)
    bench.add_argument("--requests", type=int, default=100,
                       help="authorizer: requests per cell (at most 2000)")
    bench.add_argument("--ttls", default="0,30,60,300", help="authorizer: TTLs in seconds")
    bench.add_argument("--sts-ms", default="0,50,200", help="authorizer: STS AssumeRole latencies (0: none)")
    bench.add_argument("--placements", default="authorizer,function",
                       help="authorizer: where credentials are assumed")
    bench.add_argument("--markdown", metavar="PATH", help="authorizer: the matrix as a markdown table")
    bench.add_argument("--plots", metavar="DIR", help="authorizer: PNG plots into DIR")
    bench.add_argument("--attempts", type=int, default=5000, help="attacks: attempts at most (default 5000)")
    bench.add_argument("--seconds", type=float, default=30.0, help="attacks: seconds at most (default 30)")
    bench.add_argument("--warmup-seconds", type=float, default=35.0,
                       help="attacks: warm up at least this long (default 35, past the 30 s authorizer TTL)")
    bench.add_argument("--attack-tiers", default="basic=2,premium=1,platinum=1", metavar="TIERS",
                       help="attacks: tenants attacking each other (default basic=2,premium=1,platinum=1)")
    add_target_option(bench)
    bench.add_argument("--allow-remote", action="store_true",
                       help="attacks with --target state FILE: allow a stack that is not on loopback")
    bench.set_defaults(func=_lazy("bench", "cmd_bench"))

    rp = sub.add_parser("replay", help="re-run a saved violation (repro JSON); exit 1 while it still leaks")
    rp.add_argument("file", help="a repro file the suites wrote under .harness/repros/")
    where = rp.add_mutually_exclusive_group()
    where.add_argument("--target", metavar="URL", help="replay against a running target at URL")
    where.add_argument("--state", metavar="FILE", help="replay against the target a state file describes")
    rp.add_argument("--adapter", metavar="MODULE:CLASS", help="the app adapter (default the reference one)")
    rp.set_defaults(func=_lazy("replay", "cmd_replay"))

    fl = sub.add_parser("faults", help="show, set or clear the running target's fault plan")
    fl.add_argument("action", choices=("show", "set", "clear"))
    fl.add_argument("--fault", action="append", metavar="RULE",
                    help="rule as for `up --fault` (repeatable)")
    fl.add_argument("--faults-file", metavar="FILE", help="a fault plan in JSON or YAML")
    fl.add_argument("--fault-seed", type=int, default=None, help="seed for fault rates and latencies")
    fl.add_argument("--target", metavar="URL", help="the target's endpoint (default: from the state file)")
    _work_dir(fl)
    fl.set_defaults(func=_lazy("faults", "cmd_faults"))

    ld = sub.add_parser("load", help="Locust against usage plans, noisy neighbours or the authorizer cache")
    ld.add_argument("scenario", choices=("usage-plans", "noisy-neighbour", "authorizer-cache"))
    ld.add_argument("--duration", type=float, default=20.0, help="seconds of load (1-600, default 20)")
    ld.add_argument("--tiers", help="tiers to onboard, comma-separated (default every tier)")
    ld.add_argument("--flood-tier", help="noisy-neighbour: the flooding tenant's tier (default the last)")
    ld.add_argument("--offer", type=float, default=2.0,
                    help="offered rate as a multiple of the plan (default 2)")
    ld.add_argument("--tier-offer", action="append", metavar="TIER=FACTOR",
                    help="usage-plans: this tier's own multiple of its plan, e.g. basic=0.5 (repeatable); "
                         "a tier offered at most its plan must keep its success rate")
    ld.add_argument("--plan-scale", type=float, default=1.0,
                    help="a scaled run for a machine that cannot carry the full rates: every onboarded "
                         "tenant's usage plan throttle times this (0-1] for the run, put back afterwards")
    ld.add_argument("--rps-per-user", type=float, default=10.0,
                    help="requests/s one Locust user offers (default 10: a user waits for each answer, so "
                         "it offers at most 1/latency; fewer, faster users need fewer Lambda environments)")
    ld.add_argument("--max-environments", type=int, default=128,
                    help="Lambda environments of the target this command starts (default 128; with --state "
                         "start `up --max-environments` yourself)")
    ld.add_argument("--max-rps", type=float, default=2000.0, help="refuse plans offering more in all")
    ld.add_argument("--processes", type=int, default=1, help="Locust worker processes (its --processes)")
    ld.add_argument("--locustfiles", default=None,
                    help="folder of the locustfiles (default ./loadtests if it has the scenario's, else "
                         "the ones the harness ships)")
    ld.add_argument("--prepare-only", action="store_true",
                    help="with --state: onboard and write .harness/load-plan.json for `locust -f`, then stop")
    ld.add_argument("--state", metavar="FILE", help="the same as --target state FILE")
    add_target_option(ld)
    ld.add_argument("--adapter", metavar="MODULE:CLASS", help="the app adapter (default the reference one)")
    ld.add_argument("--allow-remote", action="store_true", help="allow a target that is not on loopback")
    ld.add_argument("--json", metavar="PATH", help="write the results and checks here")
    ld.set_defaults(func=_lazy("load", "cmd_load"))

    rep = sub.add_parser("report", help="one self-contained HTML page (and markdown) from the latest results")
    rep.add_argument("paths", nargs="*", help="result files or folders (default .harness)")
    rep.add_argument("--html", default=".harness/report.html", help="where the page goes")
    rep.add_argument("--markdown", default=".harness/report.md", help="where the markdown goes")
    rep.set_defaults(func=_lazy("report", "cmd_report"))

    ds = sub.add_parser("describe", help="write a state file for --target state FILE from a deployed stack's "
                                         "CloudFormation outputs")
    ds.add_argument("--stack", required=True, help="the SaaS's control-plane stack (stack/template.yaml)")
    ds.add_argument("--pooled-stack", default="stack-pooled",
                    help="the pooled tenant stack, for pooled_api_url (default stack-pooled)")
    ds.add_argument("--endpoint", metavar="URL", help="an AWS-compatible endpoint (default: AWS itself)")
    ds.add_argument("--region", default="us-east-1")
    ds.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    ds.add_argument("--operator", action="append", metavar="ROLE=USERNAME:PASSWORD",
                    help="a provider user of the operations pool (SystemAdmin, CustomerSupport); repeatable")
    ds.add_argument("--out", required=True, metavar="FILE", help="where the state file goes")
    ds.set_defaults(func=_lazy("describe", "cmd_describe"))

    pr = sub.add_parser("probe", help="what an AWS-compatible endpoint itself supports, per service "
                                       "and behaviour")
    pr.add_argument("url", help="the endpoint, e.g. http://127.0.0.1:4567")
    pr.add_argument("--region", default="us-east-1")
    pr.add_argument("--json", metavar="PATH", help="write the verdicts here")
    pr.set_defaults(func=_lazy("probe", "cmd_probe"))

    mu = sub.add_parser("mutants", help="plant each catalogued bug in a stack copy; the suites must catch it")
    mu.add_argument("--catalog", default="scenarios/bugs", help="the mutant folder (default scenarios/bugs)")
    mu.add_argument("--stack", default="stack", help="the stack folder the diffs apply to (default stack)")
    mu.add_argument("--suites", action="append", metavar="PATH",
                    help="suite folder or file to run (repeatable; default scenarios)")
    mu.add_argument("--adapter", metavar="MODULE:CLASS", help="passed to the suites as --saas-adapter")
    mu.add_argument("--only", action="append", metavar="ID", help="run only this mutant (repeatable)")
    mu.add_argument("--full", action="store_true", help="run every suite, do not stop at the first finding")
    mu.add_argument("--workers", type=int, default=1, help="mutants run at once (default 1)")
    mu.add_argument("--skip-clean", action="store_true", help="do not run the clean stack first")
    mu.add_argument("--pytest-arg", action="append", metavar="ARG", help="extra pytest argument (repeatable)")
    mu.add_argument("--flips", action="store_true",
                    help="the mutants with a '# fault:' header: each must pass every suite but its fault "
                         "scenario and be caught by it; the clean stack must pass the fault scenarios")
    mu.add_argument("--json", metavar="PATH", help="write the per-mutant report here")
    add_target_option(mu)
    mu.set_defaults(func=_lazy("mutants", "cmd_mutants"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
