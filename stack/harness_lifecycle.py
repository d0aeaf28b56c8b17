"""The reference SaaS's tenant lifecycle for the suites: its stacks, its pipeline, offboarding.

Everything goes through AWS APIs as the account root (CodePipeline, DynamoDB, API Gateway) and the
SaaS's own admin API, so it works on an embedded target and on one started with `saas-harness up`.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from harness.client.saas import SaasClient
from harness.suites.lifecycle import PipelineRun, StackDeployment, TenantStack

POOLED = "pooled"
STAGE_PREFIX = "Deploy-Wave-"
RUN_TIMEOUT = 300.0
Root = Callable[[str], Any]
"""A root client factory on the target: service name -> boto3 client."""


def _s(item: dict[str, Any], name: str, default: str = "") -> str:
    value = item.get(name) or {}
    return str(value.get("S", value.get("N", default)))


class Lifecycle:
    """Stacks from TenantStackMapping and the routing tables, runs through the CodePipeline API."""

    def __init__(self, state: dict[str, Any], client: SaasClient, root: Root) -> None:
        self.state = state
        self.client = client
        self.root = root

    # -- stacks -----------------------------------------------------------------------------------
    def _row(self, table: str, key: dict[str, str]) -> dict[str, Any]:
        got = self.root("dynamodb").get_item(TableName=self.state["tables"][table], ConsistentRead=True,
                                             Key={k: {"S": v} for k, v in key.items()})
        return dict(got.get("Item") or {})

    def _api_exists(self, url: str) -> bool:
        """True when the REST API of an execute-api URL (…/restapis/{apiId}/…) still exists."""
        _, sep, rest = url.partition("/restapis/")
        if not sep or not rest:
            return False
        try:
            self.root("apigateway").get_rest_api(restApiId=rest.split("/", 1)[0])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NotFoundException":
                return False
            raise
        return True

    def tenant_stack(self, tenant_id: str, silo: bool, last_url: str) -> TenantStack | None:
        """A silo tenant's own stack or the pooled one; None once the row and its API are gone."""
        key = tenant_id if silo else POOLED
        row = self._row("TenantStackMapping", {"tenantId": key})
        if silo:
            url = _s(self._row("TenantDetails", {"tenantId": tenant_id}), "apiGatewayUrl")
        else:
            url = _s(self._row("Settings", {"settingName": "apiGatewayUrl-pooled"}), "settingValue")
        if not row:
            if silo and last_url and self._api_exists(last_url):  # the row went, the stack stayed
                return TenantStack(f"stack-{tenant_id}", tenant_id, last_url, 0, "", "ORPHANED")
            return None
        status = "DEPLOYED" if url and self._api_exists(url) else "NO_API"
        return TenantStack(_s(row, "stackName"), key, url, int(_s(row, "waveNumber", "1") or 1),
                           _s(row, "codeCommitId"), status)

    # -- the pipeline ---------------------------------------------------------------------------
    def _execution(self, execution_id: str) -> dict[str, Any]:
        cp = self.root("codepipeline")
        return dict(cp.get_pipeline_execution(pipelineName=self.state["pipeline"],
                                              pipelineExecutionId=execution_id)["pipelineExecution"])

    def wait_idle(self, timeout: float = RUN_TIMEOUT) -> None:
        """Until no run of the pipeline is in progress (offboarding starts one and does not wait)."""
        cp, deadline = self.root("codepipeline"), time.monotonic() + timeout
        while any(e["status"] == "InProgress" for e in cp.list_pipeline_executions(
                pipelineName=self.state["pipeline"])["pipelineExecutionSummaries"]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"pipeline {self.state['pipeline']} still running after {timeout:.0f} s")
            time.sleep(0.1)

    def run_pipeline(self, timeout: float = RUN_TIMEOUT) -> PipelineRun:
        cp = self.root("codepipeline")
        execution_id = str(cp.start_pipeline_execution(name=self.state["pipeline"])["pipelineExecutionId"])
        deadline = time.monotonic() + timeout
        execution = self._execution(execution_id)
        while execution["status"] == "InProgress":
            if time.monotonic() > deadline:
                raise TimeoutError(f"pipeline run {execution_id} still running after {timeout:.0f} s")
            time.sleep(0.1)
            execution = self._execution(execution_id)
        details = cp.list_action_executions(pipelineName=self.state["pipeline"],
                                            filter={"pipelineExecutionId": execution_id})
        deployments = tuple(_deployment(d) for d in details["actionExecutionDetails"]
                            if str(d.get("stageName", "")).startswith(STAGE_PREFIX))
        revisions = execution.get("artifactRevisions") or [{}]
        return PipelineRun(execution_id, execution["status"], str(revisions[0].get("revisionId", "")),
                           tuple(sorted(deployments, key=lambda d: (d.wave, d.started))),
                           str(execution.get("statusSummary", "")))

    @contextlib.contextmanager
    def failing_stack(self, wave: int) -> Iterator[str]:
        """A TenantStackMapping row whose tenant id tenant-template.yaml's AllowedPattern refuses, so
        that one deployment fails before it creates anything; removed again on exit."""
        tenant_id = f"broken-{uuid.uuid4().hex[:8]}"
        name = f"stack-{tenant_id}"
        table, ddb = self.state["tables"]["TenantStackMapping"], self.root("dynamodb")
        ddb.put_item(TableName=table, Item={"tenantId": {"S": tenant_id}, "stackName": {"S": name},
                                            "waveNumber": {"N": str(wave)}, "codeCommitId": {"S": ""}})
        try:
            yield name
        finally:
            ddb.delete_item(TableName=table, Key={"tenantId": {"S": tenant_id}})

    # -- offboarding ----------------------------------------------------------------------------
    def offboard(self, tenant_id: str, operator_token: str) -> None:
        """DELETE /tenant/{id} as the SystemAdmin, then wait for the deprovisioning run."""
        reply = self.client.admin("DELETE", f"/tenant/{tenant_id}", token=operator_token)
        if reply.status != 200:
            raise RuntimeError(f"offboarding {tenant_id} answered {reply.status}: {reply.body}")
        self.wait_idle()


def _deployment(detail: dict[str, Any]) -> StackDeployment:
    started, finished = detail.get("startTime"), detail.get("lastUpdateTime")
    config = (detail.get("input") or {}).get("configuration") or {}
    version = ((detail.get("output") or {}).get("outputVariables") or {}).get("codeCommitId", "")
    return StackDeployment(str(detail["actionName"]), str(config.get("TenantId", "")),
                           int(str(detail["stageName"])[len(STAGE_PREFIX):]), detail["status"],
                           started.timestamp() if started else 0.0,
                           finished.timestamp() if finished else 0.0, str(version))
