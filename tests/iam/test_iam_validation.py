"""Policy validation: what IAM rejects as MalformedPolicyDocument, and what it accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.iam import MalformedPolicyDocument, PolicyKind, parse_policy, policy_size_error
from harness.iam.builders import policy_text

ELEMENTS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html"
GRAMMAR = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"
VERSION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"
PRINCIPAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
OPERATORS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
)
QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
SID = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html"

OK_STATEMENT: dict[str, Any] = {
    "Effect": "Allow",
    "Action": "dynamodb:GetItem",
    "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/T",
}
TRUST_STATEMENT: dict[str, Any] = {
    "Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole",
}


def rejected(document: Any, kind: PolicyKind = PolicyKind.IDENTITY) -> MalformedPolicyDocument:
    with pytest.raises(MalformedPolicyDocument) as info:
        parse_policy(document, kind)
    assert info.value.code == "MalformedPolicyDocument"
    return info.value


def with_statement(**changes: Any) -> dict[str, Any]:
    stmt = {k: v for k, v in {**OK_STATEMENT, **changes}.items() if v is not None}
    return {"Version": "2012-10-17", "Statement": [stmt]}


def test_a_valid_identity_policy_parses_with_statement_as_object_or_list() -> None:
    """Statement may be a single object or a list; Action/Resource a string or a list.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    as_object = parse_policy({"Version": "2012-10-17", "Statement": OK_STATEMENT})
    as_list = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {**OK_STATEMENT, "Action": ["dynamodb:GetItem"], "Resource": ["*"]},
            ],
        }
    )
    assert len(as_object.statements) == 1
    assert len(as_list.statements) == 1
    assert as_object.version == "2012-10-17"


def test_invalid_json_is_a_syntax_error() -> None:
    """Broken JSON fails with IAM's generic message."""
    err = rejected('{"Version": "2012-10-17", "Statement": [')
    assert str(err) == "Syntax errors in policy."
    assert "invalid JSON" in err.detail


def test_a_document_that_is_not_an_object_is_a_syntax_error() -> None:
    """The top level of a policy is a JSON object."""
    assert str(rejected("[1, 2]")) == "Syntax errors in policy."


def test_unknown_top_level_element_is_rejected() -> None:
    """Only Version, Id and Statement may appear at the top level.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    err = rejected({"Version": "2012-10-17", "Statement": [OK_STATEMENT], "Statements": []})
    assert str(err) == "Syntax errors in policy."
    assert "Statements" in err.detail


@pytest.mark.parametrize("version", ["2012-10-18", "2012-10-17 ", "2020-01-01", 2012])
def test_version_other_than_2012_10_17_or_2008_10_17_is_rejected(version: Any) -> None:
    """Only the two policy-language versions exist.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    """
    err = rejected({"Version": version, "Statement": [OK_STATEMENT]})
    assert str(err) == "Syntax errors in policy."
    assert "Version" in err.detail


def test_missing_version_defaults_to_2008_10_17() -> None:
    """Without Version the policy is read as 2008-10-17.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    """
    assert parse_policy({"Statement": [OK_STATEMENT]}).version == "2008-10-17"


def test_missing_statement_is_rejected() -> None:
    """Statement is required."""
    err = rejected({"Version": "2012-10-17"})
    assert str(err) == "Syntax errors in policy."
    assert "Statement" in err.detail


def test_empty_statement_list_is_rejected() -> None:
    """A policy must hold at least one statement."""
    assert str(rejected({"Version": "2012-10-17", "Statement": []})) == "Syntax errors in policy."


@pytest.mark.parametrize("effect", ["Permit", "", None, 1])
def test_effect_other_than_allow_or_deny_is_a_syntax_error(effect: Any) -> None:
    """Effect is exactly Allow or Deny.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html
    """
    doc = with_statement()
    doc["Statement"][0]["Effect"] = effect
    assert str(rejected(doc)) == "Syntax errors in policy."


def test_missing_effect_is_rejected() -> None:
    """Effect is a required element."""
    doc = with_statement()
    del doc["Statement"][0]["Effect"]
    assert str(rejected(doc)) == "Syntax errors in policy."


def test_effect_in_the_wrong_case_fails_legacy_parsing() -> None:
    """IAM reads Effect case-sensitively in its second ("legacy") pass."""
    err = rejected(with_statement(Effect="allow"))
    assert str(err) == "The policy failed legacy parsing"


def test_both_action_and_notaction_is_rejected() -> None:
    """Action and NotAction are mutually exclusive.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
    """
    err = rejected(with_statement(NotAction="s3:*"))
    assert str(err) == "Syntax errors in policy."
    assert "Action and NotAction" in err.detail


def test_neither_action_nor_notaction_is_rejected() -> None:
    """Every statement needs actions."""
    err = rejected(with_statement(Action=None))
    assert str(err) == "Policy statement must contain actions."


def test_an_empty_action_list_counts_as_no_actions() -> None:
    """An empty list gives nothing to match."""
    assert str(rejected(with_statement(Action=[]))) == "Policy statement must contain actions."


def test_both_resource_and_notresource_is_rejected() -> None:
    """Resource and NotResource are mutually exclusive."""
    err = rejected(with_statement(NotResource="*"))
    assert str(err) == "Syntax errors in policy."


def test_identity_policy_without_resource_is_rejected() -> None:
    """Identity policies must say which resources a statement covers.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    err = rejected(with_statement(Resource=None))
    assert str(err) == "Policy statement must contain resources."


