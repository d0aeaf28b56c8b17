"""The per-resource loop: resolve, diff against the record, create/update/replace, then clean up."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from harness.deploy import dynamic_refs
from harness.deploy.events import EventLog, ResourceStatus
from harness.deploy.graph import references
from harness.deploy.intrinsics import NO_VALUE, Resolver
from harness.deploy.loader import LDict, Template
from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources import PROVISIONERS
from harness.deploy.resources.base import Context, Provisioner

# Children that disappear with their parent, keyed by the property naming the parent.
_PARENT_PROPERTY = {
    "AWS::ApiGateway::Resource": "RestApiId", "AWS::ApiGateway::Method": "RestApiId",
    "AWS::ApiGateway::Authorizer": "RestApiId", "AWS::ApiGateway::Deployment": "RestApiId",
    "AWS::ApiGateway::Stage": "RestApiId", "AWS::Lambda::Permission": "FunctionName",
    "AWS::ApiGateway::UsagePlanKey": "UsagePlanId", "AWS::Cognito::UserPoolClient": "UserPoolId",
    "AWS::Cognito::UserPoolGroup": "UserPoolId",
}


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def describe_error(exc: BaseException) -> str:
    """An AWS or validation error reduced to its message."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'Error')}: {err.get('Message', str(exc))}"
    return str(exc)


class Engine:
    """Deploys the resources of one template version against the previous record, in order."""

    def __init__(self, ctx: Context, tpl: Template, resolver: Resolver,
                 resources: Mapping[str, LDict], active: set[str],
                 old: Mapping[str, PhysicalResource], save: Callable[[Engine], None],
                 events: EventLog | None = None) -> None:
        self.ctx = ctx
        self.events = events or EventLog(ctx.stack_name, ctx.stack_id)
        self.failed: str | None = None
        self.updating: str | None = None  # the resource whose in-place update is under way
        self.tpl = tpl
        self.resources = resources
        self.active = active
        self.old = old
        self.save = save
        self.resolver = resolver.with_lookup(self)
        self.current: dict[str, PhysicalResource] = {}
        self.order: list[str] = []
        self.replaced: list[PhysicalResource] = []

    # -- Lookup ---------------------------------------------------------------------------------

    def _deployed(self, logical: str, where: str) -> PhysicalResource:
        if logical in self.current:
            return self.current[logical]
        if logical in self.resources:
            if logical not in self.active:
                cond = self.resources[logical].get("Condition")
                raise DeployError(f"{where}: resource {logical} is not created (its condition "
                                  f"{cond} is false)")
            raise DeployError(f"{where}: resource {logical} is referenced before it exists")
        raise DeployError(f"{where}: unknown resource or parameter {logical}")

    def ref(self, logical_id: str, where: str) -> Any:
        return self._deployed(logical_id, where).ref

    def getatt(self, logical_id: str, attribute: str, where: str) -> Any:
        res = self._deployed(logical_id, where)
        if attribute in res.attributes and not attribute.startswith("_") and attribute != "Ref":
            return res.attributes[attribute]
        known = sorted(PROVISIONERS[res.type].attributes)
        raise DeployError(f"{where}: Fn::GetAtt {logical_id}.{attribute}: {res.type} has no "
                          f"attribute {attribute} (supported: {', '.join(known) or 'none'})")

    # -- deploy ---------------------------------------------------------------------------------

    def run(self, order: Iterable[str]) -> None:
        for logical in order:
            self._one(logical)
            self.order.append(logical)
            self.save(self)

    def _name(self, prov: Provisioner, logical: str, props: dict[str, Any],
              old: PhysicalResource | None, replacing: bool) -> tuple[str, str | None]:
        explicit = props.get(prov.name_property) if prov.name_property else None
        if explicit not in (None, ""):
            return str(explicit), None
        if old is not None and old.generated_name and not replacing:
            return old.generated_name, old.generated_name
        salt = uuid.uuid4().hex if replacing else ""
        generated = self.ctx.generate_name(logical, prov.name_max, salt)
        return generated, generated

    def _one(self, logical: str) -> None:
        decl = self.resources[logical]
        rtype = str(decl["Type"])
        prov = PROVISIONERS[rtype]
        line = self.tpl.resource_line(logical)
        where = self.tpl.at(line)
        try:
            props = self.resolver.resolve(decl.get("Properties") or {}, line)
            props = {} if props is NO_VALUE else props
            for key in prov.unknown_properties(props):
                self.ctx.note(f"{logical}: property {key} of {rtype} is ignored by the harness "
                              "deployer")
            props = prov.prepare(self.ctx, logical, props)
            self.ctx.resolved[logical] = props
            if decl.get("UpdatePolicy"):
                policy = self.resolver.resolve(decl["UpdatePolicy"], line)
                self.ctx.update_policies[logical] = policy if isinstance(policy, dict) else {}
                self.ctx.update_policy_refs[logical] = sorted(references(decl["UpdatePolicy"]))
            result = self._apply(prov, logical, rtype, props)
        except DeployError as exc:
            text = str(exc)
            self._failed(logical, rtype, text)
            raise DeployError(text if text.startswith(self.tpl.path.name) else
                              f"{where}: resource {logical} ({rtype}): {text}") from exc
        except (ClientError, BotoCoreError, ValueError, KeyError, TypeError) as exc:
            self._failed(logical, rtype, describe_error(exc))
            raise DeployError(f"{where}: resource {logical} ({rtype}): "
                              f"{describe_error(exc)}") from exc
        result.deletion_policy = decl.get("DeletionPolicy")
        result.replace_policy = decl.get("UpdateReplacePolicy")
        self.current[logical] = result

    def _failed(self, logical: str, rtype: str, reason: str) -> None:
        self.failed = logical
        old = self.old.get(logical)
        status: ResourceStatus = ("UPDATE_FAILED" if old is not None and old.type == rtype
                                  else "CREATE_FAILED")
        self.events.resource(logical, rtype, old.physical_id if old else "", status, reason)

    def _live(self, rtype: str, props: dict[str, Any]) -> dict[str, Any]:
        """The properties a provisioner sees: dynamic references read from their stores now (the
        record keeps the references, as CloudFormation's does)."""
        if not dynamic_refs.has_references(props):
            return props
        live: dict[str, Any] = dynamic_refs.resolve(self.ctx, rtype, props)
        return live

    def _apply(self, prov: Provisioner, logical: str, rtype: str,
               props: dict[str, Any]) -> PhysicalResource:
        old = self.old.get(logical)
        reason: str | None = None
        if old is not None:
            if old.type != rtype:
                reason = "Type"
            elif canonical(old.properties) == canonical(props):
                return PhysicalResource.from_json(old.to_json())
            else:
                reason = prov.replacement_reason(old.properties, props)
        if old is not None and reason is None:
            name, generated = self._name(prov, logical, props, old, replacing=False)
            self.events.resource(logical, rtype, old.physical_id, "UPDATE_IN_PROGRESS",
                                 properties=props)
            self.updating = logical
            created = prov.update(self.ctx, old, self._live(rtype, props), name)
            self.updating = None
            self.events.resource(logical, rtype, created.physical_id, "UPDATE_COMPLETE")
            if created.physical_id != old.physical_id:  # a new physical id replaces the old one
                self.replaced.append(old)
            return PhysicalResource(logical, rtype, created.physical_id, created.attributes,
                                    props, generated)
        if old is not None and prov.unique_name and prov.name_property \
                and props.get(prov.name_property) not in (None, "") \
                and props.get(prov.name_property) == old.properties.get(prov.name_property):
            raise DeployError(f"{reason} changed, which requires replacement, but the resource "
                              f"has a custom name ({props[prov.name_property]}); rename it to "
                              "replace it")
        name, generated = self._name(prov, logical, props, old, replacing=old is not None)
        if old is not None:
            self.events.resource(logical, rtype, old.physical_id, "UPDATE_IN_PROGRESS",
                                 "Requested update requires the creation of a new physical "
                                 "resource; hence creating one.", props)
        else:
            self.events.resource(logical, rtype, "", "CREATE_IN_PROGRESS", properties=props)
        created = prov.create(self.ctx, logical, self._live(rtype, props), name)
        self.events.resource(logical, rtype, created.physical_id,
                             "UPDATE_COMPLETE" if old is not None else "CREATE_COMPLETE")
        if old is not None:
            self.replaced.append(old)
        return PhysicalResource(logical, rtype, created.physical_id, created.attributes, props,
                                generated)


