"""AWS::CloudFormation::Stack: children from a local path and from the embedded S3."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import WaiterError

from tests.cloudformation.conftest import wait
from tests.conftest import ClientFactory

CHILD = """
Parameters:
  Prefix: {Type: String}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${Prefix}-child"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
Outputs:
  TableName: {Value: !Ref Table}
"""

PARENT = """
Parameters:
  Bucket: {Type: String}
Resources:
  Local:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: nested/child.yaml
      Parameters: {Prefix: !Sub "${AWS::StackName}-local"}
  FromS3:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: !Sub "https://${Bucket}.s3.amazonaws.com/templates/child.yaml"
      Parameters: {Prefix: !Sub "${AWS::StackName}-s3"}
  Copy:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${Local.Outputs.TableName}-copy"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
Outputs:
  LocalTable: {Value: !GetAtt Local.Outputs.TableName}
  S3Table: {Value: !GetAtt FromS3.Outputs.TableName}
  LocalStack: {Value: !Ref Local}
"""


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def test_nested_stacks_from_a_local_path_and_s3_are_created_and_deleted_with_the_parent(
        cfn: Any, aws: ClientFactory, stack_name: str, tmp_path: Path) -> None:
    """A nested stack is a stack of its own: Ref gives its ARN, Fn::GetAtt Outputs.<Name> its
    outputs; deleting the parent deletes the children.

    AWS CloudFormation Template Reference, AWS::CloudFormation::Stack (Return values: "Ref
    returns the stack ID", "Outputs.NestedStackOutputName"); User Guide, "Nested stacks"."""
    s3 = aws("s3")
    bucket = f"{stack_name}-templates"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="templates/child.yaml", Body=CHILD.encode())
    _write(tmp_path, "nested/child.yaml", CHILD)
    parent = _write(tmp_path, "parent.yaml", PARENT)
    cfn.create_stack(StackName=stack_name, TemplateURL=str(parent),
                     Parameters=[{"ParameterKey": "Bucket", "ParameterValue": bucket}])
    stack = wait(cfn, stack_name, "stack_create_complete")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["LocalTable"] == f"{stack_name}-local-child"
    assert outputs["S3Table"] == f"{stack_name}-s3-child"
    child = cfn.describe_stacks(StackName=outputs["LocalStack"])["Stacks"][0]
    assert child["StackStatus"] == "CREATE_COMPLETE"
    assert child["StackName"].startswith(f"{stack_name}-Local-")
    ddb = aws("dynamodb")
    tables = set(ddb.list_tables()["TableNames"])
    assert {f"{stack_name}-local-child", f"{stack_name}-s3-child",
            f"{stack_name}-local-child-copy"} <= tables
    cfn.delete_stack(StackName=stack_name)
    assert cfn.describe_stacks(StackName=outputs["LocalStack"])["Stacks"][0]["StackStatus"] == \
        "DELETE_COMPLETE"
    assert not {t for t in ddb.list_tables()["TableNames"] if t.startswith(f"{stack_name}-")}


def test_a_failing_nested_stack_rolls_the_parent_back(
        cfn: Any, aws: ClientFactory, stack_name: str, tmp_path: Path) -> None:
    """A child that fails to create fails its parent, which rolls back: nothing of either stays.

    AWS CloudFormation User Guide, "Nested stacks" and "Stack status codes"."""
    _write(tmp_path, "broken.yaml", CHILD.replace("      BillingMode: PAY_PER_REQUEST\n", ""))
    parent = _write(tmp_path, "parent.yaml", """
        Resources:
          First:
            Type: AWS::DynamoDB::Table
            Properties:
              BillingMode: PAY_PER_REQUEST
              AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
              KeySchema: [{AttributeName: pk, KeyType: HASH}]
          Child:
            Type: AWS::CloudFormation::Stack
            DependsOn: First
            Properties:
              TemplateURL: broken.yaml
              Parameters: {Prefix: !Ref AWS::StackName}
        """)
    ddb = aws("dynamodb")
    before = set(ddb.list_tables()["TableNames"])
    cfn.create_stack(StackName=stack_name, TemplateURL=str(parent))
    with pytest.raises(WaiterError):
        wait(cfn, stack_name, "stack_create_complete")
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Embedded stack" in stack["StackStatusReason"]
    assert "was not successfully created" in stack["StackStatusReason"]
    assert set(ddb.list_tables()["TableNames"]) == before
    live = [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]
            if s["StackName"].startswith(f"{stack_name}-Child-") and s["StackStatus"] !=
            "DELETE_COMPLETE"]
    assert live == []
    cfn.delete_stack(StackName=stack_name)
