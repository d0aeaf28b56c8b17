"""The request context AWS builds for IAM, rule by rule, end to end through boto3 and real sessions.

Pages:
- IAM "AWS global condition context keys" (GLOBAL) and "Variables and tags" (VARIABLES);
- DynamoDB "Using IAM policy conditions for fine-grained access control" (FGAC) and
  "Using IAM with DynamoDB transactions" (TRANSACTIONS).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.target import EmbeddedTarget
from tests.conftest import make_client_factory
from tests.edge.helpers import (
    ACCOUNT,
    REGION,
    allow,
    deny,
    doc,
    error_code,
    make_table,
    make_user,
    scoped_session,
)

GLOBAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
VARIABLES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
FGAC = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html"
TRANSACTIONS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html"


def table_arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def key(shard: str, item: str = "p1") -> dict[str, Any]:
    return {"shardId": {"S": shard}, "id": {"S": item}}


@pytest.fixture(scope="module")
def table(aws: Any) -> str:
    name = make_table(aws)
    aws("dynamodb").put_item(TableName=name, Item={**key("t1-1"), "owner": {"S": "t1"},
                                                   "secret": {"S": "s"}})
    return name


def session_ddb(aws: Any, *statements: dict[str, Any]) -> Any:
    """DynamoDB client of a role session whose session policy is these statements."""
    return aws("dynamodb", creds=scoped_session(aws, doc(*statements)))


def user_ddb(aws: Any, *statements: dict[str, Any], name: str | None = None) -> Any:
    """DynamoDB client signed with an IAM user's long-term access key."""
    _, creds = make_user(aws, doc(*statements), name=name)
    return aws("dynamodb", creds=creds)


def denied(fn: Any, *args: Any, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as info:
        fn(*args, **kwargs)
    assert error_code(info.value) == "AccessDeniedException", info.value
    return info.value


# --- 1. Policy variables --------------------------------------------------------------------


def test_policy_variable_in_the_region_of_a_resource_arn_is_not_substituted(aws: Any,
                                                                           table: str) -> None:
    """Variables work "only in the resource portion of the ARN ... after the fifth colon".

    VARIABLES#policy-vars-resourceelement: an Allow on
    arn:aws:dynamodb:${aws:RequestedRegion}:${aws:PrincipalAccount}:table/<t> grants nothing.
    """
    ddb = session_ddb(aws, allow("dynamodb:GetItem",
                                 f"arn:aws:dynamodb:${{aws:RequestedRegion}}:${{aws:PrincipalAccount}}"
                                 f":table/{table}"))
    denied(ddb.get_item, TableName=table, Key=key("t1-1"))


def test_policy_variable_in_the_resource_part_of_an_arn_is_substituted(aws: Any) -> None:
    """${aws:username} after the fifth colon becomes the caller's user name (VARIABLES)."""
    name = make_table(aws)
    ddb = user_ddb(aws, allow("dynamodb:GetItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
                                                  "${aws:username}"), name=name)
    assert "Item" not in ddb.get_item(TableName=name, Key=key("t1-1"))


def test_policy_variable_with_no_value_makes_the_resource_match_nothing(aws: Any,
                                                                        table: str) -> None:
    """aws:username is not present for role sessions, so the ARN matches no resource.

    VARIABLES#policy-vars-no-value.
    """
    ddb = session_ddb(aws, allow("dynamodb:GetItem", table_arn("${aws:username}")),
                      allow("dynamodb:GetItem", table_arn(table), {
                          "StringEquals": {"dynamodb:Select": "${aws:username}"}}))
    denied(ddb.get_item, TableName=table, Key=key("t1-1"))


def test_policy_variable_with_no_value_matches_a_negated_operator(aws: Any, table: str) -> None:
    """StringNotEquals "do[es] match against a null value" (VARIABLES#policy-vars-no-value)."""
    ddb = session_ddb(aws, allow("dynamodb:*", table_arn(table)),
                      deny("dynamodb:GetItem", table_arn(table), {
                          "StringNotEquals": {"dynamodb:Select": "${aws:username}"}}))
    denied(ddb.get_item, TableName=table, Key=key("t1-1"))


# --- 2. Global condition keys ---------------------------------------------------------------


def test_role_session_matches_bool_multifactorauthpresent_false(aws: Any, table: str) -> None:
    """Temporary credentials without MFA carry aws:MultiFactorAuthPresent = false (GLOBAL)."""
    ddb = session_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "Bool": {"aws:MultiFactorAuthPresent": "false"}}))
    assert ddb.get_item(TableName=table, Key=key("t1-1"))["Item"]["owner"]["S"] == "t1"


