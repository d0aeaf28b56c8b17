"""The deployer as a non-root principal: its calls pass the edge's gate, iam:PassRole included."""

from __future__ import annotations

import pytest

from harness.deploy import Deployer, DeployError, MemoryStackStore
from harness.target import EmbeddedTarget
from tests.conftest import make_client_factory
from tests.edge.helpers import doc, make_user

from .conftest import Project

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: admin
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return {"statusCode": 200}
"""

EVERYTHING_BUT_PASSROLE = doc({"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"})


def _deployer(target: EmbeddedTarget, key: dict[str, str]) -> Deployer:
    return Deployer(endpoint_url=target.endpoint, store=MemoryStackStore(),
                    credentials=(key["AccessKeyId"], key["SecretAccessKey"]))


def test_deployer_as_user_without_passrole_fails_naming_passrole(
        target: EmbeddedTarget, project: Project, stack_name: str) -> None:
    """A deploying principal needs iam:PassRole for a function's execution role, as on AWS.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """
    aws = make_client_factory(target.endpoint)
    _, key = make_user(aws, EVERYTHING_BUT_PASSROLE)
    with pytest.raises(DeployError) as err:
        _deployer(target, key).deploy(project(TEMPLATE), stack_name)
    assert "iam:PassRole" in str(err.value)
    assert "AccessDenied" in str(err.value)


def test_deployer_as_user_succeeds_once_passrole_is_allowed(
        target: EmbeddedTarget, project: Project, stack_name: str) -> None:
    """The same deployment succeeds when the user may pass the role to lambda.amazonaws.com.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """
    aws = make_client_factory(target.endpoint)
    passrole = doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}})
    _, key = make_user(aws, EVERYTHING_BUT_PASSROLE, passrole)
    result = _deployer(target, key).deploy(project(TEMPLATE), stack_name)
    config = aws("lambda").get_function(FunctionName=result.resources["Fn"].physical_id)
    assert config["Configuration"]["Role"].endswith("/" + result.resources["Role"].physical_id)
