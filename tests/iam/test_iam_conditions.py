"""Condition operators and how a Condition block combines them."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from harness.iam import Caller, ContextValue, RequestContext, evaluate, parse_policy
from harness.iam.builders import policy_text, user_caller

OPERATORS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
)


def holds(
    condition: dict[str, Any],
    keys: dict[str, ContextValue] | None = None,
    caller: Caller | None = None,
    version: str = "2012-10-17",
) -> bool:
    """True when an Allow statement guarded by `condition` applies to the request."""
    stmt = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}
    policy = parse_policy(policy_text(stmt, version=version))
    ctx = RequestContext("s3:GetObject", "*", caller or user_caller(), keys or {})
    return evaluate(ctx, identity=[policy]).allowed


# --- how the block combines ---------------------------------------------------------------


def test_condition_operators_are_anded() -> None:
    """Every operator in a Condition block must be true.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
    """
    cond = {"StringEquals": {"aws:username": "alice"}, "Bool": {"aws:SecureTransport": "true"}}
    assert holds(cond, {"aws:SecureTransport": True})
    assert not holds(cond, {"aws:SecureTransport": False})


def test_keys_inside_one_operator_are_anded() -> None:
    """Two keys under one operator must both match.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
    """
    cond = {"StringEquals": {"aws:username": "alice", "s3:prefix": "home/"}}
    assert holds(cond, {"s3:prefix": "home/"})
    assert not holds(cond, {"s3:prefix": "other/"})


def test_values_for_one_key_are_ored() -> None:
    """Several values listed for one key: any of them may match.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
    """
    cond = {"StringEquals": {"s3:prefix": ["a/", "b/"]}}
    assert holds(cond, {"s3:prefix": "b/"})
    assert not holds(cond, {"s3:prefix": "c/"})


def test_condition_key_names_are_case_insensitive() -> None:
    """aws:CurrentTime and AWS:currenttime are the same key.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    assert holds({"StringEquals": {"S3:PREFIX": "x"}}, {"s3:prefix": "x"})
    assert holds({"StringEquals": {"s3:prefix": "x"}}, {"S3:Prefix": "x"})


def test_string_equals_values_are_case_sensitive() -> None:
    """StringEquals is exact, case-sensitive matching."""
    assert holds({"StringEquals": {"s3:prefix": "Home"}}, {"s3:prefix": "Home"})
    assert not holds({"StringEquals": {"s3:prefix": "Home"}}, {"s3:prefix": "home"})


# --- string ---------------------------------------------------------------------------------


def test_string_not_equals_is_true_when_no_value_matches() -> None:
    """StringNotEquals: negated matching against every listed value."""
    cond = {"StringNotEquals": {"s3:prefix": ["a", "b"]}}
    assert holds(cond, {"s3:prefix": "c"})
    assert not holds(cond, {"s3:prefix": "b"})


def test_string_equals_ignore_case_ignores_case() -> None:
    """StringEqualsIgnoreCase folds case on both sides."""
    assert holds({"StringEqualsIgnoreCase": {"s3:prefix": "HOME"}}, {"s3:prefix": "home"})
    assert not holds({"StringEqualsIgnoreCase": {"s3:prefix": "HOME"}}, {"s3:prefix": "homes"})


def test_string_not_equals_ignore_case_is_the_negation() -> None:
    """StringNotEqualsIgnoreCase is false for a case-insensitive match."""
    assert not holds({"StringNotEqualsIgnoreCase": {"s3:prefix": "HOME"}}, {"s3:prefix": "home"})
    assert holds({"StringNotEqualsIgnoreCase": {"s3:prefix": "HOME"}}, {"s3:prefix": "away"})


def test_string_like_supports_star_and_question_mark() -> None:
    """StringLike: * for any characters, ? for one, anywhere in the value."""
    assert holds({"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/alice/x"})
    assert holds({"StringLike": {"s3:prefix": "v?"}}, {"s3:prefix": "v1"})
    assert not holds({"StringLike": {"s3:prefix": "v?"}}, {"s3:prefix": "v10"})


