"""Condition operators: validated and compiled once per policy, evaluated per request."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.iam.dates import parse_date
from harness.iam.errors import LEGACY, MalformedPolicyDocument, syntax
from harness.iam.matching import (
    ArnPattern,
    arn_matches,
    arn_pattern,
    arn_pattern_cached,
    compile_globs,
    compile_tokens,
)
from harness.iam.model import Lookup, NormValue, Scalar
from harness.iam.variables import Template, parse_template, scalar_text

Test = Callable[[Scalar, Lookup], bool]
Compare = Callable[[float, float], bool]

PLAIN, FOR_ALL, FOR_ANY = 0, 1, 2

# base operator (lower-case) -> (canonical name, family, negated, comparison)
_EQ, _LT, _LE, _GT, _GE = operator.eq, operator.lt, operator.le, operator.gt, operator.ge
_OPERATORS: dict[str, tuple[str, str, bool, Compare | None]] = {}
for _name, _family, _negated, _cmp in (
    ("StringEquals", "string", False, None),
    ("StringNotEquals", "string", True, None),
    ("StringEqualsIgnoreCase", "string_ic", False, None),
    ("StringNotEqualsIgnoreCase", "string_ic", True, None),
    ("StringLike", "string_like", False, None),
    ("StringNotLike", "string_like", True, None),
    ("NumericEquals", "numeric", False, _EQ),
    ("NumericNotEquals", "numeric", True, _EQ),
    ("NumericLessThan", "numeric", False, _LT),
    ("NumericLessThanEquals", "numeric", False, _LE),
    ("NumericGreaterThan", "numeric", False, _GT),
    ("NumericGreaterThanEquals", "numeric", False, _GE),
    ("DateEquals", "date", False, _EQ),
    ("DateNotEquals", "date", True, _EQ),
    ("DateLessThan", "date", False, _LT),
    ("DateLessThanEquals", "date", False, _LE),
    ("DateGreaterThan", "date", False, _GT),
    ("DateGreaterThanEquals", "date", False, _GE),
    ("Bool", "bool", False, None),
    ("BinaryEquals", "binary", False, None),
    ("IpAddress", "ip", False, None),
    ("NotIpAddress", "ip", True, None),
    ("ArnEquals", "arn", False, None),
    ("ArnLike", "arn", False, None),
    ("ArnNotEquals", "arn", True, None),
    ("ArnNotLike", "arn", True, None),
    ("Null", "null", False, None),
):
    _OPERATORS[_name.lower()] = (_name, _family, _negated, _cmp)

OPERATOR_NAMES = tuple(spec[0] for spec in _OPERATORS.values())
# Policy variables work only with these families (reference_policies_variables / operators).
_VARIABLE_FAMILIES = frozenset({"string", "string_ic", "string_like", "bool", "arn"})


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """A parsed operator name such as ForAllValues:StringLikeIfExists."""

    name: str
    family: str
    negated: bool
    qualifier: int
    if_exists: bool
    compare: Compare | None


def parse_operator(name: str) -> OperatorSpec:
    """Split set qualifier and IfExists suffix off an operator; unknown names are rejected."""
    base, qualifier = name, PLAIN
    low = name.lower()
    if low.startswith("forallvalues:"):
        base, qualifier = name[len("ForAllValues:") :], FOR_ALL
    elif low.startswith("foranyvalue:"):
        base, qualifier = name[len("ForAnyValue:") :], FOR_ANY
    if_exists = base.lower().endswith("ifexists")
    if if_exists:
        base = base[: -len("IfExists")]
    spec = _OPERATORS.get(base.lower())
    if spec is None or (if_exists and spec[1] == "null"):
        raise syntax(f"unknown condition operator {name!r}")
    canonical, family, negated, compare = spec
    return OperatorSpec(canonical, family, negated, qualifier, if_exists, compare)


def _policy_values(op: str, key: str, raw: Any) -> list[Scalar]:
    """Condition values must be strings, numbers or booleans, or a list of them."""
    items = raw if isinstance(raw, list) else [raw]
    for item in items:
        if item is None or not isinstance(item, str | int | float | bool):
            raise syntax(
                f"condition value for {op} {key!r} must be a string, number or boolean, "
                f"not {type(item).__name__}"
            )
    return list(items)


def _text(value: Scalar) -> str:
    text = scalar_text(value)
    assert text is not None
    return text


def _split(values: list[Scalar], variables: bool) -> tuple[list[str], list[Template]]:
    static: list[str] = []
    dynamic: list[Template] = []
    for value in values:
        text = _text(value)
        template = parse_template(text) if variables else None
        if template is None:
            static.append(text)
        else:
            dynamic.append(template)
    return static, dynamic


def _string_test(values: list[Scalar], variables: bool, fold: bool) -> Test:
    static, dynamic = _split(values, variables)
    exact = frozenset(s.lower() for s in static) if fold else frozenset(static)

    def test(value: Scalar, lookup: Lookup) -> bool:
        text = _text(value)
        if fold:
            text = text.lower()
        if text in exact:
            return True
        for template in dynamic:
            resolved = template.resolve_text(lookup)
            if resolved is not None and (resolved.lower() if fold else resolved) == text:
                return True
        return False

    return test


def _like_test(values: list[Scalar], variables: bool) -> Test:
    static, dynamic = _split(values, variables)
    regex = compile_globs(static)

    def test(value: Scalar, lookup: Lookup) -> bool:
        text = _text(value)
        if regex is not None and regex.fullmatch(text) is not None:
            return True
        for template in dynamic:
            tokens = template.resolve(lookup)
            if tokens is not None and compile_tokens(tokens).fullmatch(text) is not None:
                return True
        return False

    return test


def _number(value: Scalar) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _ordered_test(values: list[Scalar], compare: Compare, parse: Callable[[Any], Any]) -> Test:
    bounds = [b for b in (parse(v) for v in values) if b is not None]

    def test(value: Scalar, lookup: Lookup) -> bool:
        got = parse(value)
        return got is not None and any(compare(got, bound) for bound in bounds)

    return test


def _bool_test(values: list[Scalar], variables: bool) -> Test:
    static, dynamic = _split(values, variables)
    wanted = frozenset(s.lower() for s in static)

    def test(value: Scalar, lookup: Lookup) -> bool:
        text = _text(value).lower()
        if text in wanted:
            return True
        return any((r := t.resolve_text(lookup)) is not None and r.lower() == text for t in dynamic)

    return test


def _b64(value: Scalar) -> bytes | None:
    try:
        return base64.b64decode(_text(value), validate=True)
    except (binascii.Error, ValueError):
        return None


def _binary_test(values: list[Scalar]) -> Test:
    wanted = frozenset(b for b in (_b64(v) for v in values) if b is not None)

    def test(value: Scalar, lookup: Lookup) -> bool:
        got = _b64(value)
        if got is None:
            got = _text(value).encode()
        return got in wanted

    return test


def _ip_test(values: list[Scalar]) -> Test:
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for v in values:
        try:
            networks.append(ipaddress.ip_network(_text(v).strip(), strict=False))
        except ValueError:
            continue

    def test(value: Scalar, lookup: Lookup) -> bool:
        try:
            address = ipaddress.ip_address(_text(value).strip())
        except ValueError:
            return False
        return any(address.version == n.version and address in n for n in networks)

    return test


def _arn_test(values: list[Scalar], variables: bool) -> Test:
    static, dynamic = _split(values, variables)
    patterns: list[ArnPattern] = [arn_pattern([(True, s)]) for s in static]

    def test(value: Scalar, lookup: Lookup) -> bool:
        text = _text(value)
        if any(arn_matches(p, text) for p in patterns):
            return True
        for template in dynamic:
            tokens = template.resolve(lookup)
            if tokens is not None and arn_matches(arn_pattern_cached(tokens), text):
                return True
        return False

    return test


def _null_values(values: list[Scalar]) -> frozenset[bool]:
    words = {_text(v).lower() for v in values}
    return frozenset(word == "true" for word in words if word in ("true", "false"))


def _make_test(spec: OperatorSpec, values: list[Scalar], variables: bool) -> Test:
    family = spec.family
    variables = variables and family in _VARIABLE_FAMILIES
    if family == "string":
        return _string_test(values, variables, fold=False)
    if family == "string_ic":
        return _string_test(values, variables, fold=True)
    if family == "string_like":
        return _like_test(values, variables)
    if family == "numeric":
        assert spec.compare is not None
        return _ordered_test(values, spec.compare, _number)
    if family == "date":
        assert spec.compare is not None
        return _ordered_test(values, spec.compare, parse_date)
    if family == "bool":
        return _bool_test(values, variables)
    if family == "binary":
        return _binary_test(values)
    if family == "ip":
        return _ip_test(values)
    return _arn_test(values, variables)


class Clause:
    """One key under one operator; the values listed for it are ORed."""

    __slots__ = ("if_exists", "key", "negated", "null", "qualifier", "test")

    def __init__(self, spec: OperatorSpec, key: str, values: list[Scalar], variables: bool) -> None:
        self.key = key.lower()
        self.qualifier = spec.qualifier
        self.if_exists = spec.if_exists
        self.negated = spec.negated
        self.null: frozenset[bool] | None = None
        self.test: Test = _never
        if spec.family == "null":
            self.null = _null_values(values)
        else:
            self.test = _make_test(spec, values, variables)

    def __call__(self, lookup: Lookup) -> bool:
        value: NormValue | None = lookup.get(self.key)
        if self.null is not None:
            return (value is None or value == ()) in self.null
        qualifier = self.qualifier
        if qualifier == PLAIN:
            if value is None:
                return self.if_exists or self.negated
            if isinstance(value, tuple):
                return False  # a multi-valued key needs a set operator; bare ones never match
            return self.test(value, lookup) is not self.negated
        if value is None:
            # ForAnyValue is false for a missing key even with ...IfExists: IfExists applies to
            # each value inside the set loop, and there is none (docs/ARCHITECTURE.md,
            # "ForAnyValue with ...IfExists").
            return qualifier == FOR_ALL
        values = value if isinstance(value, tuple) else (value,)
        if not values:
            return qualifier == FOR_ALL
        test, negated = self.test, self.negated
        if qualifier == FOR_ALL:
            for v in values:  # noqa: SIM110 - loops beat any()/all() generators on this hot path
                if test(v, lookup) is negated:
                    return False
            return True
        for v in values:  # noqa: SIM110 - loops beat any()/all() generators on this hot path
            if test(v, lookup) is not negated:
                return True
        return False


def _never(value: Scalar, lookup: Lookup) -> bool:
    return False


class Condition:
    """A Condition block: every operator and every key inside it must hold (AND)."""

    __slots__ = ("clauses",)

    def __init__(self, clauses: tuple[Clause, ...]) -> None:
        self.clauses = clauses

    def __call__(self, lookup: Lookup) -> bool:
        for clause in self.clauses:  # noqa: SIM110 - a plain loop is faster on this hot path
            if not clause(lookup):
                return False
        return True


def validate_condition(block: Any) -> list[tuple[OperatorSpec, str, list[Scalar]]]:
    """Check the Condition element's shape; returns (operator, key, values) triples."""
    if not isinstance(block, Mapping):
        raise syntax("Condition must be an object of operators")
    out: list[tuple[OperatorSpec, str, list[Scalar]]] = []
    for op_name, keys in block.items():
        spec = parse_operator(op_name)
        if not isinstance(keys, Mapping):
            raise syntax(f"condition operator {op_name} must map keys to values")
        for key, raw in keys.items():
            out.append((spec, key, _policy_values(op_name, key, raw)))
    return out


def check_condition_semantics(items: list[tuple[OperatorSpec, str, list[Scalar]]]) -> None:
    """Second-stage checks AWS reports separately: vendor prefixes and date values."""
    for spec, key, values in items:
        if ":" not in key:
            raise MalformedPolicyDocument(
                "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
                f"condition key {key!r} has no vendor prefix",
            )
        if spec.family == "date":
            for value in values:
                if parse_date(value) is None:
                    raise MalformedPolicyDocument(LEGACY, f"invalid date {value!r} in {spec.name}")


def compile_condition(
    items: list[tuple[OperatorSpec, str, list[Scalar]]], variables: bool
) -> Condition | None:
    """Build the evaluator; None for an empty block so statements skip it entirely."""
    clauses = tuple(Clause(spec, key, values, variables) for spec, key, values in items)
    return Condition(clauses) if clauses else None
