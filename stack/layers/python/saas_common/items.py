"""One tenant's items in a sharded business table; the tenant id comes from the caller, never the client."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from saas_common import ddb, shards


class TenantItems:
    """CRUD over '<tenantId>-<n>' partitions of a table keyed (shardId, <id_attr>)."""

    def __init__(self, client: Any, table: str, tenant_id: str, id_attr: str) -> None:
        self.client = client
        self.table = table
        self.tenant_id = tenant_id
        self.id_attr = id_attr

    def view(self, item: dict[str, Any]) -> dict[str, Any]:
        """What clients see: the item path as 'id', the fields, no raw keys."""
        out = {k: v for k, v in item.items() if k not in ("shardId",)}
        out["id"] = shards.item_path(item["shardId"], item[self.id_attr])
        return out

    def owns(self, path: shards.ItemPath) -> bool:
        return path.tenant_id == self.tenant_id

    def list(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for shard in shards.all_shards(self.tenant_id):
            found.extend(ddb.query_all(
                self.client, TableName=self.table,
                KeyConditionExpression="shardId = :s",
                ExpressionAttributeValues=ddb.values({":s": shard})))
        return [self.view(i) for i in found]

    def get(self, path: shards.ItemPath) -> dict[str, Any] | None:
        if not self.owns(path):
            return None
        item = ddb.get(self.client, self.table, {"shardId": path.shard_id, self.id_attr: path.item_id})
        return self.view(item) if item else None

    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        item = {**fields, "shardId": shards.random_shard(self.tenant_id),
                self.id_attr: shards.new_item_id()}
        self.client.put_item(TableName=self.table, Item=ddb.to_item(item),
                             ConditionExpression="attribute_not_exists(shardId)")
        return self.view(item)

    def update(self, path: shards.ItemPath, fields: dict[str, Any]) -> dict[str, Any] | None:
        if not self.owns(path):
            return None
        names = {f"#f{i}": k for i, k in enumerate(fields)}
        vals = {f":v{i}": v for i, v in enumerate(fields.values())}
        sets = ", ".join(f"#f{i} = :v{i}" for i in range(len(fields)))
        try:
            resp = self.client.update_item(
                TableName=self.table,
                Key=ddb.to_item({"shardId": path.shard_id, self.id_attr: path.item_id}),
                UpdateExpression=f"SET {sets}", ExpressionAttributeNames=names,
                ExpressionAttributeValues=ddb.values(vals),
                ConditionExpression="attribute_exists(shardId)", ReturnValues="ALL_NEW")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        return self.view(ddb.from_item(resp.get("Attributes")) or {})

    def delete(self, path: shards.ItemPath) -> bool:
        if not self.owns(path):
            return False
        try:
            self.client.delete_item(
                TableName=self.table,
                Key=ddb.to_item({"shardId": path.shard_id, self.id_attr: path.item_id}),
                ConditionExpression="attribute_exists(shardId)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
