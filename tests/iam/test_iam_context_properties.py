"""Generated ARNs with a variable in each field, and set operators on missing or empty keys.

Reference rules, written from the pages, not from the evaluator:
- IAM "Variables and tags" (reference_policies_variables.html#policy-vars-resourceelement):
  a variable is substituted only in the resource part of an ARN, after the fifth colon.
- "Single-valued vs. multivalued context keys": ForAllValues is true for a missing key or an
  empty set, ForAnyValue is false; ...IfExists does not change ForAnyValue (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from harness.iam import RequestContext, evaluate, parse_policy
from harness.iam.builders import policy_text, user_caller

FIELDS = ("arn", "aws", "dynamodb", "us-east-1", "123456789012", "table/Product")
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)


def allowed(stmt: dict[str, Any], resource: str, keys: dict[str, Any]) -> bool:
    ctx = RequestContext("dynamodb:GetItem", resource, user_caller(), keys)
    return evaluate(ctx, identity=[parse_policy(policy_text(stmt))]).allowed


@given(field=st.integers(min_value=1, max_value=5), value=names, other=names)
def test_arn_variables_are_substituted_only_after_the_fifth_colon(field: int, value: str,
                                                                  other: str) -> None:
    """Reference: the pattern matches the ARN carrying `value` iff the variable sits in field 5."""
    pattern = list(FIELDS)
    pattern[field] = "${ex:v}" if field < 5 else "table/${ex:v}"
    resource = list(FIELDS)
    resource[field] = value if field < 5 else f"table/{value}"
    stmt = {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": ":".join(pattern)}
    assert allowed(stmt, ":".join(resource), {"ex:v": value}) == (field == 5)
    if field == 5 and other != value:
        assert not allowed(stmt, ":".join(resource), {"ex:v": other})


@given(qualifier=st.sampled_from(("ForAllValues", "ForAnyValue")), if_exists=st.booleans(),
       negated=st.booleans(), present=st.sampled_from(("missing", "empty", "values")),
       request=st.lists(st.sampled_from("abc"), min_size=1, max_size=3),
       wanted=st.lists(st.sampled_from("abc"), min_size=1, max_size=3))
def test_set_operators_on_missing_empty_and_present_keys(qualifier: str, if_exists: bool,
                                                         negated: bool, present: str,
                                                         request: list[str],
                                                         wanted: list[str]) -> None:
    """Reference table for ForAllValues / ForAnyValue, with and without IfExists and negation."""
    op = f"{qualifier}:String{'Not' if negated else ''}Equals{'IfExists' if if_exists else ''}"
    keys: dict[str, Any] = {} if present == "missing" else {
        "ex:k": [] if present == "empty" else request}
    if present != "values":
        expected = qualifier == "ForAllValues"
    else:
        hits = [(v in wanted) != negated for v in request]
        expected = all(hits) if qualifier == "ForAllValues" else any(hits)
    stmt = {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {op: {"ex:k": wanted}}}
    assert allowed(stmt, "*", keys) == expected
