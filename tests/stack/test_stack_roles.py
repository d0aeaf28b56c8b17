"""The role rules: which admin and tenant API methods each role's authorizer policy allows."""

from __future__ import annotations

import pytest
from saas_common import authorizer, roles

from harness.iam import Caller, Outcome, RequestContext, evaluate, parse_policy
from tests.stack.support import ACCOUNT, REGION, TENANT_A, TENANT_B

ARN = authorizer.MethodArn("aws", REGION, ACCOUNT, "adminapi", "prod")
GATEWAY = Caller(arn=f"arn:aws:iam::{ACCOUNT}:user/apigw", account=ACCOUNT, kind="user")
SA, CS, TA, TU = roles.SYSTEM_ADMIN, roles.CUSTOMER_SUPPORT, roles.TENANT_ADMIN, roles.TENANT_USER

# Method ARN of a concrete request -> roles the admin API's authorizer policy lets through.
ADMIN_MATRIX = {
    ("GET", "tenants"): {SA},
    ("GET", f"tenant/{TENANT_A}"): {SA, CS, TA},
    ("PUT", f"tenant/{TENANT_A}"): {SA, TA},
    ("DELETE", f"tenant/{TENANT_A}"): {SA},
    ("PUT", f"tenant/activation/{TENANT_A}"): {SA},
    ("POST", "user"): {SA, TA},
    ("GET", "users"): {SA, CS, TA, TU},
    ("GET", "user/bob"): {SA, CS, TA, TU},
    ("PUT", "user/bob"): {SA, TA},
    ("DELETE", "user/bob"): {SA, TA},
}


def allowed(methods: tuple[tuple[str, str, str], ...], verb: str, path: str) -> bool:
    policy = parse_policy(authorizer.policy_document(ARN, methods))
    ctx = RequestContext("execute-api:Invoke", ARN.resource(verb, path), GATEWAY)
    return evaluate(ctx, identity=(policy,)).outcome is Outcome.ALLOW


@pytest.mark.parametrize(("verb", "path"), sorted(ADMIN_MATRIX))
def test_admin_api_policy_per_role(verb: str, path: str) -> None:
    got = {r for r in roles.ALL_ROLES if allowed(roles.ADMIN_API_METHODS[r], verb, path)}
    assert got == ADMIN_MATRIX[(verb, path)]


def test_tenant_api_is_for_tenant_roles_only() -> None:
    assert set(roles.TENANT_API_METHODS) == roles.TENANT_ROLES
    for role in roles.TENANT_ROLES:
        for verb, path in (("GET", "products"), ("POST", "order"), ("DELETE", "product/x:y")):
            assert allowed(roles.TENANT_API_METHODS[role], verb, path)


def test_deny_all_policy_denies_everything() -> None:
    out = authorizer.deny_all("sub", ARN)
    policy = parse_policy(out["policyDocument"])
    ctx = RequestContext("execute-api:Invoke", ARN.resource("GET", "users"), GATEWAY)
    assert evaluate(ctx, identity=(policy,)).outcome is Outcome.EXPLICIT_DENY


@pytest.mark.parametrize(("role", "caller_tenant", "target", "read", "update", "write_users"), [
    (SA, roles.OPERATIONS_TENANT_ID, TENANT_A, True, True, True),
    (CS, roles.OPERATIONS_TENANT_ID, TENANT_A, True, False, False),
    (TA, TENANT_A, TENANT_A, True, True, True),
    (TA, TENANT_A, TENANT_B, False, False, False),
    (TU, TENANT_A, TENANT_A, False, False, False),
    (TU, TENANT_A, TENANT_B, False, False, False),
])
def test_object_level_rules(role: str, caller_tenant: str, target: str, read: bool, update: bool,
                            write_users: bool) -> None:
    assert roles.may_read_tenant(role, caller_tenant, target) is read
    assert roles.may_update_tenant(role, caller_tenant, target) is update
    assert roles.may_write_users(role, caller_tenant, target) is write_users
    assert roles.may_read_users(role, caller_tenant, target) is (
        role in roles.PROVIDER_ROLES or caller_tenant == target)


def test_only_the_system_admin_lists_and_activates() -> None:
    assert {r for r in roles.ALL_ROLES if roles.may_list_tenants(r)} == {SA}
    assert {r for r in roles.ALL_ROLES if roles.may_change_activation(r)} == {SA}


def test_nobody_grants_a_role_across_the_provider_tenant_line() -> None:
    assert roles.assignable_roles(SA, operations_user=True) == roles.PROVIDER_ROLES
    assert roles.assignable_roles(SA, operations_user=False) == roles.TENANT_ROLES
    assert roles.assignable_roles(TA, operations_user=False) == roles.TENANT_ROLES
    assert roles.assignable_roles(TA, operations_user=True) == frozenset()
    for role in (TU, CS):
        assert roles.assignable_roles(role, operations_user=False) == frozenset()