def test_long_term_user_key_has_no_multifactorauthpresent(aws: Any, table: str) -> None:
    """"The key is not present in ... requests that are made using long-term credentials" (GLOBAL).

    So Bool ... false does not match, BoolIfExists ... true does, and Null ... true does.
    """
    ddb = user_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "Bool": {"aws:MultiFactorAuthPresent": "false"}}))
    denied(ddb.get_item, TableName=table, Key=key("t1-1"))
    ddb = user_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "BoolIfExists": {"aws:MultiFactorAuthPresent": "true"},
        "Null": {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "true",
                 "aws:TokenIssueTime": "true"}}))
    ddb.get_item(TableName=table, Key=key("t1-1"))


def test_role_session_has_token_issue_time_on_the_virtual_clock(aws: Any, target: EmbeddedTarget,
                                                                table: str) -> None:
    """aws:TokenIssueTime: present for temporary credentials, the session's issue time (GLOBAL)."""
    target.clock.advance(3 * 86400)
    issued = target.clock.now()
    ddb = session_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "DateGreaterThanEquals": {"aws:TokenIssueTime": str(int(issued) - 1)},
        "DateLessThanEquals": {"aws:TokenIssueTime": str(int(issued) + 120)}}))
    ddb.get_item(TableName=table, Key=key("t1-1"))


def test_current_time_and_epoch_time_follow_the_virtual_clock(aws: Any, target: EmbeddedTarget,
                                                              table: str) -> None:
    """aws:CurrentTime and aws:EpochTime are "always included" (GLOBAL), here on the virtual clock."""
    now = int(target.clock.now())
    window = {"DateGreaterThan": {"aws:CurrentTime": str(now - 60)},
              "NumericLessThan": {"aws:EpochTime": str(now + 3600)}}
    ddb = user_ddb(aws, allow("dynamodb:GetItem", table_arn(table), window))
    ddb.get_item(TableName=table, Key=key("t1-1"))
    target.clock.advance(7200)
    denied(ddb.get_item, TableName=table, Key=key("t1-1"))


def test_principal_arn_type_account_and_userid_of_a_role_session(aws: Any, table: str) -> None:
    """For roles aws:PrincipalArn is the role ARN, aws:PrincipalType AssumedRole, aws:userid
    role-id:session-name, and aws:username is not present (GLOBAL; VARIABLES#principaltable)."""
    ddb = session_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"},
        "StringEquals": {"aws:PrincipalType": "AssumedRole", "aws:PrincipalAccount": ACCOUNT},
        "StringLike": {"aws:userid": "AROA*:tenant"},
        "Null": {"aws:username": "true"}}))
    ddb.get_item(TableName=table, Key=key("t1-1"))


def test_principal_keys_of_an_iam_user(aws: Any, table: str) -> None:
    """An IAM user: PrincipalType User, PrincipalArn the user ARN, aws:username the friendly name."""
    name = "ctx-user-keys"
    _, creds = make_user(aws, name=name)
    userid = aws("iam").get_user(UserName=name)["User"]["UserId"]
    aws("iam").put_user_policy(UserName=name, PolicyName="ctx", PolicyDocument=doc(allow(
        "dynamodb:GetItem", table_arn(table), {
            "StringEquals": {"aws:PrincipalType": "User", "aws:username": name, "aws:userid": userid,
                             "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/{name}"},
            "Null": {"aws:MultiFactorAuthPresent": "true", "aws:TokenIssueTime": "true"}})))
    aws("dynamodb", creds=creds).get_item(TableName=table, Key=key("t1-1"))


