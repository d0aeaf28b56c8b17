"""Principal and NotPrincipal matching for trust and resource policies."""

from __future__ import annotations

from typing import Any

import pytest

from harness.iam import MalformedPolicyDocument, principal_matches
from harness.iam.builders import (
    anonymous_caller,
    role_session_caller,
    root_caller,
    service_caller,
    user_caller,
)
from harness.iam.principals import Grant, parse_principal

PRINCIPAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
ACCT = "123456789012"
OTHER = "210987654321"


def test_star_principal_matches_everyone_including_anonymous() -> None:
    """ "*" means all principals, anonymous ones included.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    for caller in (user_caller(), role_session_caller(), anonymous_caller(), service_caller()):
        assert principal_matches("*", caller)
    assert principal_matches({"AWS": "*"}, anonymous_caller())


@pytest.mark.parametrize("principal", [ACCT, f"arn:aws:iam::{ACCT}:root"])
def test_account_principal_matches_every_principal_of_that_account(principal: str) -> None:
    """An account principal covers the account's users, roles and root.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    for caller in (user_caller(), role_session_caller(), root_caller()):
        assert principal_matches({"AWS": principal}, caller)
        assert parse_principal({"AWS": principal}).grant(caller) is Grant.ACCOUNT
    assert not principal_matches({"AWS": principal}, user_caller(account=OTHER))


def test_user_arn_principal_matches_only_that_user() -> None:
    """An IAM user ARN names exactly that user."""
    spec = {"AWS": f"arn:aws:iam::{ACCT}:user/alice"}
    assert principal_matches(spec, user_caller("alice"))
    assert not principal_matches(spec, user_caller("bob"))
    assert parse_principal(spec).grant(user_caller("alice")) is Grant.USER


def test_role_arn_principal_matches_every_session_of_the_role() -> None:
    """A role ARN covers all of that role's sessions.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
    """
    spec = {"AWS": f"arn:aws:iam::{ACCT}:role/App"}
    assert principal_matches(spec, role_session_caller("App", "one"))
    assert principal_matches(spec, role_session_caller("App", "two"))
    assert not principal_matches(spec, role_session_caller("Other", "one"))
    assert parse_principal(spec).grant(role_session_caller("App")) is Grant.ROLE


def test_session_arn_principal_matches_only_that_session() -> None:
    """An assumed-role session ARN names a single session."""
    spec = {"AWS": f"arn:aws:sts::{ACCT}:assumed-role/App/one"}
    assert principal_matches(spec, role_session_caller("App", "one"))
    assert not principal_matches(spec, role_session_caller("App", "two"))
    assert parse_principal(spec).grant(role_session_caller("App", "one")) is Grant.SESSION


def test_service_principal_matches_the_service() -> None:
    """{"Service": "lambda.amazonaws.com"} names the Lambda service.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services
    """
    spec = {"Service": ["lambda.amazonaws.com", "apigateway.amazonaws.com"]}
    assert principal_matches(spec, service_caller("lambda.amazonaws.com"))
    assert not principal_matches(spec, service_caller("ec2.amazonaws.com"))
    assert not principal_matches(spec, user_caller())


def test_federated_principal_matches_the_identity_provider() -> None:
    """{"Federated": provider} names web-identity / SAML callers of that provider."""
    from harness.iam import Caller

    caller = Caller(
        arn="cognito-identity.amazonaws.com",
        account="",
        kind="federated",
        service="cognito-identity.amazonaws.com",
    )
    assert principal_matches({"Federated": "cognito-identity.amazonaws.com"}, caller)
    assert not principal_matches({"Federated": "accounts.google.com"}, caller)


def test_aws_principal_list_matches_any_entry() -> None:
    """A list of principals is ORed."""
    spec = {"AWS": [f"arn:aws:iam::{ACCT}:user/bob", f"arn:aws:iam::{ACCT}:role/App"]}
    assert principal_matches(spec, role_session_caller("App"))
    assert principal_matches(spec, user_caller("bob"))
    assert not principal_matches(spec, user_caller("carol"))


def test_anonymous_caller_matches_only_star() -> None:
    """Unauthenticated callers are named only by the wildcard."""
    assert not principal_matches({"AWS": ACCT}, anonymous_caller())


def test_notprincipal_excludes_a_user_only_with_its_account_listed() -> None:
    """NotPrincipal must list the user and its account to exempt the user.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    bob = user_caller("Bob", OTHER)
    only_user = {"AWS": [f"arn:aws:iam::{OTHER}:user/Bob"]}
    with_account = {"AWS": [f"arn:aws:iam::{OTHER}:user/Bob", f"arn:aws:iam::{OTHER}:root"]}
    assert principal_matches(only_user, bob, not_principal=True)
    assert not principal_matches(with_account, bob, not_principal=True)
    assert principal_matches(with_account, user_caller("Eve", OTHER), not_principal=True)


def test_notprincipal_excludes_a_session_only_with_session_role_and_account_listed() -> None:
    """For a role session, AWS checks the session, the role and the account.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    session = role_session_caller("ro", "audit", OTHER)
    full = {
        "AWS": [
            f"arn:aws:sts::{OTHER}:assumed-role/ro/audit",
            f"arn:aws:iam::{OTHER}:role/ro",
            f"arn:aws:iam::{OTHER}:root",
        ]
    }
    partial: dict[str, Any] = {"AWS": full["AWS"][::2]}
    assert not principal_matches(full, session, not_principal=True)
    assert principal_matches(partial, session, not_principal=True)


def test_principal_matches_rejects_invalid_elements() -> None:
    """Principals with partial wildcards are invalid."""
    with pytest.raises(MalformedPolicyDocument):
        principal_matches({"AWS": "arn:aws:iam::*:root"}, user_caller())
