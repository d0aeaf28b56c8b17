"""Generated DynamoDB requests are valid botocore shapes for all 13 operations, and run as root.

DynamoDB API reference (request syntax of each operation):
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB.html
"""

from __future__ import annotations

import uuid
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator
from hypothesis import find, given, settings
from hypothesis import strategies as st

from harness import strategies as hs
from tests.conftest import ClientFactory

MODEL = botocore.session.get_session().get_service_model("dynamodb")
PARTITIONS = [f"{'a' * 32}-{n}" for n in range(1, 10)]
TABLE = "Product-pooled"


def test_the_operation_list_is_the_13_item_batch_transact_query_scan_and_partiql_calls() -> None:
    assert len(set(hs.DYNAMODB_OPERATIONS)) == 13
    assert set(hs.DYNAMODB_OPERATIONS) <= set(MODEL.operation_names)


@given(hs.dynamodb_requests(TABLE, "shardId", "productId", PARTITIONS))
def test_generated_requests_pass_botocore_validation(request: tuple[str, dict[str, Any]]) -> None:
    op, params = request
    report = ParamValidator().validate(params, MODEL.operation_model(op).input_shape)
    assert not report.has_errors(), report.generate_report()


@given(hs.dynamodb_requests(TABLE, "shardId", "productId", PARTITIONS))
def test_generated_keys_stay_in_the_given_partitions(request: tuple[str, dict[str, Any]]) -> None:
    _, params = request
    found = [v for v in _walk(params) if isinstance(v, dict) and "shardId" in v]
    assert all(d["shardId"]["S"] in PARTITIONS for d in found)


def test_every_operation_is_generated() -> None:
    for op in hs.DYNAMODB_OPERATIONS:
        assert find(hs.dynamodb_requests(TABLE, "shardId", "productId", PARTITIONS),
                    lambda r, o=op: r[0] == o)[0] == op


def _walk(value: Any) -> list[Any]:
    out = [value]
    if isinstance(value, dict):
        for v in value.values():
            out += _walk(v)
    elif isinstance(value, list):
        for v in value:
            out += _walk(v)
    return out


@pytest.fixture(scope="module")
def root_table(aws: ClientFactory) -> str:
    name = f"Product-{uuid.uuid4().hex[:8]}"
    aws("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "shardId", "KeyType": "HASH"},
                   {"AttributeName": "productId", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "shardId", "AttributeType": "S"},
                              {"AttributeName": "productId", "AttributeType": "S"}])
    return name


@settings(max_examples=26)
@given(data=st.data())
def test_generated_requests_succeed_as_root_through_the_edge(aws: ClientFactory, root_table: str,
                                                              data: st.DataObject) -> None:
    op, params = data.draw(hs.dynamodb_requests(root_table, "shardId", "productId", PARTITIONS))
    client = aws("dynamodb")
    method = getattr(client, _snake(op))
    out = method(**params)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200


def _snake(op: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in op).lstrip("_")
