"""Checks a request against botocore's input shape so malformed calls get AWS's 4xx, not a crash."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from harness.edge.protocols import Operation
from harness.iam import MalformedPolicyDocument, PolicyKind, parse_policy


class ParamError(ValueError):
    """A request parameter AWS would refuse; code is the error AWS names it, status its HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


_MAX_DEPTH = 40


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def validate(op: Operation, params: dict[str, Any], *, wire_json: bool) -> None:
    """Raise ParamError for what AWS refuses before acting on a call: a missing required member, a
    value of the wrong type or outside the model's length/value bounds or enum, a DynamoDB attribute
    value or legacy condition of the wrong form, and an invalid or oversized IAM policy document."""
    shape = op.input_shape
    if shape is None:
        return
    if _body_is_payload(op):
        return
    if not wire_json:
        _check_required(shape, params)
        _check_query_scalars(shape, params)
    else:
        _check(shape, params, "", wire_json, 0, top=True)
    rule = POLICY_DOCUMENTS.get((op.service.name, op.name))
    if rule is not None:
        _check_policy_document(rule, params)


def _body_is_payload(op: Operation) -> bool:
    """REST operations whose body is one blob (Lambda Invoke's Payload): its keys are not members."""
    shape = op.input_shape
    if op.service.protocol not in ("rest-json", "rest-xml"):
        return False
    payload = shape.serialization.get("payload") if shape is not None else None
    return payload is not None


def _check_required(shape: Any, params: dict[str, Any]) -> None:
    """Query-protocol values are all strings on the wire; only presence can be checked here."""
    for req in shape.metadata.get("required", []):
        if not any(k == req or k.startswith(req + ".") for k in params):
            raise ParamError(
                "ValidationError",
                f"1 validation error detected: Value null at '{_lower_first(req)}' failed to "
                "satisfy constraint: Member must not be null",
            )


_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")


def _check_query_scalars(shape: Any, params: dict[str, Any]) -> None:
    """Query members, nested ones included (Tags.member.1.Key): integers and booleans must parse,
    strings keep their bounds and enums."""
    for key, raw in params.items():
        if not isinstance(raw, str) or not isinstance(key, str):
            continue
        found = _query_member(shape, key.split("."))
        if found is None:
            continue
        member, where = found
        t = member.type_name
        if t in ("integer", "long"):
            if not _INTEGER.fullmatch(raw.strip()):
                raise ParamError("ValidationError", f"1 validation error detected: Value "
                                 f"'{_shown(raw)}' at '{where}' failed to satisfy constraint: "
                                 "Member must be a number")
            _check_bounds(member, int(raw), where, "ValidationError")
        elif t == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ParamError("ValidationError", f"1 validation error detected: Value "
                                 f"'{_shown(raw)}' at '{where}' failed to satisfy constraint: "
                                 "Member must be true or false")
        elif t == "string":
            _check_bounds(member, raw, where, "ValidationError")
            _check_enum(member, raw, where, "ValidationError")


def _query_member(shape: Any, parts: list[str]) -> tuple[Any, str] | None:
    """The scalar shape a flattened query key names (Policy, PolicyArns.member.2.arn, ...)."""
    where: list[str] = []
    i = 0
    while i < len(parts):
        t = shape.type_name
        if t == "structure":
            name = next((n for n, m in shape.members.items()
                         if m.serialization.get("name", n) == parts[i]), None)
            if name is None or shape.members[name].serialization.get("location"):
                return None
            shape = shape.members[name]
            where.append(_lower_first(name))
            i += 1
        elif t == "list":
            if shape.serialization.get("flattened"):
                step = parts[i:i + 1]
            else:
                step = parts[i:i + 2]
                if len(step) < 2 or step[0] != shape.member.serialization.get("name", "member"):
                    return None
            if not step or not step[-1].isdigit():
                return None
            where.append(step[-1])
            shape = shape.member
            i += len(step)
        else:
            return None  # maps and anything unexpected: left to the service
    if shape.type_name in ("structure", "list", "map"):
        return None
    return shape, ".".join(where)


