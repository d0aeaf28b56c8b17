"""`saas-harness onboard` and `deploy`: the running SaaS under test, driven from the command line."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import urllib3

from harness.report.console import out, stage_progress, tenants_table
from harness.report.failures import baseline, describe_failures, fetch_failures, since
from harness.state import StaleState, read_live_state, update_state


def saas_client(state: dict[str, Any]) -> Any:
    from harness.client.saas import SaasClient

    return SaasClient(state["endpoint"], state["admin_api_url"], state.get("region", "us-east-1"))


def step_failure(exc: Any) -> str:
    """`onboarding step '<step>' failed with HTTP <status>: <detail>` for an OnboardError."""
    status = f" with HTTP {exc.status}" if exc.status is not None else ""
    return f"onboarding step '{exc.step}' failed{status}: {exc.detail}"


def _live_state(work_dir: Path) -> dict[str, Any] | None:
    """state.json, but only once its target has answered a health check; None after an error."""
    try:
        return read_live_state(work_dir)
    except (FileNotFoundError, StaleState) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def cmd_onboard(args: argparse.Namespace) -> int:
    from harness.saas.onboard import OnboardError, onboard, parse_tiers

    try:
        counts = parse_tiers(args.tiers)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state = _live_state(args.work_dir)
    if state is None:
        return 2
    if "admin_api_url" not in state:
        print("error: the running target has no SaaS stack (started with --no-stack?)",
              file=sys.stderr)
        return 2
    total = sum(counts.values())
    before = baseline(fetch_failures(state["endpoint"]))
    t0 = time.perf_counter()
    made: list[Any] = []
    failure: str | None = None
    with stage_progress(not args.quiet) as progress:

        def done(record: Any) -> None:
            made.append(record)
            progress("onboard", len(made), total)

        progress("onboard", 0, total)
        try:
            onboard(saas_client(state), counts, concurrency=args.concurrency, on_done=done)
        except OnboardError as exc:
            failure = step_failure(exc)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            failure = f"onboarding failed: the target at {state['endpoint']} stopped answering " \
                      f"({type(exc).__name__}: {exc})"
    records = [r.as_dict() for r in made]
    if records:
        update_state({"tenants": list(state.get("tenants", [])) + records}, args.work_dir)
        out.print(tenants_table(records, "Onboarded"))
    out.print(f"{len(records)} of {total} tenant(s) onboarded in {time.perf_counter() - t0:.1f} s; "
              f"state in {args.work_dir / 'state.json'}")
    if failure is None:
        return 0
    print(f"error: {failure}", file=sys.stderr)
    for line in describe_failures(since(fetch_failures(state["endpoint"]), before)):
        print(f"  {line}", file=sys.stderr)
    return 1
