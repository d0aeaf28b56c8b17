"""`saas-harness bench edge|gateway|onboarding|runtime`: speed targets measured in one run, JSON out."""

from __future__ import annotations

import argparse
import json
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
    return 0
