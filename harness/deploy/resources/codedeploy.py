"""CodeDeploy applications and deployment groups, created through the CodeDeploy API.

SAM's DeploymentPreference makes one application (`ServerlessDeploymentApplication`) and one
Lambda deployment group per function; the alias's `UpdatePolicy: CodeDeployLambdaAliasUpdate`
then names both (harness/deploy/resources/versions.py starts the deployment).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from harness.deploy.model import PhysicalResource
from harness.deploy.resources.base import Context, Created, Provisioner, delete_if_present

_ALARMS_NOTE = ("{lid}: CloudWatch alarms of the deployment group are accepted but inert: the "
                "harness keeps no metrics, so no alarm stops or rolls back a deployment")


class Application(Provisioner):
    """AWS::CodeDeploy::Application."""

    type_name = "AWS::CodeDeploy::Application"
    name_property = "ApplicationName"
    name_max = 100
    unique_name = True
    immutable = frozenset({"ApplicationName", "ComputePlatform"})
    attributes = frozenset({"ApplicationName"})
    handled = frozenset({"ApplicationName", "ComputePlatform"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any], name: str | None) -> Created:
        physical = str(name or ctx.generate_name(logical_id, self.name_max))
        ctx.call("codedeploy", "create_application", applicationName=physical,
                 computePlatform=props.get("ComputePlatform", "Server"))
        return Created(physical, {"Ref": physical, "ApplicationName": physical})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        _delete(ctx, "delete_application", res, applicationName=res.physical_id)


class DeploymentGroup(Provisioner):
    """AWS::CodeDeploy::DeploymentGroup; for Lambda only the configuration and style matter here."""

    type_name = "AWS::CodeDeploy::DeploymentGroup"
    name_property = "DeploymentGroupName"
    name_max = 100
    unique_name = True
    immutable = frozenset({"ApplicationName", "DeploymentGroupName"})
    handled = frozenset({"ApplicationName", "DeploymentGroupName", "DeploymentConfigName",
                         "ServiceRoleArn", "DeploymentStyle", "AutoRollbackConfiguration",
                         "AlarmConfiguration", "TriggerConfigurations"})

    def prepare(self, ctx: Context, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        """The alias's traffic shifting reads the group's configuration (versions.py)."""
        ctx.deployment_configs[logical_id] = str(props.get("DeploymentConfigName")
                                                 or "CodeDeployDefault.LambdaAllAtOnce")
        return props

    @staticmethod
    def _params(ctx: Context, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        alarms = props.get("AlarmConfiguration") or {}
        if alarms.get("Alarms"):
            ctx.note(_ALARMS_NOTE.format(lid=logical_id))
        style = props.get("DeploymentStyle") or {}
        rollback = props.get("AutoRollbackConfiguration") or {}
        return {
            "deploymentConfigName": props.get("DeploymentConfigName"),
            "serviceRoleArn": props.get("ServiceRoleArn"),
            "deploymentStyle": {"deploymentType": style["DeploymentType"],
                                "deploymentOption": style["DeploymentOption"]} if style else None,
            "autoRollbackConfiguration": {"enabled": bool(rollback.get("Enabled")),
                                          "events": list(rollback.get("Events") or [])} if rollback else None,
        }

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any], name: str | None) -> Created:
        physical = str(name or ctx.generate_name(logical_id, self.name_max))
        ctx.call("codedeploy", "create_deployment_group", applicationName=props["ApplicationName"],
                 deploymentGroupName=physical, **self._params(ctx, logical_id, props))
        return Created(physical, {"Ref": physical})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        """The upstream (moto) has no UpdateDeploymentGroup; the alias's deployments name the
        group's new configuration themselves (CreateDeployment's deploymentConfigName)."""
        self._params(ctx, old.logical_id, props)
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        _delete(ctx, "delete_deployment_group", res,
                applicationName=res.properties.get("ApplicationName", ""),
                deploymentGroupName=res.physical_id)


def _delete(ctx: Context, method: str, res: PhysicalResource, **params: Any) -> None:
    """A delete the upstream may not implement (moto has neither CodeDeploy delete): noted, not fatal."""
    try:
        delete_if_present(ctx, "codedeploy", method, **params)
    except ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 501:
            raise
        ctx.note(f"{res.logical_id}: the upstream cannot delete CodeDeploy resources; "
                 f"{res.physical_id} stays in the emulated account")
