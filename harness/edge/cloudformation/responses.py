"""The CloudFormation API answered in the edge: each operation's form fields in, the engine, XML out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.deploy.loader import load_template
from harness.deploy.model import DeployError
from harness.edge import errors
from harness.edge.app import Call, Edge
from harness.edge.cloudformation import views, wire
from harness.edge.cloudformation.changesets import ChangeSets
from harness.edge.cloudformation.models import (
    CfnError,
    Credentials,
    StackRequest,
    StackService,
    validation,
)
from harness.edge.cloudformation.templates import TemplateError, required_capabilities
from harness.edge.principals import Principal
from harness.http import HttpResponse

CredentialSource = Callable[[Principal, "str | None"], Credentials]
Handler = Callable[[Call, dict[str, Any]], dict[str, Any]]


class CloudFormationApi:
    """Operation handlers over one StackService and its change sets."""

    def __init__(self, stacks: StackService, credentials: CredentialSource) -> None:
        self.stacks = stacks
        self.change_sets = ChangeSets(stacks)
        self.credentials = credentials

    def _request(self, call: Call, p: dict[str, Any]) -> StackRequest:
        assert call.principal is not None
        role = p.get("RoleARN")
        try:
            creds = self.credentials(call.principal, role)
        except DeployError as exc:
            raise validation(f"Role {role} is invalid or cannot be assumed: {exc}") from None
        return StackRequest(
            name=str(p.get("StackName", "")), credentials=creds, body=p.get("TemplateBody"),
            url=p.get("TemplateURL"), parameters=list(p.get("Parameters") or []),
            capabilities=list(p.get("Capabilities") or []), tags=list(p.get("Tags") or []),
            role_arn=role, token=p.get("ClientRequestToken"),
            disable_rollback=bool(p.get("DisableRollback")),
            on_failure=str(p.get("OnFailure") or "ROLLBACK"),
            use_previous_template=bool(p.get("UsePreviousTemplate")),
            notification_arns=list(p.get("NotificationARNs") or []))

    # -- stacks ---------------------------------------------------------------------------------

    def create_stack(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        return {"StackId": self.stacks.create_stack(self._request(call, p))}

    def update_stack(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        return {"StackId": self.stacks.update_stack(self._request(call, p))}

    def delete_stack(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        assert call.principal is not None
        record = self.stacks.find(str(p.get("StackName", "")))
        role = p.get("RoleARN") or (record or {}).get("role_arn")
        self.stacks.delete_stack(str(p.get("StackName", "")),
                                 self.credentials(call.principal, role))
        return {}

    def describe_stacks(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("StackName"):
            return {"Stacks": [views.stack(self.stacks.require(str(p["StackName"])))]}
        return {"Stacks": [views.stack(r) for r in self.stacks.live()]}

    def list_stacks(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        wanted = set(p.get("StackStatusFilter") or [])
        rows = [views.summary(r) for r in [*self.stacks.live(), *reversed(self.stacks.deleted)]]
        return {"StackSummaries": [r for r in rows if not wanted or r["StackStatus"] in wanted]}

    def describe_stack_events(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        record = self.stacks.require(str(p.get("StackName", "")))
        return {"StackEvents": list(record.get("events", []))}

    def describe_stack_resources(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("StackName"):
            raise validation("StackName is required by the harness (PhysicalResourceId lookup "
                             "is not supported)")
        rows = views.resources(self.stacks.require(str(p["StackName"])))
        if p.get("LogicalResourceId"):
            rows = [r for r in rows if r["LogicalResourceId"] == p["LogicalResourceId"]]
        if p.get("PhysicalResourceId"):
            rows = [r for r in rows if r["PhysicalResourceId"] == p["PhysicalResourceId"]]
        return {"StackResources": rows}

    def describe_stack_resource(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        record = self.stacks.require(str(p.get("StackName", "")))
        for row in views.resources(record):
            if row["LogicalResourceId"] == p.get("LogicalResourceId"):
                return {"StackResourceDetail": row}
        raise validation(f"Resource {p.get('LogicalResourceId')} does not exist for stack "
                         f"{record['name']}")

    def list_stack_resources(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        rows = views.resources(self.stacks.require(str(p.get("StackName", ""))))
        return {"StackResourceSummaries": rows}

    def list_exports(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        index = self.stacks.exports
        return {"Exports": [{"ExportingStackId": sid, "Name": name, "Value": value}
                            for sid, name, value in index.all()]}

    def list_imports(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p.get("ExportName", ""))
        index = self.stacks.exports
        if name not in {n for _, n, _ in index.all()}:
            raise validation(f"Export '{name}' does not exist.")
        users = index.importers(name)
        if not users:
            raise validation(f"Export '{name}' is not imported by any stack.")
        return {"Imports": users}

    def get_template(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("ChangeSetName"):
            cs = self.change_sets.find(str(p["ChangeSetName"]), p.get("StackName"))
            body = cs.path.read_text(encoding="utf-8")
        else:
            body = str(self.stacks.require(str(p.get("StackName", ""))).get("template_body", ""))
        return {"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]}

    def validate_template(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        try:
            path = self.stacks.source.materialise(p.get("TemplateBody"), p.get("TemplateURL"),
                                                  "validation")
            tpl = load_template(path)
        except (TemplateError, DeployError) as exc:
            raise validation(f"Template format error: {exc}") from None
        if not tpl.section("Resources"):
            raise validation("Template format error: At least one Resources member must be "
                             "defined.")
        params = []
        for name, spec in tpl.section("Parameters").items():
            row: dict[str, Any] = {"ParameterKey": name,
                                   "NoEcho": str(spec.get("NoEcho", "false")).lower() == "true"}
            if "Default" in spec:
                row["DefaultValue"] = str(spec["Default"])
            if "Description" in spec:
                row["Description"] = str(spec["Description"])
            params.append(row)
        transform = tpl.body.get("Transform")
        transforms = transform if isinstance(transform, list) else [transform] if transform else []
        serverless = any(str((r or {}).get("Type", "")).startswith("AWS::Serverless::Function")
                         for r in tpl.section("Resources").values())
        caps, reason = required_capabilities(tpl.section("Resources"), False)
        if serverless and not caps:
            caps, reason = ["CAPABILITY_IAM"], "The following resource(s) require capabilities: " \
                "[AWS::IAM::Role]"
        out: dict[str, Any] = {"Parameters": params, "Capabilities": caps,
                               "DeclaredTransforms": [str(t) for t in transforms]}
        if reason:
            out["CapabilitiesReason"] = reason
        if tpl.body.get("Description"):
            out["Description"] = str(tpl.body["Description"])
        return out

    # -- change sets ----------------------------------------------------------------------------

    def create_change_set(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        cs = self.change_sets.create(self._request(call, p), str(p.get("ChangeSetName", "")),
                                     str(p.get("ChangeSetType") or "UPDATE"),
                                     str(p.get("Description") or ""))
        return {"Id": cs.id, "StackId": cs.stack_id}

    def describe_change_set(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        cs = self.change_sets.find(str(p.get("ChangeSetName", "")), p.get("StackName"))
        return views.change_set(cs, cs.request.name, full=True)

    def execute_change_set(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        self.change_sets.execute(self.change_sets.find(str(p.get("ChangeSetName", "")),
                                                       p.get("StackName")))
        return {}

    def delete_change_set(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        self.change_sets.delete(self.change_sets.find(str(p.get("ChangeSetName", "")),
                                                      p.get("StackName")))
        return {}

    def list_change_sets(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        record = self.stacks.require(str(p.get("StackName", "")))
        return {"Summaries": [views.change_set(c, record["name"], full=False)
                              for c in self.change_sets.of_stack(str(record["stack_id"]))]}


def _serve(api: CloudFormationApi, handler: Handler, call: Call) -> HttpResponse:
    op_model = call.service.model.operation_model(call.op.name)
    params = wire.parse(op_model.input_shape, call.params) if op_model.input_shape else {}
    try:
        result = handler(call, params or {})
    except CfnError as exc:
        return errors.aws_error(call.service, exc.code, exc.message, exc.status)
    return wire.answer(op_model, result)


OPERATIONS = ("CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks", "ListStacks",
              "DescribeStackEvents", "DescribeStackResources", "DescribeStackResource",
              "ListStackResources", "ListExports", "ListImports", "GetTemplate",
              "ValidateTemplate", "CreateChangeSet", "DescribeChangeSet", "ExecuteChangeSet",
              "DeleteChangeSet", "ListChangeSets")


def install(edge: Edge, api: CloudFormationApi) -> CloudFormationApi:
    """Answer the stack API in the edge (after SigV4 and the IAM gate) instead of the upstream."""
    for name in OPERATIONS:
        method = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
        handler: Handler = getattr(api, method)
        edge.respond("cloudformation", name,
                     lambda call, h=handler: _serve(api, h, call))  # type: ignore[misc]
    return api
