"""An alias update under `UpdatePolicy: CodeDeployLambdaAliasUpdate`: a CodeDeploy deployment.

As CloudFormation does (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html#cfn-attributes-updatepolicy-codedeploylambdaaliasupdate),
the update starts a deployment of the group with an AppSpec naming the alias's current and target
versions and the hooks, and waits until it ends: the stack stays UPDATE_IN_PROGRESS while the
traffic shifts on the harness's virtual clock; a failed deployment fails the update.
"""

from __future__ import annotations

import json
import time
from typing import Any

from harness.deploy.model import DeployError
from harness.deploy.resources.base import Context

POLL_S = 0.2


def appspec(logical_id: str, props: dict[str, Any], current: str, policy: dict[str, Any]) -> str:
    """The AppSpec content CloudFormation hands CodeDeploy for one alias."""
    spec: dict[str, Any] = {"version": 0.0, "Resources": [{logical_id: {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Name": str(props["FunctionName"]), "Alias": str(props["Name"]),
                       "CurrentVersion": current,
                       "TargetVersion": str(props["FunctionVersion"])}}}]}
    hooks = [{event: str(policy[key])} for event, key in (("BeforeAllowTraffic", "BeforeAllowTrafficHook"),
                                                          ("AfterAllowTraffic", "AfterAllowTrafficHook"))
             if policy.get(key)]
    if hooks:
        spec["Hooks"] = hooks
    return json.dumps(spec)


def shift_traffic(ctx: Context, logical_id: str, policy: dict[str, Any], props: dict[str, Any],
                  current: str) -> None:
    """CreateDeployment, then GetDeployment until Succeeded (or a DeployError for Failed/Stopped)."""
    config = next((ctx.deployment_configs[r] for r in ctx.update_policy_refs.get(logical_id, [])
                   if r in ctx.deployment_configs), None)
    started = ctx.call("codedeploy", "create_deployment", applicationName=policy["ApplicationName"],
                       deploymentGroupName=policy["DeploymentGroupName"], deploymentConfigName=config,
                       revision={"revisionType": "AppSpecContent", "appSpecContent": {
                           "content": appspec(logical_id, props, current, policy)}})
    deployment = str(started["deploymentId"])
    ctx.note(f"{logical_id}: traffic shifts to version {props['FunctionVersion']} in CodeDeploy "
             f"deployment {deployment} ({config})")
    while True:
        info = ctx.call("codedeploy", "get_deployment", deploymentId=deployment)["deploymentInfo"]
        status = str(info.get("status"))
        if status == "Succeeded":
            return
        if status in ("Failed", "Stopped"):
            why = (info.get("errorInformation") or {}).get("message", status)
            raise DeployError(f"CodeDeploy deployment {deployment} {status.lower()}: {why}")
        time.sleep(POLL_S)
