"""`saas-harness run` stopped midway, as a CI runner stops it (SIGTERM) or a user does (Ctrl-C,
pressed more than once): it exits 130 and leaves no Lambda worker behind.

The workers run in their own sessions, so nothing but the run's own clean-up stops them; SIGTERM
once ended the process without it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

CLI = [sys.executable, "-m", "harness.cli"]
pytestmark = pytest.mark.slow


def _workers(pid: int) -> list[psutil.Process]:
    try:
        return [c for c in psutil.Process(pid).children(recursive=True)
                if "bootstrap" in " ".join(c.cmdline())]
    except psutil.Error:
        return []


@pytest.mark.parametrize("burst", [(signal.SIGTERM,), (signal.SIGINT, signal.SIGINT, signal.SIGINT)],
                         ids=["SIGTERM", "Ctrl-C three times"])
def test_a_stopped_run_leaves_no_worker_and_exits_130(tmp_path: Path,
                                                       burst: tuple[int, ...]) -> None:
    err = tmp_path / "stderr.txt"
    with err.open("w") as sink:
        proc = subprocess.Popen([*CLI, "run", "--tiers", "basic=2,premium=1", "--items", "3",
                                 "--no-suites"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=sink, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _workers(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        workers = _workers(proc.pid)
        assert workers, err.read_text()[-3000:]
        for sig in burst:
            proc.send_signal(sig)
            time.sleep(0.05)
        rc = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = err.read_text()
    assert rc == 130, text[-3000:]
    assert "Interrupted" in text and "Traceback" not in text, text[-3000:]
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, [p.pid for p in alive]
