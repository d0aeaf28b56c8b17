"""Dependency ordering of resources: CloudFormation's implicit edges from references plus DependsOn."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from harness.deploy.model import DeployError

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")
API_MEMBER_TYPES = ("AWS::ApiGateway::Resource", "AWS::ApiGateway::Method",
                    "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::GatewayResponse")


def references(value: Any) -> set[str]:
    """Every name a value refers to through Ref, Fn::GetAtt or Fn::Sub (parameters included)."""
    found: set[str] = set()
    _walk(value, found)
    return found


def _walk(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        if len(value) == 1:
            key, arg = next(iter(value.items()))
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
                return
            if key == "Fn::GetAtt":
                if isinstance(arg, str):
                    found.add(arg.partition(".")[0])
                    return
                if isinstance(arg, list) and arg and isinstance(arg[0], str):
                    found.add(arg[0])
                    _walk(arg[1:], found)
                    return
            if key == "Fn::Sub":
                _walk_sub(arg, found)
                return
        for item in value.values():
            _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)


def _walk_sub(arg: Any, found: set[str]) -> None:
    text, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
    if isinstance(variables, dict):
        _walk(list(variables.values()), found)
    if isinstance(text, str):
        for name in _SUB_VAR.findall(text):
            name = name.strip()
            if not (isinstance(variables, dict) and name in variables):
                found.add(name.partition(".")[0])


def depends_on(resource: Mapping[str, Any]) -> list[str]:
    """A resource's DependsOn as a list."""
    value = resource.get("DependsOn", [])
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _ref_target(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("Ref"), str):
        return str(value["Ref"])
    return None


def api_members(resources: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """For each Deployment: the RestApi and every Resource/Method/Authorizer that shapes what it serves."""
    by_api: dict[str, list[str]] = {}
    for logical, res in resources.items():
        if res.get("Type") in API_MEMBER_TYPES:
            api = _ref_target((res.get("Properties") or {}).get("RestApiId"))
            if api:
                by_api.setdefault(api, []).append(logical)
    members: dict[str, list[str]] = {}
    for logical, res in resources.items():
        if res.get("Type") == "AWS::ApiGateway::Deployment":
            api = _ref_target((res.get("Properties") or {}).get("RestApiId"))
            if api:
                members[logical] = ([api] if api in resources else []) + by_api.get(api, [])
    return members


def _stage_holders(resources: Mapping[str, Mapping[str, Any]], api: str) -> list[str]:
    out = []
    for logical, res in resources.items():
        props = res.get("Properties") or {}
        if _ref_target(props.get("RestApiId")) != api:
            continue
        if res.get("Type") == "AWS::ApiGateway::Stage" or (
                res.get("Type") == "AWS::ApiGateway::Deployment" and "StageName" in props):
            out.append(logical)
    return out


def implicit_edges(resources: Mapping[str, Mapping[str, Any]]) -> dict[str, set[str]]:
    """Edges CloudFormation users usually add by hand: deployments after methods, plans after stages."""
    edges: dict[str, set[str]] = {k: set(v) for k, v in api_members(resources).items()}
    for logical, res in resources.items():
        if res.get("Type") != "AWS::ApiGateway::UsagePlan":
            continue
        for stage in (res.get("Properties") or {}).get("ApiStages") or []:
            api = _ref_target(stage.get("ApiId")) if isinstance(stage, dict) else None
            if api:
                edges.setdefault(logical, set()).update(_stage_holders(resources, api))
    return edges


def dependencies(resources: Mapping[str, Mapping[str, Any]], known_names: Iterable[str],
                 where: Mapping[str, str]) -> dict[str, set[str]]:
    """Direct dependencies of each resource, validated: unknown names are errors naming file:line."""
    known = set(known_names)
    graph: dict[str, set[str]] = {}
    for logical, res in resources.items():
        refs = references(res.get("Properties") or {})
        refs |= references(res.get("Metadata") or {}) & set(resources)
        refs |= references(res.get("UpdatePolicy") or {}) & set(resources)
        for name in sorted(refs):
            if name not in resources and name not in known and not name.startswith("AWS::"):
                raise DeployError(f"{where.get(logical, '')}: resource {logical} refers to "
                                  f"unknown resource or parameter {name}")
        deps = {n for n in refs if n in resources and n != logical}
        for target in depends_on(res):
            if target not in resources and target not in known:
                raise DeployError(f"{where.get(logical, '')}: resource {logical} DependsOn "
                                  f"unknown resource {target}")
            if target in resources:
                deps.add(target)
        graph[logical] = deps
    for logical, extra in implicit_edges(resources).items():
        graph[logical] |= {e for e in extra if e != logical}
    return graph


def topological_order(graph: Mapping[str, set[str]], where: Mapping[str, str]) -> list[str]:
    """Creation order (dependencies first, otherwise template order); a cycle is a DeployError."""
    position = {name: i for i, name in enumerate(graph)}
    remaining = {name: set(deps) & set(graph) for name, deps in graph.items()}
    order: list[str] = []
    while remaining:
        ready = sorted((n for n, deps in remaining.items() if not deps), key=position.__getitem__)
        if not ready:
            cycle = _find_cycle(remaining)
            raise DeployError(f"{where.get(cycle[0], '')}: circular dependency between resources: "
                              + " -> ".join(cycle))
        for name in ready:
            order.append(name)
            del remaining[name]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def _find_cycle(graph: Mapping[str, set[str]]) -> list[str]:
    start = min(graph)
    path: list[str] = []
    seen: dict[str, int] = {}
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min(graph[node])
    return [*path[seen[node]:], node]
