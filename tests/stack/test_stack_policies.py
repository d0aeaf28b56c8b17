"""Session policies: exactly REFERENCE.md's, valid as IAM session policies, and tight in evaluation."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from saas_common import policies, roles

from harness.iam import Outcome, PolicyKind, RequestContext, evaluate, parse_policy
from harness.iam.builders import access_role_policy, reference_session_policy, session_caller
from tests.stack.support import ACCOUNT, REGION, TENANT_A, TENANT_B

SHARED_TABLES = ("ServerlessSaaS-TenantDetails", "ServerlessSaaS-TenantUserMapping")
TABLES = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"
ACTIONS = [f"dynamodb:{a}" for a in policies.BUSINESS_ACTIONS]
hex_ids = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


def doc(role: str, tenant: str, service: str) -> dict:
    return json.loads(policies.session_policy(role, tenant, service, region=REGION,
                                              account=ACCOUNT, shared_tables=SHARED_TABLES))


def decide(policy_text: str, tenant: str, table: str, keys: list[str],
           action: str = "dynamodb:GetItem") -> Outcome:
    session = (parse_policy(policy_text, PolicyKind.SESSION),)
    ctx = RequestContext(action=action, resource=f"{TABLES}/{table}",
                         caller=session_caller(tenant), keys={"dynamodb:LeadingKeys": keys})
    return evaluate(ctx, identity=(parse_policy(access_role_policy()),), session=session).outcome


@pytest.mark.parametrize("role", [roles.TENANT_USER, roles.TENANT_ADMIN])
def test_business_policy_is_exactly_the_reference_policy(role: str) -> None:
    assert doc(role, TENANT_A, policies.BUSINESS) == json.loads(reference_session_policy(TENANT_A))


def test_tenant_admin_shared_policy_is_string_equals_on_the_shared_tables() -> None:
    assert doc(roles.TENANT_ADMIN, TENANT_A, policies.SHARED) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ACTIONS,
            "Resource": [f"{TABLES}/{t}" for t in SHARED_TABLES],
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [TENANT_A]}},
        }],
    }


def test_tenant_user_shared_policy_is_read_only() -> None:
    (stmt,) = doc(roles.TENANT_USER, TENANT_A, policies.SHARED)["Statement"]
    assert stmt["Action"] == ["dynamodb:GetItem", "dynamodb:Query"]
    assert stmt["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [TENANT_A]}}


@pytest.mark.parametrize("service", [policies.BUSINESS, policies.SHARED])
def test_system_admin_is_table_wide_without_condition(service: str) -> None:
    (stmt,) = doc(roles.SYSTEM_ADMIN, roles.OPERATIONS_TENANT_ID, service)["Statement"]
    assert stmt["Resource"] == [f"{TABLES}/*"]
    assert "Condition" not in stmt
    assert "dynamodb:Scan" in stmt["Action"]


def test_customer_support_is_read_only_table_wide() -> None:
    (stmt,) = doc(roles.CUSTOMER_SUPPORT, "", policies.SHARED)["Statement"]
    assert stmt["Action"] == ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"]


@pytest.mark.parametrize("role", sorted(roles.ALL_ROLES))
@pytest.mark.parametrize("service", [policies.BUSINESS, policies.SHARED])
def test_every_policy_parses_as_a_session_policy_within_the_size_limit(role: str,
                                                                       service: str) -> None:
    text = policies.session_policy(role, TENANT_A, service, region=REGION, account=ACCOUNT,
                                   shared_tables=SHARED_TABLES)
    parse_policy(text, PolicyKind.SESSION)
    assert len(text) < 2048


@pytest.mark.parametrize("bad", ["", "t1", TENANT_A + "*", TENANT_A[:31] + "?", "a" * 32,
                                 TENANT_A.upper(), f"{TENANT_A}-1"])
@pytest.mark.parametrize("role", sorted(roles.TENANT_ROLES))
def test_no_policy_for_a_tenant_id_that_could_widen_the_pattern(bad: str, role: str) -> None:
    if bad == "a" * 32:  # well-formed hex: accepted
        policies.session_policy(role, bad, policies.BUSINESS, region=REGION, account=ACCOUNT)
        return
    with pytest.raises(policies.PolicyError):
        policies.session_policy(role, bad, policies.BUSINESS, region=REGION, account=ACCOUNT)


def test_unknown_role_or_service_gets_no_policy() -> None:
    with pytest.raises(policies.PolicyError):
        policies.session_policy("Root", TENANT_A, policies.BUSINESS, region=REGION, account=ACCOUNT)
    with pytest.raises(policies.PolicyError):
        policies.session_policy(roles.TENANT_USER, TENANT_A, "billing", region=REGION,
                                account=ACCOUNT)
    with pytest.raises(policies.PolicyError):
        policies.session_policy(roles.TENANT_ADMIN, TENANT_A, policies.SHARED, region=REGION,
                                account=ACCOUNT)


@given(a=hex_ids, b=hex_ids, shard=st.integers(1, 9))
def test_a_tenants_policy_allows_its_shards_and_denies_every_other_tenants(a: str, b: str,
                                                                          shard: int) -> None:
    text = policies.session_policy(roles.TENANT_USER, a, policies.BUSINESS, region=REGION,
                                   account=ACCOUNT)
    assert decide(text, a, "Product-pooled", [f"{a}-{shard}"]) is Outcome.ALLOW
    assert decide(text, a, "Order-pooled", [f"{a}-{shard}"], "dynamodb:Query") is Outcome.ALLOW
    if a != b:
        assert decide(text, a, "Product-pooled", [f"{b}-{shard}"]) is not Outcome.ALLOW
        assert decide(text, a, "Order-pooled", [f"{a}-{shard}", f"{b}-{shard}"],
                      "dynamodb:Query") is not Outcome.ALLOW


def test_business_policy_denies_scan_batch_and_other_tables() -> None:
    text = policies.session_policy(roles.TENANT_ADMIN, TENANT_A, policies.BUSINESS, region=REGION,
                                   account=ACCOUNT)
    own = [f"{TENANT_A}-1"]
    assert decide(text, TENANT_A, "Product-pooled", own, "dynamodb:Scan") is not Outcome.ALLOW
    assert decide(text, TENANT_A, "Product-pooled", own, "dynamodb:BatchGetItem") is not Outcome.ALLOW
    assert decide(text, TENANT_A, "ServerlessSaaS-TenantDetails", [TENANT_A]) is not Outcome.ALLOW


def test_shared_policy_allows_own_row_only() -> None:
    text = policies.session_policy(roles.TENANT_ADMIN, TENANT_A, policies.SHARED, region=REGION,
                                   account=ACCOUNT, shared_tables=SHARED_TABLES)
    assert decide(text, TENANT_A, SHARED_TABLES[0], [TENANT_A]) is Outcome.ALLOW
    assert decide(text, TENANT_A, SHARED_TABLES[1], [TENANT_A], "dynamodb:PutItem") is Outcome.ALLOW
    assert decide(text, TENANT_A, SHARED_TABLES[0], [TENANT_B]) is not Outcome.ALLOW
    assert decide(text, TENANT_A, "Product-pooled", [f"{TENANT_A}-1"]) is not Outcome.ALLOW
