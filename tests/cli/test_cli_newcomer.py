"""The README's next steps exactly as a newcomer types them: from a fresh folder, with the default
(relative) work dir, `saas-harness up`, `onboard`, Ctrl-C, `up` again, `onboard` again; plus what
the CLI says when a state file is stale, a folder is taken, or a function fails."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.config
import psutil
import pytest

from tests.cli.harness_process import SAAS_HARNESS, HarnessProcess, port_is_free
from tests.runtime.conftest import make_zip

READY_S = 300.0  # a stack deploy on a loaded 2-core machine
CONFIG = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60)


def cli(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """A `saas-harness` command run from cwd, as a user runs it in a second shell."""
    return subprocess.run([SAAS_HARNESS, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def workers_under(folder: Path) -> list[psutil.Process]:
    """Lambda worker processes still alive whose task root is under folder."""
    root = str(folder.resolve())
    found = []
    for proc in psutil.process_iter():
        try:
            if "bootstrap" in " ".join(proc.cmdline()) and proc.cwd().startswith(root) \
                    and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def no_workers_left(folder: Path, timeout: float = 20.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (left := workers_under(folder)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def ctrl_c(h: HarnessProcess) -> int:
    rc = h.stop(signal.SIGINT, timeout=90)
    assert "Traceback" not in h.stderr, h.stderr[-3000:]
    return rc


@pytest.fixture
def started() -> Iterator[list[HarnessProcess]]:
    """Every `up` a test starts, killed at the end even when the test failed."""
    procs: list[HarnessProcess] = []
    yield procs
    for h in procs:
        h.kill()


def test_up_onboard_ctrl_c_up_onboard_again_from_a_fresh_folder_with_the_default_work_dir(
        tmp_path: Path, started: list[HarnessProcess]) -> None:
    work = tmp_path.resolve() / ".harness"
    first = HarnessProcess(tmp_path, stack=True, default_work_dir=True, name="-1")
    started.append(first)
    first.wait_ready(READY_S)
    assert first.state()["work_dir"] == str(work)
    onboard = cli(tmp_path, "onboard", "--tiers", "basic=1,platinum=1", "--quiet")
    assert onboard.returncode == 0, onboard.stdout + onboard.stderr
    tenants = first.state()["tenants"]
    assert sorted(t["tier"] for t in tenants) == ["basic", "platinum"]
    assert first.workers(), "onboarding ran no Lambda worker"
    assert ctrl_c(first) == 0 and "Stopped." in first.stdout
    assert not first.state_path.exists()
    assert no_workers_left(tmp_path) == []
    assert (work / "stacks" / "serverless-saas.json").exists()  # left for the next `up`

    deadline = time.monotonic() + 10
    while not port_is_free(first.port) and time.monotonic() < deadline:
        time.sleep(0.1)
    second = HarnessProcess(tmp_path, stack=True, default_work_dir=True, port=first.port,
                            name="-2")
    started.append(second)
    second.wait_ready(READY_S)
    assert f"Moved an earlier run's records to {work / 'previous'}" in second.stdout
    assert (work / "previous" / "stacks" / "serverless-saas.json").exists()
    assert (work / "previous" / "state.json").exists() is False  # Ctrl-C had removed it
    assert second.state()["tenants"] == []
    again = cli(tmp_path, "onboard", "--tiers", "basic=1,platinum=1", "--quiet")
    assert again.returncode == 0, again.stdout + again.stderr
    fresh = second.state()["tenants"]
    assert sorted(t["tier"] for t in fresh) == ["basic", "platinum"]
    assert {t["name"] for t in fresh}.isdisjoint(t["name"] for t in tenants)
    assert ctrl_c(second) == 0
    assert no_workers_left(tmp_path) == []


def test_a_second_up_in_a_folder_whose_up_still_runs_is_refused(
        tmp_path: Path, started: list[HarnessProcess]) -> None:
    first = HarnessProcess(tmp_path, default_work_dir=True, name="-1")
    started.append(first)
    first.wait_ready()
    other = HarnessProcess(tmp_path, default_work_dir=True, name="-2")
    started.append(other)
    assert other.proc.wait(60) == 2
    assert "another `saas-harness up`" in other.stderr and "Traceback" not in other.stderr
    assert first.state_path.exists() and first.request("GET", "/_harness/health")[0] == 200
    assert ctrl_c(first) == 0


def _user_pytest(folder: Path, test: str) -> subprocess.CompletedProcess[str]:
    """A user's own test file run with pytest from folder (the plugin loads by entry point)."""
    (folder / "test_mine.py").write_text(test)
    return subprocess.run([str(Path(SAAS_HARNESS).with_name("python")), "-m", "pytest", "-q",
                           "-p", "no:cacheprovider", "test_mine.py"], cwd=folder,
                          capture_output=True, text=True, timeout=120)