def test_principal_tag_of_an_iam_user(aws: Any, table: str) -> None:
    """aws:PrincipalTag/<k> is "included ... if the principal is using an IAM user with attached
    tags" (GLOBAL)."""
    name = "ctx-tagged-user"
    ddb = user_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "StringEquals": {"aws:PrincipalTag/tenant": "t1"}}), name=name)
    denied(ddb.get_item, TableName=table, Key=key("t1-1"))
    aws("iam").tag_user(UserName=name, Tags=[{"Key": "tenant", "Value": "t1"}])
    ddb.get_item(TableName=table, Key=key("t1-1"))


def test_secure_transport_is_true_as_the_aws_endpoint_sees_an_sdk(aws: Any, table: str) -> None:
    """SDKs always call AWS over TLS, so the endpoint the harness stands in for sees
    aws:SecureTransport = true; the classic Deny on false must not fire (GLOBAL)."""
    ddb = session_ddb(aws, allow("dynamodb:*", table_arn(table)), deny("dynamodb:*", "*", {
        "Bool": {"aws:SecureTransport": "false"}}))
    ddb.get_item(TableName=table, Key=key("t1-1"))


def test_source_ip_is_the_callers_address(aws: Any, table: str) -> None:
    """aws:SourceIp is the requester's IP address: loopback here (GLOBAL)."""
    ddb = session_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}))
    ddb.get_item(TableName=table, Key=key("t1-1"))
    ddb = session_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    denied(ddb.get_item, TableName=table, Key=key("t1-1"))


def test_requested_region_is_the_region_the_request_is_signed_for(target: EmbeddedTarget,
                                                                  aws: Any) -> None:
    """aws:RequestedRegion is "the AWS Region that was called in the request" (GLOBAL)."""
    creds = scoped_session(aws, doc(allow("dynamodb:ListTables", "*", {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1"}})))
    make_client_factory(target.endpoint, "eu-west-1")("dynamodb", creds=creds).list_tables()
    denied(aws("dynamodb", creds=creds).list_tables)


def test_via_aws_service_is_false_and_called_via_absent_for_direct_calls(aws: Any,
                                                                         table: str) -> None:
    """aws:ViaAWSService is always present, false unless a service uses the principal's own
    credentials; aws:CalledVia "is also not present when the principal makes the call directly"."""
    ddb = session_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "Bool": {"aws:ViaAWSService": "false", "aws:PrincipalIsAWSService": "false"},
        "Null": {"aws:CalledVia": "true"}}))
    ddb.get_item(TableName=table, Key=key("t1-1"))


# --- 3. DynamoDB condition keys -------------------------------------------------------------


def test_deny_on_enclosing_operation_stops_a_transaction(aws: Any, table: str) -> None:
    """Transaction items carry dynamodb:EnclosingOperation (TRANSACTIONS, example 3)."""
    ddb = session_ddb(aws, allow("dynamodb:*", table_arn(table)), deny("dynamodb:PutItem", "*", {
        "StringEquals": {"dynamodb:EnclosingOperation": "TransactWriteItems"}}))
    ddb.put_item(TableName=table, Item=key("t1-2"))
    exc = denied(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": table, "Item": key("t1-3")}}])
    assert "with an explicit deny in a session policy" in exc.response["Error"]["Message"]


def test_enclosing_operation_allows_only_transactional_reads(aws: Any, table: str) -> None:
    """TRANSACTIONS example 2: ForAnyValue:StringEquals on EnclosingOperation allows only Transact*."""
    ddb = session_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "ForAnyValue:StringEquals": {"dynamodb:EnclosingOperation": ["TransactGetItems"]}}))
    got = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key("t1-1")}}])
    assert got["Responses"][0]["Item"]["owner"]["S"] == "t1"
    denied(ddb.get_item, TableName=table, Key=key("t1-1"))


