"""AWS::DynamoDB::Table: keys, indexes, billing, streams and TTL, updated in place where DynamoDB allows."""

from __future__ import annotations

from typing import Any

from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources.base import (
    Context,
    Created,
    Provisioner,
    delete_if_present,
    drop_none,
    wait_until,
)


def _stream(spec: Any) -> dict[str, Any]:
    if not spec:
        return {"StreamEnabled": False}
    return {"StreamEnabled": True, "StreamViewType": spec.get("StreamViewType", "NEW_AND_OLD_IMAGES")}


def _sse(spec: Any) -> dict[str, Any] | None:
    if not spec:
        return None
    return drop_none({"Enabled": spec.get("SSEEnabled"), "SSEType": spec.get("SSEType"),
                      "KMSMasterKeyId": spec.get("KMSMasterKeyId")})


def _gsi(index: dict[str, Any], billing: str) -> dict[str, Any]:
    out = {k: v for k, v in index.items() if k in ("IndexName", "KeySchema", "Projection",
                                                   "ProvisionedThroughput", "OnDemandThroughput")}
    if billing == "PAY_PER_REQUEST":
        out.pop("ProvisionedThroughput", None)
    return out


class Table(Provisioner):
    """A DynamoDB table; key schema, name and local indexes need replacement, everything else updates."""

    type_name = "AWS::DynamoDB::Table"
    name_property = "TableName"
    name_max = 255
    unique_name = True
    immutable = frozenset({"TableName", "KeySchema", "LocalSecondaryIndexes"})
    attributes = frozenset({"Arn", "StreamArn"})
    handled = frozenset({"TableName", "KeySchema", "AttributeDefinitions", "BillingMode",
                         "ProvisionedThroughput", "GlobalSecondaryIndexes", "LocalSecondaryIndexes",
                         "StreamSpecification", "SSESpecification", "TimeToLiveSpecification",
                         "TableClass", "DeletionProtectionEnabled", "Tags",
                         "PointInTimeRecoverySpecification"})
    ignored = frozenset({"ContributorInsightsSpecification", "KinesisStreamSpecification",
                         "OnDemandThroughput", "WarmThroughput", "ResourcePolicy"})

    def _wait(self, ctx: Context, name: str) -> dict[str, Any]:
        holder: dict[str, Any] = {}

        def active() -> bool:
            table = ctx.call("dynamodb", "describe_table", TableName=name)["Table"]
            holder["table"] = table
            indexes = table.get("GlobalSecondaryIndexes", [])
            return bool(table.get("TableStatus") == "ACTIVE"
                        and all(i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in indexes))

        wait_until(active, f"table {name} to become ACTIVE")
        return dict(holder["table"])

    def _attrs(self, table: dict[str, Any]) -> dict[str, Any]:
        attrs = {"Arn": table["TableArn"]}
        if table.get("LatestStreamArn"):
            attrs["StreamArn"] = table["LatestStreamArn"]
        return attrs

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        assert name is not None
        billing = str(props.get("BillingMode", "PROVISIONED"))
        if billing == "PROVISIONED" and "ProvisionedThroughput" not in props:
            raise DeployError("BillingMode PROVISIONED (the default) needs ProvisionedThroughput")
        params: dict[str, Any] = {
            "TableName": name, "KeySchema": props.get("KeySchema"),
            "AttributeDefinitions": props.get("AttributeDefinitions"), "BillingMode": billing,
            "ProvisionedThroughput": props.get("ProvisionedThroughput"),
            "LocalSecondaryIndexes": props.get("LocalSecondaryIndexes"),
            "SSESpecification": _sse(props.get("SSESpecification")),
            "TableClass": props.get("TableClass"),
            "DeletionProtectionEnabled": props.get("DeletionProtectionEnabled"),
            "Tags": props.get("Tags"),
        }
        if props.get("GlobalSecondaryIndexes"):
            params["GlobalSecondaryIndexes"] = [_gsi(i, billing)
                                                for i in props["GlobalSecondaryIndexes"]]
        if props.get("StreamSpecification"):
            params["StreamSpecification"] = _stream(props["StreamSpecification"])
        ctx.call("dynamodb", "create_table", **params)
        table = self._wait(ctx, name)
        self._ttl(ctx, name, None, props.get("TimeToLiveSpecification"))
        self._pitr(ctx, name, None, props.get("PointInTimeRecoverySpecification"))
        return Created(name, self._attrs(table))

    def _ttl(self, ctx: Context, name: str, old: Any, new: Any) -> None:
        if old == new or (not new and not old):
            return
        if new and new.get("Enabled") in (True, "true"):
            spec = {"Enabled": True, "AttributeName": new["AttributeName"]}
        else:
            attribute = (new or {}).get("AttributeName") or (old or {}).get("AttributeName")
            spec = {"Enabled": False, "AttributeName": attribute}
        ctx.call("dynamodb", "update_time_to_live", TableName=name, TimeToLiveSpecification=spec)

    def _pitr(self, ctx: Context, name: str, old: Any, new: Any) -> None:
        if old == new or (not new and not old):
            return
        enabled = bool(new and new.get("PointInTimeRecoveryEnabled") in (True, "true"))
        ctx.call("dynamodb", "update_continuous_backups", TableName=name,
                 PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": enabled})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        table = old.physical_id
        before = old.properties
        billing = str(props.get("BillingMode", "PROVISIONED"))
        if (before.get("BillingMode", "PROVISIONED") != billing
                or before.get("ProvisionedThroughput") != props.get("ProvisionedThroughput")):
            ctx.call("dynamodb", "update_table", TableName=table, BillingMode=billing,
                     ProvisionedThroughput=props.get("ProvisionedThroughput")
                     if billing == "PROVISIONED" else None)
            self._wait(ctx, table)
        self._update_indexes(ctx, table, before, props, billing)
        if before.get("StreamSpecification") != props.get("StreamSpecification"):
            if before.get("StreamSpecification"):
                ctx.call("dynamodb", "update_table", TableName=table,
                         StreamSpecification={"StreamEnabled": False})
                self._wait(ctx, table)
            if props.get("StreamSpecification"):
                ctx.call("dynamodb", "update_table", TableName=table,
                         StreamSpecification=_stream(props["StreamSpecification"]))
                self._wait(ctx, table)
        for key in ("DeletionProtectionEnabled", "TableClass", "SSESpecification"):
            if before.get(key) != props.get(key) and props.get(key) is not None:
                value = _sse(props[key]) if key == "SSESpecification" else props[key]
                ctx.call("dynamodb", "update_table", TableName=table, **{key: value})
                self._wait(ctx, table)
        self._ttl(ctx, table, before.get("TimeToLiveSpecification"),
                  props.get("TimeToLiveSpecification"))
        self._pitr(ctx, table, before.get("PointInTimeRecoverySpecification"),
                   props.get("PointInTimeRecoverySpecification"))
        return Created(table, self._attrs(self._wait(ctx, table)))

    def _update_indexes(self, ctx: Context, table: str, before: dict[str, Any],
                        props: dict[str, Any], billing: str) -> None:
        old = {i["IndexName"]: i for i in before.get("GlobalSecondaryIndexes") or []}
        new = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes") or []}
        shape_keys = ("KeySchema", "Projection")
        for name, index in old.items():
            if name not in new or any(index.get(k) != new[name].get(k) for k in shape_keys):
                ctx.call("dynamodb", "update_table", TableName=table,
                         GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}])
                self._wait(ctx, table)
        for name, index in new.items():
            if name not in old or any(index.get(k) != old[name].get(k) for k in shape_keys):
                ctx.call("dynamodb", "update_table", TableName=table,
                         AttributeDefinitions=props.get("AttributeDefinitions"),
                         GlobalSecondaryIndexUpdates=[{"Create": _gsi(index, billing)}])
                self._wait(ctx, table)
            elif (billing == "PROVISIONED"
                  and index.get("ProvisionedThroughput") != old[name].get("ProvisionedThroughput")):
                ctx.call("dynamodb", "update_table", TableName=table, GlobalSecondaryIndexUpdates=[
                    {"Update": {"IndexName": name,
                                "ProvisionedThroughput": index["ProvisionedThroughput"]}}])
                self._wait(ctx, table)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "dynamodb", "delete_table", TableName=res.physical_id)
