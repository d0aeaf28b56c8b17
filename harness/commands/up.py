"""`saas-harness up`: the embedded target in the foreground, with the SaaS unless --no-stack."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from harness.commands.signals import ignore_late_signals, interrupt_once
from harness.state import absolute, clear_state, write_state
from harness.workdir import WorkDirBusy, WorkDirLock, set_aside_previous_run

if TYPE_CHECKING:
    from harness.target import EmbeddedTarget


def cmd_up(args: argparse.Namespace) -> int:
    from harness.target import gateway_problem
    from harness.targets.spec import TargetKind, TargetSpecError, target_from_args

    try:
        spec = target_from_args(args)
    except TargetSpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if spec.kind is TargetKind.STATE:
        print("error: `up` starts a target; a stack a state file describes is already up: pass "
              "--target state FILE to run, load, bench attacks or the suites (--saas-state) instead",
              file=sys.stderr)
        return 2
    args.upstream = spec.url
    if not 0 <= args.port <= 65535:
        print(f"error: --port must be between 0 and 65535, not {args.port}", file=sys.stderr)
        return 2
    problem = gateway_problem(args.gateway, args.upstream)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    work_dir = absolute(args.work_dir)
    try:
        lock = WorkDirLock(work_dir).acquire()
    except WorkDirBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot use work dir {work_dir}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        return _serve(args, work_dir)
    finally:
        lock.release()


def _serve(args: argparse.Namespace, work_dir: Path) -> int:
    from harness.commands.faults import plan_from_args
    from harness.target import EmbeddedTarget, TargetOptions

    starting = True
    # Handlers first: a SIGTERM or Ctrl-C during start-up must still end in a clean stop.
    interrupts = interrupt_once()
    try:
        moved = set_aside_previous_run(work_dir)
    except OSError as exc:
        print(f"error: cannot move the earlier run's records in {work_dir}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 2
    if moved:
        print(f"Moved an earlier run's records to {moved[0].parent}", flush=True)
    from harness.commands.endpoint import prepare_endpoint

    faults, rc = plan_from_args(args)
    if rc:
        return rc
    if prepare_endpoint(args) is None:
        return 2
    opts = TargetOptions(port=args.port, region=args.region, upstream_url=args.upstream,
                         work_dir=work_dir, max_environments=args.max_environments, faults=faults,
                         gateway=args.gateway)
    try:
        target = EmbeddedTarget(opts)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        where = f"the upstream {args.upstream}" if args.upstream else "the embedded target"
        print(f"error: cannot start {where}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    try:
        target.start()
    except KeyboardInterrupt:
        target.stop()
        return 130
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {reason}", file=sys.stderr)
        return 2
    rc = 0
    try:
        rc = _ready(args, target, work_dir)
        starting = False
        while rc == 0:
            # Short sleeps: the kernel may hand the signal to another thread, and Python runs
            # the handler (which raises KeyboardInterrupt) only when the main thread wakes.
            time.sleep(0.5)
    except KeyboardInterrupt:
        if starting:
            print("Interrupted while starting; stopping.", file=sys.stderr, flush=True)
            rc = 130
    finally:
        starting = False
        interrupts.hold()  # signals from here on wait for the clean stop
        target.stop()
        clear_state(work_dir)
        ignore_late_signals()
    print("Stopped.", flush=True)
    return rc


def _ready(args: argparse.Namespace, target: EmbeddedTarget, work_dir: Path) -> int:
    """Deploy the SaaS (unless --no-stack), write state.json and print the Ready line."""
    state = target.describe()
    if not args.no_stack:
        from harness.report.failures import describe_failures
        from harness.saas.bootstrap import BootstrapError, bring_up

        print(f"Deploying the SaaS under test to {target.endpoint} ...", flush=True)
        try:
            state = bring_up(target, work_dir).state
        except (BootstrapError, Exception) as exc:
            from harness.commands.endpoint import endpoint_hint

            print(f"error: could not bring the SaaS up: {type(exc).__name__}: {exc}"
                  f"{endpoint_hint(args, exc)}", file=sys.stderr)
            for line in describe_failures(target.failed_functions()):
                print(f"  {line}", file=sys.stderr)
            return 2
    state["pid"] = os.getpid()
    try:
        write_state(state, work_dir)
    except OSError as exc:
        print(f"error: cannot write {work_dir}/state.json: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    extra = f", admin API {state['admin_api_url']}" if "admin_api_url" in state else ""
    print(f"Ready: AWS APIs at {target.endpoint} (account {state['account']}, region "
          f"{state['region']}, upstream {state['upstream']}){extra}", flush=True)
    if "ca_file" in state:
        print(f"Local CA for https://*.amazonaws.com names: {state['ca_file']} (system CAs added: "
              f"{state['ca_bundle']})", flush=True)
    return 0
