"""DynamoDB helpers: plain-dict items, clients with the caller's scoped credentials, Settings."""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterator
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from saas_common import config

_SER = TypeSerializer()
_DESER = TypeDeserializer()
_SCOPED_CACHE = 32
_lock = threading.Lock()
_session: boto3.session.Session | None = None
_own: Any = None
_scoped: collections.OrderedDict[str, Any] = collections.OrderedDict()


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _SER.serialize(v) for k, v in data.items() if v is not None}


def from_item(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {k: _DESER.deserialize(v) for k, v in item.items()}


def values(data: dict[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from {':name': value}."""
    return {k: _SER.serialize(v) for k, v in data.items()}


def _boto_session() -> boto3.session.Session:
    global _session
    with _lock:
        if _session is None:
            _session = boto3.session.Session()
        return _session


def own_client() -> Any:
    """DynamoDB with the function's execution role."""
    global _own
    if _own is None:
        _own = _boto_session().client("dynamodb", region_name=config.region())
    return _own


def scoped_client(credentials: dict[str, str]) -> Any:
    """DynamoDB with the credentials the authorizer vended (cached per access key, LRU)."""
    key_id = credentials.get("accesskey", "")
    if not key_id or not credentials.get("secretkey") or not credentials.get("sessiontoken"):
        raise PermissionError("no scoped credentials in the authorizer context")
    with _lock:
        client = _scoped.get(key_id)
        if client is not None:
            _scoped.move_to_end(key_id)
            return client
    client = _boto_session().client(
        "dynamodb", region_name=config.region(), aws_access_key_id=key_id,
        aws_secret_access_key=credentials["secretkey"],
        aws_session_token=credentials["sessiontoken"])
    with _lock:
        _scoped[key_id] = client
        while len(_scoped) > _SCOPED_CACHE:
            _scoped.popitem(last=False)
    return client


def get(client: Any, table: str, key: dict[str, Any], consistent: bool = True) -> dict[str, Any] | None:
    resp = client.get_item(TableName=table, Key=to_item(key), ConsistentRead=consistent)
    return from_item(resp.get("Item"))


def _every_page(call: Any, kwargs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item of a Query or Scan, following LastEvaluatedKey."""
    while True:
        resp = call(**kwargs)
        for item in resp.get("Items", []):
            yield from_item(item) or {}
        last = resp.get("LastEvaluatedKey")
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last


def query_all(client: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    return _every_page(client.query, kwargs)


def scan_all(client: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    return _every_page(client.scan, kwargs)


def setting(name: str, client: Any = None) -> str | None:
    """A Settings row's value (written by the deployment pipeline), or None when absent."""
    item = get(client or own_client(), config.settings_table(), {"settingName": name})
    value = (item or {}).get("settingValue")
    return str(value) if value else None
