"""`saas-harness up`: the embedded target in the foreground, with the SaaS unless --no-stack."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType

from harness.state import clear_state, write_state


def cmd_up(args: argparse.Namespace) -> int:
    from harness.target import EmbeddedTarget, TargetOptions

    if not 0 <= args.port <= 65535:
        print(f"error: --port must be between 0 and 65535, not {args.port}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Handlers first: a SIGTERM or Ctrl-C during start-up must still end in a clean stop.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    opts = TargetOptions(port=args.port, region=args.region, upstream_url=args.upstream,
                         work_dir=args.work_dir, max_environments=args.max_environments)
    try:
        target = EmbeddedTarget(opts)
    except Exception as exc:
        where = f"the upstream {args.upstream}" if args.upstream else "the embedded target"
        print(f"error: cannot start {where}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    try:
        target.start()
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {reason}", file=sys.stderr)
        return 2
    try:
        state = target.describe()
        if not args.no_stack:
            from harness.saas.bootstrap import BootstrapError, bring_up

            print(f"Deploying the SaaS under test to {target.endpoint} ...", flush=True)
            try:
                state = bring_up(target, args.work_dir).state
            except (BootstrapError, Exception) as exc:
                print(f"error: could not bring the SaaS up: {type(exc).__name__}: {exc}",
                      file=sys.stderr)
                return 2
        state["pid"] = os.getpid()
        try:
            write_state(state, args.work_dir)
        except OSError as exc:
            print(f"error: cannot write {args.work_dir}/state.json: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
        extra = f", admin API {state['admin_api_url']}" if "admin_api_url" in state else ""
        print(f"Ready: AWS APIs at {target.endpoint} (account {state['account']}, region "
              f"{state['region']}, upstream {state['upstream']}){extra}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        target.stop()
        clear_state(args.work_dir)
    print("Stopped.", flush=True)
    return 0
