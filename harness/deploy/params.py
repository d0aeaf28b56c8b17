"""Template parameters and pseudo parameters, validated the way CloudFormation validates them."""

from __future__ import annotations

import re
from typing import Any

from harness.deploy.loader import LDict, Template
from harness.deploy.model import DeployError

NO_ECHO_MASK = "****"
_LIST_TYPES = ("CommaDelimitedList", "List<Number>", "List<String>")


def partition_for(region: str) -> str:
    """The ARN partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def pseudo_parameters(region: str, account: str, stack_name: str, stack_id: str) -> dict[str, Any]:
    """The AWS:: pseudo parameters for one stack (AWS::NoValue is handled by the resolver)."""
    return {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::Partition": partition_for(region),
        "AWS::URLSuffix": "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com",
        "AWS::NotificationARNs": [],
    }


def _as_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_as_str(v) for v in value)
    return str(value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check(tpl: Template, name: str, spec: LDict, raw: str) -> Any:
    where = tpl.at(spec)
    ptype = str(spec.get("Type", "String"))
    if ptype.startswith("AWS::SSM::Parameter"):
        raise DeployError(f"{where}: parameter {name}: type {ptype} is not supported")
    items = [p.strip() for p in raw.split(",")] if ptype in _LIST_TYPES else [raw]
    if raw == "" and ptype in _LIST_TYPES:
        items = []
    allowed = spec.get("AllowedValues")
    for item in items:
        if ptype in ("Number", "List<Number>") and not _is_number(item):
            raise DeployError(f"{where}: parameter {name} must be a number, got {item!r}")
        if allowed is not None and item not in [_as_str(a) for a in allowed]:
            raise DeployError(f"{where}: parameter {name} value {item!r} is not one of the "
                              f"AllowedValues {[_as_str(a) for a in allowed]}")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and ptype == "String" and not re.fullmatch(str(pattern), item):
            raise DeployError(f"{where}: parameter {name} value {item!r} does not match "
                              f"AllowedPattern {pattern}"
                              + (f" ({spec['ConstraintDescription']})"
                                 if "ConstraintDescription" in spec else ""))
        if ptype == "Number":
            if "MinValue" in spec and float(item) < float(spec["MinValue"]):
                raise DeployError(f"{where}: parameter {name} is below MinValue {spec['MinValue']}")
            if "MaxValue" in spec and float(item) > float(spec["MaxValue"]):
                raise DeployError(f"{where}: parameter {name} is above MaxValue {spec['MaxValue']}")
    if ptype == "String":
        if "MinLength" in spec and len(raw) < int(spec["MinLength"]):
            raise DeployError(f"{where}: parameter {name} is shorter than MinLength "
                              f"{spec['MinLength']}")
        if "MaxLength" in spec and len(raw) > int(spec["MaxLength"]):
            raise DeployError(f"{where}: parameter {name} is longer than MaxLength "
                              f"{spec['MaxLength']}")
    return items if ptype in _LIST_TYPES else raw


def resolve_parameters(tpl: Template, given: dict[str, str] | None
                       ) -> tuple[dict[str, Any], dict[str, str]]:
    """Values for every declared parameter (given, else Default) and their NoEcho-masked display."""
    given = dict(given or {})
    declared = tpl.section("Parameters")
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise DeployError(f"{tpl.path.name}: parameters {unknown} do not exist in the template")
    values: dict[str, Any] = {}
    display: dict[str, str] = {}
    for name, spec in declared.items():
        if not isinstance(spec, LDict):
            raise DeployError(f"{tpl.at(declared.key_lines.get(name, 0))}: parameter {name} "
                              "must be a mapping")
        if name in given:
            raw = _as_str(given[name])
        elif "Default" in spec:
            raw = _as_str(spec["Default"])
        else:
            raise DeployError(f"{tpl.at(spec)}: parameter {name} has no value and no Default")
        values[name] = _check(tpl, name, spec, raw)
        no_echo = str(spec.get("NoEcho", "false")).lower() == "true"
        display[name] = NO_ECHO_MASK if no_echo else raw
    return values, display
