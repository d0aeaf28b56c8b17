"""iam:PassRole through the edge: handing a role to Lambda or API Gateway needs permission to pass it.

https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.edge.helpers import ACCOUNT, allow, doc, make_role, make_user, unique


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


def _admin_role(aws: Any) -> str:
    return make_role(aws, {"Service": "lambda.amazonaws.com"}, doc(allow("*")))


def _create(lam: Any, name: str, role: str) -> Any:
    return lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                               Handler="app.handler", Code={"ZipFile": _zip()})


def test_create_function_without_passrole_cannot_hand_lambda_an_admin_role(aws: Any) -> None:
    """CreateFunction passes the execution role: lambda:CreateFunction alone is not enough.

    AWS answers 403 AccessDeniedException naming iam:PassRole on the role ARN.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """
    role = _admin_role(aws)
    _, key = make_user(aws, doc(allow("lambda:CreateFunction")))
    name = unique("esc")
    with pytest.raises(ClientError) as err:
        _create(aws("lambda", creds=key), name, role)
    e = err.value.response
    assert e["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert e["Error"]["Code"] == "AccessDeniedException"
    assert f"is not authorized to perform: iam:PassRole on resource: {role}" in e["Error"]["Message"]
    with pytest.raises(ClientError):  # nothing was created
        aws("lambda").get_function(FunctionName=name)


def test_create_function_is_allowed_once_passrole_covers_the_role(aws: Any) -> None:
    """With iam:PassRole on that role (for lambda.amazonaws.com) the same call succeeds.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """
    role = _admin_role(aws)
    other = _admin_role(aws)
    passrole = allow("iam:PassRole", role,
                     {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})
    _, key = make_user(aws, doc(allow("lambda:CreateFunction"), passrole))
    lam = aws("lambda", creds=key)
    created = _create(lam, unique("ok"), role)
    assert created["Role"] == role
    with pytest.raises(ClientError) as err:  # the grant covers that role only
        _create(lam, unique("other"), other)
    assert "iam:PassRole" in err.value.response["Error"]["Message"]


def test_passrole_condition_on_passed_to_service_must_match_the_receiving_service(aws: Any) -> None:
    """iam:PassedToService is the service principal that receives the role (lambda.amazonaws.com).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """
    role = _admin_role(aws)
    ec2_only = allow("iam:PassRole", role,
                     {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})
    _, key = make_user(aws, doc(allow("lambda:CreateFunction"), ec2_only))
    with pytest.raises(ClientError) as err:
        _create(aws("lambda", creds=key), unique("ec2"), role)
    assert "iam:PassRole" in err.value.response["Error"]["Message"]


def test_update_function_configuration_role_needs_passrole(aws: Any) -> None:
    """Changing a function's Role passes the new role, so it is checked too.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """
    plain = make_role(aws, {"Service": "lambda.amazonaws.com"})
    admin = _admin_role(aws)
    name = unique("upd")
    _create(aws("lambda"), name, plain)
    _, key = make_user(aws, doc(allow("lambda:UpdateFunctionConfiguration")))
    lam = aws("lambda", creds=key)
    with pytest.raises(ClientError) as err:
        lam.update_function_configuration(FunctionName=name, Role=admin)
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    assert f"iam:PassRole on resource: {admin}" in err.value.response["Error"]["Message"]
    lam.update_function_configuration(FunctionName=name, Timeout=9)  # no role passed: no PassRole
    assert aws("lambda").get_function_configuration(FunctionName=name)["Role"] == plain


