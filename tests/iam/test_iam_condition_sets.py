"""Missing keys, ...IfExists, ForAllValues / ForAnyValue and multi-valued keys."""

from __future__ import annotations

from typing import Any

import pytest

from harness.iam import ContextValue, RequestContext, evaluate, parse_policy
from harness.iam.builders import policy_text, user_caller

OPERATORS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
)
SETS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
    "reference_policies_condition-single-vs-multi-valued-context-keys.html"
)

NEGATED = [
    ("StringNotEquals", "x"),
    ("StringNotEqualsIgnoreCase", "x"),
    ("StringNotLike", "x*"),
    ("NumericNotEquals", "1"),
    ("DateNotEquals", "2020-01-01T00:00:00Z"),
    ("ArnNotEquals", "arn:aws:s3:::b"),
    ("ArnNotLike", "arn:aws:s3:::*"),
    ("NotIpAddress", "10.0.0.0/8"),
]
POSITIVE = [
    ("StringEquals", "x"),
    ("StringEqualsIgnoreCase", "x"),
    ("StringLike", "x*"),
    ("NumericEquals", "1"),
    ("NumericLessThan", "1"),
    ("DateLessThan", "2020-01-01T00:00:00Z"),
    ("Bool", "true"),
    ("BinaryEquals", "eA=="),
    ("IpAddress", "10.0.0.0/8"),
    ("ArnEquals", "arn:aws:s3:::b"),
    ("ArnLike", "arn:aws:s3:::*"),
]


def holds(condition: dict[str, Any], keys: dict[str, ContextValue] | None = None) -> bool:
    stmt = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}
    ctx = RequestContext("s3:GetObject", "*", user_caller(), keys or {})
    return evaluate(ctx, identity=[parse_policy(policy_text(stmt))]).allowed


@pytest.mark.parametrize(("operator", "value"), POSITIVE)
def test_missing_key_makes_a_positive_condition_false(operator: str, value: str) -> None:
    """A key absent from the request context does not match.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert not holds({operator: {"ex:key": value}})


@pytest.mark.parametrize(("operator", "value"), NEGATED)
def test_missing_key_makes_a_negated_condition_true(operator: str, value: str) -> None:
    """Negated operators (StringNotLike, ArnNotLike, ...) are true for a missing key.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert holds({operator: {"ex:key": value}})


@pytest.mark.parametrize(("operator", "value"), POSITIVE + NEGATED)
def test_ifexists_is_true_for_a_missing_key(operator: str, value: str) -> None:
    """...IfExists: if the key is absent, the condition evaluates to true.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
    """
    assert holds({f"{operator}IfExists": {"ex:key": value}})


def test_ifexists_still_checks_a_present_key() -> None:
    """When the key is present, ...IfExists evaluates the operator normally."""
    cond = {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}
    assert holds(cond, {"ec2:InstanceType": "t2.micro"})
    assert not holds(cond, {"ec2:InstanceType": "c5.large"})


