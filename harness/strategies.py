"""Reusable hypothesis strategies for isolation tests: adversarial tenant ids, roles, payloads,
DynamoDB requests and token tamperings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from harness.suites.tokens import Tampered, Tampering, TamperKit, available, split, tamper

WILDCARDS = ("*", "?", "$", "#", "%", "_")
"""Characters IAM (`*`, `?`, `${...}`), DynamoDB expressions (`#`, `:`) or LIKE patterns give meaning."""
SEPARATORS = ("-", ":", "/", ".", "|", "_", " ")
ROLES = ("TenantAdmin", "TenantUser", "SystemAdmin", "CustomerSupport")
ADVERSARIAL_FAMILIES = ("prefix", "extension", "case-twin", "wildcard", "separator", "unicode")

_HEX = "0123456789abcdef"
hex_tenant_ids = st.text(alphabet=_HEX, min_size=32, max_size=32)
"""Tenant ids as the reference SaaS makes them: 32 hex characters."""
_UNICODE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
                   min_size=1, max_size=12)


def tenant_ids() -> st.SearchStrategy[str]:
    """Any tenant id a policy or key scheme must cope with, ordinary or hostile."""
    return st.one_of(hex_tenant_ids, st.text(alphabet=_HEX + "ABCDEF" + "".join(WILDCARDS + SEPARATORS),
                                             min_size=1, max_size=40), _UNICODE)


@st.composite
def tenant_id_pairs(draw: st.DrawFn) -> tuple[str, str, str]:
    """(family, a, b): two distinct ids from one adversarial family, e.g. b a prefix of a."""
    family = draw(st.sampled_from(ADVERSARIAL_FAMILIES))
    a = draw(hex_tenant_ids)
    if family == "prefix":
        b = a[:draw(st.integers(1, len(a) - 1))]
    elif family == "extension":
        b = a + draw(st.text(alphabet=_HEX, min_size=1, max_size=4))
    elif family == "case-twin":
        a = a[:-1] + draw(st.sampled_from("abcdef"))
        b = a.upper()
    elif family == "wildcard":
        cut = draw(st.integers(0, len(a) - 1))
        b = a[:cut] + draw(st.sampled_from(WILDCARDS)) + draw(st.sampled_from(("", a[cut + 1:])))
    elif family == "separator":
        b = a + draw(st.sampled_from(SEPARATORS)) + draw(st.text(alphabet=_HEX, min_size=0, max_size=3))
    else:
        b = a[:-1] + draw(st.sampled_from(("\u0430", "\u00e9", "\uff41", "\u0131", "a\u0301")))
    return family, a, b


def tenant_names() -> st.SearchStrategy[str]:
    """Tenant names for registration: plain ones, and the same adversarial families as ids."""
    plain = st.from_regex(r"[a-z][a-z0-9-]{2,20}", fullmatch=True)
    return st.one_of(plain, tenant_id_pairs().map(lambda fab: fab[2][:40] or "x"), _UNICODE)


def roles(names: Sequence[str] = ROLES) -> st.SearchStrategy[str]:
    return st.sampled_from(tuple(names))


def role_pairs(names: Sequence[str] = ROLES) -> st.SearchStrategy[tuple[str, str]]:
    """(caller role, role it tries to grant), self-escalation included."""
    return st.tuples(roles(names), roles(names))


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=12)
INJECTED_FIELDS = ("tenantId", "custom:tenantId", "shardId", "userRole", "tenant_id", "id")


@st.composite
def payloads(draw: st.DrawFn, sample: Mapping[str, Any], victim_id: str | None = None) -> dict[str, Any]:
    """A create/update body near a valid `sample`: fields retyped, dropped, or tenant fields injected."""
    body = dict(sample)
    for key in draw(st.lists(st.sampled_from(sorted(body) or ["x"]), max_size=2, unique=True)):
        if draw(st.booleans()):
            body.pop(key, None)
        else:
            body[key] = draw(json_values)
    for field in draw(st.lists(st.sampled_from(INJECTED_FIELDS), max_size=2, unique=True)):
        body[field] = victim_id if victim_id is not None else draw(tenant_ids())
    return body


def _attr(value: str) -> dict[str, str]:
    return {"S": value}


@st.composite
def dynamodb_keys(draw: st.DrawFn, partition_key: str, sort_key: str | None,
                  partitions: Sequence[str]) -> dict[str, dict[str, str]]:
    """A primary key in one of `partitions` (e.g. a tenant's shards), sort key drawn."""
    key = {partition_key: _attr(draw(st.sampled_from(tuple(partitions))))}
    if sort_key:
        key[sort_key] = _attr(draw(st.text(alphabet=_HEX, min_size=1, max_size=32)))
    return key


DYNAMODB_OPERATIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                       "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "ExecuteStatement",
                       "BatchExecuteStatement", "ExecuteTransaction")
