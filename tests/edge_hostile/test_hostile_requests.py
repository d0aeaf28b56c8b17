"""Hostile request bodies and operations, correctly signed as root: 4xx in the service's shape, never 5xx.

AWS references: DynamoDB common errors (SerializationException, ValidationException,
UnknownOperationException) https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html;
query-protocol InvalidAction https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html;
Lambda errors in x-amzn-ErrorType https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors;
DynamoDB limits (400 KB items, 32 nesting levels)
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.edge_hostile.shapes import for_operation
from tests.edge_hostile.wire import (
    FORM,
    JSON_11,
    Wire,
    cognito_headers,
    error_of,
    not_a_server_error,
)

TABLE = "hostile"
_SESSION = botocore.session.get_session()
DDB = _SESSION.get_service_model("dynamodb")
COGNITO = _SESSION.get_service_model("cognito-idp")
MB = 1024 * 1024


@pytest.fixture(scope="module")
def table(haws: Callable[..., Any]) -> str:
    ddb = haws("dynamodb")
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g",
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "t1-1"}, "sk": {"S": "a"}, "n": {"N": "1"},
                                        "g": {"S": "x"}})
    return TABLE


@pytest.fixture(scope="module")
def pool(haws: Callable[..., Any]) -> dict[str, str]:
    idp = haws("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="hostile")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c",
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                               "ALLOW_REFRESH_TOKEN_AUTH"])[
        "UserPoolClient"]["ClientId"]
    return {"pool": pool_id, "client": client_id}


# -- unknown operations ---------------------------------------------------------------------------

op_names = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


@settings(max_examples=40)
@given(name=op_names)
def test_unknown_dynamodb_targets(wire: Wire, name: str) -> None:
    if name in DDB.operation_names:
        return
    r = wire.signed("dynamodb", b"{}", {"X-Amz-Target": f"DynamoDB_20120810.{name}",
                                        "Content-Type": "application/x-amz-json-1.0"})
    assert error_of("dynamodb", r) == "UnknownOperationException", r


@pytest.mark.parametrize("target", ["", ".", "DynamoDB_20120810", "DynamoDB_20120810.",
                                    "DynamoDB_20991231.GetItem", "dynamodb_20120810.GetItem",
                                    "DynamoDB_20120810.GetItem.Extra", "DynamoDB_20120810.getitem",
                                    "AWSCognitoIdentityProviderService.ListUserPools", "x" * 5000])
def test_malformed_dynamodb_targets(wire: Wire, target: str) -> None:
    r = wire.signed("dynamodb", b"{}", {"X-Amz-Target": target,
                                        "Content-Type": "application/x-amz-json-1.0"})
    assert error_of("dynamodb", r) == "UnknownOperationException", r


@settings(max_examples=30)
@given(name=op_names, signed=st.booleans())
def test_unknown_cognito_targets_signed_or_not(wire: Wire, name: str, signed: bool) -> None:
    if name in COGNITO.operation_names:
        return
    headers = cognito_headers(name)
    r = (wire.signed("cognito-idp", b"{}", headers) if signed
         else wire.send("POST", "/", b"{}", headers))
    assert error_of("json", r) in ("UnknownOperationException", "MissingAuthenticationTokenException"), r


@settings(max_examples=40)
@given(action=op_names, service=st.sampled_from(["sts", "iam"]))
def test_unknown_query_actions(wire: Wire, action: str, service: str) -> None:
    if action in _SESSION.get_service_model(service).operation_names:
        return
    version = {"sts": "2011-06-15", "iam": "2010-05-08"}[service]
    r = wire.query(service, urlencode({"Action": action, "Version": version}))
    assert error_of("query", r) == "InvalidAction", r


@pytest.mark.parametrize("service", ["sts", "iam"])
@pytest.mark.parametrize("body", ["", "Version=2011-06-15", "Action=", "Action", "&&&&", "=%%%",
                                  "Action=GetCallerIdentity%00", "Action=" + "A" * 100000])
def test_query_bodies_without_a_usable_action(wire: Wire, service: str, body: str) -> None:
    r = wire.query(service, body)
    assert error_of("query", r) in ("InvalidAction", "ValidationError"), r


path_segment = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF), min_size=1, max_size=30)


@settings(max_examples=40)
@given(segments=st.lists(path_segment, min_size=1, max_size=4),
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
       service=st.sampled_from(["lambda", "apigateway"]))
def test_unknown_rest_paths(wire: Wire, segments: list[str], method: str, service: str) -> None:
    prefix = "/2015-03-31/" if service == "lambda" else "/"
    path = prefix + "/".join(quote(s, safe="") for s in segments)
    r = wire.signed(service, b"", {}, method=method, path=path)
    not_a_server_error("rest-json", r)


# -- malformed JSON and the wrong JSON types ------------------------------------------------------

MALFORMED_JSON = [b"{", b"}", b"[]", b"null", b'"x"', b"1", b"true", b'{"TableName":}',
                  b'{"TableName": "hostile",}', b"\xef\xbb\xbf{}", "{}".encode("utf-16"),
                  b"\xff\xfe\xfd", b"{'TableName': 'hostile'}", b'{"TableName": NaN}',
                  b'{"Limit": 1' + b"0" * 5000 + b"}", b'{"Limit": 1e99999}', b"\x00" * 64,
                  b'{"a": "\\ud800"}', b'{"TableName": "hostile"} trailing']


@pytest.mark.parametrize("body", MALFORMED_JSON, ids=lambda b: repr(b[:20]))
@pytest.mark.parametrize("operation", ["GetItem", "ListTables", "Query"])
def test_malformed_json_bodies(wire: Wire, table: str, body: bytes, operation: str) -> None:
    r = wire.dynamodb(operation, body)
    not_a_server_error("dynamodb", r)
    if operation != "ListTables":
        assert r.status >= 400, r


@settings(max_examples=50)
@given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_random_bytes_as_a_dynamodb_body(wire: Wire, table: str, body: bytes) -> None:
    not_a_server_error("dynamodb", wire.dynamodb("GetItem", body))


@settings(max_examples=30)
@given(body=st.binary(max_size=200))
def test_random_bytes_as_a_cognito_body(wire: Wire, body: bytes) -> None:
    not_a_server_error("json", wire.signed("cognito-idp", body, cognito_headers("AdminGetUser")))
    not_a_server_error("json", wire.send("POST", "/", body, cognito_headers("InitiateAuth")))


WRONG_TYPES = [
    ("GetItem", {"TableName": 5, "Key": {"pk": {"S": "a"}}}),
    ("GetItem", {"TableName": TABLE, "Key": "x"}),
    ("GetItem", {"TableName": TABLE, "Key": []}),
    ("GetItem", {"TableName": TABLE, "Key": {"pk": "x"}}),
    ("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": 5}}}),
    ("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "a", "N": "1"}, "sk": {"S": "a"}}}),
    ("GetItem", {"TableName": TABLE, "Key": {"pk": {}, "sk": {"S": "a"}}}),
    ("GetItem", {"TableName": TABLE, "Key": {"pk": {"Q": "a"}, "sk": {"S": "a"}}}),
    ("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "a"}, "sk": {"S": "a"}},
                 "ConsistentRead": "yes"}),
    ("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "a"}, "sk": {"S": "a"}},
                 "ProjectionExpression": ["a"]}),
    ("PutItem", {"TableName": TABLE, "Item": {"pk": {"N": "not-a-number"}, "sk": {"S": "a"}}}),
    ("PutItem", {"TableName": TABLE, "Item": {"pk": {"S": "a"}, "sk": {"S": "a"},
                                              "b": {"B": "!!not base64!!"}}}),
    ("PutItem", {"TableName": TABLE, "Item": {"pk": {"S": "a"}, "sk": {"S": "a"},
                                              "s": {"SS": []}}}),
    ("PutItem", {"TableName": TABLE, "Item": {"pk": {"S": "a"}, "sk": {"S": "a"},
                                              "l": {"L": "x"}}}),
    ("PutItem", {"TableName": TABLE, "Item": 7}),
    ("Query", {"TableName": TABLE, "KeyConditionExpression": "pk = :v",
               "ExpressionAttributeValues": {":v": 5}}),
    ("Query", {"TableName": TABLE, "IndexName": 5, "KeyConditionExpression": "g = :v",
               "ExpressionAttributeValues": {":v": {"S": "x"}}}),
    ("Query", {"TableName": TABLE, "Limit": "10", "KeyConditionExpression": "pk = :v",
               "ExpressionAttributeValues": {":v": {"S": "x"}}}),
    ("Query", {"TableName": TABLE, "Limit": -1, "KeyConditionExpression": "pk = :v",
               "ExpressionAttributeValues": {":v": {"S": "x"}}}),
    ("Scan", {"TableName": TABLE, "Segment": 3, "TotalSegments": 2}),
    ("UpdateItem", {"TableName": TABLE, "Key": {"pk": {"S": "a"}, "sk": {"S": "a"}},
                    "UpdateExpression": "SET SET SET"}),
    ("UpdateItem", {"TableName": TABLE, "Key": {"pk": {"S": "a"}, "sk": {"S": "a"}},
                    "UpdateExpression": "SET pk = :v", "ExpressionAttributeValues": {":v": {"S": "b"}}}),
    ("BatchGetItem", {"RequestItems": {TABLE: {"Keys": "x"}}}),
    ("BatchGetItem", {"RequestItems": {TABLE: {"Keys": []}}}),
    ("BatchGetItem", {"RequestItems": []}),
    ("BatchWriteItem", {"RequestItems": {TABLE: [{"PutRequest": {"Item": "x"}}]}}),
    ("BatchWriteItem", {"RequestItems": {TABLE: [{}]}}),
    ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": TABLE, "Item": {}}}]}),
    ("TransactWriteItems", {"TransactItems": [{}]}),
    ("TransactWriteItems", {"TransactItems": "x"}),
    ("TransactGetItems", {"TransactItems": [{"Get": {"TableName": TABLE, "Key": {}}}]}),
    ("ListTables", {"Limit": 0}),
    ("ListTables", {"Limit": True}),
    ("ListTables", {"ExclusiveStartTableName": 5}),
    ("DescribeTable", {"TableName": "x" * 2000}),
    ("DescribeTable", {"TableName": ""}),
    ("CreateTable", {"TableName": "bad", "KeySchema": "pk", "AttributeDefinitions": []}),
    ("CreateTable", {"TableName": "bad", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                     "AttributeDefinitions": [], "BillingMode": "PAY_PER_REQUEST"}),
    ("ExecuteStatement", {"Statement": "SELECT * FROM ((("}),
    ("ExecuteStatement", {"Statement": ""}),
]


@pytest.mark.parametrize(("operation", "params"), WRONG_TYPES,
                         ids=[f"{o}-{i}" for i, (o, _) in enumerate(WRONG_TYPES)])
def test_wrong_member_types_and_values_are_client_errors(wire: Wire, table: str, operation: str,
                                                         params: dict[str, Any]) -> None:
    r = wire.dynamodb(operation, json.dumps(params).encode())
    assert error_of("dynamodb", r) in ("SerializationException", "ValidationException",
                                       "ResourceNotFoundException",
                                       "TransactionCanceledException"), r


def test_type_errors_are_serialization_exceptions(wire: Wire, table: str) -> None:
    """Where AWS's JSON deserializer meets the wrong type (TableName: 5, Key: "x")."""
    for params in ({"TableName": 5, "Key": "x"}, {"TableName": TABLE, "Key": "x"}):
        r = wire.dynamodb("GetItem", json.dumps(params).encode())
        assert error_of("dynamodb", r) == "SerializationException", r


