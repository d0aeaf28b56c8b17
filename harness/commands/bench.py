"""`saas-harness bench edge|gateway|onboarding|authorizer|attacks|runtime`: speed targets measured in
one run, JSON out."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def cmd_bench(args: argparse.Namespace) -> int:
    result: dict[str, Any]
    if args.which == "edge":
        from harness.bench import edge

        result = edge.run(n=args.n)
    elif args.which == "gateway":
        from harness.bench import gateway

        result = gateway.run(n=args.n)
    elif args.which == "authorizer":
        return _authorizer(args)
    elif args.which == "attacks":
        from harness.bench import attacks
        from harness.saas.onboard import parse_tiers

        try:
            tiers = parse_tiers(args.attack_tiers)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        from harness.saas.onboard import OnboardError

        try:
            result = attacks.run(attempts=args.attempts, seconds=args.seconds, concurrency=args.concurrency,
                                 tiers=tiers)
        except (OnboardError, attacks.SetupError) as exc:
            print(f"error: bench attacks could not set its tenants up: {exc}", file=sys.stderr)
            return 2
    elif args.which == "runtime":
        from harness.bench import runtime

        result = runtime.run(n=args.n)
    else:
        from harness.bench import onboarding

        result = onboarding.run(tenants=args.tenants, platinum=args.platinum,
                                concurrency=args.concurrency)
    text = json.dumps(result, indent=2)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")
    print(text)
    if args.which == "attacks" and not result["summary"]["ok"]:
        return 1  # a leak or a 5xx: the bench is also an isolation check
    return 0


def _ints(text: str, what: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"{what} must be comma-separated whole numbers, not {text!r}") from None
    if not values or any(v < 0 for v in values):
        raise ValueError(f"{what} must list at least one number, none negative")
    return values


def _authorizer(args: argparse.Namespace) -> int:
    from harness.bench import authorizer
    from harness.bench.authorizer_app import PLACEMENTS
    from harness.report.plots import authorizer_plots

    placements = tuple(p for p in args.placements.split(",") if p)
    unknown = [p for p in placements if p not in PLACEMENTS]
    if unknown or not placements:
        print(f"error: --placements takes {', '.join(PLACEMENTS)}, not {args.placements!r}", file=sys.stderr)
        return 2
    if not 1 <= args.requests <= authorizer.MAX_REQUESTS:
        print(f"error: --requests must be between 1 and {authorizer.MAX_REQUESTS}", file=sys.stderr)
        return 2
    try:
        ttls, sts_ms = _ints(args.ttls, "--ttls"), _ints(args.sts_ms, "--sts-ms")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    matrix = authorizer.Matrix(ttls=ttls, sts_ms=sts_ms, placements=placements,  # type: ignore[arg-type]
                               requests=args.requests)
    result = authorizer.run(matrix)
    if args.plots:
        result["plots"] = [str(p) for p in authorizer_plots(result, Path(args.plots))]
    if args.markdown:
        Path(args.markdown).parent.mkdir(parents=True, exist_ok=True)
        Path(args.markdown).write_text(authorizer.markdown(result))
    text = json.dumps(result, indent=2)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")
    print(text)
    return 0
