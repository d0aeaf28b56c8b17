"""Fixtures for deployer integration tests: one deployer on the session target, project dirs."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.deploy import Deployer, MemoryStackStore
from harness.target import EmbeddedTarget

_counter = itertools.count()


@pytest.fixture(scope="session")
def deployer(target: EmbeddedTarget) -> Deployer:
    return Deployer(endpoint_url=target.endpoint, store=MemoryStackStore())


@pytest.fixture
def stack_name(request: pytest.FixtureRequest) -> str:
    """A stack name unique in the session (names flow into explicit resource names)."""
    return f"t{next(_counter)}-{request.node.name[5:17].replace('_', '-').strip('-')}"


Project = Callable[..., Path]


def make_project(root: Path, template: str, files: dict[str, str] | None = None) -> Path:
    """Write a template and its source files; returns the template path."""
    for rel, text in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    path = root / "template.yaml"
    path.write_text(textwrap.dedent(template).lstrip("\n"))
    return path


@pytest.fixture
def project(tmp_path: Path) -> Project:
    def build(template: str, files: dict[str, str] | None = None) -> Path:
        return make_project(tmp_path, template, files)

    return build
