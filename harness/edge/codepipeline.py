"""CodePipeline in the edge: StartPipelineExecution runs the harness's tenant pipeline hook.

The SaaS's provisioning code starts a pipeline by name; on AWS that pipeline builds once and
deploys every tenant stack. Here the edge answers the CodePipeline API itself and hands the run
to a PipelineRunner, so the stack code is the same in both places.
"""

from __future__ import annotations

from typing import Any, Protocol

from harness.edge import cbor, errors
from harness.edge.app import Call, Edge
from harness.http import HttpResponse, json_response


class PipelineRunner(Protocol):
    def start(self, pipeline_name: str) -> str: ...

    def execution(self, pipeline_name: str, execution_id: str) -> dict[str, Any] | None: ...

    def executions(self, pipeline_name: str) -> list[dict[str, Any]]: ...

    def knows(self, pipeline_name: str) -> bool: ...

    def action_executions(self, pipeline_name: str, execution_id: str | None) -> list[dict[str, Any]]: ...


def _answer(call: Call, body: dict[str, Any]) -> HttpResponse:
    if call.service.protocol == "smithy-rpc-v2-cbor":
        return HttpResponse(200, [("Content-Type", "application/cbor"),
                                  ("smithy-protocol", "rpc-v2-cbor")], cbor.dumps(body))
    return json_response(200, body, content_type="application/x-amz-json-1.1")


def _not_found(call: Call, name: str) -> HttpResponse:
    return errors.aws_error(call.service, "PipelineNotFoundException",
                            f"Account does not have a pipeline with name '{name[:100]}'", 400)


def start(runner: PipelineRunner, call: Call) -> HttpResponse:
    name = str(call.params.get("name", ""))
    if not runner.knows(name):
        return _not_found(call, name)
    return _answer(call, {"pipelineExecutionId": runner.start(name)})


def get_execution(runner: PipelineRunner, call: Call) -> HttpResponse:
    name = str(call.params.get("pipelineName", ""))
    if not runner.knows(name):
        return _not_found(call, name)
    found = runner.execution(name, str(call.params.get("pipelineExecutionId", "")))
    if found is None:
        return errors.aws_error(call.service, "PipelineExecutionNotFoundException",
                                "The pipeline execution was not found.", 400)
    return _answer(call, {"pipelineExecution": found})


def list_executions(runner: PipelineRunner, call: Call) -> HttpResponse:
    name = str(call.params.get("pipelineName", ""))
    if not runner.knows(name):
        return _not_found(call, name)
    summaries = [{"pipelineExecutionId": e["pipelineExecutionId"], "status": e["status"]}
                 for e in runner.executions(name)]
    return _answer(call, {"pipelineExecutionSummaries": summaries})


def list_action_executions(runner: PipelineRunner, call: Call) -> HttpResponse:
    """ListActionExecutions: one detail per action (here: per tenant stack deployed), optionally of
    one execution (`filter.pipelineExecutionId`); an unknown execution id is an error, as on AWS."""
    name = str(call.params.get("pipelineName", ""))
    if not runner.knows(name):
        return _not_found(call, name)
    wanted = call.params.get("filter") or {}
    execution_id = wanted.get("pipelineExecutionId") if isinstance(wanted, dict) else None
    if execution_id is not None and runner.execution(name, str(execution_id)) is None:
        return errors.aws_error(call.service, "PipelineExecutionNotFoundException",
                                "The pipeline execution was not found.", 400)
    details = runner.action_executions(name, None if execution_id is None else str(execution_id))
    return _answer(call, {"actionExecutionDetails": details})


def install(edge: Edge, runner: PipelineRunner) -> None:
    edge.respond("codepipeline", "StartPipelineExecution", lambda c: start(runner, c))
    edge.respond("codepipeline", "GetPipelineExecution", lambda c: get_execution(runner, c))
    edge.respond("codepipeline", "ListPipelineExecutions", lambda c: list_executions(runner, c))
    edge.respond("codepipeline", "ListActionExecutions", lambda c: list_action_executions(runner, c))
