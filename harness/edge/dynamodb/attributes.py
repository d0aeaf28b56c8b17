"""dynamodb:Attributes: every top-level attribute a request names, read, written or evaluated.

"Using IAM policy conditions for fine-grained access control" (DynamoDB Developer Guide,
specifying-conditions.html): the key "represents a list of the attribute names in a request",
and attributes "can be read, written, or evaluated in a conditional write or scan filter".
Key attributes count whenever the request names them (Key, Item, a key condition), for every
operation alike: the same page requires a policy using dynamodb:Attributes to list "all of the
primary key and index key attributes", or DynamoDB "can't use these key attributes".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.edge.dynamodb.expressions import top_level_names

# Expression parameters whose attribute names a request reads, writes or evaluates.
EXPRESSIONS = ("KeyConditionExpression", "ProjectionExpression", "UpdateExpression",
               "ConditionExpression", "FilterExpression")
# Legacy parameters: a list of names, or maps keyed by attribute name.
LEGACY_LISTS = ("AttributesToGet",)
LEGACY_MAPS = ("KeyConditions", "AttributeUpdates", "Expected", "QueryFilter", "ScanFilter")


def projects(params: Mapping[str, Any]) -> bool:
    """True when the request names the attributes to return (SPECIFIC_ATTRIBUTES)."""
    return bool(params.get("ProjectionExpression") or params.get("AttributesToGet"))


def request_attributes(params: Mapping[str, Any], named: Iterable[str] = ()) -> list[str]:
    """The attribute names in one request (or one transaction item), first those in `named`."""
    out: list[str] = []
    seen: set[str] = set()

    def add(names: Iterable[Any]) -> None:
        for name in names:
            if isinstance(name, str) and name not in seen:
                seen.add(name)
                out.append(name)

    add(named)
    aliases = params.get("ExpressionAttributeNames") or {}
    for param in EXPRESSIONS:
        expr = params.get(param)
        if expr:
            add(top_level_names(str(expr), aliases))
    for param in LEGACY_LISTS:
        add(params.get(param) or ())
    for param in LEGACY_MAPS:
        add(params.get(param) or {})
    return out
