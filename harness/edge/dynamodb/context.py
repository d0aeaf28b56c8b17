"""What DynamoDB asks IAM for each request: action, table or index ARN, and condition keys.

Follows "Using IAM policy conditions for fine-grained access control" in the DynamoDB
Developer Guide: dynamodb:LeadingKeys holds the partition-key values a request touches,
Scan touches none; Batch* are authorised as BatchGetItem/BatchWriteItem once per table with
every key of that table; Transact* items are authorised as their underlying actions with
dynamodb:EnclosingOperation set ("Using IAM with DynamoDB transactions"). dynamodb:Select,
dynamodb:ReturnValues and dynamodb:ReturnConsumedCapacity always have a value where the
operation takes them; dynamodb:Attributes comes from harness/edge/dynamodb/attributes.py.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.edge.dynamodb.attributes import projects, request_attributes
from harness.edge.dynamodb.expressions import ExpressionError, partition_key_values


@dataclass(frozen=True)
class KeySchema:
    """A table's partition key name, and each index's, as DescribeTable reports them."""

    hash_key: str
    range_key: str | None = None
    index_hash_keys: Mapping[str, str] = field(default_factory=dict)


@dataclass
class AuthzItem:
    """One IAM check the request needs."""

    action: str
    resource: str
    keys: dict[str, Any]


class ContextError(ValueError):
    """A request whose shape DynamoDB would reject before authorising it."""


SchemaLookup = Callable[[str], KeySchema | None]

_ITEM_OPS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem"}
# dynamodb:ReturnValues "always has a value (NONE unless otherwise specified)" on these.
_WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem"}
_TRANSACT_ACTIONS = {"Get": "GetItem", "Put": "PutItem", "Update": "UpdateItem",
                     "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def _capacity(params: Any) -> str:
    """dynamodb:ReturnConsumedCapacity: the request's value, NONE (DynamoDB's default) if unset."""
    value = params.get("ReturnConsumedCapacity") if isinstance(params, Mapping) else None
    return value if isinstance(value, str) and value else "NONE"


def _scalar(av: Any) -> str | None:
    """A key attribute value as the string IAM compares (S, N, or base64 B)."""
    if not isinstance(av, dict) or len(av) != 1:
        return None
    ((t, v),) = av.items()
    if t in ("S", "N") and isinstance(v, str):
        return v
    if t == "B":
        return v if isinstance(v, str) else base64.b64encode(v).decode()
    return None


class DynamoContext:
    """Builds the authorisation checks for one DynamoDB request."""

    def __init__(self, region: str, account: str, schemas: SchemaLookup) -> None:
        self.region = region
        self.account = account
        self._schemas = schemas

    def table_arn(self, name: str) -> str:
        if name.startswith("arn:"):
            return name
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{name}"

    def checks(self, operation: str, params: Mapping[str, Any]) -> list[AuthzItem]:
        try:
            return self._checks(operation, params)
        except ExpressionError as exc:
            raise ContextError(str(exc)) from None
        except (AttributeError, TypeError, KeyError) as exc:
            raise ContextError(f"Invalid request shape for {operation}: {exc}") from None

    def _checks(self, op: str, p: Mapping[str, Any]) -> list[AuthzItem]:
        action = f"dynamodb:{op}"
        if op in _ITEM_OPS:
            return [self._item_check(op, p)]
        if op in ("Query", "Scan"):
            return [self._read_check(action, op, p)]
        if op == "BatchGetItem":
            return [self._batch_get(table, spec, p) for table, spec in
                    _require_map(p, "RequestItems").items()]
        if op == "BatchWriteItem":
            return [self._batch_write(table, reqs, p) for table, reqs in
                    _require_map(p, "RequestItems").items()]
        if op in ("TransactGetItems", "TransactWriteItems"):
            return self._transact(op, p)
        if op in ("ListTables", "DescribeLimits", "DescribeEndpoints", "ListBackups",
                  "ListGlobalTables", "ListExports", "ListImports"):
            return [AuthzItem(action, "*", {})]
        if op in ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"):
            return self._partiql(p)
        table = p.get("TableName") or p.get("ResourceArn") or p.get("TableArn")
        if isinstance(table, str) and table:
            return [AuthzItem(action, self.table_arn(table), {})]
        return [AuthzItem(action, "*", {})]

    def _leading_from_key(self, table: str, key: Mapping[str, Any]) -> list[str]:
        schema = self._schemas(table)
        if schema is not None and schema.hash_key in key:
            v = _scalar(key[schema.hash_key])
            if v is None:
                raise ContextError("One or more parameter values were invalid: the partition key "
                                   f"{schema.hash_key} must be a single S, N or B value")
            return [v]
        values = [_scalar(v) for v in key.values()]
        if any(v is None for v in values):
            raise ContextError("One or more parameter values were invalid: key attributes must be "
                               "single S, N or B values")
        return [v for v in values if v is not None]

    def _item_check(self, op: str, p: Mapping[str, Any], enclosing: str | None = None,
                    capacity: Any = None) -> AuthzItem:
        """One single-item check: GetItem, PutItem, UpdateItem, DeleteItem or ConditionCheckItem."""
        table = _require_str(p, "TableName")
        key = _require_map(p, "Item" if op == "PutItem" else "Key")
        keys: dict[str, Any] = {"dynamodb:LeadingKeys": self._leading_from_key(table, key)}
        attrs = request_attributes(p, key)
        if attrs:
            keys["dynamodb:Attributes"] = attrs
        if op == "GetItem":
            keys["dynamodb:Select"] = "SPECIFIC_ATTRIBUTES" if projects(p) else "ALL_ATTRIBUTES"
        elif op in _WRITE_OPS:
            keys["dynamodb:ReturnValues"] = p.get("ReturnValues") or "NONE"
        keys["dynamodb:ReturnConsumedCapacity"] = _capacity(capacity or p)
        if enclosing is not None:
            keys["dynamodb:EnclosingOperation"] = enclosing
        return AuthzItem(f"dynamodb:{op}", self.table_arn(table), keys)

    def _read_check(self, action: str, op: str, p: Mapping[str, Any]) -> AuthzItem:
        table = _require_str(p, "TableName")
        index = p.get("IndexName")
        resource = self.table_arn(table) + (f"/index/{index}" if index else "")
        names = p.get("ExpressionAttributeNames") or {}
        keys: dict[str, Any] = {}
        attrs = request_attributes(p)
        if attrs:
            keys["dynamodb:Attributes"] = attrs
        keys["dynamodb:Select"] = p.get("Select") or (
            "SPECIFIC_ATTRIBUTES" if projects(p) else
            "ALL_PROJECTED_ATTRIBUTES" if index else "ALL_ATTRIBUTES")
        keys["dynamodb:ReturnConsumedCapacity"] = _capacity(p)
        if op == "Query":
            keys["dynamodb:LeadingKeys"] = self._query_leading(table, index, p, names)
        return AuthzItem(action, resource, keys)

    def _query_leading(self, table: str, index: str | None, p: Mapping[str, Any],
                       names: Mapping[str, str]) -> list[str]:
        schema = self._schemas(table)
        if schema is None:
            hash_key = None
        elif index:
            hash_key = schema.index_hash_keys.get(index)
        else:
            hash_key = schema.hash_key
        values = p.get("ExpressionAttributeValues") or {}
        if p.get("KeyConditionExpression"):
            expr = str(p["KeyConditionExpression"])
            if hash_key is None:
                found = [v for k in names.values() for v in
                         partition_key_values(expr, k, names, values)]
            else:
                found = partition_key_values(expr, hash_key, names, values)
        elif p.get("KeyConditions"):
            conds = p["KeyConditions"]
            found = [c["AttributeValueList"][0] for k, c in conds.items()
                     if (hash_key is None or k == hash_key) and c.get("ComparisonOperator") == "EQ"]
        else:
            raise ContextError("Either the KeyConditions or KeyConditionExpression parameter "
                               "must be specified in the request.")
        leading = [s for s in (_scalar(v) for v in found) if s is not None]
        if not leading:
            raise ContextError("Query condition missed key schema element")
        return leading

    def _batch_get(self, table: str, spec: Mapping[str, Any], capacity: Any) -> AuthzItem:
        leading: list[str] = []
        named: list[str] = []
        for key in spec.get("Keys") or []:
            leading += [k for k in self._leading_from_key(table, key) if k not in leading]
            named += [a for a in key if a not in named]
        keys: dict[str, Any] = {"dynamodb:LeadingKeys": leading}
        attrs = request_attributes(spec, named)
        if attrs:
            keys["dynamodb:Attributes"] = attrs
        keys["dynamodb:Select"] = "SPECIFIC_ATTRIBUTES" if projects(spec) else "ALL_ATTRIBUTES"
        keys["dynamodb:ReturnConsumedCapacity"] = _capacity(capacity)
        return AuthzItem("dynamodb:BatchGetItem", self.table_arn(table), keys)

    def _batch_write(self, table: str, requests: list[Mapping[str, Any]],
                     capacity: Any) -> AuthzItem:
        leading: list[str] = []
        attrs: list[str] = []
        for req in requests:
            if "PutRequest" in req:
                item = req["PutRequest"]["Item"]
            elif "DeleteRequest" in req:
                item = req["DeleteRequest"]["Key"]
            else:
                raise ContextError("WriteRequest must have either PutRequest or DeleteRequest")
            leading += [k for k in self._leading_from_key(table, item) if k not in leading]
            attrs += [a for a in item if a not in attrs]
        return AuthzItem("dynamodb:BatchWriteItem", self.table_arn(table),
                         {"dynamodb:LeadingKeys": leading, "dynamodb:Attributes": attrs,
                          "dynamodb:ReturnConsumedCapacity": _capacity(capacity)})

    def _transact(self, operation: str, p: Mapping[str, Any]) -> list[AuthzItem]:
        """Each item as its underlying action, with dynamodb:EnclosingOperation set."""
        out: list[AuthzItem] = []
        for entry in p.get("TransactItems") or []:
            if not isinstance(entry, Mapping) or len(entry) != 1:
                raise ContextError("Each TransactItem must hold exactly one operation")
            ((kind, spec),) = entry.items()
            op = _TRANSACT_ACTIONS.get(kind)
            if op is None:
                raise ContextError(f"Unknown transact operation {kind}")
            out.append(self._item_check(op, spec, operation, p))
        if not out:
            raise ContextError("1 validation error detected: Value null at 'transactItems' failed "
                               "to satisfy constraint: Member must not be null")
        return out

    def _partiql(self, p: Mapping[str, Any]) -> list[AuthzItem]:
        statements = [p] if "Statement" in p else list(
            p.get("Statements") or p.get("TransactStatements") or [])
        out = []
        for st in statements:
            text = str(st.get("Statement", "")).strip()
            verb = text.split(None, 1)[0].upper() if text else "SELECT"
            action = {"SELECT": "PartiQLSelect", "INSERT": "PartiQLInsert",
                      "UPDATE": "PartiQLUpdate", "DELETE": "PartiQLDelete"}.get(verb, "PartiQLSelect")
            table = _partiql_table(text)
            out.append(AuthzItem(f"dynamodb:{action}", self.table_arn(table) if table else "*", {}))
        return out


def _partiql_table(text: str) -> str | None:
    words = text.replace('"', " ").split()
    upper = [w.upper() for w in words]
    for marker in ("FROM", "INTO", "UPDATE"):
        if marker in upper:
            i = upper.index(marker)
            if i + 1 < len(words):
                return words[i + 1].split(".")[0]
    return None


def _require_str(p: Mapping[str, Any], name: str) -> str:
    v = p.get(name)
    if not isinstance(v, str) or not v:
        raise ContextError(f"1 validation error detected: Value null at '{name[0].lower()}"
                           f"{name[1:]}' failed to satisfy constraint: Member must not be null")
    return v


def _require_map(p: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    v = p.get(name)
    if not isinstance(v, Mapping) or not v:
        raise ContextError(f"1 validation error detected: Value null at '{name[0].lower()}"
                           f"{name[1:]}' failed to satisfy constraint: Member must not be null")
    return v
