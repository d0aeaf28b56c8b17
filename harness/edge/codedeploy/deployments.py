"""Lambda deployments as CodeDeploy runs them: BeforeAllowTraffic hook, shifting, AfterAllowTraffic hook.

https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-lambda.html and
https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda
Each deployment advances lazily on the virtual clock: whenever traffic is routed, a deployment is
read, or a hook reports its status, so tests move it by advancing the clock.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from harness.clock import VirtualClock
from harness.edge.codedeploy.configs import ShiftConfig

Status = Literal["InProgress", "Succeeded", "Failed"]
HookStatus = Literal["Pending", "InProgress", "Succeeded", "Failed"]
Phase = Literal["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic", "End"]
# (function name, alias, primary version, {additional version: weight}) -> None
AliasWriter = Callable[[str, str, str, dict[str, float]], None]
HookInvoker = Callable[[str, bytes], None]  # (hook function name or ARN, event) -> None


class DeploymentError(ValueError):
    """A request CodeDeploy would refuse; the message is CodeDeploy's."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class AppSpecTarget:
    """The one AWS::Lambda::Function resource of a Lambda AppSpec and its hooks."""

    function: str
    alias: str
    current: str
    target: str
    before_hook: str | None = None
    after_hook: str | None = None


def parse_appspec(content: str) -> AppSpecTarget:
    """AppSpec content (JSON, as CloudFormation sends it) for a Lambda deployment."""
    try:
        spec = json.loads(content)
        (resource,) = [next(iter(r.values())) for r in spec["Resources"]]
        props = resource["Properties"]
        if resource.get("Type") != "AWS::Lambda::Function":
            raise DeploymentError("InvalidRevisionException", "The AppSpec resource must be "
                                  "of type AWS::Lambda::Function")
        hooks: dict[str, str] = {}
        for hook in spec.get("Hooks") or []:
            hooks.update({str(k): str(v) for k, v in hook.items()})
        return AppSpecTarget(str(props["Name"]), str(props["Alias"]), str(props["CurrentVersion"]),
                             str(props["TargetVersion"]), hooks.get("BeforeAllowTraffic"),
                             hooks.get("AfterAllowTraffic"))
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration) as exc:
        if isinstance(exc, DeploymentError):
            raise
        raise DeploymentError("InvalidRevisionException",
                              f"The AppSpec content is not a valid Lambda AppSpec: {exc}") from None


@dataclass
class Deployment:
    id: str
    application: str
    group: str
    config: ShiftConfig
    spec: AppSpecTarget
    created: float
    status: Status = "InProgress"
    phase: Phase = "BeforeAllowTraffic"
    shift_started: float | None = None
    weight: float = 0.0
    completed: float | None = None
    error: str | None = None
    hooks: dict[str, HookStatus] = field(default_factory=dict)  # execution id -> status
    hook_ids: dict[str, str] = field(default_factory=dict)  # lifecycle event -> execution id


