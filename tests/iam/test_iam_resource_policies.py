"""Resource-based and trust policies: same account, cross-account, sessions and boundaries."""

from __future__ import annotations

from harness.iam import (
    Outcome,
    PolicyKind,
    RequestContext,
    evaluate,
)
from harness.iam.builders import (
    anonymous_caller,
    role_session_caller,
    root_caller,
    service_caller,
    user_caller,
)
from tests.iam.iam_cases import (
    ACCT,
    GET,
    OTHER,
    ROLE_ARN,
    SESSION_ARN,
    SESSION_CALLER,
    TABLE,
    allow,
    ctx,
    pol,
    rbp,
)

# --- resource-based policies, same account --------------------------------------------------


def test_resource_policy_naming_a_user_grants_without_identity_policy() -> None:
    """Same account: identity and resource policy permissions are a union.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
    """
    policy = rbp({"AWS": f"arn:aws:iam::{ACCT}:user/alice"})
    assert evaluate(ctx(user_caller()), resource_policy=policy).allowed


def test_resource_policy_naming_a_user_is_not_limited_by_its_boundary() -> None:
    """Boundaries do not reduce what a resource policy grants an IAM user.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """
    policy = rbp({"AWS": f"arn:aws:iam::{ACCT}:user/alice"})
    decision = evaluate(ctx(user_caller()), boundary=pol(allow("s3:*", "*")), resource_policy=policy)
    assert decision.allowed


def test_resource_policy_naming_the_account_delegates_to_identity_policies() -> None:
    """An account principal does not grant by itself: identity policies must allow.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
    """
    for principal in (ACCT, f"arn:aws:iam::{ACCT}:root"):
        policy = rbp({"AWS": principal})
        alone = evaluate(ctx(user_caller()), resource_policy=policy)
        with_identity = evaluate(ctx(user_caller()), identity=[pol(allow())], resource_policy=policy)
        assert alone.reason == "because no identity-based policy allows the dynamodb:GetItem action"
        assert with_identity.allowed


def test_resource_policy_naming_the_session_arn_is_not_limited_by_the_session_policy() -> None:
    """A grant to the session ARN is added after the session policy applies.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    """
    decision = evaluate(
        ctx(SESSION_CALLER),
        session=[pol(allow("s3:*", "*"))],
        boundary=pol(allow("s3:*", "*")),
        resource_policy=rbp({"AWS": SESSION_ARN}),
    )
    assert decision.allowed


def test_resource_policy_naming_the_role_arn_is_limited_by_the_session_policy() -> None:
    """A grant to the role ARN is added before the session policy narrows it.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    """
    policy = rbp({"AWS": ROLE_ARN})
    narrowed = evaluate(ctx(SESSION_CALLER), session=[pol(allow("s3:*", "*"))], resource_policy=policy)
    passes = evaluate(ctx(SESSION_CALLER), session=[pol(allow())], resource_policy=policy)
    no_session = evaluate(ctx(SESSION_CALLER), resource_policy=policy)
    assert narrowed.reason == "because no session policy allows the dynamodb:GetItem action"
    assert passes.allowed
    assert no_session.allowed


def test_resource_policy_naming_the_role_arn_is_limited_by_the_boundary() -> None:
    """For roles, an implicit deny in the boundary limits grants made to the role ARN.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """
    decision = evaluate(
        ctx(SESSION_CALLER), boundary=pol(allow("s3:*", "*")), resource_policy=rbp({"AWS": ROLE_ARN})
    )
    assert decision.reason == "because no permissions boundary allows the dynamodb:GetItem action"


def test_resource_policy_for_another_principal_grants_nothing() -> None:
    """A grant to someone else does not help the caller."""
    policy = rbp({"AWS": f"arn:aws:iam::{ACCT}:user/bob"})
    assert not evaluate(ctx(user_caller()), resource_policy=policy).allowed


def test_explicit_deny_in_resource_policy_wins_over_identity_allow() -> None:
    """A resource-policy Deny naming the caller overrides identity Allows."""
    decision = evaluate(ctx(user_caller()), identity=[pol(allow())], resource_policy=rbp("*", effect="Deny"))
    assert decision.reason == "with an explicit deny in a resource-based policy"


def test_resource_policy_deny_for_another_principal_does_not_apply() -> None:
    """A Deny naming someone else leaves the caller alone."""
    policy = rbp({"AWS": f"arn:aws:iam::{ACCT}:user/bob"}, effect="Deny")
    assert evaluate(ctx(user_caller()), identity=[pol(allow())], resource_policy=policy).allowed