def test_return_values_is_none_on_a_plain_put_item(aws: Any, table: str) -> None:
    """"the ReturnValues parameter always has a value (NONE unless otherwise specified)" (FGAC)."""
    ddb = session_ddb(aws, allow(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                                 table_arn(table), {"StringEquals": {"dynamodb:ReturnValues": "NONE"}}))
    ddb.put_item(TableName=table, Item=key("t1-4"))
    ddb.update_item(TableName=table, Key=key("t1-4"), UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"S": "1"}})
    denied(ddb.put_item, TableName=table, Item=key("t1-4"), ReturnValues="ALL_OLD")
    ddb.delete_item(TableName=table, Key=key("t1-4"))


def test_return_consumed_capacity_is_none_unless_given(aws: Any, table: str) -> None:
    """dynamodb:ReturnConsumedCapacity has a value on every request that takes the parameter (FGAC)."""
    ddb = session_ddb(aws, allow(["dynamodb:PutItem", "dynamodb:GetItem"], table_arn(table), {
        "StringEquals": {"dynamodb:ReturnConsumedCapacity": "NONE"}}))
    ddb.put_item(TableName=table, Item=key("t1-5"))
    ddb.get_item(TableName=table, Key=key("t1-5"))
    denied(ddb.get_item, TableName=table, Key=key("t1-5"), ReturnConsumedCapacity="TOTAL")


def test_select_is_all_attributes_on_a_plain_get_item(aws: Any, table: str) -> None:
    """"the Select parameter always has a value (ALL_ATTRIBUTES, unless otherwise specified)" (FGAC)."""
    ddb = session_ddb(aws, allow(["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Scan"],
                                 table_arn(table), {
                                     "StringEquals": {"dynamodb:Select": "ALL_ATTRIBUTES"}}))
    assert ddb.get_item(TableName=table, Key=key("t1-1"))["Item"]["secret"]["S"] == "s"
    ddb.batch_get_item(RequestItems={table: {"Keys": [key("t1-1")]}})
    ddb.scan(TableName=table)
    denied(ddb.get_item, TableName=table, Key=key("t1-1"), ProjectionExpression="secret")


def test_select_is_specific_attributes_with_a_projection(aws: Any, table: str) -> None:
    """A projection makes Select SPECIFIC_ATTRIBUTES on GetItem, BatchGetItem, Query and Scan (FGAC)."""
    ddb = session_ddb(aws, allow(["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
                                  "dynamodb:Scan"], table_arn(table), {
        "StringEquals": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}))
    ddb.get_item(TableName=table, Key=key("t1-1"), ProjectionExpression="#o",
                 ExpressionAttributeNames={"#o": "owner"})
    ddb.batch_get_item(RequestItems={table: {"Keys": [key("t1-1")], "ProjectionExpression": "id"}})
    ddb.query(TableName=table, KeyConditionExpression="shardId = :s", ProjectionExpression="id",
              ExpressionAttributeValues={":s": {"S": "t1-1"}})
    ddb.scan(TableName=table, AttributesToGet=["id"])
    denied(ddb.scan, TableName=table)


