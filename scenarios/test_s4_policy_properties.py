"""S4 policy properties: for all pairs of tenant ids, ordinary or adversarial (prefixes, extensions,
case twins, wildcard and separator characters, unicode look-alikes), the session policy the app scopes
tenant A's credentials with denies every operation on every key of B and allows A's own keys; decided
with the harness's pure IAM evaluator, and confirmed on a sample through a real AssumeRole session.

The policy comes from the adapter (`scoped_policy`); S4 is skipped for an app that cannot expose it.
Docs: session policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session),
dynamodb:LeadingKeys and ForAllValues
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html),
StringLike wildcards (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from hypothesis import given, settings

from harness.strategies import DYNAMODB_OPERATIONS, tenant_id_pairs
from harness.suites.adapter import (
    ApiKind,
    AwsCredentials,
    RawTable,
    SaasAdapter,
    Target,
    Tenant,
    TenantIdRefused,
)
from harness.suites.helpers import TenantFactory
from harness.suites.policy_check import SessionDecider
from harness.suites.scoped import DENIED, TABLE_WIDE, aimed_request, batch_request, dynamodb, outcome

ITEM_OPS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")
BATCH_OPS = ("BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems")


@dataclass(frozen=True)
class Policies:
    adapter: SaasAdapter
    target: Target
    role: str

    def decider(self, tenant_id: str, api: ApiKind) -> SessionDecider:
        doc = self.adapter.scoped_policy(tenant_id, self.role, api)
        assert doc is not None
        return SessionDecider(doc, self.every_table(tenant_id), self.target.region, self.target.account)

    def tables(self, tenant_id: str) -> tuple[RawTable, ...]:
        """The tables a tenant of this id would have, pooled and silo (names follow the adapter)."""
        out: dict[str, RawTable] = {}
        for placement in ("pooled", "silo"):
            probe = Tenant(tenant_id, "s4-probe", self.adapter.tiers[0], "", placement)
            out.update({t.name: t for t in self.adapter.raw_tables(probe)})
        return tuple(out.values())

    def every_table(self, *tenant_ids: str) -> tuple[RawTable, ...]:
        return tuple({t.name: t for i in tenant_ids for t in self.tables(i)}.values())


@pytest.fixture(scope="module")
def policies(saas_adapter: SaasAdapter, saas_suite_target: Target, saas_tenants: TenantFactory) -> Policies:
    role = next(r.name for r in saas_adapter.roles if r.scope == "tenant" and r.writes)
    if saas_adapter.scoped_policy(saas_tenants.get(saas_adapter.tiers[0]).id, role) is None:
        pytest.skip(f"{saas_adapter.name} cannot expose the session policy it scopes tenants with")
    return Policies(saas_adapter, saas_suite_target, role)


def namespace(table: RawTable, tenant_id: str) -> str:
    """What every key of the tenant starts with under the scheme ('<id>-' for '{tenant_id}-{shard}')."""
    return table.scheme.template.split("{shard}")[0].format(tenant_id=tenant_id)


def foreign_keys(table: RawTable, a: str, b: str) -> Iterator[str]:
    """B's partition keys, except those the scheme itself puts in A's namespace (b = a + '-' + ...: an id
    the scheme cannot tell from one of A's shards, so no policy over key prefixes could)."""
    mine = namespace(table, a)
    own = set(table.scheme.partitions(a))
    for key in table.scheme.partitions(b):
        if key not in own and not ("{shard}" in table.scheme.template and key.startswith(mine)):
            yield key


def _key(table: RawTable, pk: str) -> dict[str, Any]:
    key = {table.partition_key: {"S": pk}}
    if table.sort_key:
        key[table.sort_key] = {"S": "0" * 32}
    return key


def _admitted(policies: Policies, tenant_id: str) -> bool:
    try:
        policies.adapter.scoped_policy(tenant_id, policies.role)
    except TenantIdRefused:
        return False
    return True


@given(pair=tenant_id_pairs())
def test_a_tenants_policy_denies_every_operation_on_every_key_of_any_other_tenant(
        policies: Policies, pair: tuple[str, str, str]) -> None:
    """For (A, B) from every adversarial family, on every table a tenant B would have (pooled and silo),
    each of the 13 operations on each of B's partition keys is denied by A's policy on every API."""
    family, a, b = pair
    for api in policies.adapter.apis():
        decide = policies.decider(a, api)
        for table in policies.every_table(a, b):
            for pk in foreign_keys(table, a, b):
                for op in DYNAMODB_OPERATIONS:
                    assert not decide.allowed(op, aimed_request(op, table, _key(table, pk))), (
                        f"{family}: A={a!r}'s {api} policy allows {op} on B={b!r}'s {pk!r} in {table.name}")
                for op in BATCH_OPS:  # one of A's own keys beside B's: ForAnyValue would let it through
                    mixed = [_key(table, table.scheme.partitions(a)[0]), _key(table, pk)]
                    request = batch_request(op, table, mixed)
                    assert not decide.allowed(op, request), (
                        f"{family}: A={a!r}'s {api} policy allows {op} naming B's {pk!r} in {table.name}")


@given(pair=tenant_id_pairs())
def test_a_tenants_policy_allows_each_of_its_own_keys_alike(policies: Policies,
                                                            pair: tuple[str, str, str]) -> None:
    """A's own keys: Scan and PartiQL denied; every other operation decided the same on each of A's keys;
    the single-item operations and Query allowed on each key of the tables behind A's resources."""
    _, a, _ = pair
    resource_tables = {s.table for s in policies.adapter.resources()}
    allowed_somewhere: set[tuple[str, str]] = set()
    for api in policies.adapter.apis():
        decide = policies.decider(a, api)
        for table in policies.tables(a):
            for op in DYNAMODB_OPERATIONS:
                seen = {decide.allowed(op, aimed_request(op, table, _key(table, pk)))
                        for pk in table.scheme.partitions(a)}
                if op in TABLE_WIDE:
                    assert seen == {False}, f"A={a!r}'s {api} policy allows {op} on {table.name}"
                assert len(seen) == 1, f"A={a!r}'s {api} policy decides {op} on {table.name} per key: {seen}"
                if seen == {True}:
                    allowed_somewhere.add((table.logical, op))
    for logical in resource_tables:
        missing = [op for op in ITEM_OPS if (logical, op) not in allowed_somewhere]
        assert missing == [], f"A={a!r} may not {missing} on its own {logical} items under any API's policy"


def test_the_real_tenants_policies_deny_each_other(policies: Policies, saas_tenants: TenantFactory) -> None:
    """The session's own onboarded tenants, every ordered pair."""
    ids = [saas_tenants.get(t).id for t in policies.adapter.tiers]
    for a in ids:
        for api in policies.adapter.apis():
            decide = policies.decider(a, api)
            for b in (i for i in ids if i != a):
                for table in policies.every_table(a, b):
                    for pk in foreign_keys(table, a, b):
                        for op in DYNAMODB_OPERATIONS:
                            request = aimed_request(op, table, _key(table, pk))
                            assert not decide.allowed(op, request), (a, b, op, pk)


def test_the_policy_refuses_ids_the_app_never_issues(policies: Policies) -> None:
    """An id with a wildcard or the key separator is refused rather than scoped (it would widen the grant)."""
    for hostile in ("*", "a" * 31 + "*", "?" * 32, "a" * 32 + "-1", ""):
        assert not _admitted(policies, hostile), f"the app scopes credentials for tenant id {hostile!r}"


def _allow(action: str) -> str:
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})


