"""Policy variables in Resource and in condition values."""

from __future__ import annotations

from typing import Any

from harness.iam import Caller, ContextValue, RequestContext, evaluate, parse_policy
from harness.iam.builders import policy_text, role_session_caller, user_caller

VARIABLES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
BUCKET = "arn:aws:s3:::mybucket"


def allowed(
    stmt: dict[str, Any],
    resource: str = "*",
    keys: dict[str, ContextValue] | None = None,
    caller: Caller | None = None,
    version: str = "2012-10-17",
) -> bool:
    policy = parse_policy(policy_text(stmt, version=version))
    ctx = RequestContext("s3:GetObject", resource, caller or user_caller(), keys or {})
    return evaluate(ctx, identity=[policy]).allowed


def on_resource(resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:*", "Resource": resource}


def with_condition(condition: dict[str, Any]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": condition}


def test_username_variable_in_resource_is_substituted() -> None:
    """${aws:username} becomes the friendly name of the calling user.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    stmt = on_resource(BUCKET + "/home/${aws:username}/*")
    assert allowed(stmt, BUCKET + "/home/alice/notes.txt")
    assert not allowed(stmt, BUCKET + "/home/bob/notes.txt")


def test_userid_variable_is_the_unique_id() -> None:
    """${aws:userid} is the unique ID: AIDA... for users, role-id:session for sessions.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable
    """
    stmt = on_resource(BUCKET + "/${aws:userid}/*")
    session = role_session_caller("App", "s9")
    assert allowed(stmt, BUCKET + "/AIDAEXAMPLEUSERID/x")
    assert allowed(stmt, BUCKET + "/AROAEXAMPLEAPP:s9/x", caller=session)


def test_principal_tag_variable_is_the_callers_tag() -> None:
    """${aws:PrincipalTag/k} resolves to the principal's tag value.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-tags
    """
    stmt = on_resource(BUCKET + "/${aws:PrincipalTag/department}/*")
    caller = user_caller(tags={"department": "hr"})
    assert allowed(stmt, BUCKET + "/hr/x", caller=caller)
    assert not allowed(stmt, BUCKET + "/it/x", caller=caller)


def test_principal_tag_variable_key_is_case_insensitive() -> None:
    """Key names are case-insensitive, so the tag key in the variable is too."""
    stmt = on_resource(BUCKET + "/${aws:principaltag/DEPARTMENT}/*")
    assert allowed(stmt, BUCKET + "/hr/x", caller=user_caller(tags={"Department": "hr"}))


def test_principal_arn_variable_is_the_role_arn_for_sessions() -> None:
    """aws:PrincipalArn is the role ARN (not the session ARN) for a role session.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
    """
    cond = {"StringEquals": {"s3:prefix": "${aws:PrincipalArn}"}}
    session = role_session_caller("App", "s1")
    assert allowed(with_condition(cond), keys={"s3:prefix": session.role_arn or ""}, caller=session)
    assert not allowed(with_condition(cond), keys={"s3:prefix": session.arn}, caller=session)


def test_any_context_key_can_be_a_variable() -> None:
    """Service keys such as dynamodb:... and s3:... resolve from the request context."""
    stmt = on_resource(BUCKET + "/${s3:prefix}")
    assert allowed(stmt, BUCKET + "/reports", keys={"s3:prefix": "reports"})


def test_variables_in_string_like_patterns_keep_policy_wildcards() -> None:
    """A variable inside StringLike: the substituted text is literal, * stays a wildcard.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-conditionelement
    """
    cond = {"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}
    assert allowed(with_condition(cond), keys={"s3:prefix": "home/alice/x"})
    assert not allowed(with_condition(cond), keys={"s3:prefix": "home/bob/x"})


def test_substituted_values_match_literally_not_as_wildcards() -> None:
    """A tag value of "*" does not turn into a wildcard."""
    stmt = on_resource(BUCKET + "/${aws:PrincipalTag/team}/x")
    star = user_caller(tags={"team": "*"})
    assert allowed(stmt, BUCKET + "/*/x", caller=star)
    assert not allowed(stmt, BUCKET + "/anything/x", caller=star)


def test_escape_star_matches_a_literal_asterisk() -> None:
    """${*} stands for a literal * character.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
    """
    stmt = on_resource(BUCKET + "/a${*}b")
    assert allowed(stmt, BUCKET + "/a*b")
    assert not allowed(stmt, BUCKET + "/aXb")


def test_escape_question_mark_matches_a_literal_question_mark() -> None:
    """${?} stands for a literal ? character."""
    cond = {"StringLike": {"s3:prefix": "why${?}"}}
    assert allowed(with_condition(cond), keys={"s3:prefix": "why?"})
    assert not allowed(with_condition(cond), keys={"s3:prefix": "whyX"})


def test_escape_dollar_matches_a_literal_dollar() -> None:
    """${$} stands for a literal $ character."""
    cond = {"StringEquals": {"s3:prefix": "${$}{aws:username}"}}
    assert allowed(with_condition(cond), keys={"s3:prefix": "${aws:username}"})
    assert not allowed(with_condition(cond), keys={"s3:prefix": "$alice"})


def test_default_value_is_used_when_the_key_is_missing() -> None:
    """${key, 'default'} supplies a value when the key is absent.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-default-values
    """
    stmt = on_resource(BUCKET + "/${aws:PrincipalTag/team, 'shared'}/*")
    assert allowed(stmt, BUCKET + "/shared/x")
    assert allowed(stmt, BUCKET + "/blue/x", caller=user_caller(tags={"team": "blue"}))
    assert not allowed(stmt, BUCKET + "/shared/x", caller=user_caller(tags={"team": "blue"}))


def test_missing_variable_without_default_makes_the_resource_not_match() -> None:
    """An unresolvable variable fails the match rather than matching empty text.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable
    """
    stmt = on_resource(BUCKET + "/${aws:PrincipalTag/team}/*")
    assert not allowed(stmt, BUCKET + "//x")
    assert not allowed(stmt, BUCKET + "/${aws:PrincipalTag/team}/x")


def test_missing_variable_without_default_makes_the_condition_value_not_match() -> None:
    """aws:username is absent for role sessions, so the value cannot match."""
    cond = {"StringEquals": {"s3:prefix": "${aws:username}"}}
    session = role_session_caller()
    assert not allowed(with_condition(cond), keys={"s3:prefix": ""}, caller=session)


def test_other_values_for_the_key_still_match_when_one_variable_is_missing() -> None:
    """Only the value with the unresolved variable drops out of the OR."""
    cond = {"StringEquals": {"s3:prefix": ["${aws:username}", "public"]}}
    session = role_session_caller()
    assert allowed(with_condition(cond), keys={"s3:prefix": "public"}, caller=session)


def test_version_2008_treats_variables_literally() -> None:
    """Without Version 2012-10-17, ${aws:username} is plain text.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    stmt = on_resource(BUCKET + "/home/${aws:username}")
    assert not allowed(stmt, BUCKET + "/home/alice", version="2008-10-17")
    assert allowed(stmt, BUCKET + "/home/${aws:username}", version="2008-10-17")


def test_multivalued_keys_cannot_be_variables() -> None:
    """Only single-valued keys may be used as policy variables.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    stmt = on_resource(BUCKET + "/${aws:TagKeys}")
    assert not allowed(stmt, BUCKET + "/a", keys={"aws:TagKeys": ["a"]})


def test_variables_are_not_substituted_in_numeric_conditions() -> None:
    """Numeric, Date, Binary, IP and Null operators do not take variables."""
    cond = {"NumericEquals": {"s3:max-keys": "${s3:limit}"}}
    assert not allowed(with_condition(cond), keys={"s3:max-keys": 5, "s3:limit": 5})


def test_variables_work_in_arn_and_bool_conditions() -> None:
    """ARN and Boolean operators accept policy variables."""
    arn_cond = {"ArnEquals": {"aws:SourceArn": "arn:aws:iam::123456789012:user/${aws:username}"}}
    assert allowed(with_condition(arn_cond), keys={"aws:SourceArn": "arn:aws:iam::123456789012:user/alice"})
    bool_cond = {"Bool": {"aws:SecureTransport": "${ex:expected}"}}
    assert allowed(with_condition(bool_cond), keys={"aws:SecureTransport": True, "ex:expected": "true"})


WHERE = VARIABLES + "#policy-vars-resourceelement"
NO_VALUE = VARIABLES + "#policy-vars-no-value"
ACCOUNT_KEYS: dict[str, ContextValue] = {"aws:RequestedRegion": "us-east-1",
                                         "aws:PrincipalAccount": "123456789012"}


def test_variables_are_substituted_only_in_the_resource_part_of_an_arn() -> None:
    """Variables before the fifth colon (partition, service, region, account) stay as written.

    "You can use a policy variable in the Resource element, but only in the resource portion of
    the ARN. This portion of the ARN appears after the fifth colon" (WHERE).
    """
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/Product-pooled"
    for pattern in ("arn:aws:dynamodb:${aws:RequestedRegion}:${aws:PrincipalAccount}:table/Product-pooled",
                    "arn:aws:dynamodb:${aws:RequestedRegion}:123456789012:table/Product-pooled",
                    "arn:aws:dynamodb:us-east-1:${aws:PrincipalAccount}:table/Product-pooled",
                    "arn:${ex:partition}:dynamodb:us-east-1:123456789012:table/Product-pooled"):
        assert not allowed(on_resource(pattern), table, keys={**ACCOUNT_KEYS, "ex:partition": "aws"})
    resource_part = "arn:aws:dynamodb:us-east-1:123456789012:table/${ex:table}"
    assert allowed(on_resource(resource_part), table, keys={"ex:table": "Product-pooled"})


def test_a_variable_left_unsubstituted_in_the_account_field_matches_only_its_own_text() -> None:
    """Not substituted means kept as the characters written, never matched as a wildcard."""
    pattern = "arn:aws:iam::${aws:PrincipalAccount}:user/alice"
    assert allowed(on_resource(pattern), pattern, keys=ACCOUNT_KEYS)
    assert not allowed(on_resource(pattern), "arn:aws:iam::123456789012:user/alice", keys=ACCOUNT_KEYS)


def test_variables_in_condition_values_are_substituted_whatever_their_position() -> None:
    """The fifth-colon rule is for the Resource element; condition values take variables anywhere."""
    cond = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}}
    assert allowed(with_condition(cond), keys={"aws:PrincipalArn": "arn:aws:iam::123456789012:role/r",
                                               "aws:PrincipalAccount": "123456789012"})


def test_variable_with_no_value_makes_a_negated_operator_match() -> None:
    """StringNotEquals / StringNotLike / ArnNotLike "do match against a null value" (NO_VALUE)."""
    session = role_session_caller()
    for op, value in (("StringNotEquals", "${aws:username}"), ("StringNotLike", "${aws:username}*"),
                      ("ArnNotLike", "arn:aws:iam::1:user/${aws:username}")):
        assert allowed(with_condition({op: {"ex:k": value}}), keys={"ex:k": "x"}, caller=session)


def test_variable_with_no_value_makes_a_positive_operator_fail() -> None:
    """StringEquals / StringLike / ArnLike "do not match, and the policy statement does not take effect"."""
    session = role_session_caller()
    for op, value in (("StringEquals", "${aws:username}"), ("StringLike", "${aws:username}*"),
                      ("ArnLike", "arn:aws:iam::1:user/${aws:username}")):
        assert not allowed(with_condition({op: {"ex:k": value}}), keys={"ex:k": "x"}, caller=session)


def test_variable_with_no_value_in_not_resource_matches_no_resource() -> None:
    """A NotResource entry with an unresolved variable excludes nothing, so the statement applies."""
    stmt = {"Effect": "Allow", "Action": "s3:*", "NotResource": BUCKET + "/${aws:username}/*"}
    assert allowed(stmt, BUCKET + "/anyone/x", caller=role_session_caller())
