"""Replayable repros: the steps of a failed test (actor, tenant, request, expected, observed) as JSON.

Tokens are never stored: replay onboards a fresh tenant per recorded tenant (same tier), signs each
actor in again through the adapter, re-runs the setup steps (a victim's create) to get new ids, and
then sends the attack steps; a 2xx on a step the app had to refuse means the leak is still there.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.suites.adapter import Credentials, Route, Tenant

VERSION = 1
StepKind = Literal["setup", "attack"]
AuthKind = Literal["actor", "none", "literal"]
"""The actor's own (re-acquired) token, no token, or a token of the attacker's making, kept as is."""
MAX_STEPS = 400
_PLACEHOLDER = re.compile(r"\$\{(tenant|capture):([A-Za-z0-9_-]+)\}")


class ReproError(ValueError):
    """Not a repro this version can replay: bad JSON, wrong version, missing or mistyped fields."""


@dataclass
class Step:
    """One request: who sent it, whose tenant it targeted, what was asked, expected and observed."""

    kind: StepKind
    actor: dict[str, str | None]
    """{"tenant": tenant alias or None for provider roles and anonymous callers, "role": ...}."""
    tenant: str | None
    """The alias of the tenant whose data or API the step targets (the victim of an attack)."""
    request: dict[str, Any]
    """{"method", "api", "base": alias|None, "path": route template, "params", "headers", "body", "auth"}."""
    expected: dict[str, Any]
    """attack: {"denied": True} (any 2xx is a leak); setup: {"status_class": 2}."""
    observed: dict[str, Any]
    """{"status", "body"} (an excerpt) as the failing run saw it."""
    capture: dict[str, str] | None = None
    """setup: {"name": capture name, "field": the reply field holding the new id}."""


@dataclass
class Repro:
    """A versioned, typed repro document."""

    finding: str
    target: dict[str, Any]
    tenants: dict[str, dict[str, str]] = field(default_factory=dict)
    """alias -> {"tier": ...}; the recorded tenant ids are never reused."""
    steps: list[Step] = field(default_factory=list)
    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str) + "\n"


def _templatize(value: Any, subs: Mapping[str, str]) -> Any:
    """Replace the run's concrete ids (tenant ids, created ids) by ${kind:name} placeholders."""
    if isinstance(value, str):
        for concrete, placeholder in sorted(subs.items(), key=lambda kv: -len(kv[0])):
            if concrete:
                value = value.replace(concrete, placeholder)
        return value
    if isinstance(value, dict):
        return {k: _templatize(v, subs) for k, v in value.items()}
    if isinstance(value, list):
        return [_templatize(v, subs) for v in value]
    return value


def render(value: Any, values: Mapping[str, str]) -> Any:
    """Fill ${kind:name} placeholders from the replay's own ids; an unknown one is a bad repro."""
    if isinstance(value, str):
        def one(m: re.Match[str]) -> str:
            key = f"{m.group(1)}:{m.group(2)}"
            if key not in values:
                raise ReproError(f"placeholder ${{{key}}} is defined by no tenant or earlier setup step")
            return values[key]
        return _PLACEHOLDER.sub(one, value)
    if isinstance(value, dict):
        return {k: render(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, values) for v in value]
    return value


class Recorder:
    """The requests of one test (or of one hypothesis example): reset at each start, saved on failure."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.steps: list[Step] = []
            self.tenants: dict[str, tuple[str, str]] = {}  # tenant id -> (alias, tier)
            self.captures: dict[str, str] = {}  # concrete id -> capture name

    def _alias(self, tenant: Tenant | None) -> str | None:
        if tenant is None:
            return None
        if tenant.id not in self.tenants:
            self.tenants[tenant.id] = (f"t{len(self.tenants) + 1}", tenant.tier)
        return self.tenants[tenant.id][0]

    def _subs(self) -> dict[str, str]:
        subs = {tid: f"${{tenant:{alias}}}" for tid, (alias, _) in self.tenants.items()}
        subs.update({cid: f"${{capture:{name}}}" for cid, name in self.captures.items()})
        return subs

    def record(self, kind: StepKind, *, actor: Credentials | None, actor_tenant: Tenant | None,
               victim: Tenant | None, route: Route, base: Tenant | None, params: Mapping[str, str],
               body: Any, headers: Mapping[str, str] | None, auth: AuthKind, token: str | None,
               status: int, reply: Any, capture_field: str | None = None) -> None:
        """Append one request; a setup step that answered an id captures it for later steps."""
        with self._lock:
            if len(self.steps) >= MAX_STEPS:  # keep the newest steps, and every step that defines an id
                drop = next((i for i, s in enumerate(self.steps) if s.capture is None), 0)
                del self.steps[drop]
            actor_alias, victim_alias = self._alias(actor_tenant), self._alias(victim)
            base_alias = self._alias(base)
            subs = self._subs()
            request = {"method": route.method, "api": route.api, "base": base_alias, "path": route.path,
                       "params": _templatize(dict(params), subs),
                       "headers": _templatize(dict(headers or {}), subs),
                       "body": _templatize(body, subs), "auth": auth}
            if auth == "literal":
                request["token"] = token
            capture = None
            if capture_field and 200 <= status < 300 and isinstance(reply, dict) and capture_field in reply:
                name = f"c{len(self.captures) + 1}"
                self.captures[str(reply[capture_field])] = name
                capture = {"name": name, "field": capture_field}
            expected: dict[str, Any] = {"denied": True} if kind == "attack" else {"status_class": 2}
            who: dict[str, str | None] = {"tenant": actor_alias, "role": actor.role if actor else "anonymous"}
            self.steps.append(Step(kind, who, victim_alias, request, expected,
                                   {"status": status, "body": _templatize(str(reply)[:300], self._subs())},
                                   capture))

    def repro(self, finding: str, target: Mapping[str, Any]) -> Repro:
        with self._lock:
            return Repro(finding, dict(target), {a: {"tier": tier} for a, tier in self.tenants.values()},
                         list(self.steps))


_current = Recorder()


def current() -> Recorder:
    """The recorder the suites' helpers append to (one per process: each xdist worker has its own)."""
    return _current


def load(path: Path) -> Repro:
    """A repro file, checked field by field; ReproError says what is wrong."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ReproError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ReproError(f"{path}: not a version {VERSION} repro")
    try:
        steps = [Step(**s) for s in data["steps"]]
        tenants = {str(k): {"tier": str(v["tier"])} for k, v in data.get("tenants", {}).items()}
        repro = Repro(str(data["finding"]), dict(data.get("target") or {}), tenants, steps)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ReproError(f"{path}: malformed repro: {exc!r}") from None
    for n, s in enumerate(repro.steps, 1):
        req = s.request
        if s.kind not in ("setup", "attack") or not isinstance(req, dict) or \
                req.get("auth") not in ("actor", "none", "literal") or \
                req.get("method") not in ("GET", "POST", "PUT", "PATCH", "DELETE") or \
                not isinstance(req.get("path"), str) or not isinstance(s.actor, dict):
            raise ReproError(f"{path}: step {n} is malformed")
        for alias in (s.actor.get("tenant"), s.tenant, req.get("base")):
            if alias is not None and alias not in repro.tenants:
                raise ReproError(f"{path}: step {n} names tenant {alias!r}, which the repro does not list")
    if not any(s.kind == "attack" for s in repro.steps):
        raise ReproError(f"{path}: no attack step to replay")
    return repro
