"""Table key schemas for the gate, read once per table until a DDL call changes them."""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ClientError

from harness.changes import ChangeFeed
from harness.edge.dynamodb.context import KeySchema
from harness.edge.upstream import Upstream


class SchemaCache:
    """DescribeTable through the upstream as root, cached by the DynamoDB DDL generation."""

    def __init__(self, upstream: Upstream, changes: ChangeFeed) -> None:
        self._upstream = upstream
        self._changes = changes
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[int, KeySchema | None]] = {}

    def lookup(self, table: str, region: str | None = None) -> KeySchema | None:
        region = region or self._upstream.region
        name = table.split(":table/", 1)[1].split("/")[0] if table.startswith("arn:") else table
        gen = self._changes.generation("dynamodb-ddl")
        hit = self._cache.get((region, name))
        if hit and hit[0] == gen:
            return hit[1]
        schema = self._describe(name, region)
        with self._lock:
            self._cache[(region, name)] = (gen, schema)
        return schema

    def _describe(self, name: str, region: str) -> KeySchema | None:
        try:
            desc: dict[str, Any] = self._upstream.client("dynamodb", region).describe_table(
                TableName=name)["Table"]
        except ClientError:
            return None
        hash_key = next(k["AttributeName"] for k in desc["KeySchema"] if k["KeyType"] == "HASH")
        range_key = next((k["AttributeName"] for k in desc["KeySchema"] if k["KeyType"] == "RANGE"),
                         None)
        indexes: dict[str, str] = {}
        for ix in desc.get("GlobalSecondaryIndexes", []) + desc.get("LocalSecondaryIndexes", []):
            indexes[ix["IndexName"]] = next(
                k["AttributeName"] for k in ix["KeySchema"] if k["KeyType"] == "HASH")
        return KeySchema(hash_key, range_key, indexes)
