"""`--target endpoint URL` for up and run: the capability probe first, the reset hook on request."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from harness.report.console import err


def prepare_endpoint(args: argparse.Namespace) -> dict[str, Any] | None:
    """Probe (and with --reset-endpoint clear) the endpoint: {} on the embedded target, None on failure."""
    url = getattr(args, "upstream", None)
    if not url:
        return {}
    from harness.edge.upstream import RemoteEndpoint

    try:
        remote = RemoteEndpoint(url, args.region)
    except Exception as exc:
        print(f"error: cannot start the upstream {url}: it does not answer as an AWS endpoint "
              f"(sts:GetCallerIdentity): {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    if getattr(args, "reset_endpoint", False):
        err.print(f"Clearing {url} through its reset hook ...")
        remote.reset()
    if getattr(args, "no_probe", False):
        return {}
    from harness.commands.probe import print_probe
    from harness.targets.probe import run_probe

    err.print(f"Probing what {url} itself supports ...")
    report = run_probe(url, args.region)
    print_probe(report)
    return report.as_dict()


def endpoint_hint(args: argparse.Namespace, exc: BaseException) -> str:
    """What to do when the endpoint still holds an earlier deployment of the stack."""
    if getattr(args, "upstream", None) and "already exist" in str(exc):
        return ("\n  the endpoint already holds an earlier deployment of the stack: pass --reset-endpoint "
                "(clears it through moto_server's, ministack's or LocalStack's reset hook) or start "
                "a fresh one")
    return ""
