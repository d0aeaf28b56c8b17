"""Deterministic code packaging, so an unchanged CodeUri gives the same zip and hash on every deploy."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import threading
import zipfile
from pathlib import Path

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo")
_cache: dict[tuple[str, tuple[tuple[str, int, int], ...]], bytes] = {}
_cache_lock = threading.Lock()


def _files(root: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in filenames:
            if name.endswith(_SKIP_SUFFIXES) or name == ".DS_Store":
                continue
            path = Path(dirpath) / name
            found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def zip_directory(root: Path) -> bytes:
    """The directory's contents (not the directory itself) as a reproducible zip."""
    files = _files(root)
    signature = tuple((rel, p.stat().st_size, p.stat().st_mtime_ns) for rel, p in files)
    key = (str(root.resolve()), signature)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, path in files:
            info = zipfile.ZipInfo(rel, date_time=_FIXED_TIME)
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            archive.writestr(info, path.read_bytes(), compresslevel=6)
    data = buf.getvalue()
    with _cache_lock:
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = data
    return data


def zip_inline(source: str, filename: str = "index.py",
               extra: dict[str, str] | None = None) -> bytes:
    """Inline source (ZipFile / InlineCode) packaged the way Lambda does: one `index` file, plus
    the modules AWS adds beside it (`extra`, name → source)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in [(filename, source), *sorted((extra or {}).items())]:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = (0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode())
    return buf.getvalue()


def package(path: Path) -> bytes:
    """A local CodeUri/ContentUri: a directory is zipped, a .zip file is taken as it is."""
    if path.is_dir():
        return zip_directory(path)
    if path.is_file() and path.suffix == ".zip":
        return path.read_bytes()
    raise FileNotFoundError(f"{path} is neither a directory nor a .zip file")


def code_sha256(data: bytes) -> str:
    """Lambda's CodeSha256: base64 of the SHA-256 of the zip."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()
