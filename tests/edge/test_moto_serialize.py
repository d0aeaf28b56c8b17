"""moto's serializer with the possible-keys memo (harness/edge/moto_serialize.py) writes exactly what it
writes without: DynamoDB answers with every attribute type, nested maps and lists, binary sets,
consumed capacity and paging keys, for the data-plane operations and DescribeTable."""

from __future__ import annotations

import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from moto.core import serialize
from moto.core.utils import get_service_model

from harness.edge.moto_serialize import possible_keys_memo

ORIGINAL = getattr(serialize.XFormedAttributePicker.get_possible_keys, "__wrapped__",
                   serialize.XFormedAttributePicker.get_possible_keys)


class Plain(serialize.XFormedAttributePicker):
    get_possible_keys = ORIGINAL  # type: ignore[assignment]


class Memoized(serialize.XFormedAttributePicker):
    get_possible_keys = possible_keys_memo(ORIGINAL, serialize.DEFAULT_ALIAS_PROVIDERS)  # type: ignore[assignment]


def _serialize(operation: str, result: Any, picker: serialize.AttributePicker) -> Any:
    model = get_service_model("dynamodb").operation_model(operation)
    cls = serialize.get_serializer_class("dynamodb", "json")
    return cls(operation_model=model, pretty_print=False, value_picker=picker).serialize(result)


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
scalars = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=10)),
    st.builds(lambda n: {"N": str(n)}, st.integers(-10**6, 10**6)),
    st.builds(lambda b: {"B": b}, st.binary(max_size=8)),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda v: {"SS": v}, st.lists(st.text(max_size=5), min_size=1, max_size=3, unique=True)),
    st.builds(lambda v: {"NS": [str(x) for x in v]},
              st.lists(st.integers(), min_size=1, max_size=3, unique=True)),
    st.builds(lambda v: {"BS": v}, st.lists(st.binary(max_size=5), min_size=1, max_size=3, unique=True)),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.builds(lambda m: {"M": m}, st.dictionaries(names, inner, max_size=3)),
    st.builds(lambda items: {"L": items}, st.lists(inner, max_size=3))), max_leaves=12)
items = st.dictionaries(names, values, min_size=1, max_size=5)
capacity = st.one_of(st.none(), st.just({"TableName": "t", "CapacityUnits": 1.0}),
                     st.just({"TableName": "t", "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.5}}))


def _with(result: dict[str, Any], consumed: Any) -> dict[str, Any]:
    return {**result, "ConsumedCapacity": consumed} if consumed is not None else result


@settings(max_examples=60, deadline=None)
@given(found=st.lists(items, max_size=4), last=st.one_of(st.none(), items), consumed=capacity)
def test_query_scan_and_get_item_answers_are_unchanged(found: list[dict[str, Any]], last: Any,
                                                       consumed: Any) -> None:
    paged = {"Items": found, "Count": len(found), "ScannedCount": len(found) + 1}
    if last is not None:
        paged["LastEvaluatedKey"] = last
    cases = [("Query", _with(paged, consumed)), ("Scan", _with(paged, consumed)),
             ("GetItem", _with({"Item": found[0]} if found else {}, consumed)),
             ("PutItem", _with({"Attributes": last} if last else {}, consumed)),
             ("UpdateItem", _with({"Attributes": found[-1]} if found else {}, consumed)),
             ("BatchGetItem", {"Responses": {"t": found}, "UnprocessedKeys": {}}),
             ("TransactGetItems", {"Responses": [{"Item": i} for i in found]})]
    for operation, result in cases:
        assert _serialize(operation, result, Memoized()) == _serialize(operation, result, Plain()), operation


def test_describe_table_with_timestamps_indexes_and_streams_is_unchanged() -> None:
    created = datetime.datetime(2026, 12, 2, 1, 2, 3, tzinfo=datetime.UTC)
    table = {"Table": {
        "TableName": "t", "TableStatus": "ACTIVE", "CreationDateTime": created, "ItemCount": 3,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "GlobalSecondaryIndexes": [{"IndexName": "g",
                                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                    "Projection": {"ProjectionType": "ALL"}, "IndexStatus": "ACTIVE"}],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        "LatestStreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x",
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0,
                                  "NumberOfDecreasesToday": 0}}}
    for _ in range(2):  # the second time from the memo
        assert _serialize("DescribeTable", table, Memoized()) == _serialize("DescribeTable", table, Plain())


def test_objects_that_are_not_plain_dicts_ask_moto_every_time() -> None:
    calls: list[str] = []

    def original(self: Any, context: Any) -> Any:
        calls.append(context.key)
        yield context.key

    memo = possible_keys_memo(original, serialize.DEFAULT_ALIAS_PROVIDERS)
    picker = serialize.XFormedAttributePicker()

    class Ctx:
        def __init__(self, obj: Any) -> None:
            self.obj, self.key, self.shape = obj, "Name", None

    assert list(memo(picker, Ctx({"Name": 1}))) == ["Name"]
    assert list(memo(picker, Ctx({"Name": 2}))) == ["Name"]
    assert calls == ["Name"]
    assert list(memo(picker, Ctx(object()))) == ["Name"]
    other = serialize.XFormedAttributePicker(alias_providers=[serialize.NoAlias])
    assert list(memo(other, Ctx({"Name": 3}))) == ["Name"]
    assert calls == ["Name", "Name", "Name"]


def test_answers_are_kept_per_member_name_shape_and_parent() -> None:
    """moto's providers read the shape and its parent structure, so each (name, shape, parent) is
    its own question; the parent moto assigns just before asking counts as it is then."""
    calls: list[str] = []

    def original(self: Any, context: Any) -> Any:
        answer = f"{context.key}/{context.shape.name}/{context.shape.parent.name}"
        calls.append(answer)
        yield answer

    class Shape:
        def __init__(self, name: str, parent: Any = None) -> None:
            self.name, self.parent = name, parent

    class Ctx:
        def __init__(self, key: str, shape: Any) -> None:
            self.obj, self.key, self.shape = {}, key, shape

    memo = possible_keys_memo(original, serialize.DEFAULT_ALIAS_PROVIDERS)
    picker = serialize.XFormedAttributePicker()
    p1, p2 = Shape("P1"), Shape("P2")
    a, b = Shape("A", p1), Shape("B", p1)
    got = [next(memo(picker, Ctx(k, s))) for k, s in (("x", a), ("x", a), ("y", a), ("x", b))]
    a.parent = p2
    got += [next(memo(picker, Ctx("x", a))), next(memo(picker, Ctx("x", a)))]
    assert got == ["x/A/P1", "x/A/P1", "y/A/P1", "x/B/P1", "x/A/P2", "x/A/P2"]
    assert calls == ["x/A/P1", "y/A/P1", "x/B/P1", "x/A/P2"]
