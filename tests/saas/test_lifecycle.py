"""The pipeline updates every tenant stack to a new build; offboarding disables and removes."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from harness.saas.layout import STACK_DIR, build_version
from harness.saas.pipeline import TenantPipeline
from tests.saas.conftest import Saas


def rows(saas: Saas) -> dict[str, dict[str, Any]]:
    items = saas.aws("dynamodb").scan(TableName=saas.table("TenantStackMapping"))["Items"]
    return {i["tenantId"]["S"]: {k: next(iter(v.values())) for k, v in i.items()} for i in items}


def wait_for(pipeline_id: str, saas: Saas, timeout: float = 120) -> dict[str, Any]:
    cp = saas.aws("codepipeline")
    deadline = time.time() + timeout
    while time.time() < deadline:
        ex = cp.get_pipeline_execution(pipelineName=saas.state["pipeline"],
                                       pipelineExecutionId=pipeline_id)["pipelineExecution"]
        if ex["status"] != "InProgress":
            return dict(ex)
        time.sleep(0.2)
    raise AssertionError("pipeline did not finish")


def test_pipeline_updates_every_stack_to_a_new_version(saas: Saas, tenants: dict[str, Any],
                                                       tmp_path: Path) -> None:
    """One build goes to every tenant stack (pooled and silo); each row records the version."""
    copy = tmp_path / "stack"
    shutil.copytree(STACK_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    service = copy / "src" / "product_service" / "product_service.py"
    service.write_text(service.read_text() + "\nBUILD_MARKER = 'v2'\n")
    pipeline: TenantPipeline = saas.deployment.pipeline
    old_template, old_version = pipeline.template, pipeline._version
    before = rows(saas)
    lam = saas.aws("lambda")
    try:
        pipeline.template = copy / "tenant-template.yaml"
        pipeline._version = lambda: build_version(copy)
        new = build_version(copy)
        assert new != before["pooled"]["codeCommitId"]
        started = saas.aws("codepipeline").start_pipeline_execution(name=saas.state["pipeline"])
        ex = wait_for(started["pipelineExecutionId"], saas)
        assert ex["status"] == "Succeeded", ex
        after = rows(saas)
        assert set(after) == set(before) and {r["codeCommitId"] for r in after.values()} == {new}
        stacks = {r["stackName"] for r in after.values()}
        for name in stacks:
            record = saas.deployment.deployer.describe(name)
            fns = [r for r in record.resources.values() if r.type == "AWS::Lambda::Function"]
            assert fns, name
            product = next(r for r in fns if "Product" in r.logical_id)
            code = lam.get_function(FunctionName=product.physical_id)["Configuration"]
            zipped = saas.target.functions.code.code(code["CodeSha256"])
            assert zipped is not None and b"BUILD_MARKER" in _unzip(zipped, "product_service.py")
    finally:
        pipeline.template, pipeline._version = old_template, old_version


def _unzip(data: bytes, name: str) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        found = [n for n in z.namelist() if n.endswith(name)]
        return z.read(found[0]) if found else b""


def test_waves_deploy_the_pooled_stack_before_silo_stacks(saas: Saas,
                                                          tenants: dict[str, Any]) -> None:
    mapping = rows(saas)
    assert mapping["pooled"]["waveNumber"] < mapping[tenants["platinum"].id]["waveNumber"]
    run = saas.deployment.pipeline.run_now()
    assert run.status == "Succeeded"
    order = list(run.stacks)
    assert order.index("stack-pooled") < order.index(f"stack-{tenants['platinum'].id}")


def test_offboarding_a_platinum_tenant_disables_users_and_removes_its_stack(saas: Saas) -> None:
    t = saas.register("platinum")
    tokens = saas.sign_in(t)
    assert saas.client.request("GET", f"{t.api_url}/products", token=tokens.id_token).status == 200
    admin = saas.operator_token("SystemAdmin")
    reply = saas.client.admin("DELETE", f"/tenant/{t.id}", token=admin)
    assert reply.status == 200, reply
    assert saas.details(t.id)["isActive"] is False
    assert saas.client.try_sign_in(t.client_id, t.admin_username, t.admin_password) == \
        "NotAuthorizedException"
    saas.deployment.pipeline.wait_idle(120)
    assert f"stack-{t.id}" not in saas.deployment.deployer.list_stacks()
    assert t.id not in rows(saas)
    assert saas.client.request("GET", f"{t.api_url}/products",
                               token=tokens.id_token).status in (403, 404)
    tables = saas.aws("dynamodb").list_tables()["TableNames"]
    assert f"Product-{t.id}" not in tables


def test_offboarding_a_pooled_tenant_disables_users_and_denies_its_tokens(saas: Saas) -> None:
    t = saas.register("basic")
    tokens = saas.sign_in(t)
    admin = saas.operator_token("SystemAdmin")
    assert saas.client.admin("DELETE", f"/tenant/{t.id}", token=admin).status == 200
    assert saas.client.try_sign_in(t.client_id, t.admin_username, t.admin_password) == \
        "NotAuthorizedException"
    saas.aws("apigateway").flush_stage_authorizers_cache(
        restApiId=t.api_url.split("/restapis/")[1].split("/")[0], stageName="prod")
    assert saas.client.request("GET", f"{t.api_url}/products",
                               token=tokens.id_token).status == 403
    user = saas.aws("cognito-idp").admin_get_user(UserPoolId=t.user_pool_id,
                                                  Username=t.admin_username)
    assert user["Enabled"] is False


def test_list_action_executions_reports_each_stack_in_the_stage_of_its_wave(
        saas: Saas, tenants: dict[str, Any]) -> None:
    """ListActionExecutions filtered by execution: one detail per stack deployed, its stage, times,
    status and input configuration; a later wave starts after the earlier one ended.
    https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListActionExecutions.html"""
    cp = saas.aws("codepipeline")
    started = cp.start_pipeline_execution(name=saas.state["pipeline"])["pipelineExecutionId"]
    assert wait_for(started, saas)["status"] == "Succeeded"
    details = cp.list_action_executions(pipelineName=saas.state["pipeline"],
                                        filter={"pipelineExecutionId": started})["actionExecutionDetails"]
    by_stack = {d["actionName"]: d for d in details}
    silo = f"stack-{tenants['platinum'].id}"
    assert by_stack["stack-pooled"]["stageName"] == "Deploy-Wave-1"
    assert by_stack[silo]["stageName"] == "Deploy-Wave-2"
    assert by_stack[silo]["input"]["configuration"]["TenantId"] == tenants["platinum"].id
    assert all(d["status"] == "Succeeded" and d["pipelineExecutionId"] == started for d in details)
    assert by_stack["stack-pooled"]["lastUpdateTime"] <= by_stack[silo]["startTime"]


def test_list_action_executions_refuses_an_unknown_pipeline_or_execution(saas: Saas) -> None:
    """PipelineNotFoundException for an unknown name, PipelineExecutionNotFoundException for an
    unknown execution id (both 400).
    https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListActionExecutions.html"""
    cp = saas.aws("codepipeline")
    with pytest.raises(cp.exceptions.PipelineNotFoundException):
        cp.list_action_executions(pipelineName="no-such-pipeline")
    with pytest.raises(cp.exceptions.PipelineExecutionNotFoundException):
        cp.list_action_executions(pipelineName=saas.state["pipeline"],
                                  filter={"pipelineExecutionId": "00000000-0000-0000-0000-000000000000"})


def test_a_failed_stack_fails_its_wave_and_no_later_wave_runs(saas: Saas, tenants: dict[str, Any],
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """A stack of wave 1 whose parameters the template refuses: the run fails, wave 2 is never
    deployed, and the failed action says why; the log says so in one line per stack and one for
    the run, with no traceback (an outcome, not a harness error).
    https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts.html"""
    table, ddb = saas.table("TenantStackMapping"), saas.aws("dynamodb")
    ddb.put_item(TableName=table, Item={"tenantId": {"S": "broken"}, "stackName": {"S": "stack-broken"},
                                        "waveNumber": {"N": "1"}, "codeCommitId": {"S": ""}})
    try:
        run = saas.deployment.pipeline.run_now()
    finally:
        ddb.delete_item(TableName=table, Key={"tenantId": {"S": "broken"}})
    assert run.status == "Failed" and "wave 1" in (run.error or "")
    actions = {a.stack: a for a in run.actions}
    assert actions["stack-broken"].status == "Failed" and actions["stack-broken"].error
    assert f"stack-{tenants['platinum'].id}" not in actions
    run_logs = [r for r in caplog.records if r.name == "harness.pipeline" and "pipeline run" in r.message]
    assert run_logs and all(r.exc_info is None for r in run_logs)
    assert "wave 1 failed for stack-broken" in run_logs[-1].getMessage()
    assert saas.deployment.pipeline.run_now().status == "Succeeded"
