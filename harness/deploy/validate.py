"""Static checks run before anything is created, so a bad template fails without side effects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from harness.deploy.intrinsics import SUPPORTED
from harness.deploy.loader import LDict, Template, line_of
from harness.deploy.model import DeployError
from harness.deploy.resources import PROVISIONERS

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


def check_template(tpl: Template, resources: Mapping[str, LDict]) -> None:
    """Unsupported intrinsics anywhere and GetAtt attributes a type doesn't have are DeployErrors."""
    problems = template_problems(tpl, resources)
    if problems:
        raise DeployError(problems[0])


def template_problems(tpl: Template, resources: Mapping[str, LDict]) -> list[str]:
    """Every unsupported intrinsic and every GetAtt attribute a type doesn't have, as file:line text."""
    problems: list[str] = []
    types = {k: str(v.get("Type")) for k, v in resources.items()}
    for logical, res in resources.items():
        _walk(tpl, types, res.get("Properties"), tpl.resource_line(logical), problems)
    outputs = tpl.section("Outputs")
    for name, spec in outputs.items():
        _walk(tpl, types, spec, outputs.key_lines.get(name, 0), problems)
    conditions = tpl.section("Conditions")
    for name, expr in conditions.items():
        _walk(tpl, types, expr, conditions.key_lines.get(name, 0), problems)
    return list(dict.fromkeys(problems))


def _walk(tpl: Template, types: dict[str, str], value: Any, line: int,
          problems: list[str]) -> None:
    line = line_of(value) or line
    if isinstance(value, dict):
        if len(value) == 1:
            key, arg = next(iter(value.items()))
            if key.startswith("Fn::") and key not in SUPPORTED:
                problems.append(f"{tpl.at(line)}: unsupported intrinsic function {key}")
            if key == "Fn::GetAtt":
                _getatt(tpl, types, arg, line, problems)
            if key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) and arg else arg
                variables = arg[1] if isinstance(arg, list) and len(arg) == 2 else {}
                for name in _SUB_VAR.findall(text) if isinstance(text, str) else []:
                    name = name.strip()
                    if "." in name and not (isinstance(variables, dict) and name in variables):
                        _getatt(tpl, types, name, line, problems)
        key_lines = value.key_lines if isinstance(value, LDict) else {}
        for key, item in value.items():
            _walk(tpl, types, item, key_lines.get(key, line), problems)
    elif isinstance(value, list):
        for item in value:
            _walk(tpl, types, item, line, problems)


def _getatt(tpl: Template, types: dict[str, str], arg: Any, line: int,
            problems: list[str]) -> None:
    if isinstance(arg, str):
        logical, _, attribute = arg.partition(".")
    elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], str):
        logical, attribute = arg
    else:
        return
    if not isinstance(logical, str) or logical not in types:
        return
    provisioner = PROVISIONERS.get(types[logical])
    if provisioner is not None and not provisioner.has_attribute(attribute):
        known = ", ".join(sorted(provisioner.attributes)) or "none"
        problems.append(f"{tpl.at(line)}: Fn::GetAtt {logical}.{attribute}: {types[logical]} "
                        f"has no attribute {attribute} (supported: {known})")
