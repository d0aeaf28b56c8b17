"""A reference model of the IAM request context for DynamoDB, written from the AWS pages alone.

It never calls the harness: requests are described as plain facts (which operation, which
attributes projected, filtered, conditioned or written), and the model says which condition
keys AWS documents for them and with which values, then decides a small set of condition
operators by the rules the IAM pages state.

Pages: DynamoDB "Using IAM policy conditions for fine-grained access control"
(specifying-conditions.html), "Using IAM with DynamoDB transactions" (transaction-apis-iam.html);
IAM "AWS global condition context keys" (reference_policies_condition-keys.html), "Condition
operators" and "Single-valued vs. multivalued context keys".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TABLE_KEYS = ("shardId", "id")  # the test table: partition key shardId, sort key id
MULTI_VALUED = frozenset({"dynamodb:Attributes", "dynamodb:LeadingKeys"})

# Which DynamoDB condition keys each authorised action carries ("always has a value").
SELECT_ACTIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan"})
RETURN_VALUES_ACTIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
NAMES_A_KEY = frozenset({"GetItem", "PutItem", "UpdateItem", "DeleteItem", "BatchGetItem",
                         "ConditionCheckItem"})
# The underlying action of each transaction item kind.
TRANSACT = {"TransactGetItems": ("Get", "GetItem"), "TransactWriteItems": ("Put", "PutItem")}

Context = dict[str, Any]


@dataclass(frozen=True)
class Request:
    """One DynamoDB request, as facts the documentation talks about."""

    op: str
    shard: str
    projection: tuple[str, ...] = ()
    condition_attr: str | None = None  # ConditionExpression attribute_exists(<attr>)
    filter_attr: str | None = None  # FilterExpression attribute_exists(<attr>)
    written: tuple[str, ...] = ()  # non-key attributes the write sets
    select: str | None = None
    return_values: str | None = None
    capacity: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who signs: an IAM user's long-term key or a role session."""

    kind: str  # "user" | "session"
    name: str = ""
    extra: Context = field(default_factory=dict)


def global_context(principal: Principal) -> Context:
    """The aws:* keys by principal type, per each key's Availability line."""
    ctx: Context = {"aws:SecureTransport": "true", "aws:RequestedRegion": "us-east-1",
                    "aws:ViaAWSService": "false"}
    if principal.kind == "user":
        ctx["aws:PrincipalType"] = "User"
        ctx["aws:username"] = principal.name
    else:
        ctx["aws:PrincipalType"] = "AssumedRole"
        ctx["aws:MultiFactorAuthPresent"] = "false"  # temporary credentials without MFA
        ctx["aws:TokenIssueTime"] = "present"
    ctx.update(principal.extra)
    return ctx


def _action_context(action: str, req: Request, enclosing: str | None) -> Context:
    ctx: Context = {}
    attrs: list[str] = []
    if action in NAMES_A_KEY:
        attrs += TABLE_KEYS
    if action == "Query":
        attrs.append("shardId")  # the key condition names the partition key
    for name in (*req.written, *req.projection, req.condition_attr, req.filter_attr):
        if name is not None and name not in attrs:
            attrs.append(name)
    if attrs:
        ctx["dynamodb:Attributes"] = attrs
    if action != "Scan":
        ctx["dynamodb:LeadingKeys"] = [req.shard]
    if action in SELECT_ACTIONS:
        ctx["dynamodb:Select"] = req.select or (
            "SPECIFIC_ATTRIBUTES" if req.projection else "ALL_ATTRIBUTES")
    if action in RETURN_VALUES_ACTIONS:
        ctx["dynamodb:ReturnValues"] = req.return_values or "NONE"
    ctx["dynamodb:ReturnConsumedCapacity"] = req.capacity or "NONE"
    if enclosing is not None:
        ctx["dynamodb:EnclosingOperation"] = enclosing
    return ctx


def request_contexts(req: Request, principal: Principal) -> list[Context]:
    """One context per IAM check the request needs."""
    base = global_context(principal)
    if req.op in TRANSACT:
        action, enclosing = TRANSACT[req.op][1], req.op
    else:
        action, enclosing = req.op, None
    return [{**base, **_action_context(action, req, enclosing)}]


# --- the condition operators the property tests generate -------------------------------------

def _holds(operator: str, value: Any, wanted: list[str]) -> bool:
    """One operator on one key, from the IAM pages' rules for missing keys and sets."""
    if operator == "Null":
        return (value is None or value == []) == (wanted[0] == "true")
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    negated = "Not" in base
    fold = base == "Bool"
    norm = {w.lower() for w in wanted} if fold else set(wanted)

    def one(v: str) -> bool:
        hit = (v.lower() if fold else v) in norm
        return hit != negated

    if value is None or value == []:
        if qualifier == "ForAllValues":
            return True  # true "if there are no context keys in the request"
        if qualifier == "ForAnyValue":
            return False  # false if the key is missing, IfExists or not
        return if_exists or negated
    if qualifier:
        values = value if isinstance(value, list) else [value]
        return all(map(one, values)) if qualifier == "ForAllValues" else any(map(one, values))
    if isinstance(value, list):
        return False  # a multivalued key needs a set operator
    return one(value)


def condition_holds(condition: dict[str, dict[str, list[str]]], ctx: Context) -> bool:
    """Every operator and every key in the block must hold (AND)."""
    return all(_holds(op, ctx.get(k), wanted)
               for op, keys in condition.items() for k, wanted in keys.items())


def expected_allowed(allow_if: dict[str, Any], deny_if: dict[str, Any] | None,
                     req: Request, principal: Principal) -> bool:
    """Allow statement with allow_if, optional Deny with deny_if: allowed when every check is."""
    return all(condition_holds(allow_if, c) and not (deny_if and condition_holds(deny_if, c))
               for c in request_contexts(req, principal))
