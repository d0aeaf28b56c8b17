"""SAM DeploymentPreference: an update that publishes a new version shifts the alias's traffic through
CodeDeploy on the virtual clock, and Invoke and the gateway honour the alias's weights.

AWS: "Deploying serverless applications gradually with AWS SAM",
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html
(DeploymentPreference Type, Hooks PreTraffic/PostTraffic), "Deployment configurations on an AWS
Lambda compute platform", https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
(Canary10Percent5Minutes: 10 percent first, the rest five minutes later), and "Lambda function
aliases", https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html (an alias's
RoutingConfig weights; the Invoke response's X-Amz-Executed-Version names the version that ran).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from harness.deploy import Deployer, DeployError, MemoryStackStore
from harness.deploy.model import StackResult
from harness.target import EmbeddedTarget
from tests.conftest import make_client_factory
from tests.deploy.conftest import make_project

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Shift: {Type: String, Default: Canary10Percent5Minutes}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.11
      AutoPublishAlias: live
      DeploymentPreference:
        Type: !Ref Shift
        __HOOKS__
      Events:
        Get:
          Type: Api
          Properties: {Path: /which, Method: GET}
__HOOK_FUNCTIONS__
"""
APP = """
def handler(event, context):
    return {{"statusCode": 200, "body": "{mark}"}}
"""
HOOK = """
import os
import boto3

def handler(event, context):
    boto3.client("codedeploy").put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=os.environ["VERDICT"])
"""
HOOK_FUNCTIONS = """
  PreTrafficHook:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hook/
      Handler: hook.handler
      Runtime: python3.11
      Environment: {Variables: {VERDICT: Succeeded}}
      Policies:
        - Statement:
            - Effect: Allow
              Action: codedeploy:PutLifecycleEventHookExecutionStatus
              Resource: "*"
  PostTrafficHook:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hook/
      Handler: hook.handler
      Runtime: python3.11
      Environment: {Variables: {VERDICT: __POST__}}
      Policies:
        - Statement:
            - Effect: Allow
              Action: codedeploy:PutLifecycleEventHookExecutionStatus
              Resource: "*"
"""


def write(root: Path, mark: str, hooks: str | None = None) -> Path:
    template = TEMPLATE.replace("__HOOKS__", "Hooks: {PreTraffic: !Ref PreTrafficHook, "
                                "PostTraffic: !Ref PostTrafficHook}" if hooks else "")
    functions = HOOK_FUNCTIONS.replace("__POST__", hooks or "Succeeded")
    template = template.replace("__HOOK_FUNCTIONS__", functions)
    return make_project(root, template, {"src/app.py": APP.format(mark=mark), "hook/hook.py": HOOK})


class Update(threading.Thread):
    """The stack update, which stays in progress while the traffic shifts."""

    def __init__(self, deployer: Deployer, template: Path, stack: str,
                 params: dict[str, str] | None = None) -> None:
        super().__init__(daemon=True)
        self.deployer, self.template, self.stack, self.params = deployer, template, stack, params
        self.result: StackResult | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.result = self.deployer.deploy(self.template, self.stack, self.params)
        except Exception as exc:
            self.error = exc


