"""Generated policies and DynamoDB requests, decided by the edge and by the reference model.

Each example signs a real request with boto3 (an IAM user's key or an AssumeRole session whose
session policy is the generated one) and compares the edge's answer with the decision
tests/edge/context_model.py derives from the documented request context. Pages: see that module.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from tests.edge.context_model import MULTI_VALUED, Principal, Request, expected_allowed
from tests.edge.helpers import ACCOUNT, REGION, allow, deny, doc, error_code, make_role, make_user

TABLE = "CtxProps"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"
USER = "ctx-props-user"
SHARDS = ("t1-1", "t2-1")
ATTRS = ("owner", "secret", "v")
# Errors DynamoDB gives after authorising: the gate let the request through.
PAST_THE_GATE = {"ConditionalCheckFailedException", "TransactionCanceledException"}

VALUE_POOLS: dict[str, tuple[str, ...]] = {
    "dynamodb:Select": ("ALL_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"),
    "dynamodb:ReturnValues": ("NONE", "ALL_OLD", "UPDATED_NEW"),
    "dynamodb:ReturnConsumedCapacity": ("NONE", "TOTAL"),
    "dynamodb:EnclosingOperation": ("TransactWriteItems", "TransactGetItems"),
    "dynamodb:Attributes": ("shardId", "id", *ATTRS),
    "dynamodb:LeadingKeys": SHARDS,
    "aws:PrincipalType": ("User", "AssumedRole"),
    "aws:username": (USER, "someone-else"),
    "aws:RequestedRegion": (REGION, "eu-west-1"),
    "aws:MultiFactorAuthPresent": ("true", "false"),
    "aws:SecureTransport": ("true", "false"),
    "aws:TokenIssueTime": (),
}
BOOL_KEYS = ("aws:MultiFactorAuthPresent", "aws:SecureTransport")
SINGLE_OPERATORS = ("StringEquals", "StringNotEquals", "StringEqualsIfExists",
                    "StringNotEqualsIfExists", "ForAnyValue:StringEquals",
                    "ForAnyValue:StringEqualsIfExists", "ForAllValues:StringEquals", "Null")
SET_OPERATORS = ("ForAllValues:StringEquals", "ForAllValues:StringNotEquals",
                 "ForAnyValue:StringEquals", "ForAnyValue:StringEqualsIfExists",
                 "ForAnyValue:StringNotEquals", "Null")


@st.composite
def clauses(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    key = draw(st.sampled_from(sorted(VALUE_POOLS)))
    if key == "aws:TokenIssueTime":
        ops: tuple[str, ...] = ("Null",)
    elif key in BOOL_KEYS:
        ops = ("Bool", "BoolIfExists", "Null")
    else:
        ops = SET_OPERATORS if key in MULTI_VALUED else SINGLE_OPERATORS
    op = draw(st.sampled_from(ops))
    if op == "Null":
        return op, key, [draw(st.sampled_from(("true", "false")))]
    pool = VALUE_POOLS[key]
    values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True))
    return op, key, values


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, dict[str, list[str]]]:
    block: dict[str, dict[str, list[str]]] = {}
    for op, key, values in draw(st.lists(clauses(), min_size=1, max_size=2)):
        block.setdefault(op, {})[key] = values
    return block


def _maybe(values: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(values)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    op = draw(st.sampled_from(("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                               "BatchGetItem", "TransactGetItems", "TransactWriteItems")))
    shard = draw(st.sampled_from(SHARDS))
    subset = st.lists(st.sampled_from(("id", *ATTRS)), max_size=2, unique=True).map(tuple)
    writes = st.lists(st.sampled_from(ATTRS), min_size=op == "UpdateItem", max_size=2,
                      unique=True).map(tuple)
    facts: dict[str, Any] = {"capacity": draw(_maybe(("NONE", "TOTAL")))}
    if op in ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"):
        facts["projection"] = draw(subset)
    if op in ("Query", "Scan"):
        facts["filter_attr"] = draw(_maybe(ATTRS))
        facts["select"] = draw(_maybe(("SPECIFIC_ATTRIBUTES",) if facts["projection"]
                                      else ("ALL_ATTRIBUTES", "COUNT")))
    if op in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"):
        facts["condition_attr"] = draw(_maybe(ATTRS))
    if op in ("PutItem", "UpdateItem", "TransactWriteItems"):
        facts["written"] = draw(writes)
    if op in ("PutItem", "DeleteItem"):
        facts["return_values"] = draw(_maybe(("NONE", "ALL_OLD")))
    if op == "UpdateItem":
        facts["return_values"] = draw(_maybe(("NONE", "UPDATED_NEW", "ALL_OLD")))
    return Request(op, shard, **facts)


class Expr:
    """ExpressionAttributeNames/Values for the attributes a request uses (all names aliased)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attr: str) -> str:
        alias = f"#a{len(self.names)}"
        self.names[alias] = attr
        return alias

    def value(self) -> str:
        alias = f":v{len(self.values)}"
        self.values[alias] = {"S": "x"}
        return alias

    def apply(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            params["ExpressionAttributeNames"] = self.names
        if self.values:
            params["ExpressionAttributeValues"] = self.values
        return params


def _item_params(req: Request) -> dict[str, Any]:
    """Parameters of one item-level request (or transaction item) on the table."""
    key = {"shardId": {"S": req.shard}, "id": {"S": "p1"}}
    expr = Expr()
    params: dict[str, Any] = {"TableName": TABLE}
    if req.op in ("PutItem", "TransactWriteItems"):
        params["Item"] = {**key, **{a: {"S": "x"} for a in req.written}}
    else:
        params["Key"] = key
    if req.op == "UpdateItem":
        params["UpdateExpression"] = "SET " + ", ".join(
            f"{expr.name(a)} = {expr.value()}" for a in req.written)
    if req.projection:
        params["ProjectionExpression"] = ", ".join(expr.name(a) for a in req.projection)
    if req.condition_attr:
        params["ConditionExpression"] = f"attribute_exists({expr.name(req.condition_attr)})"
    return expr.apply(params)


def call(ddb: Any, req: Request) -> None:
    """Send the request; AccessDeniedException propagates, DynamoDB's own refusals are swallowed."""
    extra: dict[str, Any] = {"ReturnConsumedCapacity": req.capacity} if req.capacity else {}
    if req.return_values:
        extra["ReturnValues"] = req.return_values
    method = {"GetItem": "get_item", "PutItem": "put_item", "UpdateItem": "update_item",
              "DeleteItem": "delete_item"}.get(req.op)
    if method:
        getattr(ddb, method)(**_item_params(req), **extra)
    elif req.op in ("Query", "Scan"):
        expr = Expr()
        params: dict[str, Any] = {"TableName": TABLE}
        if req.op == "Query":
            params["KeyConditionExpression"] = f"{expr.name('shardId')} = :k"
            expr.values[":k"] = {"S": req.shard}
        if req.projection:
            params["ProjectionExpression"] = ", ".join(expr.name(a) for a in req.projection)
        if req.filter_attr:
            params["FilterExpression"] = f"attribute_exists({expr.name(req.filter_attr)})"
        if req.select:
            params["Select"] = req.select
        getattr(ddb, req.op.lower())(**expr.apply(params), **extra)
    elif req.op == "BatchGetItem":
        spec = _item_params(Request("GetItem", req.shard, projection=req.projection))
        spec.pop("TableName")
        spec["Keys"] = [spec.pop("Key")]
        ddb.batch_get_item(RequestItems={TABLE: spec}, **extra)
    elif req.op == "TransactGetItems":
        ddb.transact_get_items(TransactItems=[{"Get": _item_params(req)}], **extra)
    else:
        ddb.transact_write_items(TransactItems=[{"Put": _item_params(req)}], **extra)


def decided(ddb: Any, req: Request) -> bool:
    try:
        call(ddb, req)
    except ClientError as exc:
        code = error_code(exc)
        if code == "AccessDeniedException":
            return False
        assert code in PAST_THE_GATE, exc
    return True


@pytest.fixture(scope="module")
def setup(aws: Any) -> dict[str, Any]:
    """The table with both tenants' items, a role to assume, and the user that signs directly."""
    ddb = aws("dynamodb")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "shardId", "KeyType": "HASH"},
                                {"AttributeName": "id", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "shardId", "AttributeType": "S"},
                                           {"AttributeName": "id", "AttributeType": "S"}])
    for shard in SHARDS:
        ddb.put_item(TableName=TABLE, Item={"shardId": {"S": shard}, "id": {"S": "p1"},
                                            **{a: {"S": "x"} for a in ATTRS}})
    assumer_arn, assumer_key = make_user(aws)
    role_arn = make_role(aws, {"AWS": assumer_arn}, doc(allow("dynamodb:*")))
    _, user_key = make_user(aws, name=USER)
    return {"sts": aws("sts", creds=assumer_key), "role": role_arn,
            "user": aws("dynamodb", creds=user_key)}


