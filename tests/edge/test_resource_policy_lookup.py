"""How the gate finds a resource's policy and owner account (pure, no HTTP).

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
"""

from __future__ import annotations

import json

from harness.edge.awslambda.models import _normalise_policy
from harness.edge.dynamodb_policies import policy_arn
from harness.edge.resource_policies import ResourcePolicies, arn_fields
from harness.iam import RequestContext, evaluate, parse_policy
from harness.iam.builders import user_caller

ACCT = "123456789012"
OTHER = "210987654321"
FN = f"arn:aws:lambda:us-east-1:{ACCT}:function:f"


def _policy(principal: object, effect: str = "Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Principal": principal, "Action": "lambda:InvokeFunction",
         "Resource": FN}]})


def _book(texts: dict[str, str | None]) -> ResourcePolicies:
    book = ResourcePolicies(ACCT)
    book.register("lambda", texts.get)
    return book


def test_arn_fields_are_service_and_account() -> None:
    """ARNs are arn:partition:service:region:account:resource.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
    """
    assert arn_fields(FN) == ("lambda", ACCT)
    assert arn_fields("arn:aws:dynamodb:us-east-1:1:table/t") == ("dynamodb", "1")
    assert arn_fields("*") is None
    assert arn_fields("arn:aws:s3:::bucket") is None


def test_lookup_reads_the_registered_service_only() -> None:
    """Only services that attach policies to resources contribute one.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_identity-vs-resource.html
    """
    book = _book({FN: _policy({"AWS": f"arn:aws:iam::{ACCT}:user/alice"})})
    found = book.lookup(FN)
    assert found.policy is not None and found.account == ACCT
    assert book.lookup(f"arn:aws:iam::{ACCT}:role/r").policy is None
    assert book.lookup(f"arn:aws:iam::{ACCT}:role/r").account is None
    assert book.lookup(FN + "x").policy is None


def test_foreign_account_resource_has_no_policy_here_and_is_cross_account() -> None:
    """A resource of another account is cross-account: identity policies alone never suffice.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    """
    foreign = f"arn:aws:lambda:us-east-1:{OTHER}:function:f"
    found = _book({foreign: _policy("*")}).lookup(foreign)
    assert found.policy is None and found.account == OTHER
    ctx = RequestContext("lambda:InvokeFunction", foreign, user_caller(), resource_account=OTHER)
    identity = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}))
    decision = evaluate(ctx, identity=[identity], resource_policy=found.policy)
    assert not decision.allowed


def test_unreadable_policy_grants_nothing() -> None:
    """A policy the evaluator cannot parse is ignored rather than crashing the request.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    found = _book({FN: "{not json"}).lookup(FN)
    assert found.policy is None and found.account == ACCT


def test_lambda_principals_are_written_as_aws_does() -> None:
    """AddPermission principals: service names, account ids (as root ARNs) and IAM ARNs.

    https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html
    """
    def principal(value: object) -> object:
        doc = {"Version": "2012-10-17", "Id": "default", "Statement": [
            {"Effect": "Allow", "Principal": value, "Action": "lambda:InvokeFunction",
             "Resource": FN}]}
        return json.loads(_normalise_policy(json.dumps(doc)))["Statement"][0]["Principal"]

    assert principal("apigateway.amazonaws.com") == {"Service": "apigateway.amazonaws.com"}
    assert principal(ACCT) == {"AWS": f"arn:aws:iam::{ACCT}:root"}
    assert principal(f"arn:aws:iam::{ACCT}:user/u") == {"AWS": f"arn:aws:iam::{ACCT}:user/u"}
    assert principal("*") == "*"
    assert principal({"Service": "s3.amazonaws.com"}) == {"Service": "s3.amazonaws.com"}


def test_index_is_governed_by_its_table_policy_and_a_stream_by_its_own() -> None:
    """DynamoDB: a table's policy covers its indexes; streams carry their own policy.

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutResourcePolicy.html
    """
    table = f"arn:aws:dynamodb:us-east-1:{ACCT}:table/T"
    assert policy_arn(table) == table
    assert policy_arn(f"{table}/index/byOwner") == table
    assert policy_arn(f"{table}/stream/2024-02-12T18:57:26.492") == \
        f"{table}/stream/2024-02-12T18:57:26.492"
    assert policy_arn("*") is None
