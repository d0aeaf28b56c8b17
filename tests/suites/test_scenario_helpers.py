"""The pure helpers behind scenarios S2-S4: the ownership model, aimed DynamoDB requests, and the
session-policy decider (the IAM evaluator over the edge's DynamoDB request contexts).

Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
(dynamodb:LeadingKeys), https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
"""

from __future__ import annotations

import json

import pytest
from botocore.session import get_session
from botocore.validate import ParamValidator

from harness.iam.builders import ACCOUNT, REGION, reference_session_policy
from harness.strategies import DYNAMODB_OPERATIONS
from harness.suites.adapter import KeyScheme, RawTable
from harness.suites.model import OwnershipModel, mentions
from harness.suites.policy_check import SessionDecider
from harness.suites.scoped import aimed_request, key_names, written_keys

A, B = "a" * 32, "b" * 32
TABLE = RawTable("Product", "Product-pooled", "shardId", "productId",
                 KeyScheme("{tenant_id}-{shard}", ("1", "2")), True)


def _key(pk: str) -> dict[str, dict[str, str]]:
    return {"shardId": {"S": pk}, "productId": {"S": "p1"}}


def test_the_model_refuses_an_id_handed_out_twice_and_scopes_markers_by_owner() -> None:
    model = OwnershipModel()
    model.add("i1", A, "product", "m1")
    model.add("i2", B, "product", "m2").old_markers.append("m0")
    with pytest.raises(AssertionError):
        model.add("i1", B, "product", "m3")
    assert model.live(A, "product") == {"i1"} and model.markers_not_of(A) == {"m2", "m0"}
    assert mentions({"x": ["m2"]}, model.markers_not_of(A)) == {"m2"}


def test_aimed_requests_are_valid_botocore_requests_for_every_operation() -> None:
    model = get_session().get_service_model("dynamodb")
    for op in DYNAMODB_OPERATIONS:
        request = aimed_request(op, TABLE, _key(f"{A}-1"))
        report = ParamValidator().validate(request, model.operation_model(op).input_shape)
        assert not report.has_errors(), (op, report.generate_report())


def test_written_keys_name_every_item_a_write_may_create_change_or_delete() -> None:
    names = key_names(TABLE)
    for op in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"):
        request = aimed_request(op, TABLE, _key(f"{A}-1"))
        assert list(written_keys(op, request, names)) == [("Product-pooled", _key(f"{A}-1"))], op
    assert list(written_keys("GetItem", aimed_request("GetItem", TABLE, _key(f"{A}-1")), names)) == []


def test_the_decider_allows_own_keys_and_denies_foreign_keys_and_scan() -> None:
    decide = SessionDecider(json.loads(reference_session_policy(A)), (TABLE,), REGION, ACCOUNT)
    assert decide.allowed("GetItem", aimed_request("GetItem", TABLE, _key(f"{A}-1")))
    assert decide.allowed("TransactGetItems", aimed_request("TransactGetItems", TABLE, _key(f"{A}-2")))
    assert not decide.allowed("GetItem", aimed_request("GetItem", TABLE, _key(f"{B}-1")))
    assert not decide.allowed("Scan", aimed_request("Scan", TABLE, _key(f"{A}-1")))
    assert not decide.allowed("ExecuteStatement", aimed_request("ExecuteStatement", TABLE, _key(f"{A}-1")))


def test_the_decider_sees_a_prefix_without_separator_reach_an_extended_id() -> None:
    """`<tenantId>*` matches the keys of a tenant whose id extends A's: the flaw S4 exists to catch."""
    extended = A + "0"
    loose = SessionDecider(json.loads(reference_session_policy(A, separator="")), (TABLE,), REGION, ACCOUNT)
    strict = SessionDecider(json.loads(reference_session_policy(A)), (TABLE,), REGION, ACCOUNT)
    request = aimed_request("GetItem", TABLE, _key(f"{extended}-1"))
    assert loose.allowed("GetItem", request) and not strict.allowed("GetItem", request)