COGNITO_WRONG = [
    ("AdminCreateUser", {"UserPoolId": 5, "Username": "u"}),
    ("AdminCreateUser", {"UserPoolId": "{pool}", "Username": ["u"]}),
    ("AdminCreateUser", {"UserPoolId": "{pool}", "Username": "u", "UserAttributes": {"a": 1}}),
    ("AdminCreateUser", {"UserPoolId": "{pool}", "Username": "u",
                         "UserAttributes": [{"Name": "custom:x" * 50, "Value": "v"}]}),
    ("AdminGetUser", {"UserPoolId": "{pool}", "Username": ""}),
    ("AdminGetUser", {"UserPoolId": "no_such-pool", "Username": "x"}),
    ("ListUsers", {"UserPoolId": "{pool}", "Limit": "ten"}),
    ("ListUsers", {"UserPoolId": "{pool}", "Filter": "email ^^^ \"x"}),
    ("CreateUserPoolClient", {"UserPoolId": "{pool}", "ClientName": "c", "IdTokenValidity": -5}),
    ("CreateUserPoolClient", {"UserPoolId": "{pool}", "ClientName": "c",
                              "TokenValidityUnits": {"IdToken": "fortnights"}}),
]


@pytest.mark.parametrize(("operation", "params"), COGNITO_WRONG,
                         ids=[f"{o}-{i}" for i, (o, _) in enumerate(COGNITO_WRONG)])
