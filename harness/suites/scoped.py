"""DynamoDB calls with a tenant's scoped credentials, for the data-level suites (S3, S4)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import botocore.config
from botocore.exceptions import ClientError

from harness.suites.adapter import AwsCredentials, RawTable, Target

DENIED = "AccessDeniedException"
TABLE_WIDE = ("Scan", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction")
"""Operations a tenant's credentials must never be allowed: a Scan reads every tenant's partitions
(it has no dynamodb:LeadingKeys, so ForAllValues conditions hold vacuously), PartiQL has no key
condition keys at all."""
_CFG = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60)


def dynamodb(target: Target, creds: AwsCredentials | None = None) -> Any:
    """A DynamoDB client on the target: with `creds`, or as root ('test'/'test') without."""
    keys = creds.boto_kwargs() if creds else {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    return boto3.session.Session().client("dynamodb", region_name=target.region,
                                          endpoint_url=target.endpoint, config=_CFG, **keys)


def snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def outcome(client: Any, operation: str, params: Mapping[str, Any]) -> str:
    """'ok', or the error code DynamoDB answered with."""
    try:
        getattr(client, snake(operation))(**params)
    except ClientError as exc:
        return str(exc.response.get("Error", {}).get("Code", "Unknown"))
    return "ok"


def written_keys(operation: str, params: Mapping[str, Any], key_names: tuple[str, ...]) -> Iterator[
        tuple[str, dict[str, Any]]]:
    """(table, key) of every item a request may create, change or delete, so a test can restore it."""
    def key_of(item: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if k in key_names}

    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        yield params["TableName"], key_of(params.get("Item") or params.get("Key") or {})
    elif operation == "BatchWriteItem":
        for table, requests in params["RequestItems"].items():
            for req in requests:
                body = req.get("PutRequest", {}).get("Item") or req.get("DeleteRequest", {}).get("Key") or {}
                yield table, key_of(body)
    elif operation == "TransactWriteItems":
        for entry in params["TransactItems"]:
            for spec in entry.values():
                yield spec["TableName"], key_of(spec.get("Item") or spec.get("Key") or {})


def snapshot(root: Any, operation: str, params: Mapping[str, Any],
             key_names: tuple[str, ...]) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """Root's copy of every item a request may write, taken before it runs."""
    out = []
    for table, key in written_keys(operation, params, key_names):
        item = root.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        out.append((table, key, item))
    return out


def restore(root: Any, saved: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> None:
    """Put each item back as it was (or remove it when there was none), as root."""
    for table, key, item in reversed(saved):
        if item is None:
            root.delete_item(TableName=table, Key=key)
        else:
            root.put_item(TableName=table, Item=item)


def key_names(table: RawTable) -> tuple[str, ...]:
    return (table.partition_key, table.sort_key) if table.sort_key else (table.partition_key,)


def aimed_request(op: str, table: RawTable, key: dict[str, Any]) -> dict[str, Any]:
    """`op` aimed at exactly this key (Scan and PartiQL at the table / the key's partition)."""
    name = table.name
    item = {**key, "note": {"S": "overwritten"}}
    pk = key[table.partition_key]
    where = f'SELECT * FROM "{name}" WHERE "{table.partition_key}" = ?'
    requests: dict[str, dict[str, Any]] = {
        "GetItem": {"TableName": name, "Key": key},
        "PutItem": {"TableName": name, "Item": item},
        "UpdateItem": {"TableName": name, "Key": key, "UpdateExpression": "SET note = :v",
                       "ExpressionAttributeValues": {":v": {"S": "overwritten"}}},
        "DeleteItem": {"TableName": name, "Key": key},
        "Query": {"TableName": name, "KeyConditionExpression": "#p = :p",
                  "ExpressionAttributeNames": {"#p": table.partition_key},
                  "ExpressionAttributeValues": {":p": pk}},
        "Scan": {"TableName": name},
        "BatchGetItem": {"RequestItems": {name: {"Keys": [key]}}},
        "BatchWriteItem": {"RequestItems": {name: [{"DeleteRequest": {"Key": key}}]}},
        "TransactGetItems": {"TransactItems": [{"Get": {"TableName": name, "Key": key}}]},
        "TransactWriteItems": {"TransactItems": [{"Delete": {"TableName": name, "Key": key}}]},
        "ExecuteStatement": {"Statement": where, "Parameters": [pk]},
        "BatchExecuteStatement": {"Statements": [{"Statement": where, "Parameters": [pk]}]},
        "ExecuteTransaction": {"TransactStatements": [{"Statement": where, "Parameters": [pk]}]},
    }
    return requests[op]


def batch_request(op: str, table: RawTable, keys: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch or transaction naming each of `keys` (reads, or puts that the test restores)."""
    name = table.name
    if op == "BatchGetItem":
        return {"RequestItems": {name: {"Keys": keys}}}
    if op == "BatchWriteItem":
        return {"RequestItems": {name: [{"PutRequest": {"Item": {**k, "note": {"S": "s3"}}}} for k in keys]}}
    if op == "TransactGetItems":
        return {"TransactItems": [{"Get": {"TableName": name, "Key": k}} for k in keys]}
    return {"TransactItems": [{"Put": {"TableName": name, "Item": {**k, "note": {"S": "s3"}}}} for k in keys]}
