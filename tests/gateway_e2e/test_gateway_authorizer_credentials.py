"""Lambda authorizers with authorizerCredentials: API Gateway assumes the role and invokes the
authorizer with its session, so the role's identity policy, not the function's resource policy,
decides; a role it cannot assume, or one that may not invoke the function, is AWS's 500.

Docs: https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html (authorizerCredentials:
an IAM role for API Gateway to assume; null to use the function's resource-based permissions),
https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
(AUTHORIZER_CONFIGURATION_ERROR: 500).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.target import EmbeddedTarget
from tests.edge.helpers import allow, doc, make_role, unique
from tests.gateway_e2e.cognito_support import call, lambda_uri, zip_of

AUTHORIZER = """
def handler(event, context):
    return {"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": event["methodArn"]}]},
        "context": {"via": "authorizer"}}
"""
APP = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"])}
"""
CONFIG_ERROR = (500, {"message": None})


@pytest.fixture(scope="module")
def api(target: EmbeddedTarget, aws: Any) -> dict[str, str]:
    lam, gw = aws("lambda"), aws("apigateway")
    exec_role = make_role(aws, {"Service": "lambda.amazonaws.com"})
    fns = {}
    for kind, code in (("auth", AUTHORIZER), ("app", APP)):
        fns[kind] = lam.create_function(FunctionName=unique(kind), Runtime="python3.11",
                                        Role=exec_role, Handler="app.handler",
                                        Code={"ZipFile": zip_of(code)})["FunctionArn"]
    # only the integration has a resource policy; the authorizer is reachable through roles only
    lam.add_permission(FunctionName=fns["app"], StatementId="gw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    invoke = doc(allow("lambda:InvokeFunction", fns["auth"]))
    roles = {
        "may-invoke": make_role(aws, {"Service": "apigateway.amazonaws.com"}, invoke),
        "may-not-invoke": make_role(aws, {"Service": "apigateway.amazonaws.com"},
                                    doc(allow("lambda:GetFunction", fns["auth"]))),
        "not-assumable": make_role(aws, {"Service": "lambda.amazonaws.com"}, invoke),
        "none": "",
    }
    rest = gw.create_rest_api(name=unique("api"))
    for part, role in roles.items():
        extra = {"authorizerCredentials": role} if role else {}
        auth = gw.create_authorizer(restApiId=rest["id"], name=part, type="TOKEN",
                                    authorizerUri=lambda_uri(fns["auth"]),
                                    identitySource="method.request.header.Authorization",
                                    authorizerResultTtlInSeconds=0, **extra)
        res = gw.create_resource(restApiId=rest["id"], parentId=rest["rootResourceId"],
                                 pathPart=part)
        gw.put_method(restApiId=rest["id"], resourceId=res["id"], httpMethod="GET",
                      authorizationType="CUSTOM", authorizerId=auth["id"])
        gw.put_integration(restApiId=rest["id"], resourceId=res["id"], httpMethod="GET",
                           type="AWS_PROXY", integrationHttpMethod="POST",
                           uri=lambda_uri(fns["app"]))
    gw.create_deployment(restApiId=rest["id"], stageName="prod")
    return {"id": rest["id"]}


def _get(target: EmbeddedTarget, api: dict[str, str], part: str) -> tuple[int, Any]:
    return call(target, api["id"], f"/{part}", {"Authorization": "token"})


def test_authorizer_invoked_with_a_role_that_may_invoke_it(target: EmbeddedTarget,
                                                           api: dict[str, str]) -> None:
    """The role's identity policy allows lambda:InvokeFunction: the authorizer runs although its
    resource policy names no API Gateway permission (API_Authorizer: authorizerCredentials)."""
    status, body = _get(target, api, "may-invoke")
    assert status == 200, body
    assert body["via"] == "authorizer" and body["principalId"] == "u"


def test_authorizer_role_that_may_not_invoke_it_is_a_500(target: EmbeddedTarget,
                                                         api: dict[str, str]) -> None:
    """The assumed role lacks lambda:InvokeFunction: AUTHORIZER_CONFIGURATION_ERROR, 500."""
    assert _get(target, api, "may-not-invoke") == CONFIG_ERROR


def test_authorizer_role_api_gateway_cannot_assume_is_a_500(target: EmbeddedTarget,
                                                            api: dict[str, str]) -> None:
    """A trust policy that does not name apigateway.amazonaws.com: AssumeRole is refused, 500."""
    assert _get(target, api, "not-assumable") == CONFIG_ERROR


def test_authorizer_without_credentials_needs_the_resource_policy(target: EmbeddedTarget,
                                                                  api: dict[str, str]) -> None:
    """Without authorizerCredentials the function's resource policy decides; it has none: 500."""
    assert _get(target, api, "none") == CONFIG_ERROR
