"""AWS::CloudFormation::Stack: a nested stack created through the CloudFormation API of the endpoint."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources.base import Context, Created, Provisioner, is_not_found

_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
_TEMPLATE_SHA = "_TemplateSha256"
_POLL_S = 0.1


def _template_url(ctx: Context, url: str) -> str:
    """A relative TemplateURL is a file next to the parent template (as `sam deploy` packages it)."""
    if "://" in url or Path(url).is_absolute():
        return url
    return str((ctx.template_dir / url).resolve())


def _parameters(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, dict):
        return []
    out = []
    for key, item in value.items():
        text = ",".join(map(str, item)) if isinstance(item, list) else str(item)
        out.append({"ParameterKey": str(key), "ParameterValue": text})
    return out


def _settle(ctx: Context, stack_id: str, minutes: Any) -> dict[str, Any]:
    """Poll the child until its operation ends (TimeoutInMinutes bounds the wait)."""
    deadline = time.monotonic() + 60 * float(minutes or 30)
    while True:
        stack = ctx.call("cloudformation", "describe_stacks", StackName=stack_id)["Stacks"][0]
        if not str(stack["StackStatus"]).endswith("_IN_PROGRESS"):
            return dict(stack)
        if time.monotonic() > deadline:
            raise DeployError(f"Embedded stack {stack_id} did not finish within "
                              f"TimeoutInMinutes ({minutes or 30})")
        time.sleep(_POLL_S)


def _attributes(stack: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {f"Outputs.{o['OutputKey']}": o["OutputValue"]
                             for o in stack.get("Outputs", [])}
    attrs["Ref"] = stack["StackId"]
    return attrs


class NestedStack(Provisioner):
    """A child stack: Ref is its ARN, Fn::GetAtt Outputs.<Name> its outputs; updates update it."""

    type_name = "AWS::CloudFormation::Stack"
    name_max = 128
    attributes = frozenset({"Outputs.*"})
    handled = frozenset({"TemplateURL", "Parameters", "Tags", "TimeoutInMinutes",
                         "NotificationARNs", _TEMPLATE_SHA})

    def has_attribute(self, name: str) -> bool:
        return name.startswith("Outputs.") and len(name) > len("Outputs.")

    def prepare(self, ctx: Context, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(props.get("TemplateURL"), str):
            raise DeployError("TemplateURL is required")
        url = _template_url(ctx, props["TemplateURL"])
        out = {**props, "TemplateURL": url}
        path = Path(url)
        if "://" not in url and path.is_file():  # a changed local child is an update of it
            out[_TEMPLATE_SHA] = hashlib.sha256(path.read_bytes()).hexdigest()
        return out

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        assert name is not None
        stack_id = ctx.call("cloudformation", "create_stack", StackName=name,
                            TemplateURL=props["TemplateURL"],
                            Parameters=_parameters(props.get("Parameters")),
                            Capabilities=_CAPABILITIES, Tags=props.get("Tags"),
                            NotificationARNs=props.get("NotificationARNs"))["StackId"]
        stack = _settle(ctx, stack_id, props.get("TimeoutInMinutes"))
        if stack["StackStatus"] != "CREATE_COMPLETE":
            ctx.call("cloudformation", "delete_stack", StackName=stack_id)  # gone with the parent
            _settle(ctx, stack_id, None)
            raise DeployError(f"Embedded stack {stack_id} was not successfully created: "
                              f"{stack.get('StackStatusReason', stack['StackStatus'])}")
        return Created(stack_id, _attributes(stack))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        try:
            ctx.call("cloudformation", "update_stack", StackName=old.physical_id,
                     TemplateURL=props["TemplateURL"],
                     Parameters=_parameters(props.get("Parameters")),
                     Capabilities=_CAPABILITIES, Tags=props.get("Tags"),
                     NotificationARNs=props.get("NotificationARNs"))
        except ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise
        stack = _settle(ctx, old.physical_id, props.get("TimeoutInMinutes"))
        if stack["StackStatus"] != "UPDATE_COMPLETE" and "No updates" not in str(
                stack.get("StackStatusReason", "")) and stack["StackStatus"] != "CREATE_COMPLETE":
            raise DeployError(f"Embedded stack {old.physical_id} was not successfully updated: "
                              f"{stack.get('StackStatusReason', stack['StackStatus'])}")
        return Created(old.physical_id, _attributes(stack))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        try:
            ctx.call("cloudformation", "delete_stack", StackName=res.physical_id)
            stack = _settle(ctx, res.physical_id, None)
        except ClientError as exc:
            if is_not_found(exc) or "does not exist" in str(exc):
                return
            raise
        if stack["StackStatus"] != "DELETE_COMPLETE":
            raise DeployError(f"Embedded stack {res.physical_id} was not deleted: "
                              f"{stack.get('StackStatusReason', stack['StackStatus'])}")
