"""Hypothesis strategies from botocore input shapes: mostly well-typed values, now and then the wrong type."""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

WRONG: SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))
NAMES = st.sampled_from(["pk", "sk", "n", "g", "secret", "#k", ":v", "", "x" * 70, "a.b", "by-g"])


def _strings(table: str) -> SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([table, "nope", "", "t1-1", "t1-3", "t2-3", "t10-1", "a", "pk = :v", "#k = :v",
                         "attribute_exists(pk)", "SET n = n + :v", "REMOVE n", "begins_with(pk, :v)",
                         "((", "pk, sk", "by-g", f"SELECT * FROM {table}", "x" * 2000]),
        st.text(max_size=12))


def shaped(shape: Any, table: str, depth: int = 0) -> SearchStrategy[Any]:
    """Values for a botocore shape, three times in four of the right type."""
    t = shape.type_name
    if depth > 5:
        return WRONG
    good: SearchStrategy[Any]
    if t == "structure":
        members = {n: m for n, m in shape.members.items() if not m.serialization.get("location")}
        required = {n: shaped(m, table, depth + 1) for n, m in members.items()
                    if n in shape.required_members}
        optional = {n: shaped(m, table, depth + 1) for n, m in members.items() if n not in required}
        good = st.fixed_dictionaries(required, optional=optional)
    elif t == "list":
        good = st.lists(shaped(shape.member, table, depth + 1), max_size=3)
    elif t == "map":
        good = st.dictionaries(NAMES, shaped(shape.value, table, depth + 1), max_size=3)
    elif t == "string":
        enum = list(shape.enum or [])
        good = st.sampled_from([*enum, "BOGUS"]) if enum else _strings(table)
    elif t in ("integer", "long"):
        good = st.integers(min_value=-5, max_value=2 ** 40)
    elif t == "boolean":
        good = st.booleans()
    elif t == "blob":
        good = st.sampled_from(["AAAA", "!!", ""])
    elif t in ("float", "double"):
        good = st.floats(allow_nan=False, allow_infinity=False)
    else:
        good = st.one_of(st.integers(min_value=0, max_value=2 ** 33), st.text(max_size=10))
    return st.one_of(good, good, good, WRONG)


@cache
def for_operation(service: str, operation: str, table: str) -> SearchStrategy[Any]:
    """The (cached) strategy for one operation's whole input."""
    model = botocore.session.get_session().get_service_model(service)
    return shaped(model.operation_model(operation).input_shape, table)
