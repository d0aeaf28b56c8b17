"""The reference SaaS's per-tenant session policy (REFERENCE.md, "Scoped credentials")."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.iam import Outcome, PolicyKind, RequestContext, evaluate, parse_policy
from harness.iam.bench import decisions_per_second
from harness.iam.builders import (
    ACCOUNT,
    REGION,
    access_role_policy,
    reference_session_policy,
    session_caller,
)

FGAC = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html"
SETS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
    "reference_policies_condition-single-vs-multi-valued-context-keys.html"
)
TABLES = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"
IDENTITY = (parse_policy(access_role_policy()),)


def decide(
    tenant: str,
    leading_keys: list[str],
    action: str = "dynamodb:GetItem",
    table: str = "Product-pooled",
    session_text: str | None = None,
) -> Outcome:
    """Evaluate a request by tenant's scoped credentials against its session policy."""
    text = session_text or reference_session_policy(tenant)
    session = (parse_policy(text, PolicyKind.SESSION),)
    ctx = RequestContext(
        action=action,
        resource=f"{TABLES}/{table}",
        caller=session_caller(tenant),
        keys={"dynamodb:LeadingKeys": leading_keys},
    )
    return evaluate(ctx, identity=IDENTITY, session=session).outcome


def test_reference_policy_allows_the_tenants_own_shard_keys() -> None:
    """Tenant t1 with pattern "t1-*" reads its own shard t1-3.

    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
    """
    assert decide("t1", ["t1-3"]) is Outcome.ALLOW


def test_reference_policy_denies_another_tenants_keys() -> None:
    """t1's credentials cannot read t2's partition."""
    assert decide("t1", ["t2-3"]) is Outcome.IMPLICIT_DENY


def test_reference_policy_with_separator_denies_a_prefix_colliding_tenant() -> None:
    """ "t1-*" does not match "t10-1": the separator keeps t1 out of t10's data."""
    assert decide("t1", ["t10-1"]) is Outcome.IMPLICIT_DENY


def test_reference_policy_without_separator_wrongly_allows_a_prefix_colliding_tenant() -> None:
    """The known bug pattern "t1*" lets tenant t1 read tenant t10 (reproduced, not fixed)."""
    buggy = reference_session_policy("t1", separator="")
    assert '"t1*"' in buggy
    assert decide("t1", ["t10-1"], session_text=buggy) is Outcome.ALLOW


def test_reference_policy_denies_a_request_mixing_own_and_foreign_keys() -> None:
    """ForAllValues: every leading key must be the tenant's (e.g. a BatchGetItem)."""
    assert decide("t1", ["t1-1", "t2-1"], action="dynamodb:Query") is Outcome.IMPLICIT_DENY


@pytest.mark.parametrize(
    "action",
    ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
)
def test_reference_policy_allows_each_listed_business_action(action: str) -> None:
    """GetItem, PutItem, UpdateItem, DeleteItem and Query are granted."""
    assert decide("t1", ["t1-5"], action=action, table="Order-pooled") is Outcome.ALLOW


def test_reference_policy_scan_is_implicitly_denied() -> None:
    """Scan is not in the action list, so it is implicitly denied by the session policy."""
    assert decide("t1", [], action="dynamodb:Scan") is Outcome.IMPLICIT_DENY


