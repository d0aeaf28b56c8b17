"""The `saas-harness` command line."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from harness.state import clear_state, write_state


def _add_target_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=4566, help="loopback port (default 4566)")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--upstream", metavar="URL", default=None,
                   help="put the front door in front of this AWS-compatible endpoint instead of "
                        "in-process moto (LocalStack, ministack, moto_server)")
    p.add_argument("--work-dir", type=Path, default=Path(".harness"),
                   help="where state.json, logs and function code live (default .harness)")


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
                         work_dir=args.work_dir)
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
        state["pid"] = os.getpid()
        try:
            write_state(state, args.work_dir)
        except OSError as exc:
            print(f"error: cannot write {args.work_dir}/state.json: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
        print(f"Ready: AWS APIs at {target.endpoint} (account {state['account']}, region "
              f"{state['region']}, upstream {state['upstream']})", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        target.stop()
        clear_state(args.work_dir)
    print("Stopped.", flush=True)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import json

    if args.which == "edge":
        from harness.bench import edge

        result = edge.run(n=args.n)
    elif args.which == "gateway":
        from harness.bench import gateway

        result = gateway.run(n=args.n)
    else:  # pragma: no cover - argparse restricts choices
        raise SystemExit(f"unknown benchmark {args.which}")
    text = json.dumps(result, indent=2)
    if args.json:
        Path(args.json).write_text(text + "\n")
    print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="saas-harness",
        description="Local AWS-faithful emulation and tenant-isolation harness for serverless SaaS.")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the embedded target in the foreground")
    _add_target_options(up)
    up.add_argument("--no-stack", action="store_true", help="start the edge only")
    up.set_defaults(func=cmd_up)
    bench = sub.add_parser("bench", help="measure speed targets and write JSON")
    bench.add_argument("which", choices=["edge", "gateway"], help="what to measure")
    bench.add_argument("--json", metavar="PATH", help="write the results here")
    bench.add_argument("-n", type=int, default=1000, help="samples per latency measurement")
    bench.set_defaults(func=cmd_bench)
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
