"""Fault and latency rules as users write them (config file, CLI, admin API), checked all at once."""

from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

LatencyKind = Literal["fixed", "uniform", "lognormal"]
ErrorKind = Literal["throttle", "server", "unavailable", "timeout"]
FunctionFaultKind = Literal["init", "crash", "timeout", "oom"]

MAX_LATENCY_MS = 60_000.0  # a rule may slow a call by at most a minute
MAX_HOLD_S = 120.0  # a timeout fault holds the connection at most this long
DEFAULT_HOLD_S = 30.0
FUNCTION_PREFIX = "function:"


class FaultConfigError(ValueError):
    """Every problem found in a fault configuration, so the user fixes them in one go."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Latency:
    """Added delay in milliseconds: fixed, uniform between two bounds, or lognormal by median."""

    kind: LatencyKind
    ms: float = 0.0
    min_ms: float = 0.0
    max_ms: float = 0.0
    median_ms: float = 0.0
    sigma: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        if self.kind == "fixed":
            return {"kind": "fixed", "ms": self.ms}
        if self.kind == "uniform":
            return {"kind": "uniform", "min_ms": self.min_ms, "max_ms": self.max_ms}
        return {"kind": "lognormal", "median_ms": self.median_ms, "sigma": self.sigma}


@dataclass(frozen=True)
class ErrorFault:
    """An AWS-shaped error (or a held, then dropped connection) answered instead of the call."""

    kind: ErrorKind
    rate: float = 1.0
    hold_s: float = DEFAULT_HOLD_S

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "rate": self.rate}
        if self.kind == "timeout":
            out["hold_s"] = self.hold_s
        return out


@dataclass(frozen=True)
class FunctionFault:
    """A Lambda failure replacing an invocation's outcome: init error, crash, timeout or OOM."""

    kind: FunctionFaultKind
    rate: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "rate": self.rate}


@dataclass(frozen=True)
class FaultRule:
    """One rule: which calls (service:operation or function:name globs) and what happens to them."""

    match: str
    latency: Latency | None = None
    error: ErrorFault | None = None
    function: FunctionFault | None = None

    @property
    def is_function_rule(self) -> bool:
        return self.match.startswith(FUNCTION_PREFIX)

    def matches_call(self, service: str, operation: str) -> bool:
        if self.is_function_rule:
            return False
        svc, _, op = self.match.partition(":")
        return fnmatch.fnmatchcase(service, svc) and fnmatch.fnmatchcase(operation, op or "*")

    def matches_function(self, name: str) -> bool:
        return self.is_function_rule and fnmatch.fnmatchcase(name, self.match[len(FUNCTION_PREFIX):])

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"match": self.match}
        if self.latency is not None:
            out["latency"] = self.latency.as_dict()
        if self.error is not None:
            out["error"] = self.error.as_dict()
        if self.function is not None:
            out["lambda"] = self.function.as_dict()
        return out


@dataclass(frozen=True)
class FaultConfig:
    """The whole plan: rules in order (the first matching rule decides) and the seed for rates."""

    rules: tuple[FaultRule, ...] = ()
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "rules": [r.as_dict() for r in self.rules]}


# -- parsing ----------------------------------------------------------------------------------

_MATCH = re.compile(r"^(function:[\w*?\[\]!.:-]{1,140}|[a-z0-9*?\[\]-]{1,40}:[A-Za-z0-9*?\[\]!._-]{0,100})$")


def _number(value: Any, where: str, problems: list[str], *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where} must be a number")
        return 0.0
    if not low <= value <= high:
        problems.append(f"{where} must be between {low:g} and {high:g}, not {value:g}")
    return float(value)


def _kind(value: Any, allowed: tuple[str, ...], where: str, problems: list[str]) -> str:
    if value not in allowed:
        problems.append(f"{where} must be one of {', '.join(allowed)}, not {value!r}")
        return allowed[0]
    return str(value)


