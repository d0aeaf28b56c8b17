"""Lambda versions and aliases, as SAM's AutoPublishAlias emits them: publish, then point the alias."""

from __future__ import annotations

from typing import Any

from harness.deploy.model import PhysicalResource
from harness.deploy.resources.base import ALL, Context, Created, Provisioner, delete_if_present
from harness.deploy.resources.shifting import shift_traffic


class Version(Provisioner):
    """AWS::Lambda::Version: PublishVersion of the function's current code; any change publishes anew."""

    type_name = "AWS::Lambda::Version"
    immutable = ALL
    attributes = frozenset({"Version", "FunctionArn"})
    handled = frozenset({"FunctionName", "Description", "CodeSha256"})
    ignored = frozenset({"ProvisionedConcurrencyConfig", "RuntimePolicy"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        published = ctx.call("lambda", "publish_version", FunctionName=props["FunctionName"],
                             Description=props.get("Description"),
                             CodeSha256=props.get("CodeSha256"))
        arn = str(published["FunctionArn"])
        unqualified = arn.rpartition(":")[0]
        return Created(arn, {"Ref": arn, "Version": str(published["Version"]),
                             "FunctionArn": unqualified})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        function, _, version = res.physical_id.rpartition(":")
        delete_if_present(ctx, "lambda", "delete_function", FunctionName=function,
                          Qualifier=version)


class Alias(Provisioner):
    """AWS::Lambda::Alias: a name for one version (and routing weights); moved in place on update."""

    type_name = "AWS::Lambda::Alias"
    immutable = frozenset({"Name", "FunctionName"})
    attributes = frozenset({"AliasArn"})
    handled = frozenset({"FunctionName", "FunctionVersion", "Name", "Description",
                         "RoutingConfig"})
    ignored = frozenset({"ProvisionedConcurrencyConfig"})

    @staticmethod
    def _routing(props: dict[str, Any]) -> dict[str, Any] | None:
        weights = (props.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
        if not weights:
            return None
        return {"AdditionalVersionWeights": {
            str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in weights}}

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        alias = ctx.call("lambda", "create_alias", FunctionName=props["FunctionName"],
                         Name=props["Name"], FunctionVersion=props["FunctionVersion"],
                         Description=props.get("Description"), RoutingConfig=self._routing(props))
        arn = str(alias["AliasArn"])
        return Created(arn, {"Ref": arn, "AliasArn": arn})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        policy = ctx.update_policies.get(old.logical_id, {}).get("CodeDeployLambdaAliasUpdate")
        current = str(old.properties.get("FunctionVersion", ""))
        if isinstance(policy, dict) and current and current != str(props["FunctionVersion"]) \
                and not ctx.rolling_back:
            shift_traffic(ctx, old.logical_id, policy, props, current)
            return Created(old.physical_id, dict(old.attributes))
        ctx.call("lambda", "update_alias", FunctionName=props["FunctionName"], Name=props["Name"],
                 FunctionVersion=props["FunctionVersion"],
                 Description=props.get("Description", ""),
                 RoutingConfig=self._routing(props) or {"AdditionalVersionWeights": {}})
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        function, _, alias = res.physical_id.rpartition(":")
        delete_if_present(ctx, "lambda", "delete_alias", FunctionName=function, Name=alias)
