"""Shared helpers for the deployer tests: templates from text, a fake resource lookup."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

from harness.deploy.intrinsics import Resolver
from harness.deploy.loader import Template, load_template
from harness.deploy.model import DeployError
from harness.deploy.params import pseudo_parameters, resolve_parameters

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/s1/abc"


def write(tmp: Path, text: str, name: str = "template.yaml") -> Path:
    path = tmp / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def template(tmp: Path, text: str, name: str = "template.yaml") -> Template:
    return load_template(write(tmp, text, name))


class FakeLookup:
    """Deployed resources as plain dicts: logical id → {"Ref": ..., attr: ...}."""

    def __init__(self, resources: dict[str, dict[str, Any]]) -> None:
        self.resources = resources

    def ref(self, logical_id: str, where: str) -> Any:
        if logical_id not in self.resources:
            raise DeployError(f"{where}: unknown resource or parameter {logical_id}")
        return self.resources[logical_id]["Ref"]

    def getatt(self, logical_id: str, attribute: str, where: str) -> Any:
        if attribute not in self.resources.get(logical_id, {}):
            raise DeployError(f"{where}: no attribute {logical_id}.{attribute}")
        return self.resources[logical_id][attribute]


def resolver(tpl: Template, params: dict[str, str] | None = None,
             resources: dict[str, dict[str, Any]] | None = None) -> Resolver:
    values, _ = resolve_parameters(tpl, params)
    pseudo = pseudo_parameters("us-east-1", "123456789012", "s1", STACK_ID)
    return Resolver(tpl, values, pseudo, FakeLookup(resources or {}))


def sam_id(resources: dict[str, Any], prefix: str) -> str:
    """The logical id SAM gave a hashed resource (`<Api>Deployment<sha>`, `<Layer><sha>`)."""
    if prefix in resources:
        return prefix
    found = [k for k in resources if re.fullmatch(re.escape(prefix) + "[0-9a-f]{10}", k)]
    assert len(found) == 1, f"one SAM-generated {prefix}<hash> expected, got {found}"
    return found[0]
