"""Template loading that keeps line numbers, so every error can point at the template's file:line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.deploy.model import DeployError

_SHORT_TAGS = {
    "Ref": "Ref", "Condition": "Condition", "Sub": "Fn::Sub", "GetAtt": "Fn::GetAtt",
    "If": "Fn::If", "Join": "Fn::Join", "Select": "Fn::Select", "Split": "Fn::Split",
    "Equals": "Fn::Equals", "Not": "Fn::Not", "And": "Fn::And", "Or": "Fn::Or",
    "FindInMap": "Fn::FindInMap", "Base64": "Fn::Base64", "ImportValue": "Fn::ImportValue",
    "GetAZs": "Fn::GetAZs", "Cidr": "Fn::Cidr", "Transform": "Fn::Transform",
    "Length": "Fn::Length", "ToJsonString": "Fn::ToJsonString",
}


class LDict(dict[str, Any]):
    """A mapping that remembers its own line and each key's line."""

    line: int = 0

    def __init__(self, *args: Any, line: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line
        self.key_lines: dict[str, int] = {}


class LList(list[Any]):
    """A sequence that remembers its line."""

    line: int = 0

    def __init__(self, *args: Any, line: int = 0) -> None:
        super().__init__(*args)
        self.line = line


def line_of(node: Any) -> int:
    """The line a loaded node started on, 0 when unknown (generated or scalar)."""
    return int(getattr(node, "line", 0) or 0)


def located(value: dict[str, Any], line: int) -> LDict:
    """Wrap a generated mapping so errors inside it still point at its origin."""
    out = LDict(value, line=line)
    if isinstance(value, LDict):
        out.key_lines = dict(value.key_lines)
    return out


class _Loader(yaml.SafeLoader):
    """SafeLoader without timestamps (CloudFormation keeps `2012-10-17` a string) and with line marks."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LDict:
    loader.flatten_mapping(node)
    out = LDict(line=_line(node))
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
        if not isinstance(key, str | int | float | bool):
            raise DeployError(f"line {_line(key_node)}: mapping key must be a scalar")
        key = str(key)
        if key in out:
            raise DeployError(f"line {_line(key_node)}: duplicate key {key!r}")
        out[key] = loader.construct_object(value_node, deep=True)  # type: ignore[no-untyped-call]
        out.key_lines[key] = _line(key_node)
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LList:
    return LList([loader.construct_object(child, deep=True)  # type: ignore[no-untyped-call]
                  for child in node.value],
                 line=_line(node))


def _tagged(loader: _Loader, tag_suffix: str, node: yaml.Node) -> LDict:
    name = _SHORT_TAGS.get(tag_suffix)
    if name is None:
        raise DeployError(f"line {_line(node)}: unsupported YAML tag !{tag_suffix}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            logical, _, attr = str(value).partition(".")
            value = LList([logical, attr], line=_line(node))
    elif isinstance(node, yaml.SequenceNode):
        value = _sequence(loader, node)
    else:
        value = _mapping(loader, node)  # type: ignore[arg-type]
    return LDict({name: value}, line=_line(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)  # type: ignore[arg-type]
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)  # type: ignore[arg-type]
_Loader.add_multi_constructor("!", _tagged)  # type: ignore[no-untyped-call,arg-type]


def _json_pairs(pairs: list[tuple[str, Any]]) -> LDict:
    out = LDict()
    for key, value in pairs:
        out[key] = value
    return out


@dataclass
class Template:
    """A loaded template: its body plus where it came from, for relative paths and error locations."""

    path: Path
    body: LDict
    extra_lines: dict[str, int] = field(default_factory=dict)

    @property
    def directory(self) -> Path:
        return self.path.parent

    def section(self, name: str) -> LDict:
        value = self.body.get(name)
        if value is None:
            return LDict()
        if not isinstance(value, dict):
            raise DeployError(f"{self.at(self.body.key_lines.get(name, 0))}: section {name} "
                              "must be a mapping")
        return value if isinstance(value, LDict) else LDict(value)

    def at(self, node_or_line: Any) -> str:
        """`file:line` for a node or a line number (the file alone when the line is unknown)."""
        line = node_or_line if isinstance(node_or_line, int) else line_of(node_or_line)
        return f"{self.path.name}:{line}" if line else self.path.name

    def resource_line(self, logical_id: str) -> int:
        """The line a resource was declared on (or its origin's, for SAM-generated resources)."""
        if logical_id in self.extra_lines:
            return self.extra_lines[logical_id]
        return self.section("Resources").key_lines.get(logical_id, 0)


def load_template(path: Path) -> Template:
    """Read a YAML or JSON template; YAML short-form tags become their long-form mappings."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeployError(f"{path}: cannot read template: {exc}") from exc
    try:
        body = yaml.load(text, Loader=_Loader)
    except DeployError as exc:
        raise DeployError(f"{path.name}:{str(exc).removeprefix('line ')}") from exc
    except yaml.YAMLError as exc:
        if text.lstrip().startswith("{"):
            try:
                body = json.loads(text, object_pairs_hook=_json_pairs)
            except json.JSONDecodeError as jexc:
                raise DeployError(f"{path.name}:{jexc.lineno}: invalid JSON: {jexc.msg}") from jexc
        else:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 0
            raise DeployError(f"{path.name}:{line}: invalid YAML: {exc}") from exc
    if not isinstance(body, dict):
        raise DeployError(f"{path.name}: a template must be a mapping")
    if not isinstance(body, LDict):
        body = LDict(body, line=1)
    return Template(path=path, body=body)
