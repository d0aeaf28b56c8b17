"""The shard scheme: shardId = '<tenantId>-<n>' (n in 1..9), item paths '<shardId>:<itemId>'."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from saas_common import roles

SHARD_COUNT = 9
ITEM_PATH_RE = re.compile(r"(?P<tenant>[0-9a-f]{32})-(?P<n>[1-9]):(?P<item>[0-9a-f]{32})")


def shard_id(tenant_id: str, n: int) -> str:
    if not roles.is_tenant_id(tenant_id):
        raise ValueError("tenant id must be 32 hex characters")
    if not 1 <= n <= SHARD_COUNT:
        raise ValueError(f"shard suffix must be in 1..{SHARD_COUNT}")
    return f"{tenant_id}-{n}"


def random_shard(tenant_id: str) -> str:
    """Spread a tenant's items over SHARD_COUNT partitions."""
    return shard_id(tenant_id, secrets.randbelow(SHARD_COUNT) + 1)


def all_shards(tenant_id: str) -> list[str]:
    """Every shard of a tenant: list operations query each one."""
    return [shard_id(tenant_id, n) for n in range(1, SHARD_COUNT + 1)]


def new_item_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class ItemPath:
    """A parsed '{id}' path parameter."""

    tenant_id: str
    shard_id: str
    item_id: str

    def __str__(self) -> str:
        return f"{self.shard_id}:{self.item_id}"


def parse_item_path(value: str) -> ItemPath | None:
    """'<tenantId>-<n>:<itemId>' or None when malformed (the caller answers 400)."""
    m = ITEM_PATH_RE.fullmatch(value)
    if m is None:
        return None
    shard = f"{m.group('tenant')}-{m.group('n')}"
    return ItemPath(m.group("tenant"), shard, m.group("item"))


def item_path(shard: str, item_id: str) -> str:
    return f"{shard}:{item_id}"