@given(kind=st.sampled_from(("user", "session")), allow_if=conditions(),
       deny_if=st.none() | conditions(), req=requests())
def test_edge_decides_like_the_documented_request_context(
        aws: Any, setup: dict[str, Any], kind: str, allow_if: dict[str, Any],
        deny_if: dict[str, Any] | None, req: Request) -> None:
    """Variables aside, every rule of the request context at once: DynamoDB keys with their
    defaults, EnclosingOperation, dynamodb:Attributes, global keys per principal type, and
    ForAnyValue/ForAllValues/IfExists on missing keys."""
    statements = [allow("dynamodb:*", TABLE_ARN, allow_if)]
    if deny_if:
        statements.append(deny("dynamodb:*", "*", deny_if))
    policy = json.dumps(json.loads(doc(*statements)))
    if kind == "user":
        aws("iam").put_user_policy(UserName=USER, PolicyName="generated", PolicyDocument=policy)
        ddb = setup["user"]
    else:
        creds = setup["sts"].assume_role(RoleArn=setup["role"], RoleSessionName="props",
                                         Policy=policy)["Credentials"]
        ddb = aws("dynamodb", creds=creds)
    principal = Principal(kind, USER if kind == "user" else "")
    assert decided(ddb, req) == expected_allowed(allow_if, deny_if, req, principal), (
        allow_if, deny_if, req)
