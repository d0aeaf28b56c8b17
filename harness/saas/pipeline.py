"""The tenant pipeline: build once, then create or update every tenant stack by wave.

It stands in for the CodePipeline the reference SaaS starts from its provisioning function:
StartPipelineExecution reaches it through the edge; a run reads TenantStackMapping, deploys
tenant-template.yaml for each row (pooled or silo), records the version deployed, writes back the
pooled API's settings or a silo tenant's API URL, and removes stacks whose row is gone.
Runs are serialised; a start while one runs queues one more run, superseding older queued ones,
like CodePipeline's SUPERSEDED mode.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.deploy import Deployer, StackResult
from harness.saas.layout import PIPELINE_NAME, TENANT_TEMPLATE, api_url, build_version

log = logging.getLogger("harness.pipeline")
STACK_PREFIX = "stack-"


class WaveFailed(RuntimeError):
    """A wave's stacks did not all deploy (an outcome the execution records, not a harness bug)."""


@dataclass
class PipelineContext:
    """What the pipeline needs from the bootstrap stack."""

    endpoint: str
    admin_api_id: str
    stack_prefix: str
    jwks_base_url: str
    tables: dict[str, str]  # TenantStackMapping, TenantDetails, Settings
    dependencies_layer_arn: str  # the control plane's DependenciesLayer, shared by tenant stacks
    api_base: str = ""  # where execute-api URLs start; empty means `endpoint` (the harness's data plane)


@dataclass
class ActionRun:
    """One stack deployment of a run: CodePipeline's action execution in the stage of its wave."""

    stage: str
    stack: str
    tenant_id: str
    started: float
    status: str = "InProgress"
    finished: float | None = None
    version: str = ""
    error: str | None = None

    def view(self, execution_id: str) -> dict[str, Any]:
        """An ActionExecutionDetail: stage, action, times, status, input configuration, output."""
        out: dict[str, Any] = {
            "pipelineExecutionId": execution_id, "actionExecutionId": f"{execution_id}:{self.stack}",
            "pipelineVersion": 1, "stageName": self.stage, "actionName": self.stack,
            "startTime": self.started, "lastUpdateTime": self.finished or self.started,
            "status": self.status,
            "input": {"actionTypeId": {"category": "Deploy", "owner": "AWS",
                                       "provider": "CloudFormation", "version": "1"},
                      "configuration": {"StackName": self.stack, "TenantId": self.tenant_id}},
            "output": {"outputVariables": {"codeCommitId": self.version}}}
        if self.error:
            out["output"]["executionResult"] = {"externalExecutionSummary": self.error[:1000]}
        return out


def wave_stage(wave: int) -> str:
    return f"Deploy-Wave-{wave}"


@dataclass
class Execution:
    pipelineExecutionId: str
    status: str = "InProgress"
    started: float = field(default_factory=time.time)
    finished: float | None = None
    version: str = ""
    stacks: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    actions: list[ActionRun] = field(default_factory=list)

    def view(self, pipeline: str) -> dict[str, Any]:
        out: dict[str, Any] = {"pipelineName": pipeline, "pipelineVersion": 1,
                               "pipelineExecutionId": self.pipelineExecutionId,
                               "status": self.status,
                               "artifactRevisions": [{"name": "SourceArtifact",
                                                      "revisionId": self.version}]}
        if self.error:
            out["statusSummary"] = self.error[:1000]
        return out


