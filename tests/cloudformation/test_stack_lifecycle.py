"""CreateStack, UpdateStack and DeleteStack through boto3's cloudformation client against the edge."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from tests.cloudformation.conftest import wait
from tests.conftest import ClientFactory

TABLE = """
Parameters:
  Key: {Type: String, Default: pk}
  Name: {Type: String, Default: ""}
  Mode: {Type: String, Default: PAY_PER_REQUEST}
Conditions:
  Named: !Not [!Equals [!Ref Name, ""]]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !If [Named, !Ref Name, !Ref AWS::NoValue]
      BillingMode: !Ref Mode
      ProvisionedThroughput: !If
        - Named
        - {ReadCapacityUnits: 1, WriteCapacityUnits: 1}
        - !Ref AWS::NoValue
      AttributeDefinitions: [{AttributeName: !Ref Key, AttributeType: S}]
      KeySchema: [{AttributeName: !Ref Key, KeyType: HASH}]
Outputs:
  TableName:
    Description: the table
    Value: !Ref Table
  TableArn: {Value: !GetAtt Table.Arn}
"""


BROKEN = TABLE.replace("Outputs:", """  Broken:
    Type: AWS::DynamoDB::Table
    DependsOn: Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
Outputs:""")


def _params(**values: str) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def test_create_stack_creates_resources_and_reports_outputs_and_events(
        cfn: Any, aws: ClientFactory, stack_name: str) -> None:
    """CreateStack returns the StackId; the stack ends CREATE_COMPLETE with its outputs and events.

    AWS CloudFormation API Reference, CreateStack, DescribeStacks (Outputs) and
    DescribeStackEvents; User Guide, "Stack status codes"."""
    stack_id = cfn.create_stack(StackName=stack_name, TemplateBody=TABLE)["StackId"]
    assert stack_id.startswith("arn:aws:cloudformation:us-east-1:") and f"/{stack_name}/" in stack_id
    stack = wait(cfn, stack_name, "stack_create_complete")
    assert stack["StackStatus"] == "CREATE_COMPLETE" and stack["StackId"] == stack_id
    outputs = _outputs(stack)
    assert outputs["TableName"].startswith(f"{stack_name}-Table-")
    described = {o["OutputKey"]: o for o in stack["Outputs"]}
    assert described["TableName"]["Description"] == "the table"
    ddb = aws("dynamodb")
    table = ddb.describe_table(TableName=outputs["TableName"])["Table"]
    assert table["TableArn"] == outputs["TableArn"]
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    seen = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(events)]
    assert seen == [(stack_name, "CREATE_IN_PROGRESS"), ("Table", "CREATE_IN_PROGRESS"),
                    ("Table", "CREATE_COMPLETE"), (stack_name, "CREATE_COMPLETE")]
    assert all(e["StackId"] == stack_id for e in events)
    resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    assert [(r["LogicalResourceId"], r["PhysicalResourceId"], r["ResourceStatus"])
            for r in resources] == [("Table", outputs["TableName"], "CREATE_COMPLETE")]
    assert cfn.get_template(StackName=stack_name)["TemplateBody"] == TABLE
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=stack_name, TemplateBody=TABLE)
    assert err.value.response["Error"]["Code"] == "AlreadyExistsException"
    cfn.delete_stack(StackName=stack_name)


def test_failed_update_rolls_back_in_place_changes_and_deletes_new_resources(
        cfn: Any, aws: ClientFactory, stack_name: str) -> None:
    """An update whose new resource fails sets the updated table back and removes what it added:
    the stack ends UPDATE_ROLLBACK_COMPLETE with the reason.

    AWS CloudFormation User Guide, "Stack status codes" (UPDATE_ROLLBACK_COMPLETE: "Successful
    return of one or more stacks to a previous working state after a failed stack update")."""
    cfn.create_stack(StackName=stack_name, TemplateBody=TABLE)
    first = _outputs(wait(cfn, stack_name, "stack_create_complete"))["TableName"]
    ddb = aws("dynamodb")
    before = set(ddb.list_tables()["TableNames"])
    cfn.update_stack(StackName=stack_name, TemplateBody=BROKEN, Parameters=[
        {"ParameterKey": "Key", "UsePreviousValue": True},
        {"ParameterKey": "Mode", "ParameterValue": "PROVISIONED"},
        {"ParameterKey": "Name", "ParameterValue": f"{stack_name}-named"}])
    with pytest.raises(WaiterError):
        wait(cfn, stack_name, "stack_update_complete")
    rolled = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert rolled["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "Broken" in rolled["StackStatusReason"]
    assert "ProvisionedThroughput" in rolled["StackStatusReason"]
    assert _outputs(rolled)["TableName"] == first
    assert set(ddb.list_tables()["TableNames"]) == before, "the replacement table is gone"
    table = ddb.describe_table(TableName=first)["Table"]
    assert table.get("BillingModeSummary", {}).get("BillingMode", "PAY_PER_REQUEST") == \
        "PAY_PER_REQUEST"
    statuses = [e["ResourceStatus"] for e in cfn.describe_stack_events(
        StackName=stack_name)["StackEvents"] if e["LogicalResourceId"] == stack_name]
    assert statuses[:3] == ["UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_IN_PROGRESS",
                            "UPDATE_IN_PROGRESS"]
    cfn.delete_stack(StackName=stack_name)


def test_update_in_place_keeps_the_table_and_replacement_makes_a_new_one(
        cfn: Any, aws: ClientFactory, stack_name: str) -> None:
    """A KeySchema change replaces the table (a new generated name), and the old table is
    deleted once the update succeeds; an identical update is refused.

    AWS CloudFormation User Guide, "Update behaviors of stack resources"; Template Reference,
    AWS::DynamoDB::Table (KeySchema: "Update requires: Replacement"); API Reference,
    UpdateStack ("No updates are to be performed")."""
    cfn.create_stack(StackName=stack_name, TemplateBody=TABLE)
    rolled = wait(cfn, stack_name, "stack_create_complete")
    first = _outputs(rolled)["TableName"]
    ddb = aws("dynamodb")
    cfn.update_stack(StackName=stack_name, TemplateBody=TABLE,
                     Parameters=_params(Key="id"))
    second = _outputs(wait(cfn, stack_name, "stack_update_complete"))["TableName"]
    assert second != first and second.startswith(f"{stack_name}-Table-")
    assert ddb.describe_table(TableName=second)["Table"]["KeySchema"][0]["AttributeName"] == "id"
    assert first not in ddb.list_tables()["TableNames"]
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    assert any(e["LogicalResourceId"] == "Table" and "creation of a new physical resource"
               in e.get("ResourceStatusReason", "") for e in events)
    with pytest.raises(ClientError, match="No updates are to be performed"):
        cfn.update_stack(StackName=stack_name, TemplateBody=TABLE, Parameters=_params(Key="id"))
    cfn.delete_stack(StackName=stack_name)
    gone = cfn.describe_stacks(StackName=rolled["StackId"])["Stacks"][0]
    assert gone["StackStatus"] == "DELETE_COMPLETE"
    assert second not in ddb.list_tables()["TableNames"]
    with pytest.raises(ClientError, match=f"Stack with id {stack_name} does not exist"):
        cfn.describe_stacks(StackName=stack_name)
    listed = {s["StackId"]: s["StackStatus"] for s in cfn.list_stacks(
        StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]}
    assert listed[rolled["StackId"]] == "DELETE_COMPLETE"


def test_validate_template_lists_parameters_and_bad_templates_are_validation_errors(
        cfn: Any, stack_name: str) -> None:
    """ValidateTemplate returns the parameters (NoEcho, defaults) and required capabilities; an
    unreadable template is a ValidationError "Template format error" and creates nothing.

    AWS CloudFormation API Reference, ValidateTemplate and CreateStack (Errors)."""
    body = TABLE.replace("  Mode: {Type: String, Default: PAY_PER_REQUEST}",
                         "  Mode: {Type: String, Default: PAY_PER_REQUEST, NoEcho: true}")
    answer = cfn.validate_template(TemplateBody=body)
    params = {p["ParameterKey"]: p for p in answer["Parameters"]}
    assert params["Mode"]["NoEcho"] is True and params["Key"]["DefaultValue"] == "pk"
    assert answer.get("Capabilities", []) == []
    for bad in ("Resources: [", "Resources:\n  X: {Type: AWS::DynamoDB::Table, Oops: 1}\n"):
        with pytest.raises(ClientError) as err:
            cfn.create_stack(StackName=stack_name, TemplateBody=bad)
        assert err.value.response["Error"]["Code"] == "ValidationError"
        assert "Template format error" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError, match="does not exist"):
        cfn.describe_stacks(StackName=stack_name)
