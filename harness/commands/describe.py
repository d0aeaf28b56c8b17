"""`saas-harness describe`: a state file for `--target state FILE`, from stack outputs."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def cmd_describe(args: argparse.Namespace) -> int:
    from harness.targets.describe import DescribeError, DescribeRequest, describe, parse_operator
    from harness.targets.spec import TargetSpecError, check_url

    try:
        operators = tuple(parse_operator(o) for o in args.operator or ())
        endpoint = check_url(args.endpoint) if args.endpoint else None
    except (ValueError, TargetSpecError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    req = DescribeRequest(args.stack, args.pooled_stack, endpoint, args.region, args.profile, operators)
    try:
        state = describe(req)
    except DescribeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Operator passwords are secrets: the file is the user's alone.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(state, indent=2) + "\n")
    roles = ", ".join(o["role"] for o in state["operators"]) or "none (suites needing them will fail)"
    print(f"Wrote {out}: stack {state['stack']} at {endpoint or 'AWS ' + args.region}, admin API "
          f"{state['admin_api_url']}, operators {roles}")
    return 0