def test_cognito_admin_calls_with_wrong_members(wire: Wire, pool: dict[str, str], operation: str,
                                                params: dict[str, Any]) -> None:
    body = json.dumps(params).replace("{pool}", pool["pool"]).encode()
    r = wire.signed("cognito-idp", body, cognito_headers(operation))
    assert 400 <= r.status < 500, r
    error_of("json", r)


UNSIGNED_COGNITO = [
    ("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "{client}",
                      "AuthParameters": {"USERNAME": "nobody", "PASSWORD": "x"}}),
    ("InitiateAuth", {"AuthFlow": "NOT_A_FLOW", "ClientId": "{client}"}),
    ("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "no-such-client"}),
    ("InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": "{client}",
                      "AuthParameters": {"REFRESH_TOKEN": "garbage"}}),
    ("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "{client}",
                      "AuthParameters": "x"}),
    ("GetUser", {"AccessToken": "garbage"}),
    ("GetUser", {"AccessToken": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}),
    ("GetUser", {"AccessToken": "a.b.c"}),
    ("GetUser", {"AccessToken": 5}),
    ("UpdateUserAttributes", {"AccessToken": "garbage", "UserAttributes": [
        {"Name": "custom:tenantId", "Value": "t2"}]}),
    ("SignUp", {"ClientId": "{client}", "Username": "", "Password": "x"}),
    ("ConfirmSignUp", {"ClientId": "{client}", "Username": "nobody", "ConfirmationCode": "0"}),
    ("RespondToAuthChallenge", {"ClientId": "{client}", "ChallengeName": "BOGUS",
                                "Session": "x" * 5000}),
]


