"""The CloudFormation service behind the edge: stacks deployed by the harness's engine, in the background."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.deploy import Deployer, DeployError, StackStore
from harness.deploy.events import EventLog, iso_now
from harness.deploy.exports import ExportIndex
from harness.deploy.loader import load_template
from harness.deploy.store import _SAFE_NAME
from harness.edge.cloudformation.templates import (
    TemplateError,
    TemplateSource,
    required_capabilities,
)

log = logging.getLogger("harness.edge.cloudformation")
STABLE_UPDATABLE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")
# Credentials the engine calls AWS with: the caller's own (key, secret, token), or a service role's.
Credentials = tuple[str, str, str | None]
DeployerFactory = Callable[[Credentials], Deployer]


class CfnError(Exception):
    """A refusal in CloudFormation's terms: code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def validation(message: str) -> CfnError:
    return CfnError("ValidationError", message)


@dataclass
class StackRequest:
    """What CreateStack, UpdateStack and change sets ask for."""

    name: str
    credentials: Credentials
    body: str | None = None
    url: str | None = None
    parameters: list[dict[str, Any]] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    role_arn: str | None = None
    token: str | None = None
    disable_rollback: bool = False
    on_failure: str = "ROLLBACK"
    use_previous_template: bool = False
    notification_arns: list[str] = field(default_factory=list)


