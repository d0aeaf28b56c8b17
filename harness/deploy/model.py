"""Value types shared by every part of the deployer: errors, deployed resources, stack results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class DeployError(Exception):
    """A template or deployment problem, worded to name the resource, type or intrinsic and file:line."""


@dataclass
class PhysicalResource:
    """One deployed resource as the stack record remembers it, so updates can diff against it."""

    logical_id: str
    type: str
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    generated_name: str | None = None
    deletion_policy: str | None = None
    replace_policy: str | None = None

    @property
    def ref(self) -> Any:
        """What `Ref` returns: most types return the physical id, some a recorded value."""
        return self.attributes.get("Ref", self.physical_id)

    def to_json(self) -> dict[str, Any]:
        return {"logical_id": self.logical_id, "type": self.type, "physical_id": self.physical_id,
                "attributes": self.attributes, "properties": self.properties,
                "generated_name": self.generated_name, "deletion_policy": self.deletion_policy,
                "replace_policy": self.replace_policy}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PhysicalResource:
        return cls(logical_id=data["logical_id"], type=data["type"],
                   physical_id=data["physical_id"], attributes=dict(data.get("attributes", {})),
                   properties=dict(data.get("properties", {})),
                   generated_name=data.get("generated_name"),
                   deletion_policy=data.get("deletion_policy"),
                   replace_policy=data.get("replace_policy"))


@dataclass
class StackResult:
    """What callers see of a stack: CloudFormation's describe-stacks, reduced to what the harness uses."""

    name: str
    status: str
    outputs: dict[str, str]
    resources: dict[str, PhysicalResource]
    parameters: dict[str, str]
    stack_id: str = ""
    notes: list[str] = field(default_factory=list)
    exports: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> StackResult:
        return cls(
            name=record["name"], status=record["status"], outputs=dict(record.get("outputs", {})),
            resources={k: PhysicalResource.from_json(v)
                       for k, v in record.get("resources", {}).items()},
            parameters=dict(record.get("parameters", {})), stack_id=record.get("stack_id", ""),
            notes=list(record.get("notes", [])), exports=dict(record.get("exports", {})))
