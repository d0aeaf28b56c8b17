"""S3 data-level isolation: with the credentials the app vends to a tenant's code (what a compromised
function holds), straight at DynamoDB, every item, batch, transaction, query, scan, PartiQL and index
operation on another tenant's keys is denied, and the tenant's own keys stay reachable.

The credentials come from the adapter (`tenant_credentials`); S3 is skipped for an app that cannot
expose them. Docs: session policies limit a role session
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session),
dynamodb:LeadingKeys for per-tenant partitions
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html),
the actions each operation is authorised as, transactions as their item actions
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html),
PartiQL actions (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.strategies import DYNAMODB_OPERATIONS, dynamodb_requests
from harness.suites import attempts
from harness.suites.adapter import ApiKind, AwsCredentials, RawTable, SaasAdapter, Target, Tenant
from harness.suites.client import created_id
from harness.suites.helpers import Oracle, TenantFactory, Users
from harness.suites.model import marker_field, new_marker, raw_markers
from harness.suites.scoped import (
    DENIED,
    TABLE_WIDE,
    aimed_request,
    batch_request,
    dynamodb,
    key_names,
    outcome,
    restore,
    snapshot,
)

ITEM_OPS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")
"""What a tenant's own data layer does with its credentials on the tables behind its resources."""


@dataclass(frozen=True)
class Actor:
    """A tenant and a DynamoDB client holding what the app vended it on one API."""

    tenant: Tenant
    api: ApiKind
    client: Any


@dataclass
class Data:
    adapter: SaasAdapter
    target: Target
    tenants: list[Tenant]
    actors: list[Actor]
    root: Any

    def tables(self, tenant: Tenant) -> tuple[RawTable, ...]:
        return self.adapter.raw_tables(tenant)


