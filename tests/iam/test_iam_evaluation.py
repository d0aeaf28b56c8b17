"""How identity, session and boundary policies combine, and how the root user is treated."""

from __future__ import annotations

import pytest

from harness.iam import (
    Caller,
    Outcome,
    RequestContext,
    access_denied_message,
    evaluate,
)
from harness.iam.builders import (
    role_session_caller,
    root_caller,
    user_caller,
)
from tests.iam.iam_cases import (
    ACCT,
    GET,
    ROLE_ARN,
    SESSION_CALLER,
    TABLE,
    allow,
    ctx,
    deny,
    pol,
    rbp,
)

# --- basics ---------------------------------------------------------------------------------


def test_default_is_implicit_deny() -> None:
    """With no policy allowing it, a request is implicitly denied.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    decision = evaluate(ctx(user_caller()))
    assert decision.outcome is Outcome.IMPLICIT_DENY
    assert not decision.allowed
    assert decision.reason == "because no identity-based policy allows the dynamodb:GetItem action"


def test_identity_policy_allow_grants_access() -> None:
    """An identity policy Allow is enough within one account."""
    decision = evaluate(ctx(user_caller()), identity=[pol(allow())])
    assert decision.allowed
    assert decision.outcome is Outcome.ALLOW


def test_allow_in_any_identity_policy_is_enough() -> None:
    """Identity policies are ORed."""
    decision = evaluate(ctx(user_caller()), identity=[pol(allow("s3:*", "*")), pol(allow())])
    assert decision.allowed


def test_explicit_deny_wins_over_allow_in_the_same_policy() -> None:
    """An explicit Deny overrides any Allow.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    decision = evaluate(ctx(user_caller()), identity=[pol(allow(), deny())])
    assert decision.outcome is Outcome.EXPLICIT_DENY
    assert decision.reason == "with an explicit deny in an identity-based policy"


def test_explicit_deny_in_another_policy_wins() -> None:
    """A Deny in any applicable policy wins, whichever policy allows."""
    decision = evaluate(ctx(user_caller()), identity=[pol(allow("*", "*")), pol(deny())])
    assert decision.outcome is Outcome.EXPLICIT_DENY


def test_deny_with_false_condition_does_not_apply() -> None:
    """A Deny statement whose condition is false has no effect."""
    guarded = deny(Condition={"Bool": {"aws:SecureTransport": "false"}})
    request = RequestContext(GET, TABLE, user_caller(), {"aws:SecureTransport": True})
    assert evaluate(request, identity=[pol(allow(), guarded)]).allowed


def test_access_denied_message_has_the_aws_shape() -> None:
    """DynamoDB says: User: <arn> is not authorized to perform: <action> on resource: <arn> because ..."""
    request = ctx(user_caller())
    text = access_denied_message(request, evaluate(request))
    assert text == (
        f"User: arn:aws:iam::{ACCT}:user/alice is not authorized to perform: dynamodb:GetItem "
        f"on resource: {TABLE} because no identity-based policy allows the dynamodb:GetItem action"
    )


# --- session policies -----------------------------------------------------------------------


def test_session_is_allowed_only_if_identity_and_session_policy_allow() -> None:
    """A role session gets the intersection of role policies and session policy.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    """
    request = ctx(SESSION_CALLER)
    both = evaluate(request, identity=[pol(allow())], session=[pol(allow())])
    only_identity = evaluate(request, identity=[pol(allow())], session=[pol(allow("s3:*", "*"))])
    only_session = evaluate(request, identity=[], session=[pol(allow())])
    assert both.allowed
    assert only_identity.reason == "because no session policy allows the dynamodb:GetItem action"
    assert only_session.reason == "because no identity-based policy allows the dynamodb:GetItem action"


def test_session_policy_cannot_grant_more_than_the_role() -> None:
    """Session policies only narrow; they never add permissions.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    """
    decision = evaluate(ctx(SESSION_CALLER), identity=[], session=[pol(allow("*", "*"))])
    assert not decision.allowed


def test_session_none_or_empty_means_no_session_gate() -> None:
    """Without session policies the role's permissions apply unchanged."""
    request = ctx(SESSION_CALLER)
    assert evaluate(request, identity=[pol(allow())], session=None).allowed
    assert evaluate(request, identity=[pol(allow())], session=[]).allowed