@pytest.fixture(scope="module")
def owner_only(aws: Any, table: str) -> Any:
    """A session limited to the key attributes and `owner`, as in FGAC example 2."""
    return session_ddb(aws, allow("dynamodb:*", table_arn(table), {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": ["shardId", "id", "owner"]}}))


def test_attributes_limited_session_refused_a_condition_expression_on_another_attribute(
        owner_only: Any, table: str) -> None:
    """Attributes "evaluated in a conditional write" count (FGAC example 2)."""
    owner_only.update_item(TableName=table, Key=key("t1-1"), UpdateExpression="SET #o = :o",
                           ConditionExpression="attribute_exists(#o)",
                           ExpressionAttributeNames={"#o": "owner"},
                           ExpressionAttributeValues={":o": {"S": "t1"}})
    denied(owner_only.update_item, TableName=table, Key=key("t1-1"), UpdateExpression="SET #o = :o",
           ConditionExpression="secret = :s", ExpressionAttributeNames={"#o": "owner"},
           ExpressionAttributeValues={":o": {"S": "t1"}, ":s": {"S": "s"}})
    denied(owner_only.delete_item, TableName=table, Key=key("t1-9"),
           ConditionExpression="attribute_exists(secret)")
    denied(owner_only.put_item, TableName=table, Item={**key("t1-9"), "owner": {"S": "t1"}},
           Expected={"secret": {"Exists": False}})


def test_attributes_limited_session_refused_a_scan_filter_on_another_attribute(
        owner_only: Any, table: str) -> None:
    """Attributes evaluated "in a ... scan filter" count (FGAC example 2)."""
    owner_only.scan(TableName=table, FilterExpression="#o = :o",
                    ExpressionAttributeNames={"#o": "owner"},
                    ExpressionAttributeValues={":o": {"S": "t1"}})
    denied(owner_only.scan, TableName=table, FilterExpression="secret = :s",
           ExpressionAttributeValues={":s": {"S": "s"}})
    denied(owner_only.scan, TableName=table,
           ScanFilter={"secret": {"ComparisonOperator": "NOT_NULL"}})
    denied(owner_only.query, TableName=table, KeyConditionExpression="shardId = :k",
           FilterExpression="attribute_exists(secret)",
           ExpressionAttributeValues={":k": {"S": "t1-1"}})


def test_attributes_limited_session_refused_a_transaction_condition_check_on_another_attribute(
        owner_only: Any, table: str) -> None:
    """ConditionCheck items are authorised as ConditionCheckItem with their attributes (TRANSACTIONS)."""
    denied(owner_only.transact_write_items, TransactItems=[
        {"ConditionCheck": {"TableName": table, "Key": key("t1-1"),
                            "ConditionExpression": "attribute_exists(secret)"}},
        {"Put": {"TableName": table, "Item": {**key("t1-8"), "owner": {"S": "t1"}}}}])


def test_key_attributes_count_in_dynamodb_attributes_for_every_operation(aws: Any,
                                                                         table: str) -> None:
    """A policy using dynamodb:Attributes "must specify the names of all of the primary key ...
    attributes" (FGAC), so the keys a request names count, for reads as for writes."""
    ddb = session_ddb(aws, allow("dynamodb:*", table_arn(table), {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": ["owner"]}}))
    denied(ddb.get_item, TableName=table, Key=key("t1-1"), ProjectionExpression="#o",
           ExpressionAttributeNames={"#o": "owner"})
    denied(ddb.batch_get_item, RequestItems={table: {"Keys": [key("t1-1")],
                                                     "ProjectionExpression": "#o",
                                                     "ExpressionAttributeNames": {"#o": "owner"}}})
    denied(ddb.transact_get_items, TransactItems=[{"Get": {"TableName": table, "Key": key("t1-1")}}])
    denied(ddb.query, TableName=table, KeyConditionExpression="shardId = :k",
           ExpressionAttributeValues={":k": {"S": "t1-1"}})
    denied(ddb.delete_item, TableName=table, Key=key("t1-1"))
    denied(ddb.batch_write_item, RequestItems={table: [{"DeleteRequest": {"Key": key("t1-1")}}]})


# --- 4. ForAnyValue with ...IfExists --------------------------------------------------------


def test_foranyvalue_ifexists_on_a_missing_key_does_not_match(aws: Any, table: str) -> None:
    """A plain GetItem has no dynamodb:EnclosingOperation; ForAnyValue:StringEqualsIfExists on it
    is false (docs/ARCHITECTURE.md, "ForAnyValue with ...IfExists")."""
    ddb = session_ddb(aws, allow("dynamodb:GetItem", table_arn(table), {
        "ForAnyValue:StringEqualsIfExists": {"dynamodb:EnclosingOperation": ["TransactGetItems"]}}))
    denied(ddb.get_item, TableName=table, Key=key("t1-1"))
    ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key("t1-1")}}])
