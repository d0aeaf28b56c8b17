"""Change sets as `aws cloudformation deploy` drives them: create, wait, describe, execute, wait."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from tests.cloudformation.conftest import wait
from tests.conftest import ClientFactory

TEMPLATE = """
Parameters:
  Key: {Type: String, Default: pk}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: !Ref Key, AttributeType: S}]
      KeySchema: [{AttributeName: !Ref Key, KeyType: HASH}]
  Other:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
Outputs:
  TableName: {Value: !Ref Table}
"""


def cli_deploy(cfn: Any, stack: str, body: str, params: dict[str, str] | None = None) -> str:
    """What awscli's `cloudformation deploy` does (awscli/customizations/cloudformation/deployer.py)."""
    try:
        status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        kind = "CREATE" if status == "REVIEW_IN_PROGRESS" else "UPDATE"
    except ClientError as exc:
        if "does not exist" not in exc.response["Error"]["Message"]:
            raise
        kind = "CREATE"
    name = f"awscli-cloudformation-package-deploy-{int(time.time() * 1000)}"
    created = cfn.create_change_set(
        ChangeSetName=name, StackName=stack, TemplateBody=body, ChangeSetType=kind,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (params or {}).items()],
        Capabilities=["CAPABILITY_IAM"], Description="Created by AWS CLI", Tags=[])
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            ChangeSetName=created["Id"], StackName=stack,
            WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    except WaiterError:
        reason = cfn.describe_change_set(ChangeSetName=created["Id"],
                                         StackName=stack).get("StatusReason", "")
        if "didn't contain changes" in reason:
            return "No changes to deploy"
        raise
    cfn.execute_change_set(ChangeSetName=created["Id"], StackName=stack)
    waiter = "stack_create_complete" if kind == "CREATE" else "stack_update_complete"
    wait(cfn, stack, waiter)
    return str(created["Id"])


def test_cloudformation_deploy_creates_updates_and_reports_no_changes(
        cfn: Any, aws: ClientFactory, stack_name: str) -> None:
    """CreateChangeSet(CREATE) makes a REVIEW_IN_PROGRESS stack, ExecuteChangeSet creates it;
    an UPDATE change set lists Modify with Replacement, and an unchanged template fails with
    CloudFormation's "didn't contain changes" reason.

    AWS CloudFormation API Reference, CreateChangeSet, DescribeChangeSet, ExecuteChangeSet; AWS
    CLI Command Reference, cloudformation deploy ("No changes to deploy")."""
    first = cli_deploy(cfn, stack_name, TEMPLATE)
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    events = [e["ResourceStatus"] for e in cfn.describe_stack_events(
        StackName=stack_name)["StackEvents"] if e["LogicalResourceId"] == stack_name]
    assert events[-1] == "REVIEW_IN_PROGRESS" and events[0] == "CREATE_COMPLETE"
    described = cfn.describe_change_set(ChangeSetName=first, StackName=stack_name)
    assert described["ExecutionStatus"] == "EXECUTE_COMPLETE"
    assert sorted((c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"])
                  for c in described["Changes"]) == [("Add", "Other"), ("Add", "Table")]
    old_table = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["TableName"]

    changed = TEMPLATE.replace("Outputs:", "      TimeToLiveSpecification: {AttributeName: ttl, "
                               "Enabled: true}\nOutputs:")
    preview = cfn.create_change_set(ChangeSetName="preview", StackName=stack_name,
                                    TemplateBody=changed, ChangeSetType="UPDATE",
                                    Parameters=[{"ParameterKey": "Key", "ParameterValue": "id"}])
    cfn.get_waiter("change_set_create_complete").wait(
        ChangeSetName="preview", StackName=stack_name, WaiterConfig={"Delay": 0.2})
    changes = cfn.describe_change_set(ChangeSetName="preview", StackName=stack_name)["Changes"]
    summary = {c["ResourceChange"]["LogicalResourceId"]: (c["ResourceChange"]["Action"],
                                                         c["ResourceChange"]["Replacement"])
               for c in changes}
    assert summary == {"Table": ("Modify", "True"), "Other": ("Modify", "False")}
    listed = cfn.list_change_sets(StackName=stack_name)["Summaries"]
    assert {s["ChangeSetName"]: s["ExecutionStatus"] for s in listed}["preview"] == "AVAILABLE"
    assert cfn.get_template(StackName=stack_name, ChangeSetName="preview")["TemplateBody"] == changed
    cfn.delete_change_set(ChangeSetName=preview["Id"])
    with pytest.raises(ClientError) as err:
        cfn.describe_change_set(ChangeSetName="preview", StackName=stack_name)
    assert err.value.response["Error"]["Code"] == "ChangeSetNotFound"
    assert cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"] == \
        "CREATE_COMPLETE", "a change set changes nothing until it is executed"

    cli_deploy(cfn, stack_name, changed, {"Key": "id"})
    updated = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert updated["StackStatus"] == "UPDATE_COMPLETE"
    new_table = {o["OutputKey"]: o["OutputValue"] for o in updated["Outputs"]}["TableName"]
    ddb = aws("dynamodb")
    other = cfn.describe_stack_resource(StackName=stack_name, LogicalResourceId="Other")
    ttl = ddb.describe_time_to_live(TableName=other["StackResourceDetail"]["PhysicalResourceId"])
    assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
    assert new_table != old_table and old_table not in ddb.list_tables()["TableNames"]

    assert cli_deploy(cfn, stack_name, changed, {"Key": "id"}) == "No changes to deploy"
    cfn.delete_stack(StackName=stack_name)
    assert new_table not in ddb.list_tables()["TableNames"]


def test_change_set_for_a_missing_stack_or_an_existing_create_is_refused(
        cfn: Any, stack_name: str) -> None:
    """UPDATE needs an existing stack; CREATE needs a new one.

    AWS CloudFormation API Reference, CreateChangeSet (ChangeSetType)."""
    with pytest.raises(ClientError, match="does not exist"):
        cfn.create_change_set(ChangeSetName="x", StackName=stack_name, TemplateBody=TEMPLATE,
                              ChangeSetType="UPDATE")
    cfn.create_stack(StackName=stack_name, TemplateBody=TEMPLATE)
    wait(cfn, stack_name, "stack_create_complete")
    with pytest.raises(ClientError, match="already exists"):
        cfn.create_change_set(ChangeSetName="x", StackName=stack_name, TemplateBody=TEMPLATE,
                              ChangeSetType="CREATE")
    cfn.delete_stack(StackName=stack_name)
