"""The few things the gate must read out of DynamoDB expressions: attribute names and key equalities."""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKEN = re.compile(
    r"\s*(?:(?P<name>#[A-Za-z0-9_]+)|(?P<value>:[A-Za-z0-9_]+)|(?P<op><>|<=|>=|=|<|>)"
    r"|(?P<punct>[(),.\[\]])|(?P<word>[A-Za-z_][A-Za-z0-9_\-]*)|(?P<num>\d+))"
)
_KEYWORDS = {"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"}
_FUNCTIONS = {"begins_with", "attribute_exists", "attribute_not_exists", "attribute_type",
              "contains", "size", "if_not_exists", "list_append"}


class ExpressionError(ValueError):
    """An expression the gate cannot read, which DynamoDB itself would reject."""


def _tokens(expr: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    expr = expr.rstrip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"Invalid expression: unexpected character at position {pos}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _resolve(kind: str, text: str, names: Mapping[str, str]) -> str | None:
    if kind == "name":
        if text not in names:
            raise ExpressionError(
                f"Value provided in ExpressionAttributeNames unused or undefined: {text}")
        return names[text]
    if kind == "word" and text.upper() not in _KEYWORDS and text not in _FUNCTIONS:
        return text
    return None


def top_level_names(expr: str | None, names: Mapping[str, str]) -> list[str]:
    """Top-level attribute names an expression mentions (the first element of each document path)."""
    if not expr:
        return []
    toks = _tokens(expr)
    found: list[str] = []
    prev = ""
    for i, (kind, text) in enumerate(toks):
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
        if prev == "." or (nxt == "(" and kind == "word"):
            prev = text
            continue
        attr = _resolve(kind, text, names)
        if attr is not None and attr not in found:
            found.append(attr)
        prev = text
    return found


def partition_key_values(expr: str, hash_key: str, names: Mapping[str, str],
                         values: Mapping[str, object]) -> list[object]:
    """The value(s) a key condition pins the partition key to, as `pk = :v`."""
    toks = _tokens(expr)
    found: list[object] = []
    for i in range(len(toks) - 2):
        (k1, t1), (_, op), (k3, t3) = toks[i], toks[i + 1], toks[i + 2]
        if op != "=":
            continue
        if i > 0 and toks[i - 1][1] == ".":
            continue
        for (ka, ta), (kb, tb) in (((k1, t1), (k3, t3)), ((k3, t3), (k1, t1))):
            if kb == "value" and ka in ("name", "word") and _resolve(ka, ta, names) == hash_key:
                if tb not in values:
                    raise ExpressionError(
                        f"Value provided in ExpressionAttributeValues unused or undefined: {tb}")
                found.append(values[tb])
    return found
