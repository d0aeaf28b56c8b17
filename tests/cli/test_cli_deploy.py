"""`saas-harness deploy` as a thin client of the harness's CloudFormation API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3

from harness.bench.process import TargetProcess

CLI = [sys.executable, "-m", "harness.cli"]
TEMPLATE = """
Parameters:
  Mode: {Type: String, Default: PROVISIONED}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: cli-deploy-table
      BillingMode: !Ref Mode
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
Outputs:
  TableName: {Value: !Ref Table}
"""


def test_a_failed_deploy_rolls_back_and_the_next_deploy_replaces_the_stack(tmp_path: Path) -> None:
    """A failing deploy exits 1 with the reason and leaves a ROLLBACK_COMPLETE stack that the
    CloudFormation API shows; the next deploy replaces it, as `sam deploy` does.

    AWS CloudFormation User Guide, "Stack status codes" (ROLLBACK_COMPLETE: "Delete the stack
    or view the stack events to see any associated error messages")."""
    template = tmp_path / "mine.yaml"
    template.write_text(TEMPLATE)
    with TargetProcess() as target:
        args = [*CLI, "deploy", str(template), "--work-dir", str(target.work_dir)]
        failed = subprocess.run(args, capture_output=True, text=True, timeout=180)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert json.loads(failed.stdout)["status"] == "ROLLBACK_COMPLETE"
        assert "needs ProvisionedThroughput" in failed.stderr
        cfn = boto3.client("cloudformation", region_name="us-east-1",
                           endpoint_url=target.endpoint, aws_access_key_id="test",
                           aws_secret_access_key="test")
        stack = cfn.describe_stacks(StackName="mine")["Stacks"][0]
        assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
        fixed = subprocess.run([*args, "--param", "Mode=PAY_PER_REQUEST"], capture_output=True,
                               text=True, timeout=180)
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        assert json.loads(fixed.stdout)["outputs"] == {"TableName": "cli-deploy-table"}
        again = cfn.describe_stacks(StackName="mine")["Stacks"][0]
        assert again["StackStatus"] == "CREATE_COMPLETE" and again["StackId"] != stack["StackId"]
        gone = subprocess.run([*args, "--delete"], capture_output=True, text=True, timeout=180)
        assert gone.returncode == 0 and "deleted stack mine" in gone.stdout
        tables = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=target.endpoint,
                              aws_access_key_id="test", aws_secret_access_key="test")
        assert "cli-deploy-table" not in tables.list_tables()["TableNames"]
