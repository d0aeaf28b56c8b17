"""Custom resources: the ServiceToken function gets CloudFormation's request and answers it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import WaiterError

from tests.cloudformation.conftest import wait
from tests.conftest import ClientFactory

ROLE = """
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: tables
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: "dynamodb:*", Resource: "*"}]
"""

INLINE = """
import json
import boto3
import cfnresponse

def handler(event, context):
    table = boto3.client("dynamodb")
    props = event["ResourceProperties"]
    record = {"type": event["RequestType"], "count": props["Count"], "flag": props["Flag"],
              "old": event.get("OldResourceProperties", {}).get("Count", "-"),
              "physical": event.get("PhysicalResourceId", "-"),
              "resource_type": event["ResourceType"]}
    table.put_item(TableName=props["Log"], Item={
        "pk": {"S": event["RequestId"]}, "record": {"S": json.dumps(record)}})
    if props.get("Fail") == "yes" and event["RequestType"] != "Delete":
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, reason="told to fail")
        return
    cfnresponse.send(event, context, cfnresponse.SUCCESS,
                     {"Doubled": str(int(props["Count"]) * 2), "Secret": "s3cr3t"},
                     physicalResourceId="thing-" + props["Count"] if props.get("NewId") == "yes"
                     else "thing-1", noEcho=props.get("Hide") == "yes")
"""


def _template(handler: str, extra: str = "") -> str:
    code = textwrap.indent(textwrap.dedent(handler).strip("\n"), " " * 10)
    return f"""
Parameters:
  Count: {{Type: Number, Default: 1}}
  Fail: {{Type: String, Default: "no"}}
  NewId: {{Type: String, Default: "no"}}
Resources:
  Log:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
{ROLE}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Timeout: 30
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
{code}
  Thing:
    Type: Custom::Thing
    Properties:
      ServiceToken: !GetAtt Fn.Arn
      ServiceTimeout: 60
      Log: !Ref Log
      Count: !Ref Count
      Flag: true
      Fail: !Ref Fail
      NewId: !Ref NewId
{extra}
Outputs:
  Doubled: {{Value: !GetAtt Thing.Doubled}}
  Physical: {{Value: !Ref Thing}}
  Log: {{Value: !Ref Log}}
"""


def _requests(aws: ClientFactory, table: str) -> list[dict[str, Any]]:
    import json

    items = aws("dynamodb").scan(TableName=table)["Items"]
    return [json.loads(i["record"]["S"]) for i in items]


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def test_inline_custom_resource_with_cfnresponse_gets_create_update_and_delete(
        cfn: Any, aws: ClientFactory, stack_name: str) -> None:
    """The function gets Create, then Update with OldResourceProperties and the PhysicalResourceId,
    then Delete; properties arrive as strings, Data feeds Fn::GetAtt, and cfnresponse is there
    for inline code.

    AWS CloudFormation User Guide, "Custom resources", "Custom resource request objects"
    (RequestType, ResponseURL, StackId, RequestId, ResourceType, LogicalResourceId,
    PhysicalResourceId, ResourceProperties, OldResourceProperties), "Custom resource response
    objects" and "cfn-response module" ("available only when you use the ZipFile property")."""
    template = _template(INLINE)
    cfn.create_stack(StackName=stack_name, TemplateBody=template,
                     Capabilities=["CAPABILITY_IAM"])
    stack = wait(cfn, stack_name, "stack_create_complete")
    out = _outputs(stack)
    assert out["Doubled"] == "2" and out["Physical"] == "thing-1"
    [created] = _requests(aws, out["Log"])
    assert created == {"type": "Create", "count": "1", "flag": "true", "old": "-",
                       "physical": "-", "resource_type": "Custom::Thing"}
    cfn.update_stack(StackName=stack_name, TemplateBody=template, Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": "Count", "ParameterValue": "5"}])
    out = _outputs(wait(cfn, stack_name, "stack_update_complete"))
    assert out["Doubled"] == "10"
    updated = [r for r in _requests(aws, out["Log"]) if r["type"] == "Update"]
    assert updated == [{"type": "Update", "count": "5", "flag": "true", "old": "1",
                        "physical": "thing-1", "resource_type": "Custom::Thing"}]
    ddb = aws("dynamodb")
    log = out["Log"]
    cfn.delete_stack(StackName=stack_name)
    assert log not in ddb.list_tables()["TableNames"]


def test_no_echo_masks_the_data_in_outputs(cfn: Any, stack_name: str) -> None:
    """NoEcho in the response masks the resource's Data where the stack shows it.

    AWS CloudFormation User Guide, "Custom resource response objects" (NoEcho: "Indicates
    whether to mask the output of the custom resource when it's retrieved by using the
    Fn::GetAtt function")."""
    template = _template(INLINE, "      Hide: 'yes'").replace(
        "  Log: {Value: !Ref Log}", "  Log: {Value: !Ref Log}\n  Secret: {Value: !GetAtt Thing.Secret}")
    cfn.create_stack(StackName=stack_name, TemplateBody=template, Capabilities=["CAPABILITY_IAM"])
    out = _outputs(wait(cfn, stack_name, "stack_create_complete"))
    assert out["Secret"] == "*****" and out["Doubled"] == "*****"
    cfn.delete_stack(StackName=stack_name)


def test_a_new_physical_id_on_update_replaces_and_deletes_the_old_one(
        cfn: Any, aws: ClientFactory, stack_name: str) -> None:
    """An Update answered with a new PhysicalResourceId is a replacement: CloudFormation sends
    Delete for the old id during cleanup.

    AWS CloudFormation User Guide, "Custom resource response objects" (PhysicalResourceId: "If
    you return a different value ... the update is treated as a replacement")."""
    template = _template(INLINE)
    cfn.create_stack(StackName=stack_name, TemplateBody=template,
                     Capabilities=["CAPABILITY_IAM"])
    log = _outputs(wait(cfn, stack_name, "stack_create_complete"))["Log"]
    cfn.update_stack(StackName=stack_name, TemplateBody=template, Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": "Count", "ParameterValue": "3"},
                                 {"ParameterKey": "NewId", "ParameterValue": "yes"}])
    out = _outputs(wait(cfn, stack_name, "stack_update_complete"))
    assert out["Physical"] == "thing-3"
    deletes = [r for r in _requests(aws, log) if r["type"] == "Delete"]
    assert [d["physical"] for d in deletes] == ["thing-1"]
    cfn.delete_stack(StackName=stack_name)


