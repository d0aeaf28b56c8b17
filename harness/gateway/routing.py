"""The resource tree compiled once per deployment: static > {param} > {proxy+}, then verb > ANY.

Resources and ANY: api-gateway-method-settings-method-request.html; a greedy {proxy+} catches
every path below its parent that no more specific resource takes:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-set-up-simple-proxy.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import unquote

M = TypeVar("M")


@dataclass
class _Node(Generic[M]):
    static: dict[str, _Node[M]] = field(default_factory=dict)
    param: _Node[M] | None = None
    param_name: str = ""
    greedy: _Node[M] | None = None
    greedy_name: str = ""
    resource_path: str | None = None
    methods: Mapping[str, M] | None = None


@dataclass(frozen=True)
class RouteMatch(Generic[M]):
    """The resource path template, the method that will serve, and the path parameters."""

    resource_path: str
    method: M
    path_params: dict[str, str]


class Router(Generic[M]):
    """Immutable after build; match() is a walk over dicts with no regex."""

    def __init__(self, resources: Mapping[str, Mapping[str, M]]) -> None:
        self._root: _Node[M] = _Node()
        for path, methods in resources.items():
            self._add(path, methods)

    def _add(self, path: str, methods: Mapping[str, M]) -> None:
        node = self._root
        for part in (p for p in path.split("/") if p):
            if part.startswith("{") and part.endswith("+}"):
                if node.greedy is None:
                    node.greedy = _Node()
                    node.greedy_name = part[1:-2]
                node = node.greedy
            elif part.startswith("{") and part.endswith("}"):
                if node.param is None:
                    node.param = _Node()
                    node.param_name = part[1:-1]
                node = node.param
            else:
                node = node.static.setdefault(part, _Node())
        node.resource_path = path if path.startswith("/") else "/" + path
        node.methods = methods

    def match(self, path: str, verb: str) -> RouteMatch[M] | None:
        """The most specific resource with a method for verb (or ANY), else None."""
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        segments = path.split("/")[1:] if path != "/" else []
        if "%" in path:
            segments = [unquote(s) for s in segments]
        return self._walk(self._root, segments, 0, verb, {})

    def _walk(self, node: _Node[M], segs: list[str], i: int, verb: str,
              params: dict[str, str]) -> RouteMatch[M] | None:
        if i == len(segs):
            return self._serve(node, verb, params)
        seg = segs[i]
        child = node.static.get(seg)
        if child is not None:
            found = self._walk(child, segs, i + 1, verb, params)
            if found is not None:
                return found
        if node.param is not None and seg:
            params[node.param_name] = seg
            found = self._walk(node.param, segs, i + 1, verb, params)
            if found is not None:
                return found
            del params[node.param_name]
        if node.greedy is not None and seg:
            params[node.greedy_name] = "/".join(segs[i:])
            found = self._serve(node.greedy, verb, params)
            if found is not None:
                return found
            del params[node.greedy_name]
        return None

    @staticmethod
    def _serve(node: _Node[M], verb: str, params: dict[str, str]) -> RouteMatch[M] | None:
        methods = node.methods
        if not methods or node.resource_path is None:
            return None
        method = methods.get(verb)
        if method is None:
            method = methods.get("ANY")
        if method is None:
            return None
        return RouteMatch(node.resource_path, method, dict(params))
