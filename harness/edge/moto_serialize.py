"""moto's response serializer, with the one question it asks again and again answered once.

moto serialises every answer by walking the operation's output shape; for each structure member it
asks its `XFormedAttributePicker` which keys to try on the result object (`get_possible_keys`):
six alias providers are built and consulted and each alias is passed through botocore's
`xform_name`. For a DynamoDB item that is ten questions per attribute value (one per member of
AttributeValue: S, N, B, ...), and py-spy put half of moto's serializer there: a third of the
target's time on a GetItem under load.

For a plain `dict` result (what moto's JSON-protocol handlers return), the answer depends only on
the member's name, its shape and that shape's parent structure (the providers read the shape's
name, type, serialisation name and the parent's name and members; a dict has no `Meta` and its
class name is always "dict"). `memoize_possible_keys` keeps the answer per (name, shape, parent),
holding the shapes so that their identity cannot be reused, and hands back the same keys in the
same order; anything else (other objects, a picker with other providers) asks moto as before.
tests/edge/test_moto_serialize.py compares the two on DynamoDB answers of every attribute type.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

MAX_ENTRIES = 65536
_lock = threading.Lock()

KeysFn = Callable[[Any, Any], Iterator[str]]


def memoize_possible_keys() -> None:
    """Wrap XFormedAttributePicker.get_possible_keys with the per-shape memo (once per process)."""
    from moto.core import serialize

    picker = serialize.XFormedAttributePicker
    current = picker.get_possible_keys
    if getattr(current, "harness_memoized", False):
        return
    memo = possible_keys_memo(current, serialize.DEFAULT_ALIAS_PROVIDERS)
    setattr(picker, "get_possible_keys", memo)  # noqa: B010 (a method of moto's class)


def possible_keys_memo(original: KeysFn, default_providers: list[Any]) -> KeysFn:
    """`original` with its answers for dict results kept per (member name, shape, parent)."""
    memo: dict[tuple[str, int, int], tuple[Any, Any, tuple[str, ...]]] = {}

    def get_possible_keys(self: Any, context: Any) -> Iterator[str]:
        if type(context.obj) is not dict or self.alias_providers is not default_providers:
            return original(self, context)
        shape = context.shape
        parent = getattr(shape, "parent", None)
        key = (context.key, id(shape), id(parent))
        hit = memo.get(key)
        if hit is not None and hit[0] is shape and hit[1] is parent:
            return iter(hit[2])
        keys = tuple(original(self, context))
        with _lock:
            if len(memo) >= MAX_ENTRIES:
                memo.clear()
            memo[key] = (shape, parent, keys)
        return iter(keys)

    get_possible_keys.harness_memoized = True  # type: ignore[attr-defined]
    get_possible_keys.__wrapped__ = original  # type: ignore[attr-defined]
    return get_possible_keys
