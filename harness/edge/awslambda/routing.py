"""Weighted aliases: which version an invocation of an alias runs, deterministically.

An alias with a RoutingConfig sends `weight` of its invocations to the additional version
(https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html). AWS picks at
random; here the n-th invocation (counted per alias and weight) runs the additional version when
floor(n * weight) grows, so of N invocations exactly floor(N * weight) run it, spread evenly.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from harness.changes import ChangeFeed
from harness.edge.upstream import Upstream

_VERSION = re.compile(r"\$LATEST|\d+")
_PPM = 1_000_000


def is_alias(qualifier: str | None) -> bool:
    return qualifier is not None and _VERSION.fullmatch(qualifier) is None


@dataclass(frozen=True)
class AliasRoute:
    version: str
    weights: tuple[tuple[str, int], ...]  # (additional version, weight in parts per million)


class AliasNotFound(LookupError):
    """No such alias; Invoke answers ResourceNotFoundException."""


class AliasRouter:
    """Reads aliases through the upstream (cached per Lambda write) and picks each invocation's version."""

    def __init__(self, upstream: Upstream, changes: ChangeFeed) -> None:
        self._upstream = upstream
        self._changes = changes
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str], tuple[int, AliasRoute]] = {}
        self._counts: dict[tuple[str, str, AliasRoute], int] = {}
        self.before_route: list[Callable[[], None]] = []  # e.g. traffic shifts catching up

    def route(self, function: str, alias: str) -> AliasRoute:
        for catch_up in self.before_route:
            catch_up()
        gen = self._changes.generation("lambda")
        hit = self._routes.get((function, alias))
        if hit and hit[0] == gen:
            return hit[1]
        try:
            found = self._upstream.client("lambda").get_alias(FunctionName=function, Name=alias)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                raise AliasNotFound(f"{function}:{alias}") from None
            raise
        weights = ((found.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})
        route = AliasRoute(str(found["FunctionVersion"]),
                           tuple(sorted((str(v), round(float(w) * _PPM)) for v, w in weights.items())))
        with self._lock:
            self._routes[(function, alias)] = (gen, route)
        return route

    def version(self, function: str, alias: str) -> str:
        """The version this invocation of `function:alias` runs."""
        route = self.route(function, alias)
        if not route.weights:
            return route.version
        with self._lock:
            key = (function, alias, route)
            n = self._counts.get(key, 0)
            self._counts[key] = n + 1
        version, ppm = route.weights[0]  # Lambda allows one additional version per alias
        return version if (n + 1) * ppm // _PPM > n * ppm // _PPM else route.version

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self._counts.clear()