@pytest.mark.parametrize(("operation", "params"), UNSIGNED_COGNITO,
                         ids=[f"{o}-{i}" for i, (o, _) in enumerate(UNSIGNED_COGNITO)])
def test_unsigned_cognito_calls_with_hostile_members(wire: Wire, pool: dict[str, str], operation: str,
                                                     params: dict[str, Any]) -> None:
    body = json.dumps(params).replace("{client}", pool["client"]).encode()
    r = wire.send("POST", "/", body, cognito_headers(operation))
    assert 400 <= r.status < 500, r
    error_of("json", r)


LAMBDA_WRONG = [
    ("POST", "/2015-03-31/functions", {"FunctionName": 5}),
    ("POST", "/2015-03-31/functions", {"FunctionName": "f", "Role": "arn:aws:iam::1:role/r",
                                       "Runtime": "python3.11", "Handler": "h.h",
                                       "Code": {"ZipFile": "!!not base64!!"}}),
    ("POST", "/2015-03-31/functions", {"FunctionName": "f", "Role": "r", "Code": {},
                                       "Timeout": "x"}),
    ("POST", "/2015-03-31/functions", {"FunctionName": "f" * 500, "Role": "r", "Code": {}}),
    ("POST", "/2015-03-31/functions", "not an object"),
    ("POST", "/2015-03-31/functions/nope/invocations", {"Payload": 5, "FunctionName": 7}),
    ("GET", "/2015-03-31/functions/" + quote("../../etc/passwd", safe=""), None),
    ("GET", "/2015-03-31/functions/" + "x" * 300, None),
    ("DELETE", "/2015-03-31/functions/nope", None),
    ("PUT", "/2015-03-31/functions/nope/configuration", {"Timeout": -1}),
]


@pytest.mark.parametrize(("method", "path", "payload"), LAMBDA_WRONG,
                         ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(LAMBDA_WRONG)])
