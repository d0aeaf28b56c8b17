"""Change-set previews: which resources an update would add, modify (and whether it replaces) or remove."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from harness.deploy.engine import canonical
from harness.deploy.intrinsics import NO_VALUE
from harness.deploy.loader import load_template
from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources import PROVISIONERS

if TYPE_CHECKING:
    from harness.deploy.deployer import Deployer

Action = Literal["Add", "Modify", "Remove"]
Replacement = Literal["True", "False", "Conditional"]


class _Unknown(DeployError):
    """A value that only exists once the change set runs (a new resource's Ref or attribute)."""


class _Previous:
    """Resolves references from the stack as it is now; new resources are unknown."""

    def __init__(self, old: dict[str, PhysicalResource]) -> None:
        self.old = old

    def ref(self, logical_id: str, where: str) -> Any:
        if logical_id not in self.old:
            raise _Unknown(logical_id)
        return self.old[logical_id].ref

    def getatt(self, logical_id: str, attribute: str, where: str) -> Any:
        if logical_id not in self.old or attribute not in self.old[logical_id].attributes:
            raise _Unknown(logical_id)
        return self.old[logical_id].attributes[attribute]


def _change(action: Action, logical: str, rtype: str, physical: str = "",
            replacement: Replacement | None = None, scope: list[str] | None = None
            ) -> dict[str, Any]:
    change: dict[str, Any] = {"Action": action, "LogicalResourceId": logical,
                              "ResourceType": rtype}
    if physical:
        change["PhysicalResourceId"] = physical
    if replacement is not None:
        change["Replacement"] = replacement
        change["Scope"] = scope or ["Properties"]
    return {"Type": "Resource", "ResourceChange": change}


def preview(deployer: Deployer, path: Path, stack_name: str, stack_id: str,
            parameters: dict[str, str], record: dict[str, Any] | None) -> list[dict[str, Any]]:
    """DescribeChangeSet's Changes for deploying this template over the stack's record."""
    tpl = load_template(Path(path).resolve())
    ctx = deployer._context(stack_name, stack_id, tpl.directory)
    plan = deployer.plan(tpl, stack_name, stack_id, parameters, ctx)
    old = {k: PhysicalResource.from_json(v) for k, v in (record or {}).get("resources",
                                                                         {}).items()}
    resolver = plan.resolver.with_lookup(_Previous(old))
    changes: list[dict[str, Any]] = []
    for logical in plan.order:
        decl = plan.resources[logical]
        rtype = str(decl["Type"])
        before = old.get(logical)
        if before is None:
            changes.append(_change("Add", logical, rtype))
            continue
        if before.type != rtype:
            changes.append(_change("Modify", logical, rtype, before.physical_id, "True"))
            continue
        prov = PROVISIONERS[rtype]
        try:
            props = resolver.resolve(decl.get("Properties") or {}, tpl.resource_line(logical))
            props = prov.prepare(ctx, logical, {} if props is NO_VALUE else props)
        except _Unknown:
            changes.append(_change("Modify", logical, rtype, before.physical_id, "Conditional"))
            continue
        ctx.resolved[logical] = props
        if canonical(props) == canonical(before.properties):
            continue
        replaced = prov.replacement_reason(before.properties, props) is not None
        changes.append(_change("Modify", logical, rtype, before.physical_id,
                               "True" if replaced else "False"))
    for logical, res in old.items():
        if logical not in plan.active:
            changes.append(_change("Remove", logical, res.type, res.physical_id))
    return changes