def delete_resources(ctx: Context, doomed: list[PhysicalResource], replaced: bool = False,
                     events: EventLog | None = None) -> list[tuple[PhysicalResource, str]]:
    """Delete in the given order (reverse creation), skipping retained ones and children of doomed parents."""
    gone: set[str] = set()
    for res in doomed:
        if (res.replace_policy if replaced else res.deletion_policy) == "Retain":
            continue
        gone.add(str(res.physical_id))
        gone.update(str(v) for v in res.attributes.values() if isinstance(v, str))
    failures: list[tuple[PhysicalResource, str]] = []
    for res in doomed:
        policy = res.replace_policy if replaced else res.deletion_policy
        if policy == "Retain":
            which = "UpdateReplacePolicy" if replaced else "DeletionPolicy"
            ctx.note(f"{res.logical_id}: {res.physical_id} retained ({which} Retain)")
            if events is not None:
                events.resource(res.logical_id, res.type, res.physical_id, "DELETE_SKIPPED")
            continue
        if events is not None:
            events.resource(res.logical_id, res.type, res.physical_id, "DELETE_IN_PROGRESS")
        parent_key = _PARENT_PROPERTY.get(res.type)
        provisioner = PROVISIONERS.get(res.type)
        try:
            if provisioner is None:
                raise DeployError(f"no provisioner for {res.type}")
            if not (parent_key and str(res.properties.get(parent_key)) in gone):
                provisioner.delete(ctx, res)
        except (ClientError, BotoCoreError, DeployError, KeyError, ValueError) as exc:
            failures.append((res, describe_error(exc)))
            if events is not None:
                events.resource(res.logical_id, res.type, res.physical_id, "DELETE_FAILED",
                                describe_error(exc))
            continue
        if events is not None:
            events.resource(res.logical_id, res.type, res.physical_id, "DELETE_COMPLETE")
    return failures