class Deployments:
    """Every Lambda deployment this edge runs, advanced on the virtual clock."""

    def __init__(self, clock: VirtualClock, write_alias: AliasWriter, invoke_hook: HookInvoker) -> None:
        self._clock = clock
        self._write_alias = write_alias
        self._invoke_hook = invoke_hook
        self._lock = threading.RLock()
        self._all: dict[str, Deployment] = {}

    def create(self, application: str, group: str, config: ShiftConfig, spec: AppSpecTarget) -> Deployment:
        with self._lock:
            busy = [d for d in self._all.values() if d.status == "InProgress"
                    and (d.application, d.group) == (application, group)]
            if busy:
                raise DeploymentError("DeploymentLimitExceededException",
                                      f"The Deployment Group '{group}' already has an active "
                                      f"Deployment '{busy[0].id}'")
            dep = Deployment(f"d-{uuid.uuid4().hex[:9].upper()}", application, group, config, spec,
                             self._clock.now())
            self._all[dep.id] = dep
            self._enter_before(dep)
            self._step(dep)
            return dep

    def get(self, deployment_id: str) -> Deployment | None:
        with self._lock:
            dep = self._all.get(deployment_id)
            if dep is not None:
                self._step(dep)
            return dep

    def advance(self) -> None:
        """Bring every running deployment to the clock's present (called before routing traffic)."""
        with self._lock:
            for dep in [d for d in self._all.values() if d.status == "InProgress"]:
                self._step(dep)

    def report_hook(self, deployment_id: str, execution_id: str, status: str) -> None:
        """PutLifecycleEventHookExecutionStatus: a hook says Succeeded or Failed."""
        if status not in ("Succeeded", "Failed"):
            raise DeploymentError("InvalidLifecycleEventHookExecutionStatusException",
                                  f"The status {status[:20]} is not valid; use Succeeded or Failed")
        with self._lock:
            dep = self._all.get(deployment_id)
            if dep is None:
                raise DeploymentError("DeploymentDoesNotExistException",
                                      f"The deployment {deployment_id[:40]} could not be found")
            if dep.hooks.get(execution_id) != "InProgress":
                raise DeploymentError("LifecycleEventAlreadyCompletedException" if execution_id in dep.hooks
                                      else "InvalidLifecycleEventHookExecutionIdException",
                                      f"The lifecycle event hook execution {execution_id[:64]} is not "
                                      "in progress")
            dep.hooks[execution_id] = "Succeeded" if status == "Succeeded" else "Failed"
            self._step(dep)

    def reset(self) -> None:
        with self._lock:
            self._all.clear()

    # -- the state machine ------------------------------------------------------------------
    def _start_hook(self, dep: Deployment, event: str, function: str) -> None:
        execution = str(uuid.uuid4())
        dep.hooks[execution] = "InProgress"
        dep.hook_ids[event] = execution
        payload = json.dumps({"DeploymentId": dep.id, "LifecycleEventHookExecutionId": execution})
        self._invoke_hook(function, payload.encode())

    def _hook_result(self, dep: Deployment, event: str) -> HookStatus:
        execution = dep.hook_ids.get(event)
        return "Succeeded" if execution is None else dep.hooks[execution]

    def _enter_before(self, dep: Deployment) -> None:
        if dep.spec.before_hook:
            self._start_hook(dep, "BeforeAllowTraffic", dep.spec.before_hook)

    def _fail(self, dep: Deployment, why: str) -> None:
        spec = dep.spec
        self._write_alias(spec.function, spec.alias, spec.current, {})
        dep.status, dep.phase, dep.error, dep.completed = "Failed", "End", why, self._clock.now()

    def _step(self, dep: Deployment) -> None:
        spec, now = dep.spec, self._clock.now()
        if dep.phase == "BeforeAllowTraffic":
            result = self._hook_result(dep, "BeforeAllowTraffic")
            if result == "Failed":
                return self._fail(dep, "The BeforeAllowTraffic hook reported Failed")
            if result != "Succeeded":
                return None
            dep.phase, dep.shift_started = "AllowTraffic", now
        if dep.phase == "AllowTraffic":
            assert dep.shift_started is not None
            weight = dep.config.new_version_weight(now - dep.shift_started)
            if weight != dep.weight:
                dep.weight = weight
                if weight >= 1.0:
                    self._write_alias(spec.function, spec.alias, spec.target, {})
                else:
                    self._write_alias(spec.function, spec.alias, spec.current, {spec.target: weight})
            if weight < 1.0:
                return None
            dep.phase = "AfterAllowTraffic"
            if spec.after_hook:
                self._start_hook(dep, "AfterAllowTraffic", spec.after_hook)
        if dep.phase == "AfterAllowTraffic":
            result = self._hook_result(dep, "AfterAllowTraffic")
            if result == "Failed":
                return self._fail(dep, "The AfterAllowTraffic hook reported Failed")
            if result == "Succeeded":
                dep.status, dep.phase, dep.completed = "Succeeded", "End", now
        return None
