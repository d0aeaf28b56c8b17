"""DynamoDB through the gate: the request context AWS builds for IAM, end to end over HTTP with boto3.

Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
and https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/api-permissions-reference.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.edge.helpers import ACCOUNT, REGION, allow, doc, error_code, make_table, scoped_session


def table_arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def tenant_policy(tenant: str, actions: list[str], resource: str = "*",
                  op: str = "ForAllValues:StringLike", pattern: str | None = None) -> str:
    return doc(allow([f"dynamodb:{a}" for a in actions], resource,
                     {op: {"dynamodb:LeadingKeys": [pattern or f"{tenant}-*"]}}))


def key(shard: str, item: str = "p1") -> dict[str, Any]:
    return {"shardId": {"S": shard}, "id": {"S": item}}


@pytest.fixture(scope="module")
def table(aws: Any) -> str:
    name = make_table(aws)
    ddb = aws("dynamodb")
    for shard in ("t1-3", "t2-3", "t10-1", "t1-9"):
        ddb.put_item(TableName=name, Item={**key(shard), "owner": {"S": shard}})
    return name


@pytest.fixture(scope="module")
def t1(aws: Any, table: str) -> Any:
    """A session limited by LeadingKeys [t1-*], the reference SaaS's tenant policy."""
    actions = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchGetItem",
               "BatchWriteItem", "ConditionCheckItem"]
    creds = scoped_session(aws, tenant_policy("t1", actions, table_arn(table)))
    return aws("dynamodb", creds=creds)


