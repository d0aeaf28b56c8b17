"""Action, NotAction, Resource and NotResource matching."""

from __future__ import annotations

from typing import Any

import pytest

from harness.iam import RequestContext, evaluate, parse_policy
from harness.iam.builders import policy_text, user_caller

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table"


def allowed(stmt: dict[str, Any], action: str, resource: str) -> bool:
    policy = parse_policy(policy_text(stmt))
    ctx = RequestContext(action=action, resource=resource, caller=user_caller())
    return evaluate(ctx, identity=[policy]).allowed


def allow(action: Any = "dynamodb:GetItem", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_action_matching_is_case_insensitive() -> None:
    """Service prefixes and action names are case-insensitive.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    assert allowed(allow("DynamoDB:getitem"), "dynamodb:GetItem", "*")
    assert allowed(allow("dynamodb:GetItem"), "DYNAMODB:GETITEM", "*")


def test_action_star_wildcard_matches_any_run_of_characters() -> None:
    """* in an action matches any characters, including none.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    stmt = allow("dynamodb:*Item")
    assert allowed(stmt, "dynamodb:GetItem", "*")
    assert allowed(stmt, "dynamodb:BatchGetItem", "*")
    assert not allowed(stmt, "dynamodb:Query", "*")
    assert allowed(allow("dynamodb:*"), "dynamodb:Scan", "*")


def test_action_question_mark_matches_exactly_one_character() -> None:
    """? matches a single character."""
    stmt = allow("iam:?etUser")
    assert allowed(stmt, "iam:GetUser", "*")
    assert not allowed(stmt, "iam:GGetUser", "*")
    assert not allowed(stmt, "iam:etUser", "*")


def test_action_list_matches_any_listed_action() -> None:
    """A list of actions is ORed."""
    stmt = allow(["dynamodb:GetItem", "dynamodb:Query"])
    assert allowed(stmt, "dynamodb:Query", "*")
    assert not allowed(stmt, "dynamodb:Scan", "*")


def test_action_of_another_service_does_not_match() -> None:
    """The prefix is part of the action."""
    assert not allowed(allow("s3:GetItem"), "dynamodb:GetItem", "*")


def test_notaction_allows_everything_except_the_listed_actions() -> None:
    """NotAction with Allow matches every action not listed.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """
    stmt = {"Effect": "Allow", "NotAction": "dynamodb:Delete*", "Resource": "*"}
    assert allowed(stmt, "dynamodb:GetItem", "*")
    assert allowed(stmt, "s3:GetObject", "*")
    assert not allowed(stmt, "dynamodb:DeleteItem", "*")


def test_notaction_with_deny_denies_everything_except_the_listed_actions() -> None:
    """Deny + NotAction is the usual "everything but" guard.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """
    doc = policy_text(
        allow("*", "*"),
        {"Effect": "Deny", "NotAction": ["dynamodb:GetItem"], "Resource": "*"},
    )
    policy = parse_policy(doc)
    caller = user_caller()
    get = RequestContext("dynamodb:GetItem", "*", caller)
    put = RequestContext("dynamodb:PutItem", "*", caller)
    assert evaluate(get, identity=[policy]).allowed
    assert not evaluate(put, identity=[policy]).allowed


def test_resource_matching_is_case_sensitive() -> None:
    """ARNs are compared case-sensitively.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    stmt = allow(resource=f"{TABLE}/Product-pooled")
    assert allowed(stmt, "dynamodb:GetItem", f"{TABLE}/Product-pooled")
    assert not allowed(stmt, "dynamodb:GetItem", f"{TABLE}/product-pooled")


def test_resource_star_spans_slashes_and_colons() -> None:
    """A * in Resource matches across / and : (whole-ARN glob)."""
    stmt = allow("dynamodb:Query", f"{TABLE}/*")
    assert allowed(stmt, "dynamodb:Query", f"{TABLE}/Order-1/index/byDate")
    assert allowed(allow("dynamodb:Query", "arn:aws:dynamodb:*"), "dynamodb:Query", f"{TABLE}/O")
    stmt = allow("logs:*", "arn:aws:logs:*:123456789012:log-group:app*")
    assert allowed(stmt, "logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:app:x")


def test_resource_prefix_glob_does_not_match_other_tables() -> None:
    """table/Product-* covers Product tables only."""
    stmt = allow(resource=f"{TABLE}/Product-*")
    assert allowed(stmt, "dynamodb:GetItem", f"{TABLE}/Product-pooled")
    assert not allowed(stmt, "dynamodb:GetItem", f"{TABLE}/Order-pooled")
    assert not allowed(stmt, "dynamodb:GetItem", f"{TABLE}/Product")


def test_resource_question_mark_matches_one_character() -> None:
    """? in a resource matches exactly one character."""
    stmt = allow(resource=f"{TABLE}/T?")
    assert allowed(stmt, "dynamodb:GetItem", f"{TABLE}/T1")
    assert not allowed(stmt, "dynamodb:GetItem", f"{TABLE}/T12")


def test_exact_resource_does_not_match_a_longer_arn() -> None:
    """Without a wildcard the whole ARN must be equal."""
    stmt = allow(resource=f"{TABLE}/Orders")
    assert not allowed(stmt, "dynamodb:GetItem", f"{TABLE}/Orders/index/i")


def test_resource_list_matches_any_listed_resource() -> None:
    """A list of resources is ORed."""
    stmt = allow(resource=[f"{TABLE}/A", f"{TABLE}/B"])
    assert allowed(stmt, "dynamodb:GetItem", f"{TABLE}/B")
    assert not allowed(stmt, "dynamodb:GetItem", f"{TABLE}/C")


def test_notresource_matches_everything_except_the_listed_resources() -> None:
    """NotResource inverts the resource match.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    """
    stmt = {"Effect": "Allow", "Action": "dynamodb:*", "NotResource": f"{TABLE}/Secret*"}
    assert allowed(stmt, "dynamodb:GetItem", f"{TABLE}/Public")
    assert not allowed(stmt, "dynamodb:GetItem", f"{TABLE}/SecretStuff")


def test_notresource_with_deny_protects_everything_else() -> None:
    """Deny + NotResource: deny everywhere except the listed resources."""
    doc = policy_text(
        allow("dynamodb:*", "*"),
        {"Effect": "Deny", "Action": "dynamodb:*", "NotResource": f"{TABLE}/Mine"},
    )
    policy = parse_policy(doc)
    caller = user_caller()
    assert evaluate(RequestContext("dynamodb:GetItem", f"{TABLE}/Mine", caller), identity=[policy]).allowed
    theirs = evaluate(RequestContext("dynamodb:GetItem", f"{TABLE}/Theirs", caller), identity=[policy])
    assert theirs.reason == "with an explicit deny in an identity-based policy"


@pytest.mark.parametrize("resource", ["*", f"{TABLE}/X"])
def test_star_resource_matches_everything(resource: str) -> None:
    """Resource "*" covers every resource, including the "*" of list-style actions."""
    assert allowed(allow("dynamodb:*", "*"), "dynamodb:ListTables", resource)


def test_specific_resource_does_not_match_a_star_request() -> None:
    """Actions without resource-level permissions are authorised against "*"."""
    assert not allowed(allow("dynamodb:*", f"{TABLE}/X"), "dynamodb:ListTables", "*")
