"""`--target` on each command as a user types it, from a fresh folder: accepted where it means something,
refused with the reason where it does not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.harness_process import HarnessProcess
from tests.targets.servers import MotoServer

SAAS_HARNESS = str(Path(sys.executable).with_name("saas-harness"))


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SAAS_HARNESS, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.endpoint
def test_up_in_front_of_an_endpoint_prints_its_probe_then_ready(moto_endpoint: MotoServer,
                                                                tmp_path: Path) -> None:
    up = HarnessProcess(tmp_path, "--target", "endpoint", moto_endpoint.url, default_work_dir=True)
    try:
        ready = up.wait_ready(timeout=180)
        assert f"upstream {moto_endpoint.url}" in ready
        assert f"what {moto_endpoint.url} itself supports" in up.stdout and "unsupported" in up.stdout
        assert json.loads((tmp_path / ".harness" / "state.json").read_text())["upstream"] == moto_endpoint.url
    finally:
        assert up.stop() == 0


@pytest.mark.parametrize(("args", "message"), [
    (("up", "--target", "state", "s.json"), "`up` starts a target"),
    (("up", "--target", "endpoint"), "exactly one URL"),
    (("run", "--target", "embedded", "extra"), "takes no value"),
    (("run", "--upstream", "http://127.0.0.1:1", "--target", "embedded"), "alias"),
    (("mutants", "--target", "state", "s.json"), "cannot be changed"),
    (("mutants", "--target", "endpoint", "http://127.0.0.1:1", "--workers", "2"), "--workers 1"),
    (("bench", "edge", "--target", "endpoint", "http://127.0.0.1:1"), "only bench attacks takes"),
    (("load", "usage-plans", "--target", "cloud"), "--target takes `embedded`"),
    (("run", "--target", "state", "missing.json"), "no such file"),
])
def test_a_target_a_command_cannot_use_is_refused_with_the_reason(tmp_path: Path, args: tuple[str, ...],
                                                                  message: str) -> None:
    (tmp_path / "s.json").write_text("{}")
    proc = _cli(tmp_path, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_an_endpoint_that_does_not_answer_stops_run_before_any_deploy(tmp_path: Path) -> None:
    from tests.targets.servers import free_port

    proc = _cli(tmp_path, "run", "--target", "endpoint", f"http://127.0.0.1:{free_port()}", "--no-suites")
    assert proc.returncode == 2 and "does not answer as an AWS endpoint" in proc.stderr, proc.stderr


def test_an_up_state_file_whose_target_is_gone_is_refused(tmp_path: Path) -> None:
    """`--target state FILE` also takes a running `up`'s state.json, health-checked first."""
    from tests.targets.servers import free_port

    (tmp_path / "state.json").write_text(json.dumps({"run_id": "r1", "endpoint": f"http://127.0.0.1:{free_port()}"}))
    for args in (("run", "--target", "state", "state.json", "--no-suites"),
                 ("load", "usage-plans", "--target", "state", "state.json"),
                 ("bench", "attacks", "--target", "state", "state.json")):
        proc = _cli(tmp_path, *args)
        assert proc.returncode == 2 and "is not running" in proc.stderr, (args, proc.stderr)


@pytest.mark.parametrize("bound", [("--attempts", "100001"), ("--seconds", "601"), ("--seconds", "0")])
def test_bench_attacks_is_bounded_in_count_and_time(tmp_path: Path, bound: tuple[str, str]) -> None:
    proc = _cli(tmp_path, "bench", "attacks", *bound)
    assert proc.returncode == 2 and "bench attacks is bounded" in proc.stderr, proc.stderr
