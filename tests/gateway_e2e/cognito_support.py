"""Builders for Cognito-authorized REST APIs on an embedded target, made with boto3 through the edge."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from typing import Any

from harness.target import EmbeddedTarget
from tests.conftest import make_client_factory
from tests.edge.helpers import make_role, unique

PASSWORD = "Passw0rd!Passw0rd"
ECHO = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""
SCOPE = "aws.cognito.signin.user.admin"


def zip_of(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    return buf.getvalue()


def lambda_uri(arn: str) -> str:
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"


def call(target: EmbeddedTarget, api_id: str, path: str,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """GET the deployed stage over HTTP, as a browser or SDK would."""
    url = f"{target.endpoint}/restapis/{api_id}/prod/_user_request_{path}"
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


@dataclass
class UserPool:
    pool_id: str
    arn: str
    client_id: str
    username: str


def make_user_pool(aws: Any, flows: list[str] | None = None) -> UserPool:
    """A pool, an app client allowing USER_PASSWORD_AUTH, and one confirmed user."""
    idp = aws("cognito-idp")
    pool = idp.create_user_pool(PoolName=unique("pool"))["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="app",
        ExplicitAuthFlows=flows or ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    user = unique("user")
    idp.admin_create_user(UserPoolId=pool["Id"], Username=user, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": f"{user}@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool["Id"], Username=user, Password=PASSWORD,
                                Permanent=True)
    return UserPool(pool["Id"], pool["Arn"], client["ClientId"], user)


def sign_in(aws: Any, pool: UserPool) -> dict[str, Any]:
    out: dict[str, Any] = aws("cognito-idp").initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": pool.username, "PASSWORD": PASSWORD})["AuthenticationResult"]
    return out


@dataclass
class CognitoApi:
    """An API whose /me takes ID tokens of `pool` and /scoped takes access tokens with SCOPE."""

    target: EmbeddedTarget
    api_id: str
    pool: UserPool
    other_pool: UserPool
    extra: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, token: str | None = None, header: str = "Authorization",
            ) -> tuple[int, Any]:
        return call(self.target, self.api_id, path, {header: token} if token is not None else {})


def deploy_cognito_api(target: EmbeddedTarget) -> CognitoApi:
    """Two pools, one authorizer naming the first, an echo function behind two methods."""
    aws = make_client_factory(target.endpoint)
    pool, other = make_user_pool(aws), make_user_pool(aws)
    role = make_role(aws, {"Service": "lambda.amazonaws.com"})
    lam = aws("lambda")
    fn = lam.create_function(FunctionName=unique("echo"), Runtime="python3.11", Role=role,
                             Handler="app.handler", Code={"ZipFile": zip_of(ECHO)})["FunctionArn"]
    lam.add_permission(FunctionName=fn, StatementId="gw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    gw = aws("apigateway")
    rest = gw.create_rest_api(name=unique("api"))
    api_id = rest["id"]
    auth = gw.create_authorizer(restApiId=api_id, name="pool", type="COGNITO_USER_POOLS",
                                providerARNs=[pool.arn],
                                identitySource="method.request.header.Authorization")
    for part, scopes in (("me", None), ("scoped", [SCOPE])):
        res = gw.create_resource(restApiId=api_id, parentId=rest["rootResourceId"], pathPart=part)
        gw.put_method(restApiId=api_id, resourceId=res["id"], httpMethod="GET",
                      authorizationType="COGNITO_USER_POOLS", authorizerId=auth["id"],
                      **({"authorizationScopes": scopes} if scopes else {}))
        gw.put_integration(restApiId=api_id, resourceId=res["id"], httpMethod="GET",
                           type="AWS_PROXY", integrationHttpMethod="POST", uri=lambda_uri(fn))
    gw.create_deployment(restApiId=api_id, stageName="prod")
    return CognitoApi(target, api_id, pool, other, {"function": fn, "authorizer": auth["id"]})
