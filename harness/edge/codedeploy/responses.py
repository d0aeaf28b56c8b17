"""CodeDeploy's Lambda deployments answered in the edge; other deployments go on to the upstream.

CloudFormation starts one per alias update under `UpdatePolicy: CodeDeployLambdaAliasUpdate`
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html),
with an AppSpec naming the function, alias, current and target versions and the hooks.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import ClientError

from harness.edge import errors
from harness.edge.app import Call, Edge
from harness.edge.awslambda.models import FunctionRegistry
from harness.edge.codedeploy.configs import PREDEFINED, predefined
from harness.edge.codedeploy.deployments import Deployment, DeploymentError, Deployments, parse_appspec
from harness.http import HttpResponse, json_response
from harness.runtime import Runtime

log = logging.getLogger("harness.edge.codedeploy")


def deployment_info(dep: Deployment) -> dict[str, Any]:
    """GetDeployment's deploymentInfo for a Lambda deployment."""
    info: dict[str, Any] = {
        "applicationName": dep.application, "deploymentGroupName": dep.group,
        "deploymentConfigName": dep.config.name, "deploymentId": dep.id, "status": dep.status,
        "createTime": dep.created, "computePlatform": "Lambda", "creator": "user",
        "revision": {"revisionType": "AppSpecContent"},
    }
    if dep.completed is not None:
        info["completeTime"] = dep.completed
    if dep.error:
        info["errorInformation"] = {"code": "HEALTH_CONSTRAINTS", "message": dep.error}
    return info


class CodeDeployFront:
    """CreateDeployment with AppSpecContent, GetDeployment of those, hook status reports."""

    def __init__(self, edge: Edge, deployments: Deployments) -> None:
        self.edge = edge
        self.deployments = deployments

    def _error(self, call: Call, code: str, message: str) -> HttpResponse:
        return errors.aws_error(call.service, code, message, 400)

    def create(self, call: Call) -> HttpResponse | None:
        revision = call.params.get("revision") or {}
        if revision.get("revisionType") != "AppSpecContent":
            return None
        app = str(call.params.get("applicationName", ""))
        group = str(call.params.get("deploymentGroupName", ""))
        try:
            found = self.edge.upstream.client("codedeploy").get_deployment_group(
                applicationName=app, deploymentGroupName=group)["deploymentGroupInfo"]
        except ClientError as exc:
            err = exc.response.get("Error", {})
            return self._error(call, str(err.get("Code", "DeploymentGroupDoesNotExistException")),
                               str(err.get("Message", exc)))
        name = str(call.params.get("deploymentConfigName") or found.get("deploymentConfigName")
                   or "CodeDeployDefault.LambdaAllAtOnce")
        config = predefined(name)
        if config is None:
            return self._error(call, "InvalidDeploymentConfigNameException",
                               f"The deployment configuration {name[:100]} is not one of the "
                               f"predefined Lambda configurations ({', '.join(PREDEFINED)})")
        try:
            spec = parse_appspec(str((revision.get("appSpecContent") or {}).get("content", "")))
            dep = self.deployments.create(app, group, config, spec)
        except DeploymentError as exc:
            return self._error(call, exc.code, str(exc))
        return json_response(200, {"deploymentId": dep.id})

    def get(self, call: Call) -> HttpResponse | None:
        dep = self.deployments.get(str(call.params.get("deploymentId", "")))
        return None if dep is None else json_response(200, {"deploymentInfo": deployment_info(dep)})

    def report(self, call: Call) -> HttpResponse:
        deployment = str(call.params.get("deploymentId", ""))
        execution = str(call.params.get("lifecycleEventHookExecutionId", ""))
        try:
            self.deployments.report_hook(deployment, execution, str(call.params.get("status", "")))
        except DeploymentError as exc:
            return self._error(call, exc.code, str(exc))
        return json_response(200, {"lifecycleEventHookExecutionId": execution})


def install(edge: Edge, registry: FunctionRegistry, runtime: Runtime) -> Deployments:
    """Lambda deployments in this edge: aliases written through the upstream, hooks run as Event."""
    lam = edge.upstream.client

    def write_alias(function: str, alias: str, version: str, weights: dict[str, float]) -> None:
        lam("lambda").update_alias(FunctionName=function, Name=alias, FunctionVersion=version,
                                   RoutingConfig={"AdditionalVersionWeights": weights})
        edge.changes.bump("lambda", "UpdateAlias")

    def invoke_hook(function: str, payload: bytes) -> None:
        try:
            runtime.invoke(registry.config(function), payload, invocation_type="Event")
        except LookupError as exc:
            log.warning("cannot invoke the lifecycle hook %s: %s", function, exc)

    deployments = Deployments(edge.clock, write_alias, invoke_hook)
    front = CodeDeployFront(edge, deployments)
    edge.respond("codedeploy", "CreateDeployment", front.create)
    edge.respond("codedeploy", "GetDeployment", front.get)
    edge.respond("codedeploy", "PutLifecycleEventHookExecutionStatus", front.report)
    edge.changes.subscribe(lambda _s, op: deployments.reset() if op == "reset" else None)
    return deployments