def _fields(obj: Any, allowed: set[str], where: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        problems.append(f"{where} must be an object")
        return {}
    for extra in sorted(set(obj) - allowed):
        problems.append(f"{where}: unknown field {str(extra)[:40]!r}")
    return obj


def _latency(obj: Any, where: str, problems: list[str]) -> Latency:
    fields = _fields(obj, {"kind", "ms", "min_ms", "max_ms", "median_ms", "sigma"}, where, problems)
    kind = cast(LatencyKind, _kind(fields.get("kind"), get_args(LatencyKind), f"{where}.kind", problems))

    def num(name: str, high: float = MAX_LATENCY_MS) -> float:
        return _number(fields.get(name), f"{where}.{name}", problems, low=0.0, high=high)

    if kind == "fixed":
        return Latency("fixed", ms=num("ms"))
    if kind == "uniform":
        low, high = num("min_ms"), num("max_ms")
        if low > high:
            problems.append(f"{where}: min_ms {low:g} is above max_ms {high:g}")
        return Latency("uniform", min_ms=low, max_ms=high)
    return Latency("lognormal", median_ms=num("median_ms"), sigma=num("sigma", 3.0))


def _rate(fields: dict[str, Any], where: str, problems: list[str]) -> float:
    if "rate" not in fields:
        return 1.0
    return _number(fields["rate"], f"{where}.rate", problems, low=0.0, high=1.0)


def _error(obj: Any, where: str, problems: list[str]) -> ErrorFault:
    fields = _fields(obj, {"kind", "rate", "hold_s"}, where, problems)
    kind = cast(ErrorKind, _kind(fields.get("kind"), get_args(ErrorKind), f"{where}.kind", problems))
    hold = DEFAULT_HOLD_S
    if "hold_s" in fields:
        hold = _number(fields["hold_s"], f"{where}.hold_s", problems, low=0.0, high=MAX_HOLD_S)
    return ErrorFault(kind, _rate(fields, where, problems), hold)


def _function(obj: Any, where: str, problems: list[str]) -> FunctionFault:
    fields = _fields(obj, {"kind", "rate"}, where, problems)
    kind = cast(FunctionFaultKind, _kind(fields.get("kind"), get_args(FunctionFaultKind),
                                         f"{where}.kind", problems))
    return FunctionFault(kind, _rate(fields, where, problems))


def _rule(obj: Any, where: str, problems: list[str]) -> FaultRule | None:
    fields = _fields(obj, {"match", "latency", "error", "lambda"}, where, problems)
    if not fields:
        return None
    match = fields.get("match")
    if not isinstance(match, str) or not _MATCH.match(match):
        problems.append(f"{where}.match must be 'service:Operation' (globs allowed, e.g. 'dynamodb:*') "
                        f"or 'function:<name glob>', not {str(match)[:80]!r}")
        return None
    rule = FaultRule(
        match,
        _latency(fields["latency"], f"{where}.latency", problems) if "latency" in fields else None,
        _error(fields["error"], f"{where}.error", problems) if "error" in fields else None,
        _function(fields["lambda"], f"{where}.lambda", problems) if "lambda" in fields else None)
    if rule.is_function_rule and rule.error is not None:
        problems.append(f"{where}: a function rule takes 'lambda' faults and 'latency', not 'error'")
    if not rule.is_function_rule and rule.function is not None:
        problems.append(f"{where}: 'lambda' faults need a 'function:<name>' match")
    if rule.latency is None and rule.error is None and rule.function is None:
        problems.append(f"{where}: says neither latency, error nor lambda")
    return rule


def parse_config(obj: Any) -> FaultConfig:
    """A FaultConfig from its JSON form; FaultConfigError lists every problem found."""
    problems: list[str] = []
    fields = _fields(obj, {"seed", "rules"}, "faults", problems)
    seed = fields.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        problems.append("faults.seed must be an integer")
        seed = 0
    raw_rules = fields.get("rules", [])
    if not isinstance(raw_rules, list):
        problems.append("faults.rules must be a list")
        raw_rules = []
    if len(raw_rules) > 100:
        problems.append(f"faults.rules holds {len(raw_rules)} rules; at most 100")
    rules = [_rule(r, f"rules[{i}]", problems) for i, r in enumerate(raw_rules[:100])]
    if problems:
        raise FaultConfigError(problems)
    return FaultConfig(tuple(r for r in rules if r is not None), seed)


# -- the compact command-line form ------------------------------------------------------------

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)?$")


def _ms(text: str, where: str, problems: list[str]) -> float:
    m = _DURATION.match(text.strip())
    if not m:
        problems.append(f"{where}: {text!r} is not a duration such as 200ms or 1.5s")
        return 0.0
    value = float(m.group(1))
    return value * 1000 if m.group(2) == "s" else value


def spec_to_dict(spec: str) -> dict[str, Any]:
    """'sts:AssumeRole latency=fixed:200ms error=throttle:0.1' to the JSON form of one rule.

    latency=fixed:MS | uniform:MIN:MAX | lognormal:MEDIAN:SIGMA; error=KIND[:RATE[:HOLD]];
    lambda=KIND[:RATE] (with a 'function:<name glob>' match).
    """
    problems: list[str] = []
    match, *parts = spec.split()
    rule: dict[str, Any] = {"match": match}
    for part in parts:
        key, _, value = part.partition("=")
        bits = value.split(":")
        if key == "latency":
            kind = bits[0]
            if kind == "fixed" and len(bits) == 2:
                rule["latency"] = {"kind": kind, "ms": _ms(bits[1], spec, problems)}
            elif kind == "uniform" and len(bits) == 3:
                rule["latency"] = {"kind": kind, "min_ms": _ms(bits[1], spec, problems),
                                   "max_ms": _ms(bits[2], spec, problems)}
            elif kind == "lognormal" and len(bits) == 3:
                rule["latency"] = {"kind": kind, "median_ms": _ms(bits[1], spec, problems),
                                   "sigma": _float(bits[2], spec, problems)}
            else:
                problems.append(f"{spec}: latency=fixed:MS, uniform:MIN:MAX or lognormal:MEDIAN:SIGMA")
        elif key in ("error", "lambda") and 1 <= len(bits) <= (3 if key == "error" else 2):
            entry: dict[str, Any] = {"kind": bits[0]}
            if len(bits) > 1:
                entry["rate"] = _float(bits[1], spec, problems)
            if len(bits) > 2:
                entry["hold_s"] = _ms(bits[2], spec, problems) / 1000
            rule[key] = entry
        else:
            problems.append(f"{spec}: {part!r} is not latency=..., error=KIND[:RATE[:HOLD]] "
                            "or lambda=KIND[:RATE]")
    if problems:
        raise FaultConfigError(problems)
    return rule


def _float(text: str, where: str, problems: list[str]) -> float:
    try:
        return float(text)
    except ValueError:
        problems.append(f"{where}: {text!r} is not a number")
        return 0.0


def parse_specs(specs: list[str], seed: int = 0) -> FaultConfig:
    """Several command-line rules into one plan, every problem reported together."""
    problems: list[str] = []
    rules: list[dict[str, Any]] = []
    for spec in specs:
        if not spec.split():
            problems.append("an empty --fault rule")
            continue
        try:
            rules.append(spec_to_dict(spec))
        except FaultConfigError as exc:
            problems.extend(exc.problems)
    try:
        config = parse_config({"seed": seed, "rules": rules})
    except FaultConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        raise FaultConfigError(problems)
    return config
