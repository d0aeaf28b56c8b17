"""Ctrl-C and SIGTERM unwind a command once, so its `with` blocks stop what it started.

Without a handler, SIGTERM ends the process on the spot: a `saas-harness run` killed that way left
its Lambda workers (they run in their own sessions) behind. A second Ctrl-C while the first one's
clean-up runs would interrupt the clean-up itself. `interrupt_once` makes the first SIGINT or
SIGTERM raise KeyboardInterrupt and ignores the rest; the handler takes no lock, because it runs
on the main thread between any two bytecodes, even inside another lock's `with` block.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def interrupt_once() -> None:
    """Install the handler for SIGINT and SIGTERM; a command called on another thread (a library
    caller's) leaves the process's handlers alone, as Python allows them on the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return
    fired = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal fired
        if fired:
            return
        fired = True
        raise KeyboardInterrupt

    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)


__all__ = ["STOP_SIGNALS", "interrupt_once"]
