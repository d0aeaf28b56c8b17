"""The query protocol both ways, driven by botocore's shapes: flat form fields in, XML out."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from harness.edge import errors
from harness.http import HttpResponse

NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


def parse(shape: Any, flat: Mapping[str, Any], prefix: str = "") -> Any:
    """Nested parameters from `A.member.1.B=x` form fields, as the query serializer wrote them."""
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            key = f"{prefix}.{wire}" if prefix else wire
            value = parse(member, flat, key)
            if value is not None:
                out[name] = value
        return out if out or not prefix else None
    if kind == "list":
        if prefix in flat and flat[prefix] == "":
            return []
        items: list[Any] = []
        index = 1
        while True:
            item = parse(shape.member, flat, f"{prefix}.member.{index}")
            if item is None:
                return items or None
            items.append(item)
            index += 1
    if kind == "map":
        entries: dict[str, Any] = {}
        index = 1
        while f"{prefix}.entry.{index}.key" in flat:
            entries[str(flat[f"{prefix}.entry.{index}.key"])] = parse(
                shape.value, flat, f"{prefix}.entry.{index}.value")
            index += 1
        return entries or None
    if prefix not in flat:
        return None
    raw = str(flat[prefix])
    if kind == "boolean":
        return raw.lower() == "true"
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            return None
    return raw


def _timestamp(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return str(value)


def _xml(shape: Any, value: Any) -> str:
    kind = shape.type_name
    if kind == "structure":
        parts = []
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                wire = member.serialization.get("name", name)
                parts.append(f"<{wire}>{_xml(member, value[name])}</{wire}>")
        return "".join(parts)
    if kind == "list":
        return "".join(f"<member>{_xml(shape.member, item)}</member>" for item in value)
    if kind == "map":
        return "".join(f"<entry><key>{escape(str(k))}</key><value>{_xml(shape.value, v)}</value>"
                       "</entry>" for k, v in value.items())
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return _timestamp(value)
    return escape(str(value))


def answer(operation_model: Any, result: Mapping[str, Any]) -> HttpResponse:
    """`<{Op}Response><{Op}Result>…` with the result serialised by the operation's output shape."""
    action = operation_model.name
    rid = errors.request_id()
    shape = operation_model.output_shape
    inner = f"<{action}Result>{_xml(shape, result)}</{action}Result>" if shape is not None else ""
    body = (f'<{action}Response xmlns="{NAMESPACE}">{inner}<ResponseMetadata><RequestId>{rid}'
            f"</RequestId></ResponseMetadata></{action}Response>")
    return HttpResponse(200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)],
                        body.encode())