def test_string_like_is_case_sensitive_and_anchored() -> None:
    """StringLike matches the whole value, case-sensitively."""
    assert not holds({"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "Home/x"})
    assert not holds({"StringLike": {"s3:prefix": "home"}}, {"s3:prefix": "home/x"})


def test_string_like_without_wildcard_is_exact() -> None:
    """You must specify wildcards to get partial matches."""
    assert holds({"StringLike": {"s3:prefix": "home"}}, {"s3:prefix": "home"})


def test_string_not_like_is_the_negation() -> None:
    """StringNotLike is true when no pattern matches."""
    assert holds({"StringNotLike": {"s3:prefix": "tmp/*"}}, {"s3:prefix": "home/x"})
    assert not holds({"StringNotLike": {"s3:prefix": "tmp/*"}}, {"s3:prefix": "tmp/x"})


def test_string_operators_render_numbers_and_booleans_as_text() -> None:
    """Context values are compared as their string form."""
    assert holds({"StringEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": 10})
    assert holds({"StringEquals": {"aws:securetransport": "true"}}, {"aws:SecureTransport": True})


# --- numeric --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "bound", "value", "expected"),
    [
        ("NumericEquals", "10", 10, True),
        ("NumericEquals", "10", 11, False),
        ("NumericNotEquals", "10", 11, True),
        ("NumericNotEquals", "10", 10, False),
        ("NumericLessThan", "10", 9, True),
        ("NumericLessThan", "10", 10, False),
        ("NumericLessThanEquals", "10", 10, True),
        ("NumericLessThanEquals", 10, 11, False),
        ("NumericGreaterThan", "10", 11, True),
        ("NumericGreaterThan", "10", 10, False),
        ("NumericGreaterThanEquals", "10", 10, True),
        ("NumericGreaterThanEquals", "10.5", 10, False),
        ("NumericLessThan", "10", "9.5", True),
    ],
)
def test_numeric_operators_compare_numbers(operator: str, bound: Any, value: Any, expected: bool) -> None:
    """Numeric operators compare integers or decimals.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
    """
    assert holds({operator: {"s3:max-keys": bound}}, {"s3:max-keys": value}) is expected


def test_numeric_operator_with_non_numeric_value_does_not_match() -> None:
    """A value that is not a number never satisfies a numeric comparison."""
    assert not holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "ten"})


