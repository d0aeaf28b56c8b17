"""Hostile requests from a tenant-scoped session never reach another tenant's items.

The session is limited by `ForAllValues:StringLike dynamodb:LeadingKeys ["t1-*"]`; its requests are
malformed on purpose (multi-typed attribute values, odd key conditions, moto's private headers).
Whatever the edge answers, the body never carries t2-3's or t10-1's data.

AWS references: AttributeValue holds exactly one type
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html);
dynamodb:LeadingKeys
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html);
KeyConditionExpression needs an equality on the partition key
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html#DDB-Query-request-KeyConditionExpression).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.edge_hostile.conftest import HOSTILE_ACCOUNT
from tests.edge_hostile.shapes import for_operation
from tests.edge_hostile.wire import Reply, Wire, cognito_headers, ddb_headers, error_of

TABLE = "iso"
MINE = "t1-3"
FOREIGN = ("t2-3", "t10-1")
SECRETS = {pk: f"secret of {pk}" for pk in (MINE, *FOREIGN)}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="module")
def session(haws: Callable[..., Any]) -> dict[str, str]:
    ddb = haws("dynamodb")
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    for pk, secret in SECRETS.items():
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": "a"}, "secret": {"S": secret}})
    iam = haws("iam")
    iam.create_user(UserName="iso-caller")
    iam.put_user_policy(UserName="iso-caller", PolicyName="assume", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
    key = iam.create_access_key(UserName="iso-caller")["AccessKey"]
    iam.create_role(RoleName="iso-tenant", AssumeRolePolicyDocument=_doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{HOSTILE_ACCOUNT}:root"},
         "Action": "sts:AssumeRole"}))
    iam.put_role_policy(RoleName="iso-tenant", PolicyName="data", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "dynamodb:*",
         "Resource": f"arn:aws:dynamodb:us-east-1:{HOSTILE_ACCOUNT}:table/{TABLE}",
         "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["t1-*"]}}}))
    creds: dict[str, str] = haws("sts", creds=key).assume_role(
        RoleArn=f"arn:aws:iam::{HOSTILE_ACCOUNT}:role/iso-tenant", RoleSessionName="iso")["Credentials"]
    return creds


def as_tenant(wire: Wire, creds: dict[str, str], operation: str, params: Any) -> Reply:
    body = json.dumps(params).encode()
    return wire.signed("dynamodb", body, ddb_headers(operation), key=creds["AccessKeyId"],
                       secret=creds["SecretAccessKey"], token=creds["SessionToken"])


def assert_no_foreign_data(r: Reply) -> None:
    assert r.status < 500, r
    for pk in FOREIGN:
        assert SECRETS[pk].encode() not in r.body, r
    if r.status >= 400:
        error_of("dynamodb", r)


def test_the_session_reads_its_own_items_and_is_denied_the_others(wire: Wire,
                                                                 session: dict[str, str]) -> None:
    mine = as_tenant(wire, session, "GetItem", {"TableName": TABLE,
                                               "Key": {"pk": {"S": MINE}, "sk": {"S": "a"}}})
    assert mine.status == 200 and SECRETS[MINE] in mine.body.decode(), mine
    for pk in FOREIGN:
        r = as_tenant(wire, session, "GetItem", {"TableName": TABLE,
                                                "Key": {"pk": {"S": pk}, "sk": {"S": "a"}}})
        assert error_of("dynamodb", r) == "AccessDeniedException", r


def _multi(pk: str) -> list[dict[str, Any]]:
    """Attribute values that carry a foreign key but are not one well-formed S value."""
    return [{"S": pk, "N": "1"}, {"N": "1", "S": pk}, {"S": pk, "NULL": True}, {"S": pk, "BOOL": True},
            {"S": pk, "S2": "x"}, {"S": pk, "N": None}, {"N": None, "S": pk}, {"SS": [pk]},
            {"L": [{"S": pk}]}, {"M": {"S": {"S": pk}}}, {"B": base64.b64encode(pk.encode()).decode()},
            {"s": pk}, {}, {"S": None}]


TRICKS = [(op, pk, av) for pk in FOREIGN for av in _multi(pk)
          for op in ("GetItem", "DeleteItem", "BatchGetItem", "TransactGetItems", "Query")]


def _request(op: str, av: dict[str, Any]) -> dict[str, Any]:
    key = {"pk": av, "sk": {"S": "a"}}
    if op in ("GetItem", "DeleteItem"):
        return {"TableName": TABLE, "Key": key, "ReturnValues": "ALL_OLD"} if op == "DeleteItem" \
            else {"TableName": TABLE, "Key": key}
    if op == "BatchGetItem":
        return {"RequestItems": {TABLE: {"Keys": [key]}}}
    if op == "TransactGetItems":
        return {"TransactItems": [{"Get": {"TableName": TABLE, "Key": key}}]}
    return {"TableName": TABLE, "KeyConditionExpression": "pk = :v",
            "ExpressionAttributeValues": {":v": av}}


@pytest.mark.parametrize(("operation", "pk", "av"), TRICKS,
                         ids=[f"{o}-{p}-{i}" for i, (o, p, _) in enumerate(TRICKS)])
def test_multi_typed_key_values_do_not_cross_tenants(wire: Wire, session: dict[str, str],
                                                     operation: str, pk: str, av: dict[str, Any]) -> None:
    """{"S": "t2-3", "N": "1"} once gave the gate no partition key (an empty LeadingKeys set, which
    ForAllValues allows) while moto read the "S": now refused as AWS refuses it."""
    r = as_tenant(wire, session, operation, _request(operation, av))
    assert_no_foreign_data(r)
    assert r.status >= 400, r


def test_writes_with_multi_typed_keys_do_not_land_in_another_tenant(wire: Wire, session: dict[str, str],
                                                                    haws: Callable[..., Any]) -> None:
    for av in _multi("t2-planted"):
        item = {"pk": av, "sk": {"S": "a"}, "secret": {"S": "planted"}}
        for op, params in (("PutItem", {"TableName": TABLE, "Item": item}),
                           ("UpdateItem", {"TableName": TABLE, "Key": {"pk": av, "sk": {"S": "a"}},
                                           "UpdateExpression": "SET secret = :s",
                                           "ExpressionAttributeValues": {":s": {"S": "planted"}}}),
                           ("BatchWriteItem", {"RequestItems": {TABLE: [{"PutRequest": {"Item": item}}]}}),
                           ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": TABLE,
                                                                              "Item": item}}]})):
            r = as_tenant(wire, session, op, params)
            assert r.status >= 400, (op, av, r)
    got = haws("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "t2-planted"}, "sk": {"S": "a"}})
    assert "Item" not in got


_TOKENS = ["pk", "#p", "sk", "#s", "=", "<", ">", "<=", "BETWEEN", "AND", "OR", "NOT", "IN", "(", ")",
           ",", ":mine", ":t2", ":t10", ":a", "begins_with", "pk.x", "size", "#missing"]


@settings(max_examples=120)
@given(tokens=st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=9),
       prefix=st.sampled_from(["", "pk = :mine AND ", "pk = :t2 AND ", "#p = :mine AND "]))
def test_no_key_condition_expression_reaches_another_tenant(wire: Wire, session: dict[str, str],
                                                            tokens: list[str], prefix: str) -> None:
    params = {"TableName": TABLE, "KeyConditionExpression": prefix + " ".join(tokens),
              "ExpressionAttributeNames": {"#p": "pk", "#s": "sk"},
              "ExpressionAttributeValues": {":mine": {"S": MINE}, ":t2": {"S": "t2-3"},
                                            ":t10": {"S": "t10-1"}, ":a": {"S": "a"}}}
    assert_no_foreign_data(as_tenant(wire, session, "Query", params))


_OPERATORS = ["EQ", "NE", "IN", "LE", "LT", "GE", "GT", "BETWEEN", "NOT_NULL", "NULL", "CONTAINS",
              "NOT_CONTAINS", "BEGINS_WITH", "eq", "BOGUS"]
_KC_VALUES = st.lists(st.sampled_from([{"S": MINE}, {"S": "t2-3"}, {"S": "t10-1"}, {"S": "t"}, {"N": "1"}]),
                      max_size=3)


@settings(max_examples=100)
@given(conditions=st.dictionaries(
    st.sampled_from(["pk", "sk", "PK", "secret"]),
    st.fixed_dictionaries({"ComparisonOperator": st.sampled_from(_OPERATORS)},
                          optional={"AttributeValueList": _KC_VALUES}),
    min_size=1, max_size=3),
    legacy_filter=st.booleans())
def test_no_legacy_key_conditions_reach_another_tenant(wire: Wire, session: dict[str, str],
                                                       conditions: dict[str, Any],
                                                       legacy_filter: bool) -> None:
    """KeyConditions with the wrong number of values once crashed the gate (IndexError → 500)."""
    params: dict[str, Any] = {"TableName": TABLE, "KeyConditions": conditions}
    if legacy_filter:
        params["QueryFilter"] = {"secret": {"ComparisonOperator": "NOT_NULL"}}
    assert_no_foreign_data(as_tenant(wire, session, "Query", params))


@pytest.mark.parametrize("values", [[], [{"S": MINE}, {"S": "t2-3"}], [{"S": "t2-3"}, {"S": MINE}]])
def test_eq_with_the_wrong_number_of_values_is_a_validation_error(wire: Wire, session: dict[str, str],
                                                                  values: list[Any]) -> None:
    r = as_tenant(wire, session, "Query", {"TableName": TABLE, "KeyConditions": {
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": values}}})
    assert error_of("dynamodb", r) == "ValidationException", r
    assert b"Invalid number of argument(s) for the EQ ComparisonOperator" in r.body


@settings(max_examples=60)
@given(key_values=st.lists(st.sampled_from([MINE, *FOREIGN, "t1-", "t1-3 ", "T2-3"]), min_size=1,
                           max_size=4),
       operation=st.sampled_from(["BatchGetItem", "TransactGetItems"]))
def test_batches_mixing_own_and_foreign_keys_are_denied_whole(wire: Wire, session: dict[str, str],
                                                              key_values: list[str], operation: str) -> None:
    keys = [{"pk": {"S": v}, "sk": {"S": "a"}} for v in dict.fromkeys(key_values)]
    if operation == "BatchGetItem":
        params: dict[str, Any] = {"RequestItems": {TABLE: {"Keys": keys}}}
    else:
        params = {"TransactItems": [{"Get": {"TableName": TABLE, "Key": k}} for k in keys]}
    r = as_tenant(wire, session, operation, params)
    assert_no_foreign_data(r)
    if any(v in FOREIGN for v in key_values):
        assert error_of("dynamodb", r) == "AccessDeniedException", r


def test_a_callers_moto_account_header_is_not_forwarded(wire: Wire, haws: Callable[..., Any]) -> None:
    """moto picks its account from x-moto-account-id; a caller must not steer the upstream with it."""
    ddb = haws("dynamodb")

    def add_header(request: Any, **_: Any) -> None:
        request.headers["X-Moto-Account-Id"] = "999988887777"

    ddb.meta.events.register("before-sign", add_header)
    assert TABLE in ddb.list_tables()["TableNames"]
    ddb.create_table(TableName="made-with-header", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    assert "made-with-header" in haws("dynamodb").list_tables()["TableNames"]


def test_forgot_password_does_not_hand_the_confirmation_code_to_the_caller(
        wire: Wire, haws: Callable[..., Any]) -> None:
    """moto answers ForgotPassword with x-moto-forgot-password-confirmation-code; AWS sends the code
    only to the user's email or phone, so anyone could otherwise reset any user's password."""
    idp = haws("cognito-idp")
    pool = idp.create_user_pool(PoolName="iso-pool")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="c")["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="victim",
                          UserAttributes=[{"Name": "email", "Value": "victim@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])
    r = wire.send("POST", "/", json.dumps({"ClientId": client, "Username": "victim"}).encode(),
                  cognito_headers("ForgotPassword"))
    assert r.status < 500, r
    assert not any(name.startswith("x-moto-") for name in r.headers), r.headers
    assert b"moto-confirmation-code" not in r.body


GATED = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchGetItem", "BatchWriteItem",
         "TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement",
         "ExecuteTransaction", "DescribeTable"]


@settings(max_examples=200)
@given(data=st.data(), operation=st.sampled_from(GATED))
def test_shape_driven_fuzz_as_the_tenant_never_fails_server_side(wire: Wire, session: dict[str, str],
                                                                 data: Any, operation: str) -> None:
    """Root skips the gate; a scoped session's odd requests are where the gate itself could crash
    (and where a mis-read key would leak another tenant's items)."""
    params = data.draw(for_operation("dynamodb", operation, TABLE), label="params")
    assert_no_foreign_data(as_tenant(wire, session, operation, params))