def test_lambda_calls_with_hostile_members(wire: Wire, method: str, path: str, payload: Any) -> None:
    body = b"" if payload is None else json.dumps(payload).encode()
    r = wire.signed("lambda", body, {"Content-Type": "application/json"}, method=method, path=path)
    assert 400 <= r.status < 500, r
    error_of("rest-json", r)


@pytest.mark.parametrize("body", [b"{not json", b"[1,2]", b"\xff\xfe", b"null"])
def test_lambda_create_function_with_a_malformed_body(wire: Wire, body: bytes) -> None:
    r = wire.signed("lambda", body, {"Content-Type": "application/json"},
                    path="/2015-03-31/functions")
    assert 400 <= r.status < 500, r
    error_of("rest-json", r)


def test_lambda_invoke_payload_keys_are_not_mistaken_for_members(wire: Wire) -> None:
    """Invoke's body is the function's event: {"Payload": 5} is a valid event, not a bad member."""
    body = json.dumps({"Payload": 5, "FunctionName": 7, "Qualifier": []}).encode()
    r = wire.signed("lambda", body, {"Content-Type": "application/json"},
                    path="/2015-03-31/functions/no-such-function/invocations")
    assert error_of("rest-json", r) == "ResourceNotFoundException", r


# -- shape-driven fuzzing of the DynamoDB data plane ----------------------------------------------

DATA_PLANE = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
              "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "DescribeTable",
              "ListTables", "ExecuteStatement", "BatchExecuteStatement", "DescribeTimeToLive",
              "ListTagsOfResource"]


@settings(max_examples=150)
@given(data=st.data(), operation=st.sampled_from(DATA_PLANE))
def test_shape_driven_dynamodb_fuzz_never_fails_server_side(wire: Wire, table: str, data: Any,
                                                            operation: str) -> None:
    params = data.draw(for_operation("dynamodb", operation, TABLE), label="params")
    r = wire.dynamodb(operation, json.dumps(params).encode())
    not_a_server_error("dynamodb", r)


COGNITO_OPS = ["AdminCreateUser", "AdminGetUser", "AdminUpdateUserAttributes", "ListUsers",
               "AdminInitiateAuth", "AdminDisableUser", "AdminAddUserToGroup", "DescribeUserPool"]


@settings(max_examples=60)
@given(data=st.data(), operation=st.sampled_from(COGNITO_OPS))
def test_shape_driven_cognito_fuzz_never_fails_server_side(wire: Wire, pool: dict[str, str],
                                                           data: Any, operation: str) -> None:
    params = data.draw(for_operation("cognito-idp", operation, TABLE), label="params")
    if isinstance(params, dict) and data.draw(st.booleans(), label="real pool"):
        params["UserPoolId"] = pool["pool"]
    r = wire.signed("cognito-idp", json.dumps(params).encode(), cognito_headers(operation))
    not_a_server_error("json", r)


# -- huge and deeply nested bodies -----------------------------------------------------------------

def test_a_several_megabyte_item_is_refused(wire: Wire, table: str) -> None:
    """DynamoDB's item limit is 400 KB: a 5 MB attribute is a ValidationException, not a crash."""
    item = {"pk": {"S": "t1-big"}, "sk": {"S": "a"}, "blob": {"S": "x" * (5 * MB)}}
    r = wire.dynamodb("PutItem", json.dumps({"TableName": table, "Item": item}).encode())
    assert error_of("dynamodb", r) == "ValidationException", r