# --- date -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "bound", "value", "expected"),
    [
        ("DateEquals", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", True),
        ("DateEquals", "2020-01-01", "2020-01-01T00:00:00Z", True),
        ("DateNotEquals", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", True),
        ("DateLessThan", "2020-01-01T00:00:00Z", "2019-12-31T23:59:59Z", True),
        ("DateLessThan", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", False),
        ("DateLessThanEquals", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", True),
        ("DateGreaterThan", "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z", True),
        ("DateGreaterThanEquals", "2020-01-01T00:00:00Z", "2019-01-01T00:00:00Z", False),
        ("DateGreaterThan", "2020-01-01T00:00:00+02:00", "2019-12-31T23:00:00Z", True),
    ],
)
def test_date_operators_compare_iso_8601_dates(operator: str, bound: str, value: str, expected: bool) -> None:
    """Date operators accept the W3C ISO 8601 profiles, with time zones.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
    """
    assert holds({operator: {"aws:CurrentTime": bound}}, {"aws:CurrentTime": value}) is expected


def test_date_operators_accept_epoch_seconds() -> None:
    """Epoch (UNIX) time is accepted on either side.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
    """
    assert holds({"DateLessThan": {"aws:EpochTime": "1577836800"}}, {"aws:EpochTime": 1577836799})
    assert holds({"DateEquals": {"aws:CurrentTime": 1577836800}}, {"aws:CurrentTime": "2020-01-01T00:00:00Z"})
    assert not holds({"DateGreaterThan": {"aws:EpochTime": 1577836800}}, {"aws:EpochTime": "1577836800"})


def test_date_operator_with_unparseable_request_value_does_not_match() -> None:
    """A malformed date in the request satisfies nothing."""
    assert not holds({"DateLessThan": {"aws:CurrentTime": "2030-01-01"}}, {"aws:CurrentTime": "soon"})


# --- bool, binary, ip -----------------------------------------------------------------------


def test_bool_matches_true_and_false() -> None:
    """Bool compares against "true" or "false" (JSON booleans accepted too).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean
    """
    assert holds({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True})
    assert holds({"Bool": {"aws:SecureTransport": False}}, {"aws:SecureTransport": "false"})
    assert not holds({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": False})


def test_binary_equals_compares_base64_bytes() -> None:
    """BinaryEquals compares bytes against a base-64 value in the policy.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_BinaryEquals
    """
    encoded = base64.b64encode(b"BinaryValueInBase64").decode()
    assert holds({"BinaryEquals": {"ex:blob": encoded}}, {"ex:blob": encoded})
    assert not holds({"BinaryEquals": {"ex:blob": encoded}}, {"ex:blob": base64.b64encode(b"x").decode()})


@pytest.mark.parametrize(
    ("cidr", "address", "expected"),
    [
        ("203.0.113.0/24", "203.0.113.7", True),
        ("203.0.113.0/24", "203.0.114.7", False),
        ("203.0.113.7", "203.0.113.7", True),
        ("203.0.113.7", "203.0.113.8", False),
        ("2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", True),
        ("2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1", False),
        ("203.0.113.0/24", "2001:db8::1", False),
    ],
)
def test_ip_address_matches_cidr_ranges_ipv4_and_ipv6(cidr: str, address: str, expected: bool) -> None:
    """IpAddress takes CIDR ranges; a bare address means /32.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
    """
    assert holds({"IpAddress": {"aws:SourceIp": cidr}}, {"aws:SourceIp": address}) is expected


def test_not_ip_address_is_the_negation() -> None:
    """NotIpAddress: every address except the range."""
    assert holds({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "192.0.2.1"})
    assert not holds({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"})


# --- arn ------------------------------------------------------------------------------------


def test_arn_like_matches_segment_wise() -> None:
    """ArnLike checks each of the six colon-separated parts separately.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    ok = "arn:aws:someservice:us-east-2:111122223333:finance/document.txt"
    assert holds({"ArnLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": ok})


def test_arn_like_star_does_not_cross_a_colon_where_string_like_does() -> None:
    """The documented example: StringLike matches, ArnLike does not.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    assert holds({"StringLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": value})
    assert not holds({"ArnLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": value})


def test_arn_equals_and_arn_like_behave_identically() -> None:
    """ArnEquals also honours wildcards, per the docs."""
    pattern = "arn:aws:sns:*:123456789012:topic-?"
    value = "arn:aws:sns:us-east-1:123456789012:topic-1"
    assert holds({"ArnEquals": {"aws:SourceArn": pattern}}, {"aws:SourceArn": value})
    assert holds({"ArnLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": value})


def test_arn_matching_is_case_sensitive() -> None:
    """ARN operators are case-sensitive."""
    arn = "arn:aws:sns:us-east-1:123456789012:Topic"
    assert not holds({"ArnEquals": {"aws:SourceArn": arn}}, {"aws:SourceArn": arn.lower()})


def test_arn_like_star_in_resource_part_can_span_colons() -> None:
    """The sixth part (resource) keeps its own colons, so * may span them."""
    pattern = "arn:aws:logs:*:123456789012:log-group:*"
    value = "arn:aws:logs:us-east-1:123456789012:log-group:app:log-stream:x"
    assert holds({"ArnLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": value})


def test_arn_not_equals_and_not_like_are_negations() -> None:
    """ArnNotEquals and ArnNotLike are true when no pattern matches."""
    arn = "arn:aws:iam::123456789012:role/Admin"
    for op in ("ArnNotEquals", "ArnNotLike"):
        assert not holds({op: {"aws:PrincipalArn": arn}}, {"aws:PrincipalArn": arn})
        assert holds({op: {"aws:PrincipalArn": arn}}, {"aws:PrincipalArn": arn + "2"})


def test_arn_operator_against_a_non_arn_value_does_not_match() -> None:
    """A value without six parts is not an ARN."""
    assert not holds({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}, {"aws:SourceArn": "bucket"})


# --- null -----------------------------------------------------------------------------------


def test_null_true_means_the_key_is_absent() -> None:
    """Null: true holds when the key is not in the request context.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
    """
    assert holds({"Null": {"aws:TokenIssueTime": "true"}})
    assert not holds({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "2020-01-01"})


def test_null_false_means_the_key_is_present() -> None:
    """Null: false holds when the key exists and has a value."""
    assert holds({"Null": {"aws:TokenIssueTime": False}}, {"aws:TokenIssueTime": "2020-01-01"})
    assert not holds({"Null": {"aws:TokenIssueTime": "false"}})


def test_null_treats_an_empty_multivalued_key_as_null() -> None:
    """A key whose values resolve to an empty set is null (the ForAllValues guard).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
    """
    assert holds({"Null": {"dynamodb:LeadingKeys": "true"}}, {"dynamodb:LeadingKeys": []})
    assert not holds({"Null": {"dynamodb:LeadingKeys": "false"}}, {"dynamodb:LeadingKeys": []})
