"""The shard scheme and item path parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from saas_common import shards

from tests.stack.support import TENANT_A, TENANT_B

ITEM = "a" * 32


def test_shard_ids_and_the_list_of_all_shards() -> None:
    assert shards.shard_id(TENANT_A, 3) == f"{TENANT_A}-3"
    assert shards.all_shards(TENANT_A) == [f"{TENANT_A}-{n}" for n in range(1, 10)]
    for _ in range(200):
        shard = shards.random_shard(TENANT_A)
        assert shard in shards.all_shards(TENANT_A)


@pytest.mark.parametrize(("tenant", "n"), [(TENANT_A, 0), (TENANT_A, 10), ("pooled", 1),
                                           ("t1", 1), (TENANT_A + "-", 1)])
def test_bad_shards_are_refused(tenant: str, n: int) -> None:
    with pytest.raises(ValueError):
        shards.shard_id(tenant, n)


def test_item_path_round_trip() -> None:
    path = shards.parse_item_path(f"{TENANT_A}-7:{ITEM}")
    assert path is not None
    assert (path.tenant_id, path.shard_id, path.item_id) == (TENANT_A, f"{TENANT_A}-7", ITEM)
    assert str(path) == f"{TENANT_A}-7:{ITEM}"
    assert shards.item_path(path.shard_id, path.item_id) == str(path)


@pytest.mark.parametrize("value", [
    "", ITEM, f"{TENANT_A}-7", f"{TENANT_A}-0:{ITEM}", f"{TENANT_A}-10:{ITEM}",
    f"{TENANT_A}:{ITEM}", f"{TENANT_A}-7:{ITEM}x", f"{TENANT_A}-7:{ITEM}:x",
    f" {TENANT_A}-7:{ITEM}", f"{TENANT_A.upper()}-7:{ITEM}", f"{TENANT_A}-7:{ITEM}\n",
    f"{TENANT_A}-*:{ITEM}", f"{TENANT_A}-7:*", "../etc/passwd",
])
def test_malformed_item_paths_are_none(value: str) -> None:
    assert shards.parse_item_path(value) is None


@given(st.text(max_size=80))
def test_parse_never_raises_and_only_accepts_the_exact_shape(value: str) -> None:
    path = shards.parse_item_path(value)
    if path is not None:
        assert str(path) == value


def test_another_tenants_path_parses_to_that_tenant() -> None:
    path = shards.parse_item_path(f"{TENANT_B}-1:{ITEM}")
    assert path is not None and path.tenant_id == TENANT_B