@pytest.mark.parametrize("size_mb", [3, 8])
def test_several_megabytes_of_garbage(wire: Wire, size_mb: int) -> None:
    junk = (b"\x00\xff{[" * (size_mb * MB // 4))
    not_a_server_error("dynamodb", wire.dynamodb("PutItem", junk))
    big_json = json.dumps({"TableName": TABLE, "Junk": ["y" * 1000] * (size_mb * 1000)}).encode()
    not_a_server_error("dynamodb", wire.dynamodb("DescribeTable", big_json))
    r = wire.query("iam", urlencode({"Action": "ListRoles", "Version": "2010-05-08",
                                     "PathPrefix": "/" + "p" * (size_mb * MB) + "/"}))
    assert error_of("query", r) == "ValidationError", r


@pytest.mark.parametrize("depth", [33, 45, 200])
def test_deeply_nested_attribute_values(wire: Wire, table: str, depth: int) -> None:
    """AWS allows 32 levels of nested attribute values; deeper documents are refused, not crashed on."""
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(depth):
        value = {"M": {"m": value}}
    item = {"pk": {"S": "t1-deep"}, "sk": {"S": str(depth)}, "d": value}
    r = wire.dynamodb("PutItem", json.dumps({"TableName": table, "Item": item}).encode())
    assert 400 <= r.status < 500, r
    assert error_of("dynamodb", r) in ("SerializationException", "ValidationException"), r


@pytest.mark.parametrize("depth", [100, 500])
def test_moderately_nested_unknown_members_are_harmless(wire: Wire, depth: int) -> None:
    body = b'{"Junk": ' + b"[" * depth + b"]" * depth + b"}"
    not_a_server_error("dynamodb", wire.dynamodb("ListTables", body))


DEEP = 100_000


@pytest.mark.parametrize("where", ["dynamodb", "cognito", "lambda"])
def test_json_nested_a_hundred_thousand_deep_is_a_client_error(wire: Wire, where: str,
                                                               known_internal_errors: None) -> None:
    body = b"[" * DEEP + b"]" * DEEP
    if where == "dynamodb":
        r = wire.dynamodb("GetItem", body)
        proto = "dynamodb"
    elif where == "cognito":
        r = wire.send("POST", "/", body, cognito_headers("InitiateAuth"))
        proto = "json"
    else:
        r = wire.signed("lambda", body, {"Content-Type": "application/json"},
                        path="/2015-03-31/functions")
        proto = "rest-json"
    assert 400 <= r.status < 500, r
    error_of(proto, r)


@pytest.mark.parametrize("where", ["dynamodb", "cognito", "lambda"])
def test_json_nested_a_hundred_thousand_deep_does_not_crash_the_edge(
        wire: Wire, where: str, haws: Callable[..., Any], known_internal_errors: None) -> None:
    """After a pathological body the edge still serves normal calls."""
    body = b"[" * DEEP + b"]" * DEEP
    if where == "dynamodb":
        r = wire.dynamodb("GetItem", body)
    elif where == "cognito":
        r = wire.send("POST", "/", body, cognito_headers("InitiateAuth"))
    else:
        r = wire.signed("lambda", body, {"Content-Type": "application/json"},
                        path="/2015-03-31/functions")
    assert r.status < 500, r
    assert haws("dynamodb").list_tables()["TableNames"] is not None


# -- CBOR (smithy-rpc-v2-cbor: CloudWatch) ----------------------------------------------------------

CW_PATH = "/service/GraniteServiceVersion20100801/operation/ListMetrics"
CBOR_HEADERS = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor",
                "Accept": "application/cbor"}


@pytest.mark.parametrize("body", [b"\xa1\x81\x01\x02", b"\xbf\x81\x01\x02\xff", b"\x5f\x61a\xff",
                                  b"\x7f\x41a\xff", b"\xa1", b"\x1b", b"\xff", b"\xd9\xd9\xf7" * 30,
                                  b"\x81" * 100 + b"\x00", b"\xbf" * 70 + b"\xff" * 70,
                                  b"\x9b\xff\xff\xff\xff\xff\xff\xff\xff"],
                         ids=lambda b: b[:6].hex())
def test_malformed_cbor_is_a_serialization_error(wire: Wire, body: bytes) -> None:
    r = wire.signed("monitoring", body, CBOR_HEADERS, path=CW_PATH)
    assert 400 <= r.status < 500, r
    assert r.header("x-amzn-errortype") == "SerializationException", r


@settings(max_examples=50)
@given(body=st.binary(min_size=1, max_size=64))
def test_random_cbor_never_fails_server_side(wire: Wire, body: bytes) -> None:
    r = wire.signed("monitoring", body, CBOR_HEADERS, path=CW_PATH)
    assert r.status < 500, r


def test_a_json_body_for_a_form_service_is_refused(wire: Wire) -> None:
    r = wire.signed("sts", b'{"Action": "GetCallerIdentity"}', {"Content-Type": JSON_11})
    assert error_of("query", r) == "InvalidAction", r
    r = wire.signed("sts", b"Action=GetCallerIdentity&Version=2011-06-15", {"Content-Type": FORM})
    assert r.status == 200, r