def test_forallvalues_is_true_when_every_request_value_matches_some_policy_value() -> None:
    """ForAllValues: every value in the request must match at least one policy value.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    cond = {"ForAllValues:StringLike": {"dynamodb:Attributes": ["PostDateTime", "Message", "Tags"]}}
    assert holds(cond, {"dynamodb:Attributes": ["PostDateTime", "Message"]})
    assert not holds(cond, {"dynamodb:Attributes": ["PostDateTime", "UserName"]})


def test_forallvalues_is_true_for_a_missing_key() -> None:
    """ForAllValues also returns true when the key is not in the request."""
    assert holds({"ForAllValues:StringEquals": {"dynamodb:Attributes": ["A"]}})


def test_forallvalues_is_true_for_an_empty_set() -> None:
    """An empty set of request values trivially satisfies ForAllValues."""
    assert holds({"ForAllValues:StringEquals": {"dynamodb:Attributes": ["A"]}}, {"dynamodb:Attributes": []})


def test_foranyvalue_is_true_when_any_request_value_matches() -> None:
    """ForAnyValue: at least one request value must match one policy value.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    cond = {"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["ID", "PostDateTime"]}}
    assert holds(cond, {"dynamodb:Attributes": ["UserName", "PostDateTime"]})
    assert not holds(cond, {"dynamodb:Attributes": ["UserName", "Message"]})


def test_foranyvalue_is_false_for_a_missing_key() -> None:
    """ForAnyValue returns false when the key is absent."""
    assert not holds({"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["A"]}})


def test_foranyvalue_is_false_for_an_empty_set() -> None:
    """ForAnyValue returns false for an empty set of values."""
    assert not holds(
        {"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["A"]}}, {"dynamodb:Attributes": []}
    )


def test_set_operators_accept_a_single_valued_key_as_a_one_element_set() -> None:
    """A scalar value is a set of one for ForAllValues / ForAnyValue."""
    assert holds({"ForAnyValue:StringEquals": {"s3:prefix": ["a", "b"]}}, {"s3:prefix": "b"})
    assert not holds({"ForAllValues:StringEquals": {"s3:prefix": ["a"]}}, {"s3:prefix": "b"})


def test_forallvalues_with_negated_operator_requires_every_value_to_avoid_the_list() -> None:
    """ForAllValues:StringNotEquals: no request value may equal a listed value.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    cond = {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}
    assert holds(cond, {"aws:TagKeys": ["a", "b"]})
    assert not holds(cond, {"aws:TagKeys": ["a", "secret"]})


def test_foranyvalue_with_negated_operator_needs_one_value_outside_the_list() -> None:
    """ForAnyValue:StringNotEquals: at least one request value is not listed."""
    cond = {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a", "b"]}}
    assert holds(cond, {"aws:TagKeys": ["a", "z"]})
    assert not holds(cond, {"aws:TagKeys": ["a", "b"]})


@pytest.mark.parametrize(
    "operator",
    ["StringLike", "StringEquals", "ArnLike", "NumericLessThan", "IpAddress", "DateLessThan"],
)
def test_set_qualifiers_combine_with_every_operator(operator: str) -> None:
    """ForAllValues:/ForAnyValue: qualify any operator family."""
    cases: dict[str, tuple[list[str], list[Any], list[Any]]] = {
        "StringLike": (["a*"], ["ab", "ac"], ["ab", "b"]),
        "StringEquals": (["a", "b"], ["a", "b"], ["a", "c"]),
        "ArnLike": (["arn:aws:s3:::a*"], ["arn:aws:s3:::a1"], ["arn:aws:s3:::a1", "arn:aws:s3:::b"]),
        "NumericLessThan": (["10"], [1, 2], [1, 20]),
        "IpAddress": (["10.0.0.0/8"], ["10.0.0.1"], ["10.0.0.1", "11.0.0.1"]),
        "DateLessThan": (["2020-01-01"], ["2019-01-01"], ["2019-01-01", "2021-01-01"]),
    }
    policy_values, all_match, some_match = cases[operator]
    assert holds({f"ForAllValues:{operator}": {"ex:k": policy_values}}, {"ex:k": all_match})
    assert not holds({f"ForAllValues:{operator}": {"ex:k": policy_values}}, {"ex:k": some_match})
    assert holds({f"ForAnyValue:{operator}": {"ex:k": policy_values}}, {"ex:k": some_match})


def test_foranyvalue_with_ifexists_is_false_for_a_missing_key() -> None:
    """ForAnyValue wins over IfExists: no value in the request, so no value matches.

    The set-operator page says of ForAnyValue: "If the key does not exist, the condition returns
    false" (SETS). IfExists is applied inside the ForAnyValue loop, to each request value, so it
    never sees the absent key; that is what real accounts show
    (https://iam.cloudcopilot.io/resources/operators/ForAnyValue:StringNotEqualsIfExists).
    Reasoning in docs/ARCHITECTURE.md, "ForAnyValue with ...IfExists".
    """
    assert not holds({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["a"]}})
    assert not holds({"ForAnyValue:StringNotEqualsIfExists": {"aws:TagKeys": ["a"]}})
    assert not holds({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["b"]})
    assert holds({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["b", "a"]})


def test_forallvalues_with_ifexists_keeps_forallvalues_semantics() -> None:
    """ForAllValues:...IfExists is still true for a missing key and checks present values."""
    cond = {"ForAllValues:StringLikeIfExists": {"dynamodb:LeadingKeys": ["t1-*"]}}
    assert holds(cond)
    assert holds(cond, {"dynamodb:LeadingKeys": ["t1-1"]})
    assert not holds(cond, {"dynamodb:LeadingKeys": ["t2-1"]})


def test_plain_operator_on_a_multivalued_key_does_not_match() -> None:
    """Multivalued keys require a set operator; a bare operator matches nothing.

    The user guide says multivalued context keys "require a condition set operator"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html);
    observed AWS behaviour is that the bare operator then never matches.
    """
    assert not holds({"StringEquals": {"dynamodb:LeadingKeys": "t1"}}, {"dynamodb:LeadingKeys": ["t1"]})
    assert not holds(
        {"StringLike": {"dynamodb:LeadingKeys": "t1-*"}}, {"dynamodb:LeadingKeys": ["t1-1", "t1-2"]}
    )


def test_negated_plain_operator_on_a_multivalued_key_does_not_match_either() -> None:
    """The bare operator is not a negation trick: it is simply not applicable."""
    assert not holds({"StringNotEquals": {"aws:TagKeys": "x"}}, {"aws:TagKeys": ["a"]})


def test_foranyvalue_ifexists_is_false_for_a_present_but_empty_set() -> None:
    """IfExists only covers an absent key; an empty set present in the request is not absent."""
    assert not holds({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": []})
