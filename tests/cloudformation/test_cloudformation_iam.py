"""Who CloudFormation acts as: the caller's own permissions, or the service role it is given."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from tests.cloudformation.conftest import wait
from tests.conftest import ClientFactory

TABLE = """
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
"""


def _user(aws: ClientFactory, name: str, actions: list[str]) -> Any:
    iam = aws("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return aws("cloudformation", key=key["AccessKeyId"], secret=key["SecretAccessKey"])


def test_create_stack_needs_cloudformation_permission(aws: ClientFactory, stack_name: str) -> None:
    """CreateStack is authorised as cloudformation:CreateStack like any other API call.

    AWS CloudFormation User Guide, "Control CloudFormation access with IAM"."""
    cfn = _user(aws, f"{stack_name}-none", ["dynamodb:*"])
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=stack_name, TemplateBody=TABLE)
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert "cloudformation:CreateStack" in err.value.response["Error"]["Message"]


def test_resources_are_created_with_the_callers_permissions_or_the_service_role(
        aws: ClientFactory, stack_name: str) -> None:
    """Without a service role CloudFormation uses the caller's credentials, so a caller who may
    not create tables gets a failed, rolled-back stack; with RoleARN (and iam:PassRole) the
    role's permissions decide.

    AWS CloudFormation User Guide, "CloudFormation service role" ("If you don't choose a role,
    CloudFormation uses a temporary session that it generates from your user credentials");
    IAM User Guide, "Grant a user permissions to pass a role to an AWS service"."""
    iam = aws("iam")
    role = iam.create_role(RoleName=f"{stack_name}-cfn", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}))["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="tables",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))
    cfn = _user(aws, f"{stack_name}-cfn-only", ["cloudformation:*", "iam:PassRole"])
    cfn.create_stack(StackName=stack_name, TemplateBody=TABLE)
    with pytest.raises(WaiterError):
        wait(cfn, stack_name, "stack_create_complete")
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "not authorized to perform: dynamodb:CreateTable" in stack["StackStatusReason"]
    cfn.delete_stack(StackName=stack_name)

    cfn.create_stack(StackName=stack_name, TemplateBody=TABLE, RoleARN=role["Arn"])
    created = wait(cfn, stack_name, "stack_create_complete")
    assert created["RoleARN"] == role["Arn"]
    cfn.delete_stack(StackName=stack_name)  # the stack's role deletes it too
    assert cfn.describe_stacks(StackName=created["StackId"])["Stacks"][0]["StackStatus"] == \
        "DELETE_COMPLETE"


def test_passing_a_service_role_needs_iam_pass_role(aws: ClientFactory, stack_name: str) -> None:
    """RoleARN is a role handed to CloudFormation: the caller needs iam:PassRole on it.

    IAM User Guide, "Grant a user permissions to pass a role to an AWS service"."""
    cfn = _user(aws, f"{stack_name}-nopass", ["cloudformation:*"])
    arn = f"arn:aws:iam::{aws('sts').get_caller_identity()['Account']}:role/{stack_name}-x"
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=stack_name, TemplateBody=TABLE, RoleARN=arn)
    assert "iam:PassRole" in err.value.response["Error"]["Message"]


def test_iam_resources_need_the_iam_capability(aws: ClientFactory, stack_name: str) -> None:
    """A template with IAM resources needs CAPABILITY_IAM (a named one CAPABILITY_NAMED_IAM).

    AWS CloudFormation API Reference, CreateStack (Capabilities) and
    InsufficientCapabilitiesException."""
    cfn = aws("cloudformation")
    template = f"""
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: {stack_name}-named
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}},
                     Action: sts:AssumeRole}}]
"""
    for given in ([], ["CAPABILITY_IAM"]):
        with pytest.raises(ClientError) as err:
            cfn.create_stack(StackName=stack_name, TemplateBody=template, Capabilities=given)
        assert err.value.response["Error"]["Code"] == "InsufficientCapabilitiesException"
        assert "CAPABILITY_NAMED_IAM" in err.value.response["Error"]["Message"]
    cfn.create_stack(StackName=stack_name, TemplateBody=template,
                     Capabilities=["CAPABILITY_NAMED_IAM"])
    wait(cfn, stack_name, "stack_create_complete")
    cfn.delete_stack(StackName=stack_name)
