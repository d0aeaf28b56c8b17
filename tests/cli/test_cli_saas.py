"""The SaaS commands as a user runs them: `run` (the main job), `up` + `onboard`, `deploy`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.bench.process import TargetProcess

CLI = [sys.executable, "-m", "harness.cli"]


def test_run_is_the_main_job_and_exits_zero_without_violations(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    proc = subprocess.run([*CLI, "run", "--tiers", "basic=1,premium=1,platinum=1", "--quiet", "--no-suites",
                           "--json", str(out), "--report-dir", str(tmp_path / "report")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(out.read_text())
    assert summary["ok"] is True and summary["violations"] == []
    assert summary["counts"] == {"tenants": 3, "cross_tenant_attempts": 6, "violations": 0,
                                 "failures": 0}
    assert {t["placement"] for t in summary["tenants"]} == {"pooled", "silo"}
    assert "no isolation violations" in proc.stdout


def test_run_refuses_a_bad_tier_spec_clearly(tmp_path: Path) -> None:
    proc = subprocess.run([*CLI, "run", "--tiers", "gold=2"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "bad tier spec" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_up_with_the_stack_then_onboard_writes_tenants_to_the_state_file(tmp_path: Path) -> None:
    with TargetProcess(stack=True) as target:
        state = target.state()
        for key in ("endpoint", "region", "account", "admin_api_url", "pooled_api_url",
                    "user_pools", "tenants"):
            assert key in state, key
        proc = subprocess.run([*CLI, "onboard", "--tiers", "standard=1,platinum=1", "--quiet",
                               "--work-dir", str(target.work_dir)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        tenants = target.state()["tenants"]
        assert sorted(t["tier"] for t in tenants) == ["platinum", "standard"]
        for t in tenants:
            assert {"id", "name", "tier", "api_url", "user_pool_id", "client_id",
                    "admin_username"} <= set(t)
            assert t["api_url"].startswith(target.endpoint + "/restapis/")


def test_deploy_a_users_own_template_to_the_running_target(tmp_path: Path) -> None:
    template = tmp_path / "mine.yaml"
    template.write_text("""
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Suffix: {Type: String}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub 'mine-${Suffix}'
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
Outputs:
  TableName: {Value: !Ref Table}
""")
    with TargetProcess() as target:
        proc = subprocess.run([*CLI, "deploy", str(template), "--param", "Suffix=x1",
                               "--work-dir", str(target.work_dir)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert json.loads(proc.stdout)["outputs"] == {"TableName": "mine-x1"}
        bad = subprocess.run([*CLI, "deploy", str(template), "--param", "oops",
                              "--work-dir", str(target.work_dir)],
                             capture_output=True, text=True, timeout=60)
        assert bad.returncode == 2 and "KEY=VALUE" in bad.stderr