def test_any_of_several_session_policies_may_allow() -> None:
    """Inline and managed session policies together form the session's limit."""
    request = ctx(SESSION_CALLER)
    session = [pol(allow("s3:*", "*")), pol(allow())]
    assert evaluate(request, identity=[pol(allow())], session=session).allowed


def test_explicit_deny_in_session_policy_wins() -> None:
    """A Deny in the session policy overrides the role's Allow."""
    decision = evaluate(ctx(SESSION_CALLER), identity=[pol(allow())], session=[pol(allow(), deny())])
    assert decision.reason == "with an explicit deny in a session policy"


# --- permissions boundaries -----------------------------------------------------------------


def test_boundary_limits_identity_permissions() -> None:
    """Only actions allowed by both identity policy and boundary are allowed.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """
    request = ctx(user_caller())
    inside = evaluate(request, identity=[pol(allow())], boundary=pol(allow("dynamodb:*", "*")))
    outside = evaluate(request, identity=[pol(allow())], boundary=pol(allow("s3:*", "*")))
    assert inside.allowed
    assert outside.reason == "because no permissions boundary allows the dynamodb:GetItem action"


def test_boundary_alone_grants_nothing() -> None:
    """A boundary sets a maximum; it does not grant.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """
    decision = evaluate(ctx(user_caller()), boundary=pol(allow("*", "*")))
    assert decision.reason == "because no identity-based policy allows the dynamodb:GetItem action"


def test_explicit_deny_in_boundary_wins() -> None:
    """A Deny in the boundary overrides."""
    decision = evaluate(ctx(user_caller()), identity=[pol(allow())], boundary=pol(allow("*", "*"), deny()))
    assert decision.reason == "with an explicit deny in a permissions boundary"


def test_session_boundary_and_identity_all_must_allow() -> None:
    """With a boundary, a session gets identity ∩ session ∩ boundary.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    """
    request = ctx(SESSION_CALLER)
    full = {"identity": [pol(allow())], "session": [pol(allow())], "boundary": pol(allow())}
    assert evaluate(request, **full).allowed  # type: ignore[arg-type]
    no_boundary = dict(full, boundary=pol(allow("s3:*", "*")))
    assert not evaluate(request, **no_boundary).allowed  # type: ignore[arg-type]


# --- the root user --------------------------------------------------------------------------


def test_root_user_is_allowed_without_any_policy() -> None:
    """The root user has full access to its own account.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    assert evaluate(ctx(root_caller())).allowed


def test_root_user_is_denied_by_an_explicit_deny_in_a_resource_policy() -> None:
    """Resource policies can deny the root user."""
    decision = evaluate(ctx(root_caller()), resource_policy=rbp({"AWS": ACCT}, effect="Deny"))
    assert decision.reason == "with an explicit deny in a resource-based policy"


# --- conditions and derived keys in evaluation ----------------------------------------------


def test_deny_with_negated_ifexists_operator_applies_when_the_key_is_missing() -> None:
    """A Deny with StringNotEqualsIfExists still denies when the key is missing.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
    """
    guard = deny(Condition={"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "blue"}})
    assert not evaluate(ctx(user_caller()), identity=[pol(allow(), guard)]).allowed
    blue = user_caller(tags={"team": "blue"})
    assert evaluate(ctx(blue), identity=[pol(allow(), guard)]).allowed


def test_principal_context_keys_are_derived_from_the_caller() -> None:
    """aws:PrincipalArn, aws:PrincipalAccount and aws:PrincipalType come from the caller.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    """
    cond = {
        "ArnEquals": {"aws:PrincipalArn": ROLE_ARN},
        "StringEquals": {"aws:PrincipalAccount": ACCT, "aws:PrincipalType": "AssumedRole"},
    }
    assert evaluate(ctx(SESSION_CALLER), identity=[pol(allow(Condition=cond))]).allowed
    assert not evaluate(ctx(role_session_caller("Other")), identity=[pol(allow(Condition=cond))]).allowed


def test_request_keys_override_keys_derived_from_the_caller() -> None:
    """Explicit request-context keys take precedence over derived ones."""
    cond = {"StringEquals": {"aws:username": "mallory"}}
    request = RequestContext(GET, TABLE, user_caller(), {"AWS:UserName": "mallory"})
    assert evaluate(request, identity=[pol(allow(Condition=cond))]).allowed


def test_caller_kind_must_be_known() -> None:
    """A typo in the caller kind is a programming error, not a silent deny."""
    with pytest.raises(ValueError, match="unknown caller kind"):
        Caller(arn="x", account=ACCT, kind="role")
