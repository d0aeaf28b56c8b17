"""Exports and Fn::ImportValue across stacks, with CloudFormation's protection of exports in use."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from tests.cloudformation.conftest import wait
from tests.conftest import ClientFactory

EXPORTER = """
Parameters:
  Suffix: {Type: String, Default: a}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
Outputs:
  TableName:
    Value: !Sub "${Table}"
    Export: {Name: !Sub "${AWS::StackName}-table"}
  Label:
    Value: !Sub "label-${Suffix}"
    Export: {Name: !Sub "${AWS::StackName}-label"}
"""

IMPORTER = """
Parameters:
  Source: {Type: String}
Resources:
  Copy:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Join ["-", [!ImportValue {"Fn::Sub": "${Source}-table"}, copy]]
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
Outputs:
  Label: {Value: !ImportValue {"Fn::Sub": "${Source}-label"}}
"""


def test_import_value_reads_another_stacks_export_and_protects_it(
        cfn: Any, aws: ClientFactory, stack_name: str) -> None:
    """Fn::ImportValue returns the value another stack exports; while it is imported the
    exporting stack cannot be deleted and the exported value cannot change.

    AWS CloudFormation Template Reference, Fn::ImportValue ("You can't delete a stack if another
    stack references one of its outputs. You can't modify or remove an output value that is
    referenced by another stack."); API Reference, ListExports and ListImports."""
    source, user = f"{stack_name}-src", f"{stack_name}-use"
    cfn.create_stack(StackName=source, TemplateBody=EXPORTER)
    exported = wait(cfn, source, "stack_create_complete")
    table = {o["OutputKey"]: o for o in exported["Outputs"]}["TableName"]
    assert table["ExportName"] == f"{source}-table"
    cfn.create_stack(StackName=user, TemplateBody=IMPORTER,
                     Parameters=[{"ParameterKey": "Source", "ParameterValue": source}])
    imported = wait(cfn, user, "stack_create_complete")
    assert imported["Outputs"] == [{"OutputKey": "Label", "OutputValue": "label-a"}]
    ddb = aws("dynamodb")
    ddb.describe_table(TableName=f"{table['OutputValue']}-copy")
    exports = {e["Name"]: e for e in cfn.list_exports()["Exports"]}
    assert exports[f"{source}-table"]["Value"] == table["OutputValue"]
    assert exports[f"{source}-table"]["ExportingStackId"] == exported["StackId"]
    assert cfn.list_imports(ExportName=f"{source}-label")["Imports"] == [user]

    cfn.update_stack(StackName=source, TemplateBody=EXPORTER,
                     Parameters=[{"ParameterKey": "Suffix", "ParameterValue": "b"}])
    with pytest.raises(WaiterError):
        wait(cfn, source, "stack_update_complete")
    after = cfn.describe_stacks(StackName=source)["Stacks"][0]
    assert after["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert after["StackStatusReason"] == (f"Cannot update export {source}-label as it is in use "
                                          f"by {user}")

    cfn.delete_stack(StackName=source)
    refused = cfn.describe_stacks(StackName=source)["Stacks"][0]
    assert refused["StackStatus"] == "DELETE_FAILED"
    assert refused["StackStatusReason"] == (f"Export {source}-label cannot be deleted as it is in "
                                            f"use by {user}")
    ddb.describe_table(TableName=table["OutputValue"])  # nothing was deleted

    cfn.delete_stack(StackName=user)
    cfn.delete_stack(StackName=source)
    assert f"{source}-table" not in {e["Name"] for e in cfn.list_exports()["Exports"]}
    assert table["OutputValue"] not in ddb.list_tables()["TableNames"]


def test_import_of_a_missing_export_is_refused_before_anything_is_created(
        cfn: Any, stack_name: str) -> None:
    """Importing a name nobody exports fails with "No export named ... found" and creates nothing.

    AWS re:Post Knowledge Center, "How do I resolve the 'No export named XYZ found' error in
    CloudFormation?"; Template Reference, Fn::ImportValue."""
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=stack_name, TemplateBody=IMPORTER, Parameters=[
            {"ParameterKey": "Source", "ParameterValue": f"{stack_name}-nobody"}])
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert f"No export named {stack_name}-nobody-table found" in err.value.response["Error"][
        "Message"]
    with pytest.raises(ClientError, match="does not exist"):
        cfn.describe_stacks(StackName=stack_name)


def test_export_names_are_unique_in_the_region(cfn: Any, stack_name: str) -> None:
    """A second stack exporting a name already exported fails and rolls back.

    AWS CloudFormation Template Reference, Fn::ImportValue ("Export names must be unique within
    a Region")."""
    template = EXPORTER.replace("${AWS::StackName}-label", f"{stack_name}-shared")
    cfn.create_stack(StackName=f"{stack_name}-one", TemplateBody=template)
    wait(cfn, f"{stack_name}-one", "stack_create_complete")
    cfn.create_stack(StackName=f"{stack_name}-two", TemplateBody=template)
    with pytest.raises(WaiterError):
        wait(cfn, f"{stack_name}-two", "stack_create_complete")
    two = cfn.describe_stacks(StackName=f"{stack_name}-two")["Stacks"][0]
    assert two["StackStatus"] == "ROLLBACK_COMPLETE"
    assert two["StackStatusReason"] == (f"Export with name {stack_name}-shared is already "
                                        f"exported by stack {stack_name}-one")
    assert cfn.describe_stack_resources(StackName=f"{stack_name}-two")["StackResources"] == []
    for name in (f"{stack_name}-two", f"{stack_name}-one"):
        cfn.delete_stack(StackName=name)
