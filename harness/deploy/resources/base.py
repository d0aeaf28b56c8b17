"""What every provisioner shares: the per-deploy context, boto3 calls shaped by botocore's models, names."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.params import partition_for

_NOT_FOUND = {"ResourceNotFoundException", "NotFoundException", "NoSuchEntity",
              "NoSuchEntityException", "ResourceNotFound", "UserPoolNotFound"}
ALL = frozenset({"*"})


def is_not_found(exc: Exception) -> bool:
    """Whether an AWS error means the thing is already gone (deletes must tolerate that)."""
    if not isinstance(exc, ClientError):
        return False
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in _NOT_FOUND or status == 404


def _coerce(shape: Any, value: Any) -> Any:
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: _coerce(shape.members.get(k), v) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_coerce(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {str(k): _coerce(shape.value, v) for k, v in value.items()}
    if kind in ("integer", "long") and isinstance(value, str | float) and not isinstance(value, bool):
        return int(float(value))
    if kind in ("float", "double") and isinstance(value, str | int) and not isinstance(value, bool):
        return float(value)
    if kind == "boolean" and isinstance(value, str):
        return value.strip().lower() == "true"
    if kind == "string" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "string" and isinstance(value, int | float):
        return str(value)
    return value


def drop_none(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters without the ones left unset."""
    return {k: v for k, v in params.items() if v is not None}


@dataclass
class Created:
    """What a create or update produced: the physical id and the values Ref/GetAtt return."""

    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """Everything a provisioner may use during one deploy or delete."""

    client_factory: Callable[[str], Any]
    region: str
    account: str
    stack_name: str
    stack_id: str
    template_dir: Path
    notes: list[str] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)
    resolved: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    update_policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # resolved UpdatePolicy
    update_policy_refs: dict[str, list[str]] = field(default_factory=dict)  # what UpdatePolicy names
    deployment_configs: dict[str, str] = field(default_factory=dict)  # deployment group -> config
    rolling_back: bool = False
    endpoint_url: str = ""
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def partition(self) -> str:
        return partition_for(self.region)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.client_factory(service)
        return self._clients[service]

    def call(self, service: str, method: str, **params: Any) -> dict[str, Any]:
        """A boto3 call with CloudFormation-typed values (strings from YAML) coerced to the API's types."""
        client = self.client(service)
        api_name = client.meta.method_to_api_mapping.get(method, method)
        shape = client.meta.service_model.operation_model(api_name).input_shape
        result: dict[str, Any] = getattr(client, method)(**_coerce(shape, drop_none(params)))
        return result

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def generate_name(self, logical_id: str, max_len: int, salt: str = "",
                      separator: str = "-") -> str:
        """`<stack>-<logicalId>-<SUFFIX>` like CloudFormation, truncated to the service's limit."""
        digest = hashlib.sha256(f"{self.stack_id}|{logical_id}|{salt}".encode()).hexdigest()
        suffix = digest[:12].upper()
        budget = max_len - len(suffix) - 2 * len(separator)
        stack = self.stack_name[: max(budget // 2, budget - len(logical_id))]
        logical = logical_id[: budget - len(stack)]
        return separator.join([stack, logical, suffix])

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if region else ''}:"
                f"{self.account if account else ''}:{resource}")


def wait_until(check: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Poll until `check` holds (moto is instant; real AWS and LocalStack take a moment)."""
    delay = 0.02
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise DeployError(f"timed out waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


class Provisioner:
    """One resource type's create/update/delete through boto3, with CloudFormation's update rules."""

    type_name: ClassVar[str] = ""
    name_property: ClassVar[str | None] = None
    name_max: ClassVar[int] = 64
    unique_name: ClassVar[bool] = False
    immutable: ClassVar[frozenset[str]] = frozenset()
    attributes: ClassVar[frozenset[str]] = frozenset()
    handled: ClassVar[frozenset[str]] = ALL
    ignored: ClassVar[frozenset[str]] = frozenset({"Tags"})

    def prepare(self, ctx: Context, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        """Derived values the diff must see (code hashes, fingerprints); default: none."""
        return props

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        raise NotImplementedError

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        """In-place update; the default is to keep the resource as it is."""
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        raise NotImplementedError

    def replacement_reason(self, old: dict[str, Any], new: dict[str, Any]) -> str | None:
        """The property whose change forces a new physical resource, if any."""
        keys = set(old) | set(new)
        if self.immutable == ALL:
            changed = sorted(k for k in keys if old.get(k) != new.get(k))
            return changed[0] if changed else None
        for key in sorted(self.immutable):
            if old.get(key) != new.get(key):
                return key
        return None

    def has_attribute(self, name: str) -> bool:
        """Whether Fn::GetAtt may name this attribute (before the resource exists)."""
        return name in self.attributes

    def unknown_properties(self, props: dict[str, Any]) -> list[str]:
        if self.handled == ALL:
            return []
        return sorted(k for k in props if k not in self.handled and k not in self.ignored
                      and not k.startswith("_"))


def delete_if_present(ctx: Context, service: str, method: str, **params: Any) -> None:
    """Deletes tolerate a resource that is already gone, as CloudFormation's do."""
    try:
        ctx.call(service, method, **params)
    except Exception as exc:
        if not is_not_found(exc):
            raise


def exists(ctx: Context, service: str, method: str, **params: Any) -> bool:
    """Whether a get succeeds: some emulators answer a delete of a missing thing with a 500."""
    try:
        ctx.call(service, method, **params)
    except Exception as exc:
        if is_not_found(exc):
            return False
        raise
    return True
