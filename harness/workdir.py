"""The work dir `saas-harness up` owns: one target per folder, and a clean start every time.

Stack records (`stacks/`), `state.json` and Lambda logs (`lambda/logs/`) describe resources of one
target run, which live only in that process's memory. A new `up` moves what an earlier run left
into `previous/` (replacing an even older `previous/`), so its deployer starts from nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path
from types import TracebackType

from harness.state import STATE_FILE, absolute

LOCK_FILE = ".up.lock"
PREVIOUS_DIR = "previous"
RUN_RECORDS = (STATE_FILE, "stacks", "lambda/logs")


class WorkDirBusy(RuntimeError):
    """Another `saas-harness up` holds this work dir."""


class WorkDirLock:
    """An flock on <work dir>/.up.lock for the life of `up`; the kernel drops it if we die."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = absolute(work_dir)
        self.path = self.work_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> WorkDirLock:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise WorkDirBusy(f"another `saas-harness up` (pid {holder}) is running with work dir "
                              f"{self.work_dir}: stop it first, or pass another --work-dir") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WorkDirLock:
        return self.acquire()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def set_aside_previous_run(work_dir: Path) -> list[Path]:
    """Move an earlier run's records into <work dir>/previous/; returns where each one went."""
    work_dir = absolute(work_dir)
    found = [name for name in RUN_RECORDS if (work_dir / name).exists()]
    if not found:
        return []
    previous = work_dir / PREVIOUS_DIR
    if previous.is_dir() and not previous.is_symlink():
        shutil.rmtree(previous)
    else:
        previous.unlink(missing_ok=True)
    moved = []
    for name in found:
        dest = previous / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(work_dir / name, dest)
        moved.append(dest)
    return moved