def test_forallvalues_lets_scan_through_when_scan_is_listed() -> None:
    """Scan touches no leading keys; an empty set passes ForAllValues (AWS's behaviour).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    leaky = reference_session_policy("t1", extra_actions=("Scan",))
    assert decide("t1", [], action="dynamodb:Scan", session_text=leaky) is Outcome.ALLOW
    assert decide("t1", [], action="dynamodb:Scan", table="Order-pooled", session_text=leaky) is (
        Outcome.ALLOW
    )


def test_scan_with_the_leading_keys_key_absent_also_passes_forallvalues() -> None:
    """A missing key behaves like an empty set for ForAllValues."""
    leaky = parse_policy(reference_session_policy("t1", extra_actions=("Scan",)), PolicyKind.SESSION)
    ctx = RequestContext("dynamodb:Scan", f"{TABLES}/Order-pooled", session_caller("t1"))
    assert evaluate(ctx, identity=IDENTITY, session=[leaky]).allowed


def test_reference_policy_does_not_cover_other_tables() -> None:
    """Only Product-* and Order-* tables are in scope."""
    assert decide("t1", ["t1"], table="TenantDetails") is Outcome.IMPLICIT_DENY


def test_tenant_admin_shared_table_policy_uses_exact_leading_keys() -> None:
    """TenantAdmin on shared tables: ForAllValues:StringEquals LeadingKeys = [tenantId]."""
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"],
                    "Resource": [f"{TABLES}/TenantDetails", f"{TABLES}/TenantUserMapping"],
                    "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["t1"]}},
                }
            ],
        }
    )
    assert decide("t1", ["t1"], table="TenantDetails", session_text=text) is Outcome.ALLOW
    assert decide("t1", ["t10"], table="TenantDetails", session_text=text) is Outcome.IMPLICIT_DENY
    assert decide("t1", ["t1-1"], table="TenantUserMapping", session_text=text) is (Outcome.IMPLICIT_DENY)


def test_system_admin_policy_is_table_wide() -> None:
    """SystemAdmin: table-wide access without a condition."""
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": f"{TABLES}/*"}],
        }
    )
    assert decide("admin", ["t2-3"], session_text=text) is Outcome.ALLOW
    assert decide("admin", [], action="dynamodb:Scan", session_text=text) is Outcome.ALLOW


def test_session_denial_reason_names_the_session_policy() -> None:
    """The access role allows the call; the session policy is what denies it."""
    session = (parse_policy(reference_session_policy("t1"), PolicyKind.SESSION),)
    ctx = RequestContext(
        "dynamodb:GetItem",
        f"{TABLES}/Product-pooled",
        session_caller("t1"),
        {"dynamodb:LeadingKeys": ["t2-1"]},
    )
    decision = evaluate(ctx, identity=IDENTITY, session=session)
    assert decision.reason == "because no session policy allows the dynamodb:GetItem action"


tenant_ids = st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)
shards = st.integers(min_value=1, max_value=9)


@given(a=tenant_ids, b=tenant_ids, shard_numbers=st.lists(shards, min_size=1, max_size=5))
@settings(max_examples=150)
def test_reference_policy_isolates_tenants_for_any_ids(a: str, b: str, shard_numbers: list[int]) -> None:
    """For tenant ids without '-', A's policy allows all of A's shard keys and none of B's."""
    own = [f"{a}-{n}" for n in shard_numbers]
    assert decide(a, own) is Outcome.ALLOW
    if a != b:
        theirs = [f"{b}-{n}" for n in shard_numbers]
        assert decide(a, theirs) is Outcome.IMPLICIT_DENY
        assert decide(a, own + theirs[:1], action="dynamodb:Query") is Outcome.IMPLICIT_DENY


@given(a=tenant_ids, suffix=tenant_ids, n=shards)
@settings(max_examples=100)
def test_separatorless_pattern_leaks_to_every_tenant_whose_id_extends_the_prefix(
    a: str, suffix: str, n: int
) -> None:
    """With "<id>*" any tenant id that starts with <id> is readable: the bug, reproduced."""
    buggy = reference_session_policy(a, separator="")
    assert decide(a, [f"{a}{suffix}-{n}"], session_text=buggy) is Outcome.ALLOW
    assert decide(a, [f"{a}{suffix}-{n}"]) is Outcome.IMPLICIT_DENY


def test_bench_runs_a_mix_of_allowed_and_denied_decisions() -> None:
    """The throughput target (>= 20,000/s) is judged by `saas-harness bench edge`, not here."""
    result = decisions_per_second(0.2)
    assert result["allowed"] > 0
    assert result["denied"] > 0
    assert result["decisions_per_second"] > 0 and result["end_to_end_per_second"] > 0
