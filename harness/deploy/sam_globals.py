"""SAM's Globals merge rule, shared by functions and APIs."""

from __future__ import annotations

import copy
from typing import Any

from harness.deploy.loader import LDict


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and (
        "Ref" in value or next(iter(value)).startswith("Fn::"))


def merge_globals(global_props: Any, local: Any) -> Any:
    """SAM's Globals rule: maps merge (local wins), lists concatenate, anything else is overridden."""
    if not isinstance(global_props, dict) or not isinstance(local, dict) \
            or _is_intrinsic(global_props) or _is_intrinsic(local):
        if isinstance(global_props, list) and isinstance(local, list):
            return [*global_props, *local]
        return copy.deepcopy(local)
    merged = LDict(copy.deepcopy(global_props), line=getattr(local, "line", 0))
    merged.key_lines = {**getattr(global_props, "key_lines", {}),
                        **getattr(local, "key_lines", {})}
    for key, value in local.items():
        merged[key] = merge_globals(merged[key], value) if key in merged else value
    return merged