class TenantPipeline:
    """Serialised runs over TenantStackMapping; the edge's CodePipeline responder calls start()."""

    def __init__(self, deployer: Deployer, ctx: PipelineContext, *,
                 template: Path = TENANT_TEMPLATE, name: str = PIPELINE_NAME,
                 version: Callable[[], str] = build_version, parallel: int = 4) -> None:
        self.deployer = deployer
        self.ctx = ctx
        self.template = template
        self.name = name
        self._version = version
        self._parallel = parallel
        self._lock = threading.Lock()
        self._executions: list[Execution] = []
        self._queued: Execution | None = None
        self._running = False
        self._idle = threading.Event()
        self._idle.set()
        self._ddb = deployer.client("dynamodb")

    # -- the CodePipeline face ------------------------------------------------------------
    def knows(self, pipeline_name: str) -> bool:
        return pipeline_name == self.name

    def start(self, pipeline_name: str) -> str:
        execution = Execution(str(uuid.uuid4()))
        with self._lock:
            self._executions.append(execution)
            if self._queued is not None:
                self._queued.status = "Superseded"
            self._queued = execution
            if not self._running:
                self._running = True
                self._idle.clear()
                threading.Thread(target=self._drain, name="tenant-pipeline", daemon=True).start()
        return execution.pipelineExecutionId

    def execution(self, pipeline_name: str, execution_id: str) -> dict[str, Any] | None:
        for e in self._executions:
            if e.pipelineExecutionId == execution_id:
                return e.view(self.name)
        return None

    def executions(self, pipeline_name: str) -> list[dict[str, Any]]:
        return [e.view(self.name) for e in reversed(self._executions)]

    def action_executions(self, pipeline_name: str, execution_id: str | None) -> list[dict[str, Any]]:
        """Every stack deployment of one run (or of all runs), newest run first, in run order."""
        return [a.view(e.pipelineExecutionId) for e in reversed(self._executions)
                if execution_id in (None, e.pipelineExecutionId) for a in list(e.actions)]

    def wait_idle(self, timeout: float = 300.0) -> bool:
        return self._idle.wait(timeout)

    def run_now(self) -> Execution:
        """Start a run and wait for it, for `up` and tests."""
        execution_id = self.start(self.name)
        self.wait_idle()
        return next(e for e in self._executions if e.pipelineExecutionId == execution_id)

    # -- the run --------------------------------------------------------------------------
    def _drain(self) -> None:
        while True:
            with self._lock:
                execution, self._queued = self._queued, None
                if execution is None:
                    self._running = False
                    self._idle.set()
                    return
            self._run(execution)

    def _run(self, execution: Execution) -> None:
        try:
            execution.version = self._version()
            rows = self._mapping()
            waves: dict[int, list[dict[str, Any]]] = {}
            for row in rows:
                waves.setdefault(int(row.get("waveNumber", 1)), []).append(row)
            for wave in sorted(waves):
                with ThreadPoolExecutor(self._parallel, thread_name_prefix="pipeline") as pool:
                    results = list(pool.map(self._deploy_row, waves[wave], itertools.repeat(wave),
                                            itertools.repeat(execution)))
                failed = [name for name, ok in results if not ok]
                if failed:
                    raise WaveFailed(f"wave {wave} failed for {', '.join(failed)}")
            self._remove_orphans({str(r["stackName"]) for r in rows}, execution)
            execution.status = "Succeeded"
        except WaveFailed as exc:  # each stack's failure is already logged with its reason
            log.error("pipeline run failed: %s", exc)
            execution.status = "Failed"
            execution.error = str(exc)
        except Exception as exc:
            log.exception("pipeline run failed")
            execution.status = "Failed"
            execution.error = str(exc)
        finally:
            execution.finished = time.time()

    def _mapping(self) -> list[dict[str, Any]]:
        table = self.ctx.tables["TenantStackMapping"]
        items: list[dict[str, Any]] = []
        for page in self._ddb.get_paginator("scan").paginate(TableName=table):
            items += [_plain(i) for i in page["Items"]]
        return sorted(items, key=lambda r: (int(r.get("waveNumber", 1)), str(r["tenantId"])))

    def _parameters(self, tenant_id: str) -> dict[str, str]:
        params = {"TenantId": tenant_id, "AdminApiId": self.ctx.admin_api_id,
                  "StackPrefix": self.ctx.stack_prefix,
                  "CognitoJwksBaseUrl": self.ctx.jwks_base_url,
                  "DependenciesLayerArn": self.ctx.dependencies_layer_arn}
        if tenant_id == "pooled":
            params["Tier"] = "pooled"
            return params
        details = self._details(tenant_id)
        params["Tier"] = "platinum"
        params["TenantApiKeyId"] = str(details.get("apiKeyId", ""))
        return params

    def _deploy_row(self, row: dict[str, Any], wave: int, execution: Execution) -> tuple[str, bool]:
        name = str(row["stackName"])
        tenant_id = str(row["tenantId"])
        action = ActionRun(wave_stage(wave), name, tenant_id, time.time(), version=execution.version)
        with self._lock:
            execution.actions.append(action)
        try:
            result = self.deployer.deploy(self.template, name, self._parameters(tenant_id))
            if not result.status.endswith("COMPLETE"):
                raise RuntimeError(f"{name}: {result.status}")
            self._write_back(tenant_id, result, execution.version)
            execution.stacks[name] = result.status
            action.status = "Succeeded"
            return name, True
        except Exception as exc:
            log.warning("stack %s failed: %s", name, exc)
            execution.stacks[name] = f"FAILED: {exc}"
            action.status, action.error = "Failed", str(exc)
            return name, False
        finally:
            action.finished = time.time()

    def _write_back(self, tenant_id: str, result: StackResult, version: str) -> None:
        out = result.outputs
        url = api_url(self.ctx.api_base or self.ctx.endpoint, out["TenantApiId"],
                      out.get("TenantApiStage", "prod"))
        if tenant_id == "pooled":
            settings = {"apiGatewayUrl-pooled": url}
            for tier in ("Basic", "Standard", "Premium"):
                settings[f"usagePlanId-{tier.lower()}"] = out[f"{tier}UsagePlanId"]
            for name, value in settings.items():
                self._ddb.put_item(TableName=self.ctx.tables["Settings"], Item={
                    "settingName": {"S": name}, "settingValue": {"S": value}})
        else:
            self._ddb.update_item(
                TableName=self.ctx.tables["TenantDetails"], Key={"tenantId": {"S": tenant_id}},
                UpdateExpression="SET apiGatewayUrl = :u",
                ConditionExpression="attribute_exists(tenantId)",
                ExpressionAttributeValues={":u": {"S": url}})
        self._ddb.update_item(
            TableName=self.ctx.tables["TenantStackMapping"], Key={"tenantId": {"S": tenant_id}},
            UpdateExpression="SET codeCommitId = :v", ConditionExpression="attribute_exists(tenantId)",
            ExpressionAttributeValues={":v": {"S": version}})

    def _details(self, tenant_id: str) -> dict[str, Any]:
        got = self._ddb.get_item(TableName=self.ctx.tables["TenantDetails"],
                                 Key={"tenantId": {"S": tenant_id}}, ConsistentRead=True)
        return _plain(got.get("Item") or {})

    def _remove_orphans(self, wanted: set[str], execution: Execution) -> None:
        for name in self.deployer.list_stacks():
            if name.startswith(STACK_PREFIX) and name not in wanted:
                action = ActionRun("Deprovision", name, name[len(STACK_PREFIX):], time.time())
                execution.actions.append(action)
                self.deployer.delete(name)
                execution.stacks[name] = "DELETE_COMPLETE"
                action.status, action.finished = "Succeeded", time.time()


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values to plain strings, numbers and booleans."""
    out: dict[str, Any] = {}
    for k, v in item.items():
        ((t, val),) = v.items()
        out[k] = int(val) if t == "N" and val.lstrip("-").isdigit() else (
            float(val) if t == "N" else val)
    return out
