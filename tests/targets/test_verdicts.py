"""The probe's verdict logic: what each answer of an endpoint says about its support of a behaviour."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from harness.targets.verdicts import (
    Outcome,
    Verdict,
    attempt,
    judge_condition,
    judge_denial,
    judge_invoke,
    judge_jwks,
    judge_stack,
    judge_steps,
    judge_usage,
)

OK = Outcome(True)
DENIED = Outcome(False, "AccessDeniedException", "not authorized")


def _raise(exc: BaseException) -> None:
    raise exc


def test_attempt_turns_an_aws_error_into_its_code_and_message() -> None:
    err = ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no\n table"},
                       "ResponseMetadata": {"HTTPStatusCode": 400}}, "GetItem")
    got = attempt(lambda: _raise(err))
    assert (got.ok, got.code, got.message) == (False, "ResourceNotFoundException", "no table")


def test_attempt_names_an_html_error_page_instead_of_quoting_it() -> None:
    page = "<!doctype html><html><title>404</title>"
    err = ClientError({"Error": {"Code": "404", "Message": page}}, "GetUsage")
    assert "HTML error page" in attempt(lambda: _raise(err)).message


def test_attempt_survives_a_transport_error() -> None:
    got = attempt(lambda: _raise(EndpointConnectionError(endpoint_url="http://127.0.0.1:1")))
    assert not got.ok and got.code == "EndpointConnectionError"


def test_attempt_keeps_the_value_of_a_call_that_answered() -> None:
    assert attempt(lambda: {"a": 1}) == Outcome(True, value={"a": 1})


def test_steps_are_supported_only_when_every_one_answered() -> None:
    assert judge_steps([("A", OK), ("B", OK)], "done") == (Verdict.SUPPORTED, "done")
    broken = Outcome(False, "NotImplemented", "B")
    verdict, reason = judge_steps([("A", OK), ("B", broken), ("C", OK)], "done")
    assert verdict is Verdict.UNSUPPORTED and reason.startswith("B failed: NotImplemented")


def test_a_failed_refinement_makes_answered_steps_partial() -> None:
    ignored = Outcome(False, "Mismatch", "ignored")
    verdict, reason = judge_steps([("A", OK)], "plans work", [("filter", ignored)])
    assert verdict is Verdict.PARTIAL and reason == "plans work, but ignored"


def test_a_condition_that_fails_with_conditional_check_failed_is_supported() -> None:
    """PutItem: a false ConditionExpression fails with ConditionalCheckFailedException.
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html"""
    failed = Outcome(False, "ConditionalCheckFailedException", "The conditional request failed")
    assert judge_condition([("put", OK)], failed)[0] is Verdict.SUPPORTED
    assert judge_condition([("put", OK)], OK)[0] is Verdict.UNSUPPORTED
    assert judge_condition([("put", OK)], Outcome(False, "ValidationException"))[0] is Verdict.PARTIAL
    assert judge_condition([("put", Outcome(False, "X"))], failed)[0] is Verdict.UNSUPPORTED


def test_a_session_policy_is_enforced_when_it_allows_its_call_and_denies_the_other() -> None:
    """The session's permissions are the intersection of the role's policy and the session policy.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_assumerole.html"""
    assert judge_denial([("s", OK)], OK, DENIED, "PutItem")[0] is Verdict.SUPPORTED


def test_a_session_policy_whose_denied_call_succeeds_is_not_enforced() -> None:
    verdict, reason = judge_denial([("s", OK)], OK, OK, "PutItem outside the session policy")
    assert verdict is Verdict.UNSUPPORTED and reason.startswith("not enforced")


def test_a_policy_that_also_denies_what_it_allows_is_partial() -> None:
    verdict, reason = judge_denial([("s", OK)], DENIED, DENIED, "PutItem")
    assert verdict is Verdict.PARTIAL and "denies too much" in reason


def test_a_denial_with_another_error_than_access_denied_is_partial() -> None:
    assert judge_denial([("s", OK)], OK, Outcome(False, "InternalFailure"), "x")[0] is Verdict.PARTIAL


def test_a_denial_that_could_not_be_set_up_is_unsupported() -> None:
    verdict, reason = judge_denial([("AssumeRole", Outcome(False, "AccessDenied", "root"))], OK, OK, "x")
    assert verdict is Verdict.UNSUPPORTED and reason.startswith("AssumeRole failed")


def test_jwks_with_a_key_of_each_pools_own_is_supported() -> None:
    """Cognito signs each user pool's tokens with that pool's own keys, published in its JWKS.
    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html"""
    assert judge_jwks([("s", OK)], "k1", ["k1", "k2"], True, ["k3"])[0] is Verdict.SUPPORTED


def test_jwks_shared_by_every_pool_is_partial() -> None:
    verdict, reason = judge_jwks([("s", OK)], "dummy", ["dummy"], True, ["dummy"])
    assert verdict is Verdict.PARTIAL and "same key" in reason


@pytest.mark.parametrize(("kid", "kids", "verified", "why"), [
    (None, ["k"], True, "no kid"), ("k9", ["k"], True, "not in the pool's JWKS"),
    ("k", ["k"], False, "does not verify")])
def test_jwks_that_cannot_verify_the_token_is_unsupported(kid: str | None, kids: list[str], verified: bool,
                                                          why: str) -> None:
    verdict, reason = judge_jwks([("s", OK)], kid, kids, verified, None)
    assert verdict is Verdict.UNSUPPORTED and why in reason


def test_get_usage_answering_for_the_plan_is_supported() -> None:
    """GetUsage answers the usage data of a plan's keys, with its usagePlanId.
    https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html"""
    assert judge_usage([("s", OK)], Outcome(True, value={"usagePlanId": "p", "items": {}}))[0] is \
        Verdict.SUPPORTED
    assert judge_usage([("s", OK)], Outcome(True, value={"items": {}}))[0] is Verdict.PARTIAL
    assert judge_usage([("s", OK)], Outcome(False, "404"))[0] is Verdict.UNSUPPORTED


def test_an_invocation_is_supported_only_when_the_handler_result_comes_back() -> None:
    expected = {"probe": 42}
    assert judge_invoke([], Outcome(True, value={"payload": expected}), expected)[0] is Verdict.SUPPORTED
    verdict, reason = judge_invoke([], Outcome(True, value={"payload": {"errorMessage": "docker"},
                                                            "FunctionError": "Handled"}), expected)
    assert verdict is Verdict.UNSUPPORTED and "did not run" in reason and "docker" in reason
    assert judge_invoke([], Outcome(True, value={"payload": {"n": 41}}), expected)[0] is Verdict.UNSUPPORTED


def test_a_stack_is_supported_only_at_create_complete() -> None:
    assert judge_stack([("CreateStack", OK)], "CREATE_COMPLETE")[0] is Verdict.SUPPORTED
    verdict, reason = judge_stack([("CreateStack", OK)], "ROLLBACK_COMPLETE", "Table: not supported")
    assert verdict is Verdict.UNSUPPORTED and "ROLLBACK_COMPLETE: Table: not supported" in reason