def test_the_pytest_plugin_hands_tests_the_running_target_of_this_folder(
        tmp_path: Path, started: list[HarnessProcess]) -> None:
    h = HarnessProcess(tmp_path, default_work_dir=True)
    started.append(h)
    h.wait_ready()
    run_id = h.state()["run_id"]
    proc = _user_pytest(tmp_path, "def test_uses_the_target(saas_target):\n"
                                  f"    assert saas_target['run_id'] == {run_id!r}\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ctrl_c(h) == 0


def test_onboard_deploy_and_the_pytest_plugin_refuse_a_state_file_whose_target_is_gone(
        tmp_path: Path, started: list[HarnessProcess]) -> None:
    h = HarnessProcess(tmp_path, default_work_dir=True)
    started.append(h)
    h.wait_ready()
    h.proc.kill()  # no clean stop: state.json stays behind
    h.proc.wait(30)
    assert h.state_path.exists()
    template = tmp_path / "t.yaml"
    template.write_text("Resources: {}\n")
    for args in (["onboard", "--tiers", "basic=1"], ["deploy", str(template)]):
        proc = cli(tmp_path, *args, timeout=60)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert f"{h.state_path}: the target at {h.state()['endpoint']} is not running" in proc.stderr
        assert "Traceback" not in proc.stderr
    proc = _user_pytest(tmp_path, "def test_uses_the_target(saas_target):\n"
                                  "    assert saas_target\n")
    assert proc.returncode != 0
    assert "saas_target:" in proc.stdout and "is not running" in proc.stdout, proc.stdout
    stale = h.state()
    again = HarnessProcess(tmp_path, default_work_dir=True, name="-again")
    started.append(again)
    again.wait_ready()  # the killed run's lock died with it; its state.json is set aside
    assert json.loads((h.work_dir / "previous" / "state.json").read_text()) == stale
    assert again.state()["run_id"] != stale["run_id"]
    assert ctrl_c(again) == 0


def test_ctrl_c_while_the_saas_deploys_stops_promptly_and_leaves_no_worker(
        tmp_path: Path, started: list[HarnessProcess]) -> None:
    h = HarnessProcess(tmp_path, stack=True, default_work_dir=True)
    started.append(h)
    deadline = time.monotonic() + READY_S
    while "Deploying the SaaS" not in h.stdout and time.monotonic() < deadline:
        assert h.proc.poll() is None, h.stderr[-3000:]
        time.sleep(0.05)
    time.sleep(1.0)
    rc = ctrl_c(h)
    assert rc in (0, 130), (rc, h.stderr[-3000:])
    assert "Stopped." in h.stdout
    assert not h.state_path.exists()
    assert no_workers_left(tmp_path) == []


def test_a_step_failing_in_a_function_names_step_status_function_log_line_and_log_file(
        tmp_path: Path, started: list[HarnessProcess]) -> None:
    h = HarnessProcess(tmp_path, stack=True, default_work_dir=True)
    started.append(h)
    h.wait_ready(READY_S)
    lam = boto3.session.Session().client(
        "lambda", region_name="us-east-1", endpoint_url=h.state()["endpoint"],
        aws_access_key_id="test", aws_secret_access_key="test", config=CONFIG)
    (name,) = [f["FunctionName"] for f in lam.list_functions()["Functions"]
               if "RegistrationFunction" in f["FunctionName"]]
    lam.update_function_code(FunctionName=name, ZipFile=make_zip({"other.py": "x = 1\n"}))

    proc = cli(tmp_path, "onboard", "--tiers", "basic=1", "--quiet", timeout=120)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    err = proc.stderr
    assert "onboarding step 'register " in err and "with POST /registration' failed" in err
    assert "with HTTP 502" in err
    assert f"function {name} failed to start (Runtime.ImportModuleError)" in err
    assert ("[ERROR] Runtime.ImportModuleError: Unable to import module 'registration': "
            "No module named 'registration'") in err
    log = tmp_path.resolve() / ".harness" / "lambda" / "logs" / f"{name}.log"
    assert f"log: {log}" in err and log.exists()
    assert "Traceback" not in err
    _, metrics = h.request("GET", "/_harness/metrics")
    assert metrics["gateway"]["init_errors"]["by_function"][name] >= 1
    assert metrics["lambda"]["functions"][name]["init_errors"] >= 1
    assert ctrl_c(h) == 0