def denied(fn: Any, *args: Any, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as info:
        fn(*args, **kwargs)
    assert error_code(info.value) == "AccessDeniedException", info.value
    return info.value


def test_leading_keys_session_reads_its_own_partition(t1: Any, table: str) -> None:
    item = t1.get_item(TableName=table, Key=key("t1-3"))["Item"]
    assert item["owner"]["S"] == "t1-3"


def test_leading_keys_session_is_denied_another_tenants_partition(t1: Any, table: str) -> None:
    exc = denied(t1.get_item, TableName=table, Key=key("t2-3"))
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_leading_keys_separator_stops_prefix_trick(t1: Any, table: str) -> None:
    """`t1-*` must not match tenant t10's `t10-1`: the separator is what isolates them."""
    denied(t1.get_item, TableName=table, Key=key("t10-1"))


def test_prefix_without_separator_leaks_to_t10_as_aws_would(aws: Any, table: str) -> None:
    """A `t1*` pattern (no separator) matches `t10-1`: AWS allows it, so the harness must too."""
    creds = scoped_session(aws, tenant_policy("t1", ["GetItem"], table_arn(table), pattern="t1*"))
    leaked = aws("dynamodb", creds=creds).get_item(TableName=table, Key=key("t10-1"))
    assert leaked["Item"]["owner"]["S"] == "t10-1"


def test_access_denied_message_names_caller_action_resource_and_reason(t1: Any, table: str) -> None:
    exc = denied(t1.get_item, TableName=table, Key=key("t2-3"))
    msg = exc.response["Error"]["Message"]
    assert msg.startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/")
    assert f"is not authorized to perform: dynamodb:GetItem on resource: {table_arn(table)}" in msg
    assert "because no session policy allows the dynamodb:GetItem action" in msg


def test_put_item_leading_key_is_the_items_partition_key(t1: Any, table: str) -> None:
    t1.put_item(TableName=table, Item={**key("t1-5", "new"), "v": {"S": "1"}})
    denied(t1.put_item, TableName=table, Item={**key("t2-5", "new")})


def test_update_and_delete_item_leading_key_is_the_key(t1: Any, table: str) -> None:
    t1.update_item(TableName=table, Key=key("t1-3"), UpdateExpression="SET v = :v",
                   ExpressionAttributeValues={":v": {"S": "x"}})
    denied(t1.update_item, TableName=table, Key=key("t2-3"), UpdateExpression="SET v = :v",
           ExpressionAttributeValues={":v": {"S": "x"}})
    denied(t1.delete_item, TableName=table, Key=key("t2-3"))
    t1.delete_item(TableName=table, Key=key("t1-5", "new"))


def test_query_leading_key_comes_from_the_key_condition(t1: Any, table: str) -> None:
    got = t1.query(TableName=table, KeyConditionExpression="shardId = :s",
                   ExpressionAttributeValues={":s": {"S": "t1-3"}})
    assert got["Count"] == 1
    denied(t1.query, TableName=table, KeyConditionExpression="#k = :s AND begins_with(id, :p)",
           ExpressionAttributeNames={"#k": "shardId"},
           ExpressionAttributeValues={":s": {"S": "t2-3"}, ":p": {"S": "p"}})


def test_query_with_legacy_key_conditions(t1: Any, table: str) -> None:
    denied(t1.query, TableName=table,
           KeyConditions={"shardId": {"ComparisonOperator": "EQ",
                                      "AttributeValueList": [{"S": "t2-3"}]}})


def test_scan_touches_no_leading_keys_so_a_forallvalues_policy_lets_it_through(aws: Any,
                                                                             table: str) -> None:
    """The classic leak: Scan has an empty LeadingKeys set, and ForAllValues is true on it."""
    creds = scoped_session(aws, tenant_policy("t1", ["Scan"], table_arn(table)))
    items = aws("dynamodb", creds=creds).scan(TableName=table)["Items"]
    assert {i["owner"]["S"] for i in items} >= {"t2-3", "t10-1"}


def test_scan_not_in_the_policy_is_implicitly_denied(t1: Any, table: str) -> None:
    denied(t1.scan, TableName=table)


def test_batch_get_item_checks_every_key_of_the_table(t1: Any, table: str) -> None:
    ok = t1.batch_get_item(RequestItems={table: {"Keys": [key("t1-3"), key("t1-9")]}})
    assert len(ok["Responses"][table]) == 2
    denied(t1.batch_get_item, RequestItems={table: {"Keys": [key("t1-3"), key("t2-3")]}})


def test_foranyvalue_with_batch_get_lets_a_foreign_key_ride_along(aws: Any, table: str) -> None:
    """ForAnyValue is satisfied by one own key, so a batch mixing tenants passes (as on AWS)."""
    creds = scoped_session(aws, tenant_policy("t1", ["BatchGetItem"], table_arn(table),
                                              op="ForAnyValue:StringLike"))
    got = aws("dynamodb", creds=creds).batch_get_item(
        RequestItems={table: {"Keys": [key("t1-3"), key("t2-3")]}})
    assert {i["owner"]["S"] for i in got["Responses"][table]} == {"t1-3", "t2-3"}


def test_batch_write_item_checks_every_put_and_delete_key(t1: Any, table: str) -> None:
    t1.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": key("t1-4", "b")}}]})
    denied(t1.batch_write_item, RequestItems={table: [
        {"PutRequest": {"Item": key("t1-4", "c")}},
        {"DeleteRequest": {"Key": key("t2-3")}}]})


def test_transact_write_items_are_authorised_as_their_underlying_actions(t1: Any,
                                                                        table: str) -> None:
    t1.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": key("t1-6", "tx")}},
        {"ConditionCheck": {"TableName": table, "Key": key("t1-3"),
                            "ConditionExpression": "attribute_exists(shardId)"}}])
    exc = denied(t1.transact_write_items, TransactItems=[
        {"Put": {"TableName": table, "Item": key("t1-6", "tx2")}},
        {"Delete": {"TableName": table, "Key": key("t2-3")}}])
    assert "dynamodb:DeleteItem" in exc.response["Error"]["Message"]


def test_transact_get_items_are_authorised_as_get_item(aws: Any, table: str) -> None:
    creds = scoped_session(aws, tenant_policy("t1", ["GetItem"], table_arn(table)))
    ddb = aws("dynamodb", creds=creds)
    got = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key("t1-3")}}])
    assert got["Responses"][0]["Item"]["owner"]["S"] == "t1-3"
    denied(ddb.transact_get_items, TransactItems=[{"Get": {"TableName": table,
                                                           "Key": key("t2-3")}}])


def test_index_reads_are_checked_against_the_index_arn(aws: Any) -> None:
    name = make_table(aws, gsi="tenantName")
    aws("dynamodb").put_item(TableName=name, Item={**key("t1-1"), "tenantName": {"S": "acme"}})
    table_only = scoped_session(aws, doc(allow("dynamodb:Query", table_arn(name))))
    denied(aws("dynamodb", creds=table_only).query, TableName=name, IndexName="tenantName-index",
           KeyConditionExpression="tenantName = :n",
           ExpressionAttributeValues={":n": {"S": "acme"}})
    with_index = scoped_session(aws, doc(allow("dynamodb:Query", f"{table_arn(name)}/index/*")))
    got = aws("dynamodb", creds=with_index).query(
        TableName=name, IndexName="tenantName-index", KeyConditionExpression="tenantName = :n",
        ExpressionAttributeValues={":n": {"S": "acme"}})
    assert got["Count"] == 1