def _shown(value: str) -> str:
    return value if len(value) <= 64 else value[:64] + "..."


def _check_bounds(shape: Any, value: Any, where: str, code: str) -> None:
    """The model's min/max: a length for strings, lists and maps, a value for numbers."""
    lo = shape.metadata.get("min")
    hi = shape.metadata.get("max")
    if lo is None and hi is None:
        return
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    size = value if is_number else len(value)
    kind = "value" if is_number else "length"
    plain = isinstance(value, str) and not shape.metadata.get("sensitive") and len(value) <= 64
    shown = f"'{value}' " if plain or is_number else ""
    if isinstance(lo, int | float) and size < lo:
        raise ParamError(code, f"1 validation error detected: Value {shown}at '{where}' failed to "
                         f"satisfy constraint: Member must have {kind} greater than or equal to {lo}")
    if isinstance(hi, int | float) and size > hi:
        raise ParamError(code, f"1 validation error detected: Value {shown}at '{where}' failed to "
                         f"satisfy constraint: Member must have {kind} less than or equal to {hi}")


def _check_enum(shape: Any, value: str, where: str, code: str) -> None:
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        raise ParamError(code, f"1 validation error detected: Value '{_shown(value)}' at '{where}' "
                         f"failed to satisfy constraint: Member must satisfy enum value set: "
                         f"[{', '.join(enum)}]"[:1000])


def _aws_path(path: str) -> str:
    return ".".join(_lower_first(part) for part in path.split("."))


@dataclass(frozen=True)
class PolicyRule:
    """Where an IAM operation carries a policy document, which kind it is, and IAM's size quota."""

    member: str
    kind: PolicyKind
    limit: int
    quota: str  # message template; {name} is the entity the policy is attached to
    owner: str | None = None


POLICY_DOCUMENTS: dict[tuple[str, str], PolicyRule] = {
    ("iam", "CreateRole"): PolicyRule("AssumeRolePolicyDocument", PolicyKind.TRUST, 2048,
                                      "Cannot exceed quota for ACLSizePerRole: 2048"),
    ("iam", "UpdateAssumeRolePolicy"): PolicyRule("PolicyDocument", PolicyKind.TRUST, 2048,
                                                  "Cannot exceed quota for ACLSizePerRole: 2048"),
    ("iam", "PutRolePolicy"): PolicyRule(
        "PolicyDocument", PolicyKind.IDENTITY, 10240,
        "Maximum policy size of 10240 bytes exceeded for role {name}", "RoleName"),
    ("iam", "PutUserPolicy"): PolicyRule(
        "PolicyDocument", PolicyKind.IDENTITY, 2048,
        "Maximum policy size of 2048 bytes exceeded for user {name}", "UserName"),
    ("iam", "PutGroupPolicy"): PolicyRule(
        "PolicyDocument", PolicyKind.IDENTITY, 5120,
        "Maximum policy size of 5120 bytes exceeded for group {name}", "GroupName"),
    ("iam", "CreatePolicy"): PolicyRule("PolicyDocument", PolicyKind.IDENTITY, 6144,
                                        "Cannot exceed quota for PolicySize: 6144"),
    ("iam", "CreatePolicyVersion"): PolicyRule("PolicyDocument", PolicyKind.IDENTITY, 6144,
                                               "Cannot exceed quota for PolicySize: 6144"),
}


def _check_policy_document(rule: PolicyRule, params: dict[str, Any]) -> None:
    """IAM refuses an oversized (LimitExceeded, 409) or invalid (MalformedPolicyDocument) policy on
    write; moto stores anything, and a stored policy the gate cannot parse would break every later
    call of that principal."""
    doc = params.get(rule.member)
    if not isinstance(doc, str):
        return
    if sum(1 for ch in doc if not ch.isspace()) > rule.limit:
        owner = params.get(rule.owner, "") if rule.owner else ""
        raise ParamError("LimitExceeded", rule.quota.format(name=str(owner)[:128]), 409)
    try:
        parse_policy(doc, rule.kind)
    except MalformedPolicyDocument as exc:
        raise ParamError("MalformedPolicyDocument", exc.message) from None
    except RecursionError:
        raise ParamError("MalformedPolicyDocument", "Syntax errors in policy.") from None