@pytest.mark.parametrize("kind", [PolicyKind.SESSION, PolicyKind.BOUNDARY])
def test_session_and_boundary_policies_also_need_a_resource(kind: PolicyKind) -> None:
    """Session policies and boundaries are identity-style policies."""
    assert str(rejected(with_statement(Resource=None), kind)) == ("Policy statement must contain resources.")


def test_identity_resource_must_be_an_arn_or_star() -> None:
    """A bare table name is not a resource IAM understands."""
    err = rejected(with_statement(Resource="Product-pooled"))
    assert str(err) == 'Resource Product-pooled must be in ARN format or "*".'


@pytest.mark.parametrize("action", ["GetItem", "getitem"])
def test_action_without_service_prefix_is_rejected(action: str) -> None:
    """Actions are written service:Action.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    err = rejected(with_statement(Action=action))
    assert str(err) == ("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")


def test_action_with_two_colons_is_rejected() -> None:
    """An action has exactly one colon."""
    err = rejected(with_statement(Action="dynamodb:Get:Item"))
    assert str(err) == "Actions/Condition can contain only one colon."


def test_action_with_invalid_vendor_characters_is_rejected() -> None:
    """Vendor prefixes are letters, digits, dots and hyphens."""
    assert str(rejected(with_statement(Action="dyn amo:GetItem"))) == "Vendor dyn amo is not valid"


def test_a_star_action_needs_no_prefix() -> None:
    """ "*" alone means every action of every service."""
    assert parse_policy(with_statement(Action="*")).statements[0].actions("s3:getobject")


@pytest.mark.parametrize("kind", [PolicyKind.IDENTITY, PolicyKind.SESSION, PolicyKind.BOUNDARY])
def test_principal_in_an_identity_policy_is_rejected(kind: PolicyKind) -> None:
    """The principal of an identity policy is the identity it is attached to.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    err = rejected(with_statement(Principal={"AWS": "123456789012"}), kind)
    assert str(err) == "Policy document should not specify a principal."


def test_notprincipal_in_an_identity_policy_is_rejected() -> None:
    """NotPrincipal is also only for resource and trust policies."""
    err = rejected(with_statement(NotPrincipal={"AWS": "123456789012"}))
    assert str(err) == "Policy document should not specify a principal."


