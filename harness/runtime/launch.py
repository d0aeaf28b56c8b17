"""What starts an environment for a runtime: the interpreter command, its module path, its variables."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.runtime.interpreters import resolve
from harness.runtime.node import (
    NodeUnavailable,
    is_node_runtime,
    node_major,
    node_paths,
    resolve_node,
    sdk_dir,
)
from harness.runtime.worker import node_command, python_command
from harness.runtime.workspace import is_python_runtime, python_paths


@dataclass(frozen=True)
class Launch:
    """The worker's command line, the path list of its setup frame, and extra environment."""

    command: list[str]
    paths: list[str]
    env: dict[str, str] = field(default_factory=dict)


def unsupported(runtime: str) -> str | None:
    """Why this runtime cannot run here, or None; installs the Node SDK on first use."""
    if is_python_runtime(runtime):
        return None
    if not is_node_runtime(runtime):
        return f"Runtime '{runtime}' is not supported here (python3.x and nodejsNN.x only)"
    if resolve_node(runtime) is None:
        return f"Runtime '{runtime}' needs node, which is not installed here (not on PATH)"
    try:
        sdk_dir()
    except NodeUnavailable as exc:
        return f"Runtime '{runtime}': {exc}"
    return None


def launch(runtime: str, task_root: Path, layers: Sequence[Path], provided: Path,
           python: str | None) -> Launch:
    """Python: `-I -S` with code, layers and the provided SDK; Node: NODE_PATH in Lambda's order."""
    if is_node_runtime(runtime):
        node = resolve_node(runtime)
        if node is None:
            raise RuntimeError(f"node is not installed for {runtime}")
        paths = node_paths(runtime, layers, sdk_dir())
        return Launch(node_command(node.path), paths,
                      {"NODE_PATH": os.pathsep.join([*paths, str(task_root)])})
    paths = [*python_paths(runtime, task_root, layers), str(provided)]
    return Launch(python_command(python or resolve(runtime).path), paths)


def runtime_version(runtime: str) -> str:
    """The INIT_START line's runtime version: python:3.12, nodejs:20."""
    major = node_major(runtime)
    return f"nodejs:{major}" if major is not None else runtime.replace("python", "python:")
