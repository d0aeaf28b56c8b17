"""`saas-harness bench edge|gateway|onboarding|attacks`: speed targets measured in one run, JSON out."""

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
