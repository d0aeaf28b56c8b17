"""IAM roles and policies: trust, inline and managed policies, boundaries, kept in step on update."""

from __future__ import annotations

import json
from typing import Any

from harness.deploy.model import PhysicalResource
from harness.deploy.resources.base import Context, Created, Provisioner, is_not_found


def document(value: Any) -> str:
    """A policy document as the IAM API wants it: JSON text.

    A document without a Version (SAM passes inline `Statement` lists through as written) gets
    2012-10-17: moto refuses documents without one, where IAM would assume 2008-10-17.
    """
    if isinstance(value, dict) and "Version" not in value:
        value = {"Version": "2012-10-17", **value}
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _tags(value: Any) -> list[dict[str, str]] | None:
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in value] if value else None


def _inline(props: dict[str, Any]) -> dict[str, Any]:
    return {str(p["PolicyName"]): p["PolicyDocument"] for p in props.get("Policies") or []}


def _tolerate(exc: Exception) -> None:
    if not is_not_found(exc):
        raise exc


def attach(ctx: Context, kind: str, arg: str, target: str, arn: str) -> None:
    """Attach a managed policy; an AWS-managed one the endpoint lacks (moto's default) is noted."""
    try:
        ctx.call("iam", f"attach_{kind}_policy", **{arg: target}, PolicyArn=arn)
    except Exception as exc:
        if not (is_not_found(exc) and ":iam::aws:policy/" in arn):
            raise
        ctx.note(f"AWS managed policy {arn} does not exist on this endpoint; not attached")


def detach(ctx: Context, kind: str, arg: str, target: str, arn: str) -> None:
    try:
        ctx.call("iam", f"detach_{kind}_policy", **{arg: target}, PolicyArn=arn)
    except Exception as exc:
        _tolerate(exc)