"""The item, batch, transaction, query, scan and PartiQL operations a scoped credential meets."""


@st.composite
def dynamodb_requests(draw: st.DrawFn, table: str, partition_key: str, sort_key: str | None,
                      partitions: Sequence[str],
                      operations: Sequence[str] = DYNAMODB_OPERATIONS) -> tuple[str, dict[str, Any]]:
    """(operation, botocore parameters) touching keys in `partitions` of `table`."""
    op = draw(st.sampled_from(tuple(operations)))
    keys: st.SearchStrategy[dict[str, dict[str, str]]] = dynamodb_keys(partition_key, sort_key, partitions)
    key = draw(keys)
    pk_value = key[partition_key]["S"]
    item = {**key, "note": _attr(draw(st.text(max_size=16)))}
    if op == "GetItem":
        return op, {"TableName": table, "Key": key, "ConsistentRead": draw(st.booleans())}
    if op == "PutItem":
        return op, {"TableName": table, "Item": item}
    if op == "UpdateItem":
        return op, {"TableName": table, "Key": key, "UpdateExpression": "SET #n = :v",
                    "ExpressionAttributeNames": {"#n": "note"},
                    "ExpressionAttributeValues": {":v": _attr("x")}}
    if op == "DeleteItem":
        return op, {"TableName": table, "Key": key}
    if op == "Query":
        return op, {"TableName": table, "KeyConditionExpression": "#p = :p",
                    "ExpressionAttributeNames": {"#p": partition_key},
                    "ExpressionAttributeValues": {":p": _attr(pk_value)}}
    if op == "Scan":
        return op, {"TableName": table, "Limit": draw(st.integers(1, 100))}
    many = draw(st.lists(keys, min_size=1, max_size=4, unique_by=lambda k: repr(sorted(k.items()))))
    if op == "BatchGetItem":
        return op, {"RequestItems": {table: {"Keys": many}}}
    if op == "BatchWriteItem":
        return op, {"RequestItems": {table: [
            {"PutRequest": {"Item": {**k, "note": _attr("b")}}} if i % 2 == 0
            else {"DeleteRequest": {"Key": k}} for i, k in enumerate(many)]}}
    if op == "TransactGetItems":
        return op, {"TransactItems": [{"Get": {"TableName": table, "Key": k}} for k in many]}
    if op == "TransactWriteItems":
        return op, {"TransactItems": [{"Put": {"TableName": table, "Item": {**k, "note": _attr("t")}}}
                                      for k in many]}
    where = f'SELECT * FROM "{table}" WHERE "{partition_key}" = ?'
    if op == "ExecuteStatement":
        return op, {"Statement": where, "Parameters": [_attr(pk_value)]}
    statements = [{"Statement": where, "Parameters": [k[partition_key]]} for k in many]
    if op == "BatchExecuteStatement":
        return op, {"Statements": statements}
    return op, {"TransactStatements": statements}


def tamperings(kinds: Sequence[Tampering] | None = None) -> st.SearchStrategy[Tampering]:
    return st.sampled_from(tuple(kinds) if kinds else tuple(Tampering))


CLAIM_EDITS = st.one_of(
    st.fixed_dictionaries({"custom:tenantId": tenant_ids()}),
    st.fixed_dictionaries({"custom:userRole": roles()}),
    st.fixed_dictionaries({"exp": st.integers(2_000_000_000, 4_000_000_000)}),
    st.fixed_dictionaries({"aud": st.text(alphabet=_HEX, min_size=1, max_size=26)}),
    st.fixed_dictionaries({"token_use": st.sampled_from(("access", "ID", ""))}),
)
"""Claim changes a forger wants: another tenant, a higher role, a later expiry, another client."""


@st.composite
def tampered_tokens(draw: st.DrawFn, kit: TamperKit) -> Tampered:
    """A forged token of any kind the kit can make, with claim edits that change something."""
    kind = draw(tamperings(available(kit)))
    claims = split(kit.genuine)[1]
    edits = draw(CLAIM_EDITS.filter(lambda e: any(claims.get(k) != v for k, v in e.items())))
    return tamper(kind, kit, edits)