def test_explicit_deny_on_passrole_wins_over_an_allow(aws: Any) -> None:
    """An explicit Deny of iam:PassRole overrides any Allow.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    role = _admin_role(aws)
    _, key = make_user(aws, doc(allow("*"), {"Effect": "Deny", "Action": "iam:PassRole",
                                             "Resource": role}))
    with pytest.raises(ClientError) as err:
        _create(aws("lambda", creds=key), unique("deny"), role)
    assert "iam:PassRole" in err.value.response["Error"]["Message"]
    assert "explicit deny" in err.value.response["Error"]["Message"]


def _rest_api(aws: Any) -> tuple[str, str]:
    apig = aws("apigateway")
    api = apig.create_rest_api(name=unique("api"))["id"]
    root = apig.get_resources(restApiId=api)["items"][0]["id"]
    return api, root


def test_api_gateway_authorizer_credentials_need_passrole(aws: Any) -> None:
    """CreateAuthorizer with authorizerCredentials passes that role to apigateway.amazonaws.com.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """
    role = make_role(aws, {"Service": "apigateway.amazonaws.com"}, doc(allow("lambda:*")))
    api, _ = _rest_api(aws)
    uri = (f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
           f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:auth/invocations")
    kwargs = {"restApiId": api, "name": "a", "type": "TOKEN", "authorizerUri": uri,
              "identitySource": "method.request.header.Authorization",
              "authorizerCredentials": role}
    _, key = make_user(aws, doc(allow("apigateway:*")))
    with pytest.raises(ClientError) as err:
        aws("apigateway", creds=key).create_authorizer(**kwargs)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"iam:PassRole on resource: {role}" in err.value.response["Error"]["Message"]
    apigw_only = allow("iam:PassRole", role,
                       {"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}})
    _, key2 = make_user(aws, doc(allow("apigateway:*"), apigw_only))
    created = aws("apigateway", creds=key2).create_authorizer(**kwargs)
    patch = [{"op": "replace", "path": "/authorizerCredentials",
              "value": _admin_role(aws)}]
    with pytest.raises(ClientError) as err:  # UpdateAuthorizer patches in another role
        aws("apigateway", creds=key2).update_authorizer(restApiId=api, authorizerId=created["id"],
                                                        patchOperations=patch)
    assert "iam:PassRole" in err.value.response["Error"]["Message"]


def test_api_gateway_integration_credentials_need_passrole(aws: Any) -> None:
    """PutIntegration and UpdateIntegration (patch /credentials) pass the credentials role.

    https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegration.html and
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """
    role = make_role(aws, {"Service": "apigateway.amazonaws.com"}, doc(allow("lambda:*")))
    api, root = _rest_api(aws)
    apig = aws("apigateway")
    apig.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    uri = (f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
           f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f/invocations")
    base = {"restApiId": api, "resourceId": root, "httpMethod": "GET", "type": "AWS_PROXY",
            "integrationHttpMethod": "POST", "uri": uri}
    _, key = make_user(aws, doc(allow("apigateway:*")))
    user_apig = aws("apigateway", creds=key)
    with pytest.raises(ClientError) as err:
        user_apig.put_integration(**base, credentials=role)
    assert f"iam:PassRole on resource: {role}" in err.value.response["Error"]["Message"]
    user_apig.put_integration(**base)  # no credentials: no role passed
    patch = [{"op": "replace", "path": "/credentials", "value": role}]
    with pytest.raises(ClientError) as err:
        user_apig.update_integration(restApiId=api, resourceId=root, httpMethod="GET",
                                     patchOperations=patch)
    assert "iam:PassRole" in err.value.response["Error"]["Message"]


def test_root_passes_any_role_without_a_policy(aws: Any) -> None:
    """The account root user has every permission in its account, PassRole included.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html
    """
    role = _admin_role(aws)
    assert _create(aws("lambda"), unique("root"), role)["Role"] == role


def test_role_session_needs_passrole_like_a_user(aws: Any) -> None:
    """A role session (e.g. a CI role) is checked for iam:PassRole exactly as an IAM user.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """
    target_role = _admin_role(aws)
    user_arn, key = make_user(aws)
    ci_role = make_role(aws, {"AWS": user_arn}, doc(allow("lambda:CreateFunction")))
    creds = aws("sts", creds=key).assume_role(RoleArn=ci_role, RoleSessionName="ci")["Credentials"]
    with pytest.raises(ClientError) as err:
        _create(aws("lambda", creds=creds), unique("ci"), target_role)
    msg = err.value.response["Error"]["Message"]
    assert msg.startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/") and "iam:PassRole" in msg
