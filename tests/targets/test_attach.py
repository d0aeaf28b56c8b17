"""`--target state FILE`: a stack the harness itself deployed (`saas-harness up` in another process), reached
only through a state file `saas-harness describe` wrote from its stack outputs, and its public APIs."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.harness_process import HarnessProcess

SAAS_HARNESS = str(Path(sys.executable).with_name("saas-harness"))
# The user's own credentials, through the standard chain (here: the account's keys on the harness).
USER_ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def _cli(cwd: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SAAS_HARNESS, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=USER_ENV)


@pytest.mark.slow
def test_suites_attach_to_a_deployed_stack_through_its_state_file(tmp_path: Path) -> None:
    """describe reads the stack's CloudFormation outputs with the user's credentials
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html); run then
    onboards, exercises and attacks through the public APIs, and S2 passes without root reads."""
    deployed = tmp_path / "deployed"
    user = tmp_path / "user"
    deployed.mkdir()
    user.mkdir()
    up = HarnessProcess(deployed, stack=True, default_work_dir=True)
    try:
        up.wait_ready(timeout=400)
        ops = {o["role"]: o for o in up.state()["operators"]}  # the provider's own users: the user knows them
        endpoint = f"http://127.0.0.1:{up.port}"
        described = _cli(user, "describe", "--stack", "serverless-saas", "--endpoint", endpoint,
                         "--operator", f"SystemAdmin=saas-admin:{ops['SystemAdmin']['password']}",
                         "--operator", f"CustomerSupport=saas-support:{ops['CustomerSupport']['password']}",
                         "--out", "stack.json")
        assert described.returncode == 0, described.stderr
        state = json.loads((user / "stack.json").read_text())
        assert state["kind"] == "deployed-stack" and "run_id" not in state and state["endpoint"] == endpoint
        assert state["admin_api_url"].startswith(f"{endpoint}/restapis/") and state["pooled_api_url"]
        assert stat.S_IMODE((user / "stack.json").stat().st_mode) == 0o600  # it holds passwords
        run = _cli(user, "run", "--target", "state", "stack.json", "--only", "S2", "--tiers",
                   "basic=1,standard=1", "--items", "1", "--quiet", "--json", "run.json")
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
        assert "Attached to stack serverless-saas" in run.stderr
        summary = json.loads((user / "run.json").read_text())
        assert summary["ok"] and summary["target"]["kind"] == "state" and summary["counts"]["tenants"] == 2
        assert summary["suites"]["totals"]["passed"] >= 1 and summary["suites"]["totals"]["failed"] == 0
        report = json.loads((user / ".harness" / "report" / "report.json").read_text())
        assert [s["suite"] for s in report["suites"]] == ["S2"] and report["ok"]
    finally:
        up.stop()


def test_describe_of_a_stack_that_is_not_there_says_so(tmp_path: Path) -> None:
    up = HarnessProcess(tmp_path)
    try:
        up.wait_ready()
        proc = _cli(tmp_path, "describe", "--stack", "nope", "--endpoint", f"http://127.0.0.1:{up.port}",
                    "--out", "s.json")
        assert proc.returncode == 2 and "no stack 'nope'" in proc.stderr
        assert not (tmp_path / "s.json").exists()
    finally:
        up.stop()


def test_a_bad_state_file_is_refused_naming_the_field(tmp_path: Path) -> None:
    bad = {"kind": "deployed-stack", "stack": "x", "region": "us-east-1"}
    (tmp_path / "s.json").write_text(json.dumps(bad))
    proc = _cli(tmp_path, "run", "--target", "state", "s.json", "--no-suites")
    assert proc.returncode == 2 and "s.json: $.tables must be an object (missing)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_remote_stack_is_refused_without_allow_remote(tmp_path: Path) -> None:
    """No traffic leaves loopback unless the user says --allow-remote."""
    remote = {"kind": "deployed-stack", "stack": "serverless-saas", "region": "us-east-1", "endpoint": None,
              "admin_api_url": "https://abc.execute-api.us-east-1.amazonaws.com/prod",
              "user_pools": {"operations": {"user_pool_id": "p", "client_id": "c"}},
              "tables": {"TenantDetails": "a", "TenantStackMapping": "b", "TenantUserMapping": "c",
                         "Settings": "d"}}
    (tmp_path / "s.json").write_text(json.dumps(remote))
    for args in (("run", "--target", "state", "s.json"),
                 ("load", "usage-plans", "--target", "state", "s.json"),
                 ("bench", "attacks", "--target", "state", "s.json")):
        proc = _cli(tmp_path, *args, timeout=120)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "not loopback; pass --allow-remote" in proc.stderr, (args, proc.stderr)
