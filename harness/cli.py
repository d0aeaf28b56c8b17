"""The `saas-harness` command line: argument parsing; each command lives in harness/commands/."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any


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
    p.add_argument("--upstream", metavar="URL", default=None,
                   help="put the front door in front of this AWS-compatible endpoint instead of "
                        "in-process moto (LocalStack, ministack, moto_server)")


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
    dep.set_defaults(func=_lazy("saas", "cmd_deploy"))

    run = sub.add_parser("run", help="the main job: up, onboard, exercise, attack across tenants")
    _target_options(run, default_port=0)
    run.add_argument("--tiers", default="basic=2,standard=2,premium=1,platinum=2")
    run.add_argument("--items", type=int, default=2, help="products and orders per tenant")
    run.add_argument("--concurrency", type=int, default=8)
    run.add_argument("--json", metavar="PATH", help="write the machine-readable summary here")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.set_defaults(func=_lazy("run", "cmd_run"))

    bench = sub.add_parser("bench", help="measure speed targets and write JSON")
    bench.add_argument("which", choices=["edge", "gateway", "onboarding", "runtime"], help="what to measure")
    bench.add_argument("--json", metavar="PATH", help="write the results here")
    bench.add_argument("-n", type=int, default=1000, help="samples per latency measurement")
    bench.add_argument("--tenants", type=int, default=100, help="onboarding: tenants in all")
    bench.add_argument("--platinum", type=int, default=None,
                       help="onboarding: how many are Platinum (default a tenth)")
    bench.add_argument("--concurrency", type=int, default=8)
    bench.set_defaults(func=_lazy("bench", "cmd_bench"))

    rp = sub.add_parser("replay", help="re-run a saved violation (repro JSON); exit 1 while it still leaks")
    rp.add_argument("file", help="a repro file the suites wrote under .harness/repros/")
    where = rp.add_mutually_exclusive_group()
    where.add_argument("--target", metavar="URL", help="replay against a running target at URL")
    where.add_argument("--state", metavar="FILE", help="replay against the target a state file describes")
    rp.add_argument("--adapter", metavar="MODULE:CLASS", help="the app adapter (default the reference one)")
    rp.set_defaults(func=_lazy("replay", "cmd_replay"))

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
    mu.add_argument("--json", metavar="PATH", help="write the per-mutant report here")
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