def test_a_failed_answer_rolls_the_stack_back_with_the_functions_reason(
        cfn: Any, aws: ClientFactory, stack_name: str) -> None:
    """FAILED fails the resource with "Received response status [FAILED]" and the Reason; the
    stack rolls back and deletes what it created.

    AWS CloudFormation User Guide, "Custom resource response objects" (Status, Reason)."""
    ddb = aws("dynamodb")
    before = set(ddb.list_tables()["TableNames"])
    cfn.create_stack(StackName=stack_name, TemplateBody=_template(INLINE),
                     Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": "Fail", "ParameterValue": "yes"}])
    with pytest.raises(WaiterError):
        wait(cfn, stack_name, "stack_create_complete")
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Received response status [FAILED] from custom resource. Message returned: told to " \
           "fail" in stack["StackStatusReason"]
    assert set(ddb.list_tables()["TableNames"]) == before
    assert aws("lambda").list_functions()["Functions"] is not None
    names = [f["FunctionName"] for f in aws("lambda").list_functions()["Functions"]]
    assert not [n for n in names if n.startswith(f"{stack_name}-")]


def test_a_function_that_never_answers_times_out_after_service_timeout(
        cfn: Any, stack_name: str) -> None:
    """No answer within ServiceTimeout fails the resource with CloudFormation's message.

    AWS CloudFormation Template Reference, AWS::CloudFormation::CustomResource (ServiceTimeout:
    "The maximum time, in seconds, that can elapse before a custom resource operation times
    out")."""
    silent = "def handler(event, context):\n    return None\n"
    template = _template(silent).replace("ServiceTimeout: 60", "ServiceTimeout: 2")
    cfn.create_stack(StackName=stack_name, TemplateBody=template, Capabilities=["CAPABILITY_IAM"])
    with pytest.raises(WaiterError):
        wait(cfn, stack_name, "stack_create_complete")
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "did not receive a response from your Custom Resource" in stack["StackStatusReason"]


CRHELPER = """
from crhelper import CfnResource

helper = CfnResource()


@helper.create
def create(event, context):
    helper.Data["Greeting"] = "hello " + event["ResourceProperties"]["Name"]
    return "greeter-1"


@helper.update
@helper.delete
def noop(event, context):
    return None


def handler(event, context):
    helper(event, context)
"""


def _pip_target(folder: Path, package: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--target", str(folder), package], capture_output=True, text=True,
                          timeout=180)
    if proc.returncode != 0:
        pytest.skip(f"the package registry is unreachable for {package}: {proc.stderr[-300:]}")


def test_crhelper_function_from_the_package_registry_works_unchanged(
        cfn: Any, stack_name: str, tmp_path: Path) -> None:
    """crhelper (AWS's custom-resource helper) PUTs its answer over HTTPS to the ResponseURL,
    and its Data reaches Fn::GetAtt.

    AWS CloudFormation User Guide, "Custom resources"; crhelper README
    (github.com/aws-cloudformation/custom-resource-helper)."""
    code = tmp_path / "greeter"
    code.mkdir()
    (code / "app.py").write_text(textwrap.dedent(CRHELPER))
    _pip_target(code, "crhelper==2.0.12")
    template = tmp_path / "template.yaml"
    template.write_text(f"""
Resources:
{ROLE}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Timeout: 30
      Role: !GetAtt Role.Arn
      Code: greeter/
  Greeter:
    Type: AWS::CloudFormation::CustomResource
    Properties:
      ServiceToken: !GetAtt Fn.Arn
      ServiceTimeout: 60
      Name: tenant
Outputs:
  Greeting: {{Value: !GetAtt Greeter.Greeting}}
  Physical: {{Value: !Ref Greeter}}
""")
    stack_id = cfn.create_stack(StackName=stack_name, TemplateURL=str(template),
                                Capabilities=["CAPABILITY_IAM"])["StackId"]
    out = _outputs(wait(cfn, stack_name, "stack_create_complete"))
    assert out == {"Greeting": "hello tenant", "Physical": "greeter-1"}
    cfn.delete_stack(StackName=stack_name)
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_a_second_target_in_the_same_process_still_gets_its_answers(target: Any, fresh_target: Any,
                                                                     stack_name: str) -> None:
    """Each target's local CA has a name of its own: with two CAs in one trust bundle, the workers of
    the later target verify its ResponseURL (a verifier finds the issuer by name)."""
    from tests.conftest import make_client_factory

    cfn = make_client_factory(fresh_target.endpoint)("cloudformation")
    cfn.create_stack(StackName=stack_name, TemplateBody=_template(INLINE), Capabilities=["CAPABILITY_IAM"])
    assert wait(cfn, stack_name, "stack_create_complete")["StackStatus"] == "CREATE_COMPLETE"
