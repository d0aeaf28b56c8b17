"""What a bad template or a failing resource looks like to the user: messages with file:line."""

from __future__ import annotations

from typing import Any

import pytest

from harness.deploy import Deployer, DeployError

from .conftest import Project


def _line_of(text: str, needle: str) -> int:
    lines = text.strip("\n").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_unsupported_resource_type_names_type_resource_and_line(
        deployer: Deployer, project: Project, stack_name: str) -> None:
    text = """
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Machine:
    Type: AWS::StepFunctions::StateMachine
"""
    with pytest.raises(DeployError) as err:
        deployer.deploy(project(text), stack_name)
    assert str(err.value) == (f"template.yaml:{_line_of(text, 'Machine:')}: unsupported resource "
                              "type AWS::StepFunctions::StateMachine (resource Machine): the "
                              "harness deployer has no provisioner for this type")
    assert stack_name not in deployer.list_stacks(), "nothing is created for an invalid template"


def test_unsupported_intrinsic_names_function_and_line(deployer: Deployer, project: Project,
                                                        stack_name: str) -> None:
    text = """
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Transform {Name: Custom::Upper, Parameters: {Value: t}}
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
"""
    with pytest.raises(DeployError) as err:
        deployer.deploy(project(text), stack_name)
    assert str(err.value) == (f"template.yaml:{_line_of(text, 'Transform')}: unsupported "
                              "intrinsic function Fn::Transform")
    assert stack_name not in deployer.list_stacks(), "checked before anything is created"


def test_serverless_type_without_transform_says_so(deployer: Deployer, project: Project,
                                                    stack_name: str) -> None:
    text = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: x, Handler: index.h, Runtime: python3.12}
"""
    with pytest.raises(DeployError, match=r"template.yaml:2: unsupported resource type "
                                          r"AWS::Serverless::Function \(resource Fn\): a SAM "
                                          r"type needs Transform: AWS::Serverless-2016-10-31"):
        deployer.deploy(project(text), stack_name)


def test_allowed_values_violation(deployer: Deployer, project: Project, stack_name: str) -> None:
    text = """
Parameters:
  Tier:
    Type: String
    AllowedValues: [basic, standard, premium, platinum]
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
"""
    with pytest.raises(DeployError, match=r"template.yaml:3: parameter Tier value 'gold' is not "
                                          r"one of the AllowedValues"):
        deployer.deploy(project(text), stack_name, {"Tier": "gold"})


def test_cycles_and_bad_attributes(deployer: Deployer, project: Project,
                                   stack_name: str) -> None:
    cycle = """
Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Principal: {AWS: !GetAtt B.Arn}}]}
  B:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Principal: {AWS: !GetAtt A.Arn}}]}
"""
    with pytest.raises(DeployError, match=r"template.yaml:2: circular dependency between "
                                          r"resources: A -> B -> A"):
        deployer.deploy(project(cycle), stack_name)
    bad_attr = """
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ClientName: !GetAtt Pool.Nope
"""
    with pytest.raises(DeployError, match=r"template.yaml:8: Fn::GetAtt Pool.Nope: "
                                          r"AWS::Cognito::UserPool has no attribute Nope "
                                          r"\(supported: Arn, ProviderName, ProviderURL, "
                                          r"UserPoolId\)"):
        deployer.deploy(project(bad_attr), stack_name)
    deployer.delete(stack_name)


def test_failed_create_rolls_back_to_rollback_complete_with_nothing_left(
        deployer: Deployer, project: Project, stack_name: str, aws: Any) -> None:
    """A failed create deletes what it made and ends ROLLBACK_COMPLETE with the reason.

    AWS CloudFormation User Guide, "Stack status codes" (ROLLBACK_COMPLETE: "Successful removal
    of one or more stacks after a failed stack creation") and "Choose how to handle failures
    when provisioning resources" (rollback is the default)."""
    text = """
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
    DependsOn: Pool
"""
    with pytest.raises(DeployError, match=r"template.yaml:4: resource Table "
                                          r"\(AWS::DynamoDB::Table\): BillingMode PROVISIONED "
                                          r"\(the default\) needs ProvisionedThroughput"):
        deployer.deploy(project(text), stack_name)
    failed = deployer.describe(stack_name)
    assert failed.status == "ROLLBACK_COMPLETE"
    assert failed.resources == {}
    record = deployer.store.load(stack_name)
    assert record is not None and "needs ProvisionedThroughput" in record["status_reason"]
    events = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(record["events"])]
    assert events == [
        (stack_name, "CREATE_IN_PROGRESS"), ("Pool", "CREATE_IN_PROGRESS"),
        ("Pool", "CREATE_COMPLETE"), ("Table", "CREATE_IN_PROGRESS"), ("Table", "CREATE_FAILED"),
        (stack_name, "ROLLBACK_IN_PROGRESS"), ("Pool", "DELETE_IN_PROGRESS"),
        ("Pool", "DELETE_COMPLETE"), (stack_name, "ROLLBACK_COMPLETE")]
    pool_id = next(e["PhysicalResourceId"] for e in record["events"]
                   if e["LogicalResourceId"] == "Pool" and e["ResourceStatus"] == "CREATE_COMPLETE")
    idp = aws("cognito-idp")
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool(UserPoolId=pool_id)
    deployer.delete(stack_name)
    assert stack_name not in deployer.list_stacks()
