"""SAM `Auth` with a Cognito authorizer, deployed by the harness deployer and called over HTTP.

Docs: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-cognitoauthorizer.html
(UserPoolArn, AuthorizationScopes for the authorizer's methods, Identity.Header and
ValidationExpression), https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-apifunctionauth.html
(an event's AuthorizationScopes override the authorizer's).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.deploy import Deployer
from harness.target import EmbeddedTarget
from tests.deploy.conftest import make_project
from tests.gateway_e2e.cognito_support import PASSWORD, call

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: !Sub "${AWS::StackName}-pool"
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Users
        Authorizers:
          Users:
            UserPoolArn: !GetAtt Pool.Arn
            Identity: {Header: X-Token}
          ScopedUsers:
            UserPoolArn: !GetAtt Pool.Arn
            AuthorizationScopes: [aws.cognito.signin.user.admin]
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.11
      Events:
        Me:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /me, Method: GET}
        Scoped:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /scoped
            Method: GET
            Auth: {Authorizer: ScopedUsers}
        Unscoped:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /unscoped
            Method: GET
            Auth: {Authorizer: ScopedUsers, AuthorizationScopes: []}
Outputs:
  ApiId: {Value: !Ref Api}
  PoolId: {Value: !Ref Pool}
  ClientId: {Value: !Ref Client}
"""
APP = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"]["claims"])}
"""


@pytest.fixture(scope="module")
def deployed(target: EmbeddedTarget, deployer: Deployer, tmp_path_factory: pytest.TempPathFactory,
             aws: Any) -> dict[str, Any]:
    path = make_project(tmp_path_factory.mktemp("sam-cognito"), TEMPLATE, {"src/app.py": APP})
    outputs = deployer.deploy(path, "sam-cognito-auth").outputs
    idp = aws("cognito-idp")
    idp.admin_create_user(UserPoolId=outputs["PoolId"], Username="ann", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=outputs["PoolId"], Username="ann", Password=PASSWORD,
                                Permanent=True)
    tokens = idp.initiate_auth(ClientId=outputs["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD})
    return {**outputs, "tokens": tokens["AuthenticationResult"]}


def _get(target: EmbeddedTarget, d: dict[str, Any], path: str, header: str,
         token: str) -> tuple[int, Any]:
    return call(target, d["ApiId"], path, {header: token})


def test_sam_cognito_authorizer_becomes_a_cognito_user_pools_authorizer(
        deployed: dict[str, Any], aws: Any) -> None:
    """UserPoolArn → COGNITO_USER_POOLS with providerARNs; Identity.Header → identitySource."""
    auths = {a["name"]: a for a in aws("apigateway").get_authorizers(
        restApiId=deployed["ApiId"])["items"]}
    assert auths["Users"]["type"] == "COGNITO_USER_POOLS"
    assert auths["Users"]["providerARNs"][0].endswith(f":userpool/{deployed['PoolId']}")
    assert auths["Users"]["identitySource"] == "method.request.header.X-Token"
    assert auths["ScopedUsers"]["identitySource"] == "method.request.header.Authorization"


def test_sam_default_cognito_authorizer_admits_the_pools_id_token(
        target: EmbeddedTarget, deployed: dict[str, Any]) -> None:
    """The DefaultAuthorizer reads the token from Identity.Header and passes the claims on."""
    status, claims = _get(target, deployed, "/me", "X-Token", deployed["tokens"]["IdToken"])
    assert status == 200, claims
    assert claims["cognito:username"] == "ann"
    assert _get(target, deployed, "/me", "Authorization",
                deployed["tokens"]["IdToken"]) == (401, {"message": "Unauthorized"})


def test_sam_authorizer_scopes_apply_to_its_methods(target: EmbeddedTarget,
                                                    deployed: dict[str, Any]) -> None:
    """The authorizer's AuthorizationScopes become the method's: an access token with the scope
    passes, the ID token is 401; an event's empty AuthorizationScopes takes the ID token again."""
    tokens = deployed["tokens"]
    status, claims = _get(target, deployed, "/scoped", "Authorization", tokens["AccessToken"])
    assert status == 200, claims
    assert _get(target, deployed, "/scoped", "Authorization", tokens["IdToken"])[0] == 401
    status, claims = _get(target, deployed, "/unscoped", "Authorization", tokens["IdToken"])
    assert status == 200, claims