def wait_for(check: Any, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def invoke_versions(lam: Any, fn: str, n: int) -> list[str]:
    out = []
    for _ in range(n):
        resp = lam.invoke(FunctionName=fn, Qualifier="live", Payload=b"{}")
        body = json.loads(resp["Payload"].read())["body"]
        assert body == f"v{resp['ExecutedVersion']}"  # the code that ran is the version reported
        out.append(resp["ExecutedVersion"])
    return out


def gateway_marks(target: EmbeddedTarget, api: str, n: int) -> list[str]:
    url = f"{target.endpoint}/restapis/{api}/Prod/_user_request_/which"
    return [urllib.request.urlopen(url, timeout=60).read().decode() for _ in range(n)]


@pytest.fixture
def shifting(fresh_target: EmbeddedTarget) -> tuple[EmbeddedTarget, Deployer, Any]:
    deployer = Deployer(endpoint_url=fresh_target.endpoint, store=MemoryStackStore(),
                        account=fresh_target.upstream.account)
    return fresh_target, deployer, make_client_factory(fresh_target.endpoint)


def test_canary_10_percent_5_minutes_routes_exactly_a_tenth_then_all_after_five_virtual_minutes(
        shifting: tuple[EmbeddedTarget, Deployer, Any], tmp_path: Path) -> None:
    """v1 deployed; the update to v2 puts 10% on v2 (alias RoutingConfig {2: 0.1}) for Invoke and
    the gateway alike, the stack stays in progress; after 5 virtual minutes all traffic runs v2."""
    target, deployer, aws = shifting
    first = deployer.deploy(write(tmp_path, "v1"), "shift")
    assert first.status == "CREATE_COMPLETE"
    fn, api = first.resources["Fn"].physical_id, first.resources["ServerlessRestApi"].physical_id
    lam = aws("lambda")
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "1"
    group = aws("codedeploy").get_deployment_group(
        applicationName=first.resources["ServerlessDeploymentApplication"].physical_id,
        deploymentGroupName=first.resources["FnDeploymentGroup"].physical_id)["deploymentGroupInfo"]
    assert group["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"

    update = Update(deployer, write(tmp_path, "v2"), "shift")
    update.start()
    alias = wait_for(lambda: (a := lam.get_alias(FunctionName=fn, Name="live")).get("RoutingConfig") and a)
    assert (alias["FunctionVersion"], alias["RoutingConfig"]) == (
        "1", {"AdditionalVersionWeights": {"2": 0.1}})
    assert Counter(invoke_versions(lam, fn, 50)) == {"1": 45, "2": 5}
    assert Counter(gateway_marks(target, api, 20)) == {"v1": 18, "v2": 2}
    target.clock.advance(4 * 60)
    assert Counter(invoke_versions(lam, fn, 10)) == {"1": 9, "2": 1}
    assert update.is_alive()  # CloudFormation waits for the deployment: UPDATE_IN_PROGRESS

    target.clock.advance(60)
    update.join(timeout=120)
    assert update.error is None and update.result is not None
    assert update.result.status == "UPDATE_COMPLETE"
    alias = lam.get_alias(FunctionName=fn, Name="live")
    assert alias["FunctionVersion"] == "2" and not (alias.get("RoutingConfig") or {}).get(
        "AdditionalVersionWeights")
    assert set(invoke_versions(lam, fn, 10)) == {"2"}
    assert set(gateway_marks(target, api, 5)) == {"v2"}
    deployer.delete("shift")


def test_linear_10_percent_every_minute_adds_a_tenth_each_virtual_minute(
        shifting: tuple[EmbeddedTarget, Deployer, Any], tmp_path: Path) -> None:
    """Linear10PercentEvery1Minute: 10%, 20%, ... one step per minute, all after nine minutes."""
    target, deployer, aws = shifting
    first = deployer.deploy(write(tmp_path, "v1"), "linear", {"Shift": "Linear10PercentEvery1Minute"})
    fn, lam = first.resources["Fn"].physical_id, aws("lambda")
    update = Update(deployer, write(tmp_path, "v2"), "linear", {"Shift": "Linear10PercentEvery1Minute"})
    update.start()
    seen = []
    wait_for(lambda: lam.get_alias(FunctionName=fn, Name="live").get("RoutingConfig"))
    for _ in range(9):
        seen.append(Counter(invoke_versions(lam, fn, 10))["2"])
        target.clock.advance(60)
    update.join(timeout=120)
    assert update.result is not None and update.result.status == "UPDATE_COMPLETE"
    assert seen == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert set(invoke_versions(lam, fn, 5)) == {"2"}


def test_pre_and_post_traffic_hooks_run_and_a_failing_post_hook_rolls_the_alias_back(
        shifting: tuple[EmbeddedTarget, Deployer, Any], tmp_path: Path) -> None:
    """PreTraffic and PostTraffic hooks get DeploymentId and LifecycleEventHookExecutionId and report
    with PutLifecycleEventHookExecutionStatus; Failed from PostTraffic fails the deployment, the alias
    goes back to the old version and the stack update rolls back.

    https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda
    """
    _, deployer, aws = shifting
    first = deployer.deploy(write(tmp_path, "v1", hooks="Succeeded"), "hooks",
                            {"Shift": "AllAtOnce"})
    fn, lam = first.resources["Fn"].physical_id, aws("lambda")
    second = deployer.deploy(write(tmp_path, "v2", hooks="Succeeded"), "hooks", {"Shift": "AllAtOnce"})
    assert second.status == "UPDATE_COMPLETE"
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "2"
    with pytest.raises(DeployError, match="AfterAllowTraffic hook reported Failed"):
        deployer.deploy(write(tmp_path, "v3", hooks="Failed"), "hooks", {"Shift": "AllAtOnce"})
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "2"
    assert set(invoke_versions(lam, fn, 3)) == {"2"}