def test_notprincipal_deny_denies_everyone_not_fully_listed() -> None:
    """Deny + NotPrincipal denies all principals except the ones listed.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    stmt = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": [f"arn:aws:iam::{ACCT}:user/alice", f"arn:aws:iam::{ACCT}:root"]},
        "Action": GET,
        "Resource": TABLE,
    }
    policy = pol(stmt, kind=PolicyKind.RESOURCE)
    assert evaluate(ctx(user_caller("alice")), identity=[pol(allow())], resource_policy=policy).allowed
    bob = evaluate(ctx(user_caller("bob")), identity=[pol(allow())], resource_policy=policy)
    assert bob.outcome is Outcome.EXPLICIT_DENY


def test_service_principal_is_allowed_by_a_resource_policy_naming_it() -> None:
    """Services act only through resource policies that name them."""
    policy = rbp({"Service": "apigateway.amazonaws.com"}, action="lambda:InvokeFunction")
    caller = service_caller("apigateway.amazonaws.com")
    assert evaluate(ctx(caller, "lambda:InvokeFunction"), resource_policy=policy).allowed
    other = evaluate(
        ctx(service_caller("sns.amazonaws.com"), "lambda:InvokeFunction"), resource_policy=policy
    )
    assert other.reason == "because no resource-based policy allows the lambda:InvokeFunction action"


def test_anonymous_caller_needs_a_public_resource_policy() -> None:
    """Anonymous requests succeed only through Principal "*"."""
    assert not evaluate(ctx(anonymous_caller())).allowed
    assert evaluate(ctx(anonymous_caller()), resource_policy=rbp("*")).allowed
    assert not evaluate(ctx(anonymous_caller()), resource_policy=rbp({"AWS": ACCT})).allowed


def test_identity_policies_are_ignored_for_anonymous_and_service_callers() -> None:
    """Only principals with identities have identity-based policies."""
    decision = evaluate(ctx(anonymous_caller()), identity=[pol(allow())])
    assert not decision.allowed


# --- cross-account --------------------------------------------------------------------------


def test_cross_account_needs_identity_and_resource_policy() -> None:
    """Across accounts, both the caller's identity policy and the resource policy must allow.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    """
    caller = user_caller("bob", OTHER)
    request = ctx(caller, resource_account=ACCT)
    grant = rbp({"AWS": f"arn:aws:iam::{OTHER}:user/bob"})
    assert evaluate(request, identity=[pol(allow())], resource_policy=grant).allowed
    only_rbp = evaluate(request, resource_policy=grant)
    only_identity = evaluate(request, identity=[pol(allow())])
    assert only_rbp.reason == "because no identity-based policy allows the dynamodb:GetItem action"
    assert only_identity.reason == "because no resource-based policy allows the dynamodb:GetItem action"


def test_cross_account_account_principal_is_enough_on_the_resource_side() -> None:
    """Trusting the other account delegates to that account's identity policies."""
    request = ctx(user_caller("bob", OTHER), resource_account=ACCT)
    assert evaluate(request, identity=[pol(allow())], resource_policy=rbp({"AWS": OTHER})).allowed


def test_cross_account_session_still_needs_its_session_policy() -> None:
    """The identity side of a cross-account call is identity ∩ session ∩ boundary."""
    caller = role_session_caller("App", "s1", OTHER)
    request = ctx(caller, resource_account=ACCT)
    decision = evaluate(
        request,
        identity=[pol(allow())],
        session=[pol(allow("s3:*", "*"))],
        resource_policy=rbp({"AWS": OTHER}),
    )
    assert decision.reason == "because no session policy allows the dynamodb:GetItem action"


def test_cross_account_root_needs_the_resource_policy() -> None:
    """Another account's root user is not the resource owner."""
    request = ctx(root_caller(OTHER), resource_account=ACCT)
    assert not evaluate(request).allowed
    assert evaluate(request, resource_policy=rbp({"AWS": OTHER})).allowed


def test_resource_account_equal_to_caller_account_is_same_account() -> None:
    """resource_account=None and the caller's own account mean the same thing."""
    request = ctx(user_caller(), resource_account=ACCT)
    assert evaluate(request, identity=[pol(allow())]).allowed


# --- trust policies -------------------------------------------------------------------------


def test_trust_policy_naming_the_lambda_service_lets_it_assume_the_role() -> None:
    """Lambda gets role credentials because the trust policy names lambda.amazonaws.com.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services
    """
    trust = pol(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
        kind=PolicyKind.TRUST,
    )
    role = f"arn:aws:iam::{ACCT}:role/Exec"
    assume = RequestContext("sts:AssumeRole", role, service_caller("lambda.amazonaws.com"))
    assert evaluate(assume, resource_policy=trust).allowed
    by_user = RequestContext("sts:AssumeRole", role, user_caller())
    assert not evaluate(by_user, identity=[pol(allow("sts:AssumeRole", "*"))], resource_policy=trust).allowed


def test_trust_policy_naming_a_same_account_user_needs_no_identity_policy() -> None:
    """A trust policy that names the user grants the AssumeRole on its own.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
    """
    trust = pol(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/alice"},
            "Action": "sts:AssumeRole",
        },
        kind=PolicyKind.TRUST,
    )
    assume = RequestContext("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/Exec", user_caller())
    assert evaluate(assume, resource_policy=trust).allowed


def test_trust_policy_naming_the_account_needs_an_identity_policy_too() -> None:
    """Trusting the account delegates the decision to the caller's identity policies.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
    """
    trust = pol(
        {"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "sts:AssumeRole"},
        kind=PolicyKind.TRUST,
    )
    assume = RequestContext("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/Exec", user_caller())
    alone = evaluate(assume, resource_policy=trust)
    assert alone.reason == "because no identity-based policy allows the sts:AssumeRole action"
    assert evaluate(assume, identity=[pol(allow("sts:AssumeRole", "*"))], resource_policy=trust).allowed


def test_identity_policy_alone_cannot_assume_a_role_whose_trust_policy_omits_the_caller() -> None:
    """Unlike other resource policies, a trust policy must name the caller or its account."""
    trust = pol(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
        kind=PolicyKind.TRUST,
    )
    assume = RequestContext("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/Exec", user_caller())
    decision = evaluate(assume, identity=[pol(allow("*", "*"))], resource_policy=trust)
    assert decision.reason == "because no resource-based policy allows the sts:AssumeRole action"


def test_same_account_resource_policy_that_omits_the_caller_leaves_identity_grants_intact() -> None:
    """For ordinary resource policies in one account, identity Allows still suffice.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
    """
    policy = rbp({"AWS": f"arn:aws:iam::{ACCT}:user/bob"})
    assert evaluate(ctx(user_caller()), identity=[pol(allow())], resource_policy=policy).allowed