def _writer(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


@pytest.fixture(scope="module")
def data(saas_adapter: SaasAdapter, saas_suite_target: Target, saas_tenants: TenantFactory,
         saas_oracle: Oracle) -> Data:
    """Credentials vended once for the module (its tests never move the virtual clock)."""
    tiers = list(dict.fromkeys((*saas_adapter.tiers[:2], saas_adapter.tiers[-1])))
    tenants = [saas_tenants.get(t) for t in tiers]
    actors = []
    for tenant in tenants:
        for api in saas_adapter.apis():
            creds: AwsCredentials | None = saas_adapter.tenant_credentials(tenant, _writer(saas_adapter), api)
            if creds is None:
                pytest.skip(f"{saas_adapter.name} cannot expose the credentials it vends to tenants")
            actors.append(Actor(tenant, api, dynamodb(saas_suite_target, creds)))
    return Data(saas_adapter, saas_suite_target, tenants, actors, dynamodb(saas_suite_target))


@st.composite
def foreign_requests(draw: st.DrawFn, data: Data) -> tuple[Actor, RawTable, str, dict[str, Any]]:
    actor = draw(st.sampled_from(data.actors))
    victim = draw(st.sampled_from([t for t in data.tenants if t.id != actor.tenant.id]))
    table = draw(st.sampled_from(data.tables(victim)))
    op, params = draw(dynamodb_requests(table.name, table.partition_key, table.sort_key,
                                        table.scheme.partitions(victim.id)))
    return actor, table, op, params


def _attempt(data: Data, actor: Actor, table: RawTable, op: str, params: dict[str, Any],
             cross: bool = True) -> str:
    """The request's outcome; whatever it wrote (own keys, or a leak being reported) is restored as root,
    so a tenant's real items (a TenantDetails row is keyed by the tenant id alone) survive the probe.
    `cross`: it names another tenant's keys (counted as a cross-tenant attempt)."""
    if cross:
        attempts.count()
    saved = snapshot(data.root, op, params, key_names(table))
    try:
        return outcome(actor.client, op, params)
    finally:
        restore(data.root, saved)


@given(draw=st.data())
def test_every_generated_operation_on_another_tenants_keys_is_denied(data: Data, draw: st.DataObject) -> None:
    """Each of the 13 operations, on every table holding the victim's items, with the victim's
    partition keys: AccessDeniedException, whichever API's credentials the attacker holds."""
    actor, table, op, params = draw.draw(foreign_requests(data), "request")
    got = _attempt(data, actor, table, op, params)
    assert got == DENIED, f"{actor.tenant.name} ({actor.api} API credentials) {op} on {table.name}: {got}"


@st.composite
def mixed_batches(draw: st.DrawFn, data: Data) -> tuple[Actor, RawTable, str, dict[str, Any]]:
    """A batch or transaction on a shared table with the actor's own keys and at least one victim key."""
    actor = draw(st.sampled_from(data.actors))
    victim = draw(st.sampled_from([t for t in data.tenants if t.id != actor.tenant.id]))
    shared = {t.name: t for t in data.tables(actor.tenant)}
    table = draw(st.sampled_from([t for t in data.tables(victim) if t.name in shared]))
    ops = ("BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems")
    parts = (*table.scheme.partitions(actor.tenant.id), *table.scheme.partitions(victim.id))
    op, params = draw(dynamodb_requests(table.name, table.partition_key, table.sort_key, parts, ops).filter(
        lambda r: any(table.scheme.belongs(victim.id, v) for v in _leading(r[1], table.partition_key))))
    return actor, table, op, params


def _leading(params: Any, pk: str) -> Iterator[str]:
    """Every partition key value a request names, wherever it sits (keys, items, parameters)."""
    if isinstance(params, dict):
        value = params.get(pk)
        if isinstance(value, dict) and isinstance(value.get("S"), str):
            yield value["S"]
        for v in params.values():
            yield from _leading(v, pk)
    elif isinstance(params, list):
        for v in params:
            yield from _leading(v, pk)


@given(draw=st.data())
def test_a_batch_or_transaction_mixing_own_and_foreign_keys_is_denied_whole(data: Data,
                                                                             draw: st.DataObject) -> None:
    """One foreign key is enough: BatchGetItem/BatchWriteItem are authorised per table with every key,
    transactions per item, and a denied item fails the whole request."""
    actor, table, op, params = draw.draw(mixed_batches(data), "request")
    got = _attempt(data, actor, table, op, params)
    assert got == DENIED, f"{actor.tenant.name} {op} mixing keys on {table.name}: {got}"


def test_every_batch_and_transaction_naming_one_foreign_key_is_denied(data: Data) -> None:
    """Each actor, each table it shares with another tenant, each batch and transaction operation, with
    one own key and one of the victim's: denied (a ForAnyValue condition would let the batch through)."""
    for actor in data.actors:
        own_tables = {t.name: t for t in data.tables(actor.tenant)}
        for victim in (t for t in data.tenants if t.id != actor.tenant.id):
            for table in (t for t in data.tables(victim) if t.name in own_tables):
                keys = [{table.partition_key: {"S": table.scheme.partitions(tenant.id)[0]},
                         **({table.sort_key: {"S": "s3-batch-probe"}} if table.sort_key else {})}
                        for tenant in (actor.tenant, victim)]
                for op in ("BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems"):
                    got = _attempt(data, actor, table, op, batch_request(op, table, keys))
                    assert got == DENIED, f"{actor.tenant.name} ({actor.api}) {op} on {table.name}: {got}"


@st.composite
def own_requests(draw: st.DrawFn, data: Data) -> tuple[Actor, RawTable, str, dict[str, Any]]:
    actor = draw(st.sampled_from(data.actors))
    table = draw(st.sampled_from(data.tables(actor.tenant)))
    op, params = draw(dynamodb_requests(table.name, table.partition_key, table.sort_key,
                                        table.scheme.partitions(actor.tenant.id)))
    return actor, table, op, params


@given(draw=st.data())
def test_generated_operations_on_own_keys_are_allowed_or_cleanly_denied(data: Data,
                                                                        draw: st.DataObject) -> None:
    """On its own keys a session is allowed or denied, never failed; Scan and PartiQL always denied."""
    actor, table, op, params = draw.draw(own_requests(data), "request")
    got = _attempt(data, actor, table, op, params, cross=op in TABLE_WIDE)
    if op in TABLE_WIDE:
        assert got == DENIED, f"{actor.tenant.name} {op} on {table.name} ({actor.api} API): {got}"
    else:
        assert got in ("ok", DENIED), f"{actor.tenant.name} {op} on {table.name}: {got}"


def test_tenant_api_credentials_reach_every_own_key_of_the_resources_tables(data: Data) -> None:
    """The single-item operations and Query the tenant's services need succeed on each of its shards."""
    for actor in (a for a in data.actors if a.api == "tenant"):
        tables = {t.logical: t for t in data.tables(actor.tenant)}
        for spec in data.adapter.resources():
            table = tables[spec.table]
            for pk in table.scheme.partitions(actor.tenant.id):
                key = {table.partition_key: {"S": pk}}
                if table.sort_key:
                    key[table.sort_key] = {"S": "s3-own-probe"}
                for op in ITEM_OPS:
                    got = _attempt(data, actor, table, op, aimed_request(op, table, key), cross=False)
                    assert got == "ok", f"{actor.tenant.name} {op} on its own {pk} in {table.name}: {got}"


def test_scan_and_partiql_are_denied_on_every_table(data: Data) -> None:
    """No tenant credential reads a table whole: Scan (no LeadingKeys, so ForAllValues holds vacuously)
    and every PartiQL operation are denied on each table of every tenant."""
    for actor in data.actors:
        for tenant in data.tenants:
            for table in data.tables(tenant):
                select = f'SELECT * FROM "{table.name}"'
                for op, params in (("Scan", {"TableName": table.name}),
                                   ("ExecuteStatement", {"Statement": select}),
                                   ("BatchExecuteStatement", {"Statements": [{"Statement": select}]}),
                                   ("ExecuteTransaction", {"TransactStatements": [{"Statement": select}]})):
                    attempts.count()
                    got = outcome(actor.client, op, params)
                    assert got == DENIED, f"{actor.tenant.name} ({actor.api}) {op} on {table.name}: {got}"


def _indexes(data: Data, table: RawTable) -> list[tuple[str, str]]:
    """(index name, its partition key) of each secondary index, read as root."""
    desc = data.root.describe_table(TableName=table.name)["Table"]
    out = []
    for index in (*desc.get("GlobalSecondaryIndexes", []), *desc.get("LocalSecondaryIndexes", [])):
        hash_key = next(k["AttributeName"] for k in index["KeySchema"] if k["KeyType"] == "HASH")
        out.append((index["IndexName"], hash_key))
    return out


def test_index_queries_never_return_another_tenants_items(data: Data, saas_oracle: Oracle) -> None:
    """A Query on a secondary index with the victim's index key value (read from its items as root) is
    denied; on the tenant's own value it is denied or returns only the tenant's items."""
    if not any(_indexes(data, table) for tenant in data.tenants for table in data.tables(tenant)):
        pytest.skip(f"no table of {data.adapter.name} has a secondary index")
    probed = 0
    for actor in data.actors:
        for tenant in data.tenants:
            for table in data.tables(tenant):
                indexes = _indexes(data, table)
                if not indexes:
                    continue
                stored = saas_oracle.items(table, tenant.id)
                for index, hash_key in indexes:
                    for item in stored[:2]:
                        if hash_key not in item:
                            continue
                        params = {"TableName": table.name, "IndexName": index,
                                  "KeyConditionExpression": "#k = :v",
                                  "ExpressionAttributeNames": {"#k": hash_key},
                                  "ExpressionAttributeValues": {":v": item[hash_key]}}
                        probed += 1
                        if tenant.id != actor.tenant.id:
                            attempts.count()
                            got = outcome(actor.client, "Query", params)
                            assert got == DENIED, f"{actor.tenant.name} ({actor.api}) Query {index}: {got}"
                            continue
                        try:
                            found = actor.client.query(**params)["Items"]
                        except actor.client.exceptions.ClientError as exc:
                            assert exc.response["Error"]["Code"] == DENIED, exc
                            continue
                        owners = {next(iter(i[table.partition_key].values())) for i in found}
                        assert all(table.scheme.belongs(tenant.id, o) for o in owners), owners
    assert probed > 0, "the app's secondary indexes hold no items of these tenants to probe"


def test_a_victims_real_item_survives_every_operation_of_another_tenant(
        data: Data, saas_users: Users, saas_oracle: Oracle) -> None:
    """An item the victim made through its API, attacked by its exact key with every operation by every
    other tenant's credentials: always denied, and as root the item is unchanged afterwards."""
    adapter = data.adapter
    for victim in data.tenants:
        owner = saas_users(victim, _writer(adapter))
        for spec in adapter.resources():
            table = {t.logical: t for t in data.tables(victim)}[spec.table]
            marker = new_marker("s3")
            item_id = created_id(spec, owner.create(spec, {**spec.sample, marker_field(spec): marker}))
            try:
                stored = [i for i in saas_oracle.items(table, victim.id)
                          if raw_markers(i, marker_field(spec)) == marker]
                assert len(stored) == 1, f"{item_id} not found once in {table.name}"
                before = stored[0]
                key = {k: before[k] for k in key_names(table)}
                for actor in (a for a in data.actors if a.tenant.id != victim.id):
                    for op in DYNAMODB_OPERATIONS:
                        got = outcome(actor.client, op, aimed_request(op, table, key))
                        assert got == DENIED, f"{actor.tenant.name} {actor.api} {op} on {victim.name}: {got}"
                after = data.root.get_item(TableName=table.name, Key=key).get("Item")
                assert after == before, f"{victim.name}'s {spec.name} changed under attack"
            finally:
                owner.delete(spec, item_id)