class StackService:
    """Stacks of one account and region; operations run on a thread and are awaited briefly."""

    def __init__(self, store: StackStore, source: TemplateSource, deployer_for: DeployerFactory,
                 region: str, account: str, sync_wait: float = 20.0) -> None:
        self.store = store
        self.source = source
        self.deployer_for = deployer_for
        self.region = region
        self.account = account
        self.sync_wait = sync_wait
        self.deleted: list[dict[str, Any]] = []
        self.exports = ExportIndex(store)
        self._running: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    # -- lookups --------------------------------------------------------------------------------

    def find(self, name_or_id: str) -> dict[str, Any] | None:
        """A live stack by name or id; a deleted one by its id, as DescribeStacks allows."""
        name = name_or_id.split("/")[1] if name_or_id.startswith("arn:") and \
            name_or_id.count("/") >= 2 else name_or_id
        record = self.store.load(name) if _SAFE_NAME.match(name) else None
        if record is not None and (not name_or_id.startswith("arn:")
                                   or record.get("stack_id") == name_or_id):
            return record
        for gone in reversed(self.deleted):
            if gone.get("stack_id") == name_or_id:
                return dict(gone)
        return None

    def require(self, name_or_id: str) -> dict[str, Any]:
        record = self.find(name_or_id)
        if record is None:
            raise validation(f"Stack with id {name_or_id} does not exist")
        return record

    def live(self) -> list[dict[str, Any]]:
        records = (self.store.load(n) for n in self.store.names())
        return [r for r in records if r is not None]

    # -- templates ------------------------------------------------------------------------------

    def template_path(self, req: StackRequest, previous: dict[str, Any] | None) -> Path:
        if req.use_previous_template:
            if previous is None:
                raise validation("UsePreviousTemplate can only be used on an existing stack")
            path = Path(str(previous.get("template", "")))
            if not path.is_file():
                return self.source.materialise(str(previous.get("template_body", "")), None,
                                               req.name)
            return path
        try:
            return self.source.materialise(req.body, req.url, req.name)
        except TemplateError as exc:
            raise validation(str(exc)) from None

    def parameters(self, req: StackRequest, previous: dict[str, Any] | None) -> dict[str, str]:
        values: dict[str, str] = {}
        before = dict((previous or {}).get("given_parameters", {}))
        for item in req.parameters:
            key = str(item.get("ParameterKey", ""))
            if item.get("UsePreviousValue"):
                if key not in before:
                    raise validation(f"Invalid input for parameter key {key}. Cannot specify "
                                     "usePreviousValue as true for a parameter key not in the "
                                     "previous template")
                values[key] = before[key]
            else:
                values[key] = str(item.get("ParameterValue", ""))
        return values

    def check(self, req: StackRequest, path: Path, params: dict[str, str],
              expand_needed: bool) -> dict[str, Any]:
        """Template checks before anything is created; returns the plan's resources."""
        deployer = self.deployer_for(req.credentials)
        try:
            plan = deployer.validate(path, req.name, params)
        except DeployError as exc:
            raise validation(f"Template format error: {exc}") from None
        transformed = "Transform" in plan.resolver.tpl.body or plan.resolver.language_extensions
        needed, reason = required_capabilities(plan.resources, transformed and expand_needed)
        given = set(req.capabilities)
        missing = [c for c in needed if c not in given and not (
            c == "CAPABILITY_IAM" and "CAPABILITY_NAMED_IAM" in given)]
        if missing:
            raise CfnError("InsufficientCapabilitiesException",
                           f"Requires capabilities : [{', '.join(missing)}]")
        return {"resources": plan.resources, "reason": reason}

    # -- operations -----------------------------------------------------------------------------

    def create_stack(self, req: StackRequest) -> str:
        with self._lock:
            if self.find(req.name) is not None:
                raise CfnError("AlreadyExistsException", f"Stack [{req.name}] already exists")
            path = self.template_path(req, None)
            params = self.parameters(req, None)
            self.check(req, path, params, expand_needed=True)
            stack_id = (f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{req.name}/"
                        f"{uuid.uuid4()}")
            self.store.save(req.name, {"name": req.name, "stack_id": stack_id, "pending": True,
                                       "status": "CREATE_IN_PROGRESS", "resources": {},
                                       "creation_time": iso_now(), **self._extra(req)})
        self._start(req, path, params)
        return stack_id

    def update_stack(self, req: StackRequest, expand_needed: bool = True) -> str:
        with self._lock:
            record = self.require(req.name)
            status = str(record.get("status"))
            if status not in STABLE_UPDATABLE:
                raise validation(f"Stack:{record['stack_id']} is in {status} state and can not "
                                 "be updated.")
            path = self.template_path(req, record)
            params = self.parameters(req, record)
            self.check(req, path, params, expand_needed)
            if expand_needed and self._unchanged(record, path, params):
                raise validation("No updates are to be performed.")
            record["status"] = "UPDATE_IN_PROGRESS"
            self.store.save(req.name, record)
        self._start(req, path, params)
        return str(record["stack_id"])

    def _unchanged(self, record: dict[str, Any], path: Path, params: dict[str, str]) -> bool:
        """Same template text and the same parameter values (defaults included) as deployed."""
        try:
            body = path.read_text(encoding="utf-8")
            declared = load_template(path).section("Parameters")
        except (OSError, DeployError):
            return False
        values = {k: str(spec["Default"]) for k, spec in declared.items()
                  if isinstance(spec, dict) and "Default" in spec}
        values.update(params)
        return bool(body == record.get("template_body")
                    and values == record.get("given_parameters", {}))

    def _extra(self, req: StackRequest) -> dict[str, Any]:
        return {"capabilities": list(req.capabilities), "tags": list(req.tags),
                "role_arn": req.role_arn, "notification_arns": list(req.notification_arns)}

    def _start(self, req: StackRequest, path: Path, params: dict[str, str]) -> None:
        deployer = self.deployer_for(req.credentials)
        disable = req.disable_rollback or req.on_failure == "DO_NOTHING"

        def work() -> None:
            try:
                deployer.deploy(path, req.name, params, req.token, disable_rollback=disable,
                                extra=self._extra(req))
            except DeployError as exc:
                self._after_failure(req, str(exc))
            except Exception as exc:  # the stack must still end in a failed state
                log.exception("stack %s failed", req.name)
                self._after_failure(req, f"Internal failure: {type(exc).__name__}: {exc}")

        self._run(req.name, work)

    def _after_failure(self, req: StackRequest, reason: str) -> None:
        record = self.store.load(req.name)
        if record is None:
            return
        settled = {"CREATE_IN_PROGRESS": "ROLLBACK_COMPLETE",
                   "UPDATE_IN_PROGRESS": "UPDATE_ROLLBACK_COMPLETE"}.get(str(record.get("status")))
        if settled is not None:  # failed before the engine touched a resource
            events = EventLog(req.name, record["stack_id"], record.get("events"))
            events.stack("ROLLBACK_COMPLETE" if settled == "ROLLBACK_COMPLETE"
                         else "UPDATE_ROLLBACK_COMPLETE", reason)
            record.update(status=settled, status_reason=reason, pending=False,
                          events=events.items)
            self.store.save(req.name, record)
        if req.on_failure == "DELETE" and record.get("status") == "ROLLBACK_COMPLETE":
            self.delete_now(req.name, req.credentials)

    def _run(self, name: str, work: Callable[[], None]) -> None:
        thread = threading.Thread(target=work, name=f"cloudformation-{name}", daemon=True)
        self._running[name] = thread
        thread.start()
        thread.join(self.sync_wait)

    def delete_stack(self, name_or_id: str, credentials: Credentials) -> None:
        with self._lock:
            record = self.find(name_or_id)
            if record is None or record.get("status") == "DELETE_COMPLETE":
                return  # deleting a stack that does not exist succeeds
            if str(record.get("status", "")).endswith("_IN_PROGRESS") and \
                    record.get("status") != "REVIEW_IN_PROGRESS":
                raise validation(f"Stack [{record['name']}] cannot be deleted while in status "
                                 f"{record['status']}")
        name = str(record["name"])
        self._run(name, lambda: self.delete_now(name, credentials))

    def delete_now(self, name: str, credentials: Credentials) -> None:
        deployer = self.deployer_for(credentials)
        before = self.store.load(name)
        try:
            deployer.delete(name)
        except DeployError as exc:
            log.info("stack %s: delete failed: %s", name, exc)
            return
        if before is not None and self.store.load(name) is None:
            events = EventLog(name, before["stack_id"], deployer.deleted[-1]["events"]
                              if deployer.deleted else before.get("events"))
            gone = {**before, "status": "DELETE_COMPLETE", "deletion_time": iso_now(),
                    "events": events.items, "resources": {}}
            with self._lock:
                self.deleted.append(gone)
                del self.deleted[:-200]

    def wait(self, name: str, timeout: float = 300.0) -> None:
        """Until the stack's running operation ends (tests and the thin client use this)."""
        thread = self._running.get(name)
        if thread is not None:
            thread.join(timeout)