def test_attributes_condition_limits_projected_attributes(aws: Any, table: str) -> None:
    policy = doc(allow("dynamodb:GetItem", table_arn(table), {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": ["shardId", "id", "owner"]}}))
    ddb = aws("dynamodb", creds=scoped_session(aws, policy))
    ddb.get_item(TableName=table, Key=key("t1-3"), ProjectionExpression="shardId, #o",
                 ExpressionAttributeNames={"#o": "owner"})
    denied(ddb.get_item, TableName=table, Key=key("t1-3"), ProjectionExpression="secret")


def test_attributes_condition_on_put_item_covers_every_item_attribute(aws: Any,
                                                                      table: str) -> None:
    policy = doc(allow("dynamodb:PutItem", table_arn(table), {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": ["shardId", "id", "v"]}}))
    ddb = aws("dynamodb", creds=scoped_session(aws, policy))
    ddb.put_item(TableName=table, Item={**key("t1-7"), "v": {"S": "ok"}})
    denied(ddb.put_item, TableName=table, Item={**key("t1-7"), "isAdmin": {"BOOL": True}})


def test_select_condition_with_ifexists(aws: Any, table: str) -> None:
    policy = doc(allow("dynamodb:Query", table_arn(table), {
        "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}))
    ddb = aws("dynamodb", creds=scoped_session(aws, policy))
    ddb.query(TableName=table, KeyConditionExpression="shardId = :s",
              ExpressionAttributeValues={":s": {"S": "t1-3"}}, ProjectionExpression="id")
    denied(ddb.query, TableName=table, KeyConditionExpression="shardId = :s",
           ExpressionAttributeValues={":s": {"S": "t1-3"}}, Select="ALL_ATTRIBUTES")


def test_return_values_condition(aws: Any, table: str) -> None:
    policy = doc(allow("dynamodb:UpdateItem", table_arn(table), {
        "StringEqualsIfExists": {"dynamodb:ReturnValues": ["NONE", "UPDATED_NEW"]}}))
    ddb = aws("dynamodb", creds=scoped_session(aws, policy))
    ddb.update_item(TableName=table, Key=key("t1-3"), UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"S": "a"}}, ReturnValues="UPDATED_NEW")
    denied(ddb.update_item, TableName=table, Key=key("t1-3"), UpdateExpression="SET v = :v",
           ExpressionAttributeValues={":v": {"S": "b"}}, ReturnValues="ALL_OLD")


def test_table_resource_is_the_table_arn_for_table_level_actions(aws: Any, table: str) -> None:
    ddb = aws("dynamodb", creds=scoped_session(aws, doc(allow("dynamodb:DescribeTable",
                                                             table_arn(table)))))
    assert ddb.describe_table(TableName=table)["Table"]["TableName"] == table
    denied(ddb.describe_table, TableName="OtherTable")


def test_query_without_a_partition_key_condition_is_a_validation_error(t1: Any,
                                                                       table: str) -> None:
    with pytest.raises(ClientError) as info:
        t1.query(TableName=table, KeyConditionExpression="id = :s",
                 ExpressionAttributeValues={":s": {"S": "p1"}})
    assert error_code(info.value) == "ValidationException"


def test_explicit_deny_in_session_policy_wins(aws: Any, table: str) -> None:
    policy = doc(allow("dynamodb:*"), {"Effect": "Deny", "Action": "dynamodb:DeleteItem",
                                       "Resource": "*"})
    ddb = aws("dynamodb", creds=scoped_session(aws, policy))
    exc = denied(ddb.delete_item, TableName=table, Key=key("t1-9"))
    assert "with an explicit deny in a session policy" in exc.response["Error"]["Message"]


def test_session_policy_cannot_exceed_role_permissions(aws: Any, table: str) -> None:
    """Effective permissions are role ∩ session: a broad session policy grants nothing extra."""
    creds = scoped_session(aws, doc(allow("dynamodb:*")),
                           role_policy=doc(allow("dynamodb:GetItem")))
    ddb = aws("dynamodb", creds=creds)
    ddb.get_item(TableName=table, Key=key("t1-3"))
    exc = denied(ddb.put_item, TableName=table, Item=key("t1-8"))
    assert "because no identity-based policy allows" in exc.response["Error"]["Message"]
