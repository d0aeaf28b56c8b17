"""Change sets: a previewed deploy kept until executed or deleted, as `aws cloudformation deploy` uses."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.deploy import DeployError
from harness.deploy.changes import preview
from harness.deploy.events import EventLog, iso_now
from harness.edge.cloudformation.models import (
    STABLE_UPDATABLE,
    CfnError,
    StackRequest,
    StackService,
    validation,
)

ChangeSetStatus = Literal["CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_COMPLETE", "FAILED",
                          "DELETE_COMPLETE"]
ExecutionStatus = Literal["UNAVAILABLE", "AVAILABLE", "EXECUTE_IN_PROGRESS", "EXECUTE_COMPLETE",
                          "EXECUTE_FAILED", "OBSOLETE"]
NO_CHANGES = ("The submitted information didn't contain changes. Submit different information to "
              "create a change set.")
log = logging.getLogger("harness.edge.cloudformation")
_NAME = re.compile(r"^[a-zA-Z][-a-zA-Z0-9]{0,127}$")


@dataclass
class ChangeSet:
    """One change set and the deploy it would run."""

    id: str
    name: str
    stack_id: str
    request: StackRequest
    path: Path
    parameters: dict[str, str]
    kind: Literal["CREATE", "UPDATE"]
    description: str = ""
    status: ChangeSetStatus = "CREATE_COMPLETE"
    reason: str = ""
    execution: ExecutionStatus = "AVAILABLE"
    changes: list[dict[str, Any]] = field(default_factory=list)
    created: str = field(default_factory=iso_now)


class ChangeSets:
    """The change sets of one StackService, by id."""

    def __init__(self, stacks: StackService) -> None:
        self.stacks = stacks
        self.by_id: dict[str, ChangeSet] = {}
        self._lock = threading.Lock()

    def find(self, name_or_id: str, stack: str | None) -> ChangeSet:
        found = self.by_id.get(name_or_id)
        if found is None and stack:
            record = self.stacks.find(stack)
            stack_id = record.get("stack_id") if record else None
            found = next((c for c in self.by_id.values()
                          if c.name == name_or_id and c.stack_id == stack_id), None)
        if found is None:
            raise CfnError("ChangeSetNotFound", f"ChangeSet [{name_or_id}] does not exist", 404)
        return found

    def create(self, req: StackRequest, name: str, kind: str, description: str) -> ChangeSet:
        if not _NAME.match(name):
            raise validation(f"1 validation error detected: Value '{name}' at 'changeSetName' "
                             "failed to satisfy constraint: Member must satisfy regular "
                             "expression pattern: [a-zA-Z][-a-zA-Z0-9]*")
        if kind not in ("CREATE", "UPDATE"):
            raise validation(f"ChangeSetType {kind} is not supported by the harness")
        record = self.stacks.find(req.name)
        if kind == "CREATE" and record is not None and record.get("status") != "REVIEW_IN_PROGRESS":
            raise validation(f"Stack [{req.name}] already exists and cannot be created again with "
                             "the changeSet")
        if kind == "UPDATE":
            if record is None:
                raise validation(f"Stack [{req.name}] does not exist")
            if record.get("status") not in STABLE_UPDATABLE:
                raise validation(f"Stack:{record['stack_id']} is in {record.get('status')} state "
                                 "and can not be updated.")
        path = self.stacks.template_path(req, record if kind == "UPDATE" else None)
        params = self.stacks.parameters(req, record if kind == "UPDATE" else None)
        self.stacks.check(req, path, params, expand_needed=False)
        if record is None:
            stack_id = (f"arn:aws:cloudformation:{self.stacks.region}:{self.stacks.account}:"
                        f"stack/{req.name}/{uuid.uuid4()}")
            events = EventLog(req.name, stack_id)
            events.stack("REVIEW_IN_PROGRESS", "User Initiated")
            record = {"name": req.name, "stack_id": stack_id, "status": "REVIEW_IN_PROGRESS",
                      "resources": {}, "creation_time": iso_now(), "events": events.items}
            self.stacks.store.save(req.name, record)
        stack_id = str(record["stack_id"])
        cs_id = (f"arn:aws:cloudformation:{self.stacks.region}:{self.stacks.account}:"
                 f"changeSet/{name}/{uuid.uuid4()}")
        change_set = ChangeSet(cs_id, name, stack_id, req, path, params,
                               "CREATE" if kind == "CREATE" else "UPDATE", description)
        deployer = self.stacks.deployer_for(req.credentials)
        try:
            change_set.changes = preview(deployer, path, req.name, stack_id, params,
                                         record if kind == "UPDATE" else None)
        except DeployError as exc:
            change_set.status, change_set.reason = "FAILED", str(exc)
            change_set.execution = "UNAVAILABLE"
        if (kind == "UPDATE" and change_set.status != "FAILED" and not change_set.changes
                and self.stacks._unchanged(record, path, params)):
            change_set.status, change_set.reason = "FAILED", NO_CHANGES
            change_set.execution = "UNAVAILABLE"
        with self._lock:
            if any(c.name == name and c.stack_id == stack_id for c in self.by_id.values()):
                raise CfnError("AlreadyExistsException", f"ChangeSet {name} already exists")
            self.by_id[cs_id] = change_set
        return change_set

    def execute(self, change_set: ChangeSet) -> None:
        if change_set.execution != "AVAILABLE":
            raise CfnError("InvalidChangeSetStatus",
                           f"ChangeSet [{change_set.id}] cannot be executed in its current "
                           f"execution status of [{change_set.execution}]")
        record = self.stacks.require(change_set.stack_id)
        if change_set.kind == "UPDATE" and record.get("status") not in STABLE_UPDATABLE:
            raise validation(f"Stack:{record['stack_id']} is in {record.get('status')} state and "
                             "can not be updated.")
        with self._lock:
            for other in list(self.by_id.values()):  # the others no longer fit the stack
                if other.stack_id == change_set.stack_id and other is not change_set:
                    del self.by_id[other.id]
        change_set.execution = "EXECUTE_IN_PROGRESS"
        record["status"] = "UPDATE_IN_PROGRESS" if change_set.kind == "UPDATE" else \
            "CREATE_IN_PROGRESS"
        if change_set.kind == "CREATE":
            record["pending"] = True
        self.stacks.store.save(record["name"], record)
        deployer = self.stacks.deployer_for(change_set.request.credentials)
        req = change_set.request

        def work() -> None:
            try:
                deployer.deploy(change_set.path, req.name, change_set.parameters, req.token,
                                disable_rollback=req.disable_rollback,
                                extra=self.stacks._extra(req))
                change_set.execution = "EXECUTE_COMPLETE"
            except DeployError as exc:
                change_set.execution = "EXECUTE_FAILED"
                self.stacks._after_failure(req, str(exc))
            except Exception as exc:  # the stack must still end in a failed state
                log.exception("change set %s failed", change_set.id)
                change_set.execution = "EXECUTE_FAILED"
                self.stacks._after_failure(req, f"Internal failure: {type(exc).__name__}: {exc}")

        self.stacks._run(req.name, work)

    def delete(self, change_set: ChangeSet) -> None:
        if change_set.execution == "EXECUTE_IN_PROGRESS":
            raise CfnError("InvalidChangeSetStatus",
                           f"Cannot delete ChangeSet in status {change_set.execution}")
        with self._lock:
            self.by_id.pop(change_set.id, None)

    def of_stack(self, stack_id: str) -> list[ChangeSet]:
        return [c for c in self.by_id.values() if c.stack_id == stack_id]
