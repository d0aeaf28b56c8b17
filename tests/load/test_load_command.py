"""`saas-harness load` and the loadtests/ locustfiles against a running `saas-harness up`, as a user
runs them: from the target's folder with relative paths, and Locust distributed on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.cli.harness_process import SAAS_HARNESS, HarnessProcess, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HarnessProcess]:
    folder = tmp_path_factory.mktemp("load")
    shutil.copytree(ROOT / "loadtests", folder / "loadtests")
    shutil.copytree(ROOT / "stack", folder / "stack", ignore=shutil.ignore_patterns("__pycache__"))
    h = HarnessProcess(folder, stack=True, default_work_dir=True)
    try:
        h.wait_ready(timeout=300)
        yield h
    finally:
        h.proc.terminate()
        h.proc.wait(60)


def _saas(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SAAS_HARNESS, *args], cwd=folder, capture_output=True, text=True, timeout=600)


def test_usage_plans_load_keeps_the_bucket_and_stores_every_acknowledged_write(
        running: HarnessProcess) -> None:
    done = _saas(running.tmp, "load", "usage-plans", "--state", ".harness/state.json", "--tiers", "basic",
                 "--duration", "6", "--json", "load.json")
    assert done.returncode in (0, 1), done.stderr[-3000:]
    result = json.loads((running.tmp / "load.json").read_text())
    checks = {c["check"]: c for c in result["checks"]}
    assert checks["no 5xx"]["ok"], checks["no 5xx"]
    assert checks["every acknowledged write stored exactly once"]["ok"]
    admitted = checks["admitted within 10% of the plan"]
    assert admitted["admitted"] <= 1.1 * admitted["expected"], "the usage plan admitted more than its bucket"
    assert (running.tmp / ".harness" / "load" / "locust_stats.csv").exists()


def test_locust_distributed_one_master_two_workers_on_loopback(running: HarnessProcess) -> None:
    prep = _saas(running.tmp, "load", "usage-plans", "--state", ".harness/state.json", "--tiers", "basic",
                 "--offer", "0.5", "--prepare-only")
    assert prep.returncode == 0, prep.stderr[-2000:]
    plan = json.loads((running.tmp / ".harness" / "load-plan.json").read_text())
    users = sum(t["users"] for t in plan["tenants"])
    port = free_port()
    locust = [sys.executable, "-m", "locust", "-f", "loadtests/usage_plans.py"]
    master = subprocess.Popen([*locust, "--master", "--master-bind-host", "127.0.0.1",
                               "--master-bind-port", str(port), "--expect-workers", "2", "--headless",
                               "-u", str(max(2, users)), "-r", "10", "-t", "5s", "--csv", "dist",
                               "--only-summary"],
                              cwd=running.tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(1)
    workers = [subprocess.Popen([*locust, "--worker", "--master-host", "127.0.0.1",
                                 "--master-port", str(port)],
                                cwd=running.tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    try:
        log, _ = master.communicate(timeout=120)
    finally:
        for w in workers:
            w.wait(timeout=60)
    assert master.returncode == 0, log[-3000:]
    assert "2 workers connected" in log or "workers connected" in log, log[-3000:]
    stats = (running.tmp / "dist_stats.csv").read_text().splitlines()
    reads = next(line for line in stats if " read" in line)
    assert int(reads.split(",")[2]) > 0, stats


def test_a_scaled_run_is_held_to_the_scaled_plan_and_puts_the_plan_back(running: HarnessProcess) -> None:
    """--plan-scale changes the tenants' usage plan throttle with UpdateUsagePlan for the run: the
    gateway holds the key to the scaled token bucket, and the plan is as it was afterwards.
    https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateUsagePlan.html"""
    done = _saas(running.tmp, "load", "usage-plans", "--state", ".harness/state.json", "--tiers", "basic",
                 "--plan-scale", "0.2", "--duration", "6", "--json", "scaled.json")
    assert done.returncode in (0, 1), done.stderr[-3000:]
    result = json.loads((running.tmp / "scaled.json").read_text())
    (tenant,) = result["tenants"]
    assert result["scaled"] is True and result["plan_scale"] == 0.2
    assert (tenant["plan_rps"], tenant["plan_burst"], tenant["unscaled_plan_rps"]) == (10.0, 10, 50.0)
    assert tenant["offered_rps"] == 20.0
    admitted = next(c for c in result["checks"] if c["check"] == "admitted within 10% of the plan")
    assert admitted["admitted"] <= 1.1 * admitted["expected"], "the scaled plan admitted more than its bucket"
    assert tenant["throttled"] > 0, "offered twice the scaled plan, nothing was throttled"
    apigw = boto3.session.Session().client(
        "apigateway", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{running.port}",
        aws_access_key_id="test", aws_secret_access_key="test")
    plans = {p["name"]: p for p in apigw.get_usage_plans()["items"]}
    basic = next(p for name, p in plans.items() if name.endswith("-basic"))
    assert basic["throttle"] == {"rateLimit": 50.0, "burstLimit": 50}, basic["throttle"]
