"""What Lambda's Python runtime ships besides the standard library (the SDK), as one folder of links.

Workers start with `-I -S`, so the harness's own site-packages are never on their sys.path; this
folder gives them boto3, botocore and their dependencies exactly as Lambda's runtime does, after
the function's code and layers so a bundled copy wins, as on AWS.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

# The distributions Lambda's Python runtimes include ("Runtime-included SDK versions").
PROVIDED = ("boto3", "botocore", "jmespath", "python-dateutil", "s3transfer", "six", "urllib3")


@functools.cache
def sdk_floor() -> tuple[int, int]:
    """The oldest Python the provided distributions support (their Requires-Python lower bounds)."""
    floor = (3, 0)
    for name in PROVIDED:
        spec = importlib.metadata.metadata(name)["Requires-Python"] or ""
        for major, minor in re.findall(r">=\s*(\d+)\.(\d+)", spec):
            floor = max(floor, (int(major), int(minor)))
    return floor


def _entries() -> dict[str, Path]:
    """Top-level names (packages, modules, .dist-info folders) of the provided distributions."""
    found: dict[str, Path] = {}
    for name in PROVIDED:
        dist = importlib.metadata.distribution(name)
        for file in dist.files or []:
            top = file.parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth") or top in found:
                continue
            location = Path(str(dist.locate_file(top)))
            if location.exists():
                found[top] = location
    return found


def provided_dir(root: Path) -> Path:
    """Create (once, atomically) and return the folder of links under root."""
    entries = _entries()
    shape = json.dumps(sorted((k, str(v)) for k, v in entries.items()))
    dest = root / f"python-{hashlib.sha256(shape.encode()).hexdigest()[:12]}"
    if dest.is_dir():
        return dest
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    try:
        for name, source in entries.items():
            os.symlink(source, tmp / name)
        os.rename(tmp, dest)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not dest.is_dir():
            raise
    return dest