@pytest.fixture(scope="module")
def assumer(policies: Policies) -> Iterator[tuple[Any, str]]:
    """An IAM user allowed to assume a role whose own policy allows all of DynamoDB (made as root)."""
    t = policies.target
    root = {"region_name": t.region, "endpoint_url": t.endpoint, "aws_access_key_id": "test",
            "aws_secret_access_key": "test"}
    iam = boto3.client("iam", **root)
    name = f"s4-{uuid.uuid4().hex[:8]}"
    user_arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=_allow("sts:AssumeRole"))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="ddb", PolicyDocument=_allow("dynamodb:*"))
    sts = boto3.client("sts", region_name=t.region, endpoint_url=t.endpoint,
                       aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    yield sts, role_arn


@settings(max_examples=4)
@given(pair=tenant_id_pairs())
def test_a_real_assume_role_session_with_the_policy_decides_as_the_evaluator(
        policies: Policies, assumer: tuple[Any, str], pair: tuple[str, str, str]) -> None:
    """A sample end to end: STS AssumeRole with A's session policy at the edge, then DynamoDB calls on
    A's and B's keys in the app's pooled tables; the edge answers exactly as the pure evaluator decided."""
    family, a, b = pair
    sts, role_arn = assumer
    root = dynamodb(policies.target)
    pooled = Tenant(a, "s4-probe", policies.adapter.tiers[0], "", "pooled")
    tables = policies.adapter.raw_tables(pooled)
    for api in policies.adapter.apis():
        doc = policies.adapter.scoped_policy(a, policies.role, api)
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="s4", Policy=json.dumps(doc))["Credentials"]
        session = dynamodb(policies.target, AwsCredentials(creds["AccessKeyId"], creds["SecretAccessKey"],
                                                           creds["SessionToken"]))
        decide = policies.decider(a, api)
        for table in tables:
            keys = [(table.scheme.partitions(a)[0], True),
                    *((pk, False) for pk in list(foreign_keys(table, a, b))[:1])]
            for pk, own in keys:
                for op in ("GetItem", "Query", "PutItem", "DeleteItem", "Scan", "ExecuteStatement"):
                    params = aimed_request(op, table, _key(table, pk))
                    expected = decide.allowed(op, params)
                    got = outcome(session, op, params)
                    if op == "PutItem" and got == "ok":
                        root.delete_item(TableName=table.name, Key=_key(table, pk))
                    assert not (expected and not own), f"{family}: evaluator allows {op} on B's {pk!r}"
                    assert got == ("ok" if expected else DENIED), (
                        f"{family} {api}: {op} on {table.name} {pk!r} (own={own}): edge {got}, "
                        f"evaluator {'allow' if expected else 'deny'}")


