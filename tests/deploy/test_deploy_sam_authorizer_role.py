"""SAM `FunctionInvokeRole` on a Lambda authorizer becomes authorizerCredentials: API Gateway
invokes the authorizer with that role, and no Lambda permission is emitted for it.

Docs: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-lambdatokenauthorizer.html
(FunctionInvokeRole: the role API Gateway uses to invoke the authorizer function),
https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.deploy import Deployer
from harness.target import EmbeddedTarget
from tests.deploy.conftest import make_project
from tests.gateway_e2e.cognito_support import call

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  CanInvoke: {Type: String, Default: "yes"}
Conditions:
  Allowed: !Equals [!Ref CanInvoke, "yes"]
Resources:
  InvokeRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: apigateway.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: invoke
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: !If [Allowed, lambda:InvokeFunction, lambda:GetFunction]
                Resource: !GetAtt AuthFn.Arn
  AuthFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: auth.handler
      Runtime: python3.11
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Tok
        Authorizers:
          Tok:
            FunctionArn: !GetAtt AuthFn.Arn
            FunctionInvokeRole: !GetAtt InvokeRole.Arn
            Identity: {ReauthorizeEvery: 0}
  App:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.11
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /x, Method: GET}
Outputs:
  ApiId: {Value: !Ref Api}
  RoleArn: {Value: !GetAtt InvokeRole.Arn}
"""
FILES = {
    "src/auth.py": """
def handler(event, context):
    return {"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": event["methodArn"]}]}}
""",
    "src/app.py": """
def handler(event, context):
    return {"statusCode": 200, "body": '"ok"'}
""",
}


@pytest.fixture(scope="module")
def stack(deployer: Deployer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    path = make_project(tmp_path_factory.mktemp("sam-role"), TEMPLATE, FILES)
    return deployer, path


def test_function_invoke_role_becomes_authorizer_credentials(
        target: EmbeddedTarget, stack: tuple[Deployer, Any], aws: Any) -> None:
    """The authorizer carries the role; with lambda:InvokeFunction the method answers 200; after
    an update that takes the permission away it is AWS's 500 for the authorizer."""
    deployer, path = stack
    outputs = deployer.deploy(path, "sam-authorizer-role").outputs
    auth = aws("apigateway").get_authorizers(restApiId=outputs["ApiId"])["items"][0]
    assert auth["authorizerCredentials"] == outputs["RoleArn"]
    assert call(target, outputs["ApiId"], "/x", {"Authorization": "t"}) == (200, "ok")
    deployer.deploy(path, "sam-authorizer-role", {"CanInvoke": "no"})
    assert call(target, outputs["ApiId"], "/x", {"Authorization": "t"}) == (500, {"message": None})