@pytest.mark.parametrize("kind", [PolicyKind.RESOURCE, PolicyKind.TRUST])
def test_resource_and_trust_policies_need_a_principal(kind: PolicyKind) -> None:
    """A resource-based policy must say whom it grants to."""
    stmt = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    if kind is PolicyKind.RESOURCE:
        stmt["Resource"] = "*"
    err = rejected({"Version": "2012-10-17", "Statement": [stmt]}, kind)
    assert str(err) == "Missing required field Principal"


def test_a_trust_policy_parses() -> None:
    """The ordinary Lambda execution-role trust policy is valid."""
    policy = parse_policy({"Version": "2012-10-17", "Statement": [TRUST_STATEMENT]}, PolicyKind.TRUST)
    assert policy.kind is PolicyKind.TRUST


def test_trust_policy_with_resource_is_rejected() -> None:
    """The role itself is the resource of a trust policy."""
    doc = {"Version": "2012-10-17", "Statement": [{**TRUST_STATEMENT, "Resource": "*"}]}
    assert str(rejected(doc, PolicyKind.TRUST)) == "Has prohibited field Resource."


def test_trust_policy_actions_must_be_sts_actions() -> None:
    """Trust policies only govern assuming the role."""
    doc = {"Version": "2012-10-17", "Statement": [{**TRUST_STATEMENT, "Action": "s3:GetObject"}]}
    assert str(rejected(doc, PolicyKind.TRUST)).startswith(
        "Trust Policy statement actions can only be sts:AssumeRole"
    )


def test_resource_policy_without_resource_element_is_accepted() -> None:
    """Some resource policies (e.g. SNS topic policies) omit Resource: it is the resource.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "999999999999"}, "Action": "sns:*"}],
    }
    assert parse_policy(doc, PolicyKind.RESOURCE).statements[0].resources is None


@pytest.mark.parametrize(
    "principal",
    [
        "arn:aws:iam::123456789012:role/App",
        {"AWS": "arn:aws:iam::*:role/App"},
        {"AWS": "12345"},
        {"Robot": "x"},
        {"AWS": []},
    ],
)
def test_invalid_principals_are_rejected(principal: Any) -> None:
    """Principals are "*", an account, an exact ARN, or a service; no partial wildcards.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:*", "Resource": "*"}],
    }
    err = rejected(doc, PolicyKind.RESOURCE)
    assert str(err).startswith(("Invalid principal in policy", "Syntax errors in policy."))


def test_unknown_condition_operator_is_rejected() -> None:
    """Only the documented operators (with set and IfExists modifiers) exist.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    err = rejected(with_statement(Condition={"StringEqualz": {"aws:username": "bob"}}))
    assert str(err) == "Syntax errors in policy."
    assert "StringEqualz" in err.detail


def test_null_cannot_take_the_ifexists_suffix() -> None:
    """IfExists applies to every operator except Null.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    err = rejected(with_statement(Condition={"NullIfExists": {"aws:username": "true"}}))
    assert "NullIfExists" in err.detail


@pytest.mark.parametrize(
    "operator",
    [
        "ForAllValues:StringLikeIfExists",
        "ForAnyValue:ArnNotEqualsIfExists",
        "NumericGreaterThanEqualsIfExists",
        "BinaryEquals",
        "NotIpAddressIfExists",
    ],
)
def test_set_qualifiers_and_ifexists_combine_with_any_operator(operator: str) -> None:
    """ForAllValues:/ForAnyValue: and ...IfExists are modifiers, not separate operators."""
    parse_policy(with_statement(Condition={operator: {"aws:SourceArn": "x"}}))


@pytest.mark.parametrize("value", [{"nested": "object"}, [{"a": 1}], None, ["ok", None]])
def test_condition_value_of_wrong_type_is_rejected(value: Any) -> None:
    """Condition values are strings, numbers or booleans, or lists of them."""
    err = rejected(with_statement(Condition={"StringEquals": {"aws:username": value}}))
    assert str(err) == "Syntax errors in policy."


