"""Ctrl-C and SIGTERM unwind a command once, so its `with` blocks stop what it started.

Without a handler, SIGTERM ends the process on the spot: a `saas-harness run` killed that way left
its Lambda workers (they run in their own sessions) behind. A second Ctrl-C while the first one's
clean-up runs would interrupt the clean-up itself. `interrupt_once` makes the first SIGINT or
SIGTERM raise KeyboardInterrupt and ignores the rest; the handler takes no lock, because it runs
on the main thread between any two bytecodes, even inside another lock's `with` block (`up`'s
handler once set a `threading.Event` there and hung for good on a second signal).
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """The installed handler's state: `hold()` makes later signals wait for a clean-up in progress."""

    def __init__(self) -> None:
        self.fired = False

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.fired:
            return
        self.fired = True
        raise KeyboardInterrupt

    def hold(self) -> None:
        """From now on signals are ignored (a clean stop has begun)."""
        self.fired = True


def interrupt_once() -> Interrupts:
    """Install the handler for SIGINT and SIGTERM; a command called on another thread (a library
    caller's) leaves the process's handlers alone, as Python allows them on the main thread only."""
    state = Interrupts()
    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            signal.signal(sig, state.on_signal)
    return state


def ignore_late_signals() -> None:
    """Once stopped, SIGINT/SIGTERM are ignored: Python's exit puts the default handlers back, and
    a Ctrl-C then would turn a clean exit into death by signal. A signal already on its way when
    the handler changes makes Python print "Signal N ignored due to race condition" as an
    unraisable error; that notice, and only it, is dropped."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        exc = unraisable.exc_value
        if isinstance(exc, OSError) and "ignored due to race condition" in str(exc):
            return
        previous(unraisable)

    sys.unraisablehook = hook
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


__all__ = ["STOP_SIGNALS", "Interrupts", "ignore_late_signals", "interrupt_once"]
