"""Checks a request against botocore's input shape so malformed calls get AWS's 4xx, not a crash."""

from __future__ import annotations

from typing import Any

from harness.edge.protocols import Operation


class ParamError(ValueError):
    """A request parameter AWS would refuse; code is the error AWS names it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_MAX_DEPTH = 40


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def validate(op: Operation, params: dict[str, Any], *, wire_json: bool) -> None:
    """Raise ParamError for a missing required member or a value of the wrong JSON type."""
    shape = op.input_shape
    if shape is None:
        return
    if not wire_json:
        _check_required(shape, params)
        return
    _check(shape, params, "", wire_json, 0, top=True)


def _check_required(shape: Any, params: dict[str, Any]) -> None:
    """Query-protocol values are all strings on the wire; only presence can be checked here."""
    for req in shape.metadata.get("required", []):
        if not any(k == req or k.startswith(req + ".") for k in params):
            raise ParamError(
                "ValidationError",
                f"1 validation error detected: Value null at '{_lower_first(req)}' failed to "
                "satisfy constraint: Member must not be null",
            )


def _check(shape: Any, value: Any, path: str, wire_json: bool, depth: int, top: bool = False) -> None:
    if depth > _MAX_DEPTH:
        raise ParamError("SerializationException", "Request nested too deeply")
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            raise ParamError("SerializationException",
                             f"Expected an object for {path or 'the request'}")
        members = shape.members
        for req in shape.metadata.get("required", []):
            m = members.get(req)
            loc = m.serialization.get("location") if m is not None else None
            if loc in ("uri", "header", "querystring", "headers", "statusCode"):
                continue
            if value.get(req) is None:
                where = _lower_first(req) if top else f"{path}.member.{_lower_first(req)}"
                raise ParamError(
                    "ValidationException",
                    f"1 validation error detected: Value null at '{where}' failed to satisfy "
                    "constraint: Member must not be null",
                )
        for name, sub in value.items():
            m = members.get(name)
            if m is None or sub is None:
                continue
            if m.serialization.get("location") in ("uri", "header", "querystring", "headers"):
                continue
            _check(m, sub, f"{path}.{name}" if path else name, wire_json, depth + 1)
        return
    if t == "list":
        if not isinstance(value, list):
            raise ParamError("SerializationException", f"Expected a list for {path}")
        for i, item in enumerate(value):
            _check(shape.member, item, f"{path}[{i}]", wire_json, depth + 1)
        return
    if t == "map":
        if not isinstance(value, dict):
            raise ParamError("SerializationException", f"Expected a map for {path}")
        for k, v in value.items():
            if not isinstance(k, str):
                raise ParamError("SerializationException", f"Map keys must be strings at {path}")
            _check(shape.value, v, f"{path}.{k}", wire_json, depth + 1)
        return
    if t == "string":
        if not isinstance(value, str):
            raise ParamError("SerializationException",
                             f"Unexpected value type in payload: {path} must be a string")
        return
    if t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamError("SerializationException", f"{path} must be an integer")
        return
    if t in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamError("SerializationException", f"{path} must be a number")
        return
    if t == "boolean":
        if not isinstance(value, bool):
            raise ParamError("SerializationException", f"{path} must be a boolean")
        return
    if t == "blob":
        if not isinstance(value, str | bytes):
            raise ParamError("SerializationException", f"{path} must be base64 text")
        return
    if t == "timestamp" and not isinstance(value, int | float | str):
        raise ParamError("SerializationException", f"{path} must be a timestamp")