def test_condition_values_may_be_numbers_and_booleans() -> None:
    """JSON numbers and booleans are accepted as condition values."""
    parse_policy(
        with_statement(
            Condition={
                "NumericLessThanEquals": {"s3:max-keys": 10},
                "Bool": {"aws:SecureTransport": True},
            }
        )
    )


def test_condition_key_without_vendor_prefix_is_rejected() -> None:
    """Condition keys are prefixed like actions (aws:, dynamodb:, ...)."""
    err = rejected(with_statement(Condition={"StringEquals": {"LeadingKeys": "x"}}))
    assert str(err) == "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."


def test_condition_block_that_is_not_an_object_is_rejected() -> None:
    """Condition maps operators to key/value objects."""
    assert str(rejected(with_statement(Condition=["StringEquals"]))) == "Syntax errors in policy."


def test_invalid_date_condition_value_fails_legacy_parsing() -> None:
    """Date values must be ISO 8601 or epoch seconds.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
    """
    err = rejected(with_statement(Condition={"DateLessThan": {"aws:CurrentTime": "yesterday"}}))
    assert str(err) == "The policy failed legacy parsing"


def test_duplicate_sid_is_rejected() -> None:
    """Sids identify statements, so they must be unique within a policy.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
    """
    doc = {
        "Version": "2012-10-17",
        "Statement": [{**OK_STATEMENT, "Sid": "A"}, {**OK_STATEMENT, "Sid": "A"}],
    }
    assert str(rejected(doc)) == "Statement IDs (SID) in a single policy must be unique."


def test_iam_sids_must_be_alphanumeric() -> None:
    """IAM policies allow only A-Z, a-z and 0-9 in a Sid; resource policies are laxer.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
    """
    doc = {"Version": "2012-10-17", "Statement": [{**OK_STATEMENT, "Sid": "read items"}]}
    assert str(rejected(doc)).startswith("Statement IDs (SID) must be alpha-numeric.")


def test_unknown_statement_element_is_rejected() -> None:
    """Misspelt elements are not ignored."""
    err = rejected(with_statement(Actions="dynamodb:GetItem"))
    assert "Actions" in err.detail


def test_action_of_wrong_type_is_rejected() -> None:
    """Action is a string or a list of strings."""
    assert str(rejected(with_statement(Action=42))) == "Syntax errors in policy."


def test_parse_accepts_text_and_mapping_alike() -> None:
    """Callers may hand over JSON text or an already-decoded mapping."""
    doc = with_statement()
    assert parse_policy(json.dumps(doc)).statements[0].allow
    assert parse_policy(doc).statements[0].allow


def test_parsed_policies_are_cached_by_document_text() -> None:
    """Re-parsing the same text returns the same compiled object (an LRU cache)."""
    text = policy_text(OK_STATEMENT)
    assert parse_policy(text) is parse_policy(text)
    assert parse_policy(text, PolicyKind.SESSION) is not parse_policy(text)


def test_policy_size_excludes_whitespace() -> None:
    """IAM does not count white space against policy size quotas.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    """
    compact = policy_text(OK_STATEMENT)
    padded = json.dumps(json.loads(compact), indent=8)
    limit = sum(1 for c in compact if not c.isspace())
    assert len(padded) > limit
    assert policy_size_error(padded, limit) is None
    assert policy_size_error(compact, limit - 1) == f"Cannot exceed quota for PolicySize: {limit - 1}"


def test_policy_size_error_names_the_quota() -> None:
    """The message names the quota that was exceeded."""
    message = policy_size_error("x" * 10, 5, quota_name="ACLSizePerRole")
    assert message == "Cannot exceed quota for ACLSizePerRole: 5"


def test_parse_accepts_any_mapping_type() -> None:
    """Read-only mappings (e.g. MappingProxyType) are accepted like dicts."""
    from types import MappingProxyType

    doc = MappingProxyType({"Version": "2012-10-17", "Statement": MappingProxyType(OK_STATEMENT)})
    assert parse_policy(doc).statements[0].allow
