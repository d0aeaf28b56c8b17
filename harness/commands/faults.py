"""`saas-harness faults show|set|clear`: the running target's fault plan, over its admin API."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any

from harness.faults.config import build
from harness.faults.models import FaultConfig, FaultConfigError


def plan_from_args(args: argparse.Namespace) -> tuple[FaultConfig | None, int]:
    """(FaultConfig or None, 0) from --faults-file/--fault/--fault-seed, or (None, 2) after printing why."""
    try:
        return build(args.faults_file, args.fault, args.fault_seed), 0
    except FaultConfigError as exc:
        print("error: the fault plan has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return None, 2


def _endpoint(args: argparse.Namespace) -> str:
    if args.target:
        return str(args.target).rstrip("/")
    from harness.state import StaleState, read_live_state

    try:
        return str(read_live_state(args.work_dir)["endpoint"]).rstrip("/")
    except (StaleState, FileNotFoundError, KeyError) as exc:
        raise SystemExit(f"error: no running target ({exc}); start `saas-harness up` "
                         "or pass --target") from None


def _call(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def cmd_faults(args: argparse.Namespace) -> int:
    url = _endpoint(args) + "/_harness/faults"
    if args.action == "show":
        status, body = _call("GET", url)
    elif args.action == "clear":
        status, body = _call("DELETE", url)
    else:
        config, rc = plan_from_args(args)
        if rc:
            return rc
        if config is None:
            print("error: `faults set` needs --fault RULE or --faults-file FILE", file=sys.stderr)
            return 2
        status, body = _call("PUT", url, config.as_dict())
    print(json.dumps(body, indent=2))
    return 0 if status == 200 else 1
