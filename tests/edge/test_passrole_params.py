"""Which parameters of which calls pass a role, read from the request (pure, no HTTP).

https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
"""

from __future__ import annotations

from harness.edge.passrole import APIGATEWAY_SERVICE, LAMBDA_SERVICE, pass_role_checks, passed_roles

ROLE = "arn:aws:iam::123456789012:role/service/admin"


def test_lambda_create_and_update_pass_the_role_parameter_to_lambda() -> None:
    """CreateFunction / UpdateFunctionConfiguration hand Role to lambda.amazonaws.com.

    https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
    """
    for op in ("CreateFunction", "UpdateFunctionConfiguration"):
        assert passed_roles("lambda", op, {"Role": ROLE}) == [(ROLE, LAMBDA_SERVICE)]
    assert passed_roles("lambda", "UpdateFunctionConfiguration", {"Timeout": 3}) == []


def test_api_gateway_credentials_pass_the_role_to_api_gateway() -> None:
    """authorizerCredentials and integration credentials go to apigateway.amazonaws.com.

    https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html
    """
    assert passed_roles("apigateway", "CreateAuthorizer", {"authorizerCredentials": ROLE}) == [
        (ROLE, APIGATEWAY_SERVICE)]
    assert passed_roles("apigateway", "PutIntegration", {"credentials": ROLE}) == [
        (ROLE, APIGATEWAY_SERVICE)]


def test_api_gateway_patch_operations_pass_roles_on_the_credentials_paths() -> None:
    """UpdateAuthorizer / UpdateIntegration set credentials with patch operations.

    https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateIntegration.html
    """
    ops = [{"op": "replace", "path": "/credentials", "value": ROLE},
           {"op": "replace", "path": "/timeoutInMillis", "value": ROLE},
           {"op": "remove", "path": "/credentials"}]
    assert passed_roles("apigateway", "UpdateIntegration", {"patchOperations": ops}) == [
        (ROLE, APIGATEWAY_SERVICE)]
    auth = [{"op": "replace", "path": "/authorizerCredentials", "value": ROLE}]
    assert passed_roles("apigateway", "UpdateAuthorizer", {"patchOperations": auth}) == [
        (ROLE, APIGATEWAY_SERVICE)]
    assert passed_roles("apigateway", "UpdateAuthorizer", {"patchOperations": "junk"}) == []


def test_caller_credentials_and_non_role_values_pass_no_role() -> None:
    """arn:aws:iam::*:user/* means "use the caller's credentials": no role is passed.

    https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegration.html
    """
    for value in ("arn:aws:iam::*:user/*", "", 7, None, "admin"):
        assert passed_roles("apigateway", "PutIntegration", {"credentials": value}) == []
    assert passed_roles("dynamodb", "CreateTable", {"Role": ROLE}) == []


def test_pass_role_checks_carry_the_passed_to_service_key() -> None:
    """The gate asks iam:PassRole on the role ARN with iam:PassedToService set.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html
    """
    (item,) = pass_role_checks("lambda", "CreateFunction", {"Role": ROLE})
    assert (item.action, item.resource) == ("iam:PassRole", ROLE)
    assert item.keys == {"iam:PassedToService": LAMBDA_SERVICE}