class Role(Provisioner):
    """AWS::IAM::Role: name and path need replacement; trust, policies and limits update in place."""

    type_name = "AWS::IAM::Role"
    name_property = "RoleName"
    unique_name = True
    immutable = frozenset({"RoleName", "Path"})
    attributes = frozenset({"Arn", "RoleId"})
    handled = frozenset({"RoleName", "Path", "AssumeRolePolicyDocument", "Description",
                         "MaxSessionDuration", "PermissionsBoundary", "Policies",
                         "ManagedPolicyArns", "Tags"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        role = ctx.call("iam", "create_role", RoleName=name, Path=props.get("Path"),
                        AssumeRolePolicyDocument=document(props["AssumeRolePolicyDocument"]),
                        Description=props.get("Description"),
                        MaxSessionDuration=props.get("MaxSessionDuration"),
                        PermissionsBoundary=props.get("PermissionsBoundary"),
                        Tags=_tags(props.get("Tags")))["Role"]
        for policy_name, doc in _inline(props).items():
            ctx.call("iam", "put_role_policy", RoleName=name, PolicyName=policy_name,
                     PolicyDocument=document(doc))
        for arn in props.get("ManagedPolicyArns") or []:
            attach(ctx, "role", "RoleName", str(name), arn)
        return Created(str(name), {"Arn": role["Arn"], "RoleId": role["RoleId"]})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        role = old.physical_id
        before = old.properties
        if before.get("AssumeRolePolicyDocument") != props.get("AssumeRolePolicyDocument"):
            ctx.call("iam", "update_assume_role_policy", RoleName=role,
                     PolicyDocument=document(props["AssumeRolePolicyDocument"]))
        if (before.get("MaxSessionDuration") != props.get("MaxSessionDuration")
                or before.get("Description") != props.get("Description")):
            ctx.call("iam", "update_role", RoleName=role,
                     Description=props.get("Description", ""),
                     MaxSessionDuration=props.get("MaxSessionDuration", 3600))
        boundary = props.get("PermissionsBoundary")
        if before.get("PermissionsBoundary") != boundary:
            if boundary:
                ctx.call("iam", "put_role_permissions_boundary", RoleName=role,
                         PermissionsBoundary=boundary)
            else:
                ctx.call("iam", "delete_role_permissions_boundary", RoleName=role)
        old_inline, new_inline = _inline(before), _inline(props)
        for policy_name in old_inline.keys() - new_inline.keys():
            ctx.call("iam", "delete_role_policy", RoleName=role, PolicyName=policy_name)
        for policy_name, doc in new_inline.items():
            if old_inline.get(policy_name) != doc:
                ctx.call("iam", "put_role_policy", RoleName=role, PolicyName=policy_name,
                         PolicyDocument=document(doc))
        old_arns = set(before.get("ManagedPolicyArns") or [])
        new_arns = set(props.get("ManagedPolicyArns") or [])
        for arn in sorted(old_arns - new_arns):
            detach(ctx, "role", "RoleName", role, arn)
        for arn in sorted(new_arns - old_arns):
            attach(ctx, "role", "RoleName", role, arn)
        current = ctx.call("iam", "get_role", RoleName=role)["Role"]
        return Created(role, {"Arn": current["Arn"], "RoleId": current["RoleId"]})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        role = res.physical_id
        try:
            for policy_name in ctx.call("iam", "list_role_policies", RoleName=role)["PolicyNames"]:
                ctx.call("iam", "delete_role_policy", RoleName=role, PolicyName=policy_name)
            attached = ctx.call("iam", "list_attached_role_policies", RoleName=role)
            for policy in attached["AttachedPolicies"]:
                ctx.call("iam", "detach_role_policy", RoleName=role, PolicyArn=policy["PolicyArn"])
            ctx.call("iam", "delete_role", RoleName=role)
        except Exception as exc:
            _tolerate(exc)


class Policy(Provisioner):
    """AWS::IAM::Policy: one inline policy put on each listed role, user and group."""

    type_name = "AWS::IAM::Policy"
    handled = frozenset({"PolicyName", "PolicyDocument", "Roles", "Users", "Groups"})
    _TARGETS = (("Roles", "role", "RoleName"), ("Users", "user", "UserName"),
                ("Groups", "group", "GroupName"))

    def _put(self, ctx: Context, props: dict[str, Any]) -> None:
        for key, kind, arg in self._TARGETS:
            for target in props.get(key) or []:
                ctx.call("iam", f"put_{kind}_policy", **{arg: target},
                         PolicyName=props["PolicyName"],
                         PolicyDocument=document(props["PolicyDocument"]))

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        self._put(ctx, props)
        return Created(str(name))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        self.delete(ctx, old)
        self._put(ctx, props)
        return Created(old.physical_id)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        props = res.properties
        for key, kind, arg in self._TARGETS:
            for target in props.get(key) or []:
                try:
                    ctx.call("iam", f"delete_{kind}_policy", **{arg: target},
                             PolicyName=props["PolicyName"])
                except Exception as exc:
                    _tolerate(exc)


class ManagedPolicy(Provisioner):
    """AWS::IAM::ManagedPolicy: a new document becomes the default version; attachments follow the lists."""

    type_name = "AWS::IAM::ManagedPolicy"
    name_property = "ManagedPolicyName"
    name_max = 128
    unique_name = True
    immutable = frozenset({"ManagedPolicyName", "Path", "Description"})
    attributes = frozenset({"PolicyArn", "PolicyId", "DefaultVersionId"})
    handled = frozenset({"ManagedPolicyName", "Path", "Description", "PolicyDocument", "Roles",
                         "Users", "Groups"})
    _TARGETS = (("Roles", "role", "RoleName"), ("Users", "user", "UserName"),
                ("Groups", "group", "GroupName"))

    def _attach(self, ctx: Context, arn: str, props: dict[str, Any]) -> None:
        for key, kind, arg in self._TARGETS:
            for target in props.get(key) or []:
                attach(ctx, kind, arg, target, arn)

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        policy = ctx.call("iam", "create_policy", PolicyName=name, Path=props.get("Path"),
                          Description=props.get("Description"),
                          PolicyDocument=document(props["PolicyDocument"]))["Policy"]
        self._attach(ctx, policy["Arn"], props)
        return Created(policy["Arn"], {"PolicyArn": policy["Arn"], "PolicyId": policy["PolicyId"],
                                       "DefaultVersionId": policy["DefaultVersionId"]})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        arn = old.physical_id
        attrs = dict(old.attributes)
        if old.properties.get("PolicyDocument") != props.get("PolicyDocument"):
            versions = ctx.call("iam", "list_policy_versions", PolicyArn=arn)["Versions"]
            stale = sorted((v for v in versions if not v["IsDefaultVersion"]),
                           key=lambda v: str(v["VersionId"]))
            if len(versions) >= 5 and stale:
                ctx.call("iam", "delete_policy_version", PolicyArn=arn,
                         VersionId=stale[0]["VersionId"])
            version = ctx.call("iam", "create_policy_version", PolicyArn=arn, SetAsDefault=True,
                               PolicyDocument=document(props["PolicyDocument"]))["PolicyVersion"]
            attrs["DefaultVersionId"] = version["VersionId"]
        for key, kind, arg in self._TARGETS:
            before = set(old.properties.get(key) or [])
            after = set(props.get(key) or [])
            for target in sorted(before - after):
                detach(ctx, kind, arg, target, arn)
            for target in sorted(after - before):
                attach(ctx, kind, arg, target, arn)
        return Created(arn, attrs)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        arn = res.physical_id
        try:
            for key, kind, arg in self._TARGETS:
                for target in res.properties.get(key) or []:
                    detach(ctx, kind, arg, target, arn)
            for version in ctx.call("iam", "list_policy_versions", PolicyArn=arn)["Versions"]:
                if not version["IsDefaultVersion"]:
                    ctx.call("iam", "delete_policy_version", PolicyArn=arn,
                             VersionId=version["VersionId"])
            ctx.call("iam", "delete_policy", PolicyArn=arn)
        except Exception as exc:
            _tolerate(exc)
