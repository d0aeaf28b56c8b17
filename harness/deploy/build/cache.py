"""The build cache: one folder (and its zip) per content hash, built once under a file lock.

Location: $SAAS_HARNESS_BUILD_CACHE, else $XDG_CACHE_HOME/saas-harness/build, else
~/.cache/saas-harness/build. A folder is keyed by the hash of what goes into it (every file of
the source folder, requirements.txt included, the declared runtime, the interpreter version pip
installs for and the build kind), so an unchanged function is never rebuilt, in any work dir or
process, and a changed one gets a new folder. Next to each folder `<hash>` lie `<hash>.zip` (the
deterministic zip the deployer uploads, so no process zips a big build twice) and `<hash>.json`
(what was built, from where, when). Nothing is evicted; delete the folder to reclaim the space.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from harness.deploy.code import zip_directory
from harness.filelock import file_lock

ENV_VAR = "SAAS_HARNESS_BUILD_CACHE"
FORMAT = "1"  # bump when the layout of a build folder changes
_SKIP_DIRS = {"__pycache__", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".aws-sam"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


def default_root() -> Path:
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser().resolve() / "saas-harness" / "build"


def source_files(root: Path) -> list[tuple[str, Path]]:
    """The files a build copies, relative to root, sorted; caches and compiled files left out."""
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in filenames:
            if not name.endswith(_SKIP_SUFFIXES) and name != ".DS_Store":
                path = Path(dirpath) / name
                found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def content_hash(root: Path, *parts: str) -> str:
    """SHA-256 of every file's path, mode bit and bytes under root, plus the given parts."""
    digest = hashlib.sha256(json.dumps([FORMAT, *parts]).encode())
    for rel, path in source_files(root):
        digest.update(b"\0" + rel.encode() + (b"x" if os.access(path, os.X_OK) else b"-"))
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def copy_source(source: Path, dest: Path) -> None:
    """Copy the source folder's files into dest (over what is there), skipping caches."""
    for rel, path in source_files(source):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        shutil.copy2(path, target)


class BuildCache:
    """Builds folders by content hash; counts builds, hits and pip runs (for reports and tests)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root).resolve() if root is not None else default_root()
        self._lock = threading.Lock()
        self.stats = {"builds": 0, "hits": 0, "pip_runs": 0}

    def count(self, name: str) -> None:
        with self._lock:
            self.stats[name] += 1

    def build(self, digest: str, fill: Callable[[Path], None], describe: dict[str, str]) -> Path:
        """The zip of the folder for digest, running fill(tmp) first if no process has built it yet."""
        archive = self.root / f"{digest}.zip"
        if archive.is_file():
            self.count("hits")
            return archive
        self.root.mkdir(parents=True, exist_ok=True)
        with file_lock(self.root / f"{digest}.lock"):
            if archive.is_file():  # another process or thread built it while we waited
                self.count("hits")
                return archive
            dest = self.root / digest
            shutil.rmtree(dest, ignore_errors=True)  # a folder without its zip: an interrupted build
            tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=f".tmp-{digest[:8]}-"))
            try:
                fill(tmp)
                os.rename(tmp, dest)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            record = {**describe, "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            (self.root / f"{digest}.json").write_text(json.dumps(record, indent=2) + "\n")
            partial = archive.with_suffix(".zip.tmp")
            partial.write_bytes(zip_directory(dest))
            os.rename(partial, archive)  # the zip last: its presence means the build is complete
        self.count("builds")
        return archive