def _check_attribute_value(value: dict[str, Any]) -> None:
    """A DynamoDB AttributeValue holds exactly one data type, as AWS insists.

    Without this, {"S": "t2-3", "N": "1"} leaves the gate no single partition-key value (an empty
    dynamodb:LeadingKeys set, which ForAllValues lets through) while moto reads the "S": a session
    scoped to t1-* could read and write t2-*'s items.
    """
    if not value or all(v is None for v in value.values()):
        raise ParamError("ValidationException", "Supplied AttributeValue is empty, must contain "
                         "exactly one of the supported datatypes")
    if len(value) != 1:
        raise ParamError("ValidationException", "Supplied AttributeValue has more than one "
                         "datatypes set, must contain exactly one of the supported datatypes")
    if value.get("NULL") is False:
        raise ParamError("ValidationException", "One or more parameter values were invalid: Null "
                         "attribute value types must have the value of true")


# DynamoDB's legacy conditions (KeyConditions, QueryFilter, ScanFilter, Expected): how many values
# each ComparisonOperator takes; IN takes one or more.
_ARITY = {"EQ": 1, "NE": 1, "LE": 1, "LT": 1, "GE": 1, "GT": 1, "CONTAINS": 1, "NOT_CONTAINS": 1,
          "BEGINS_WITH": 1, "BETWEEN": 2, "NULL": 0, "NOT_NULL": 0}


def _check_condition_arity(value: dict[str, Any]) -> None:
    op = value.get("ComparisonOperator")
    values = value.get("AttributeValueList")
    if not isinstance(op, str) or (values is not None and not isinstance(values, list)):
        return  # type errors are reported by the member checks
    if values is None and "Value" in value:
        return  # ExpectedAttributeValue's single-Value form
    count = len(values or [])
    want = _ARITY.get(op)
    if (want is not None and count != want) or (op == "IN" and count < 1):
        raise ParamError("ValidationException", "One or more parameter values were invalid: "
                         f"Invalid number of argument(s) for the {op} ComparisonOperator")


def _check(shape: Any, value: Any, path: str, wire_json: bool, depth: int, top: bool = False) -> None:
    if depth > _MAX_DEPTH:
        raise ParamError("SerializationException", "Request nested too deeply")
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            raise ParamError("SerializationException",
                             f"Expected an object for {path or 'the request'}")
        if shape.name == "AttributeValue" and "NULL" in shape.members:
            _check_attribute_value(value)
        elif shape.name in ("Condition", "ExpectedAttributeValue") \
                and "AttributeValueList" in shape.members:
            _check_condition_arity(value)
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
        _check_bounds(shape, value, _aws_path(path), "ValidationException")
        for i, item in enumerate(value):
            _check(shape.member, item, f"{path}[{i}]", wire_json, depth + 1)
        return
    if t == "map":
        if not isinstance(value, dict):
            raise ParamError("SerializationException", f"Expected a map for {path}")
        _check_bounds(shape, value, _aws_path(path), "ValidationException")
        for k, v in value.items():
            if not isinstance(k, str):
                raise ParamError("SerializationException", f"Map keys must be strings at {path}")
            _check(shape.value, v, f"{path}.{k}", wire_json, depth + 1)
        return
    if t == "string":
        if not isinstance(value, str):
            raise ParamError("SerializationException",
                             f"Unexpected value type in payload: {path} must be a string")
        _check_bounds(shape, value, _aws_path(path), "ValidationException")
        _check_enum(shape, value, _aws_path(path), "ValidationException")
        return
    if t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamError("SerializationException", f"{path} must be an integer")
        _check_bounds(shape, value, _aws_path(path), "ValidationException")
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
