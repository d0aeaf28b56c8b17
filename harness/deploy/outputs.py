"""A deploy's plan and results: outputs, exports and how DescribeStacks shows them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.deploy.intrinsics import Resolver, stringify
from harness.deploy.loader import LDict, Template
from harness.deploy.model import DeployError


@dataclass
class Plan:
    """A template checked and ordered for one deploy."""

    resolver: Resolver
    resources: dict[str, LDict]
    active: set[str]
    order: list[str]
    shown: dict[str, str]
    template: Template  # as deployed: plain CloudFormation, after the SAM transform


def parameter_strings(values: dict[str, Any]) -> dict[str, str]:
    """Parameter values as they were given (lists comma-joined), for UsePreviousValue."""
    return {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in values.items()}


def body_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def output_details(tpl: Template, outputs: dict[str, str], export_of: dict[str, str]
                    ) -> list[dict[str, str]]:
    """DescribeStacks' Outputs: key, value, description and export name."""
    section = tpl.section("Outputs")
    rows = []
    for name, value in outputs.items():
        spec = section.get(name)
        row = {"OutputKey": name, "OutputValue": value}
        if isinstance(spec, dict) and isinstance(spec.get("Description"), str):
            row["Description"] = spec["Description"]
        if name in export_of:
            row["ExportName"] = export_of[name]
        rows.append(row)
    return rows


def stack_outputs(tpl: Template, resolver: Resolver
             ) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Output values, exports by name, and each exported output's export name."""
    outputs: dict[str, str] = {}
    exports: dict[str, str] = {}
    export_of: dict[str, str] = {}
    section = tpl.section("Outputs")
    for name, spec in section.items():
        line = section.key_lines.get(name, 0)
        if not isinstance(spec, dict) or "Value" not in spec:
            raise DeployError(f"{tpl.at(line)}: output {name} needs a Value")
        if "Condition" in spec and not resolver.condition(str(spec["Condition"]), line):
            continue
        value = resolver.resolve(spec["Value"], line)
        text = stringify(value, f"output {name}", tpl.at(line))
        outputs[name] = text
        export = spec.get("Export")
        if isinstance(export, dict) and "Name" in export:
            export_name = stringify(resolver.resolve(export["Name"], line), "Export.Name",
                                    tpl.at(line))
            exports[export_name] = text
            export_of[name] = export_name
    return outputs, exports, export_of
