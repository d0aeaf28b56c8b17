"""`up --fault/--faults-file` and `saas-harness faults`, run as a user does: relative paths, one folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli.harness_process import SAAS_HARNESS, HarnessProcess


def test_bad_fault_rules_are_all_reported_before_anything_starts(tmp_path: Path) -> None:
    proc = subprocess.run([SAAS_HARNESS, "up", "--no-stack", "--port", "0",
                           "--fault", "sts:AssumeRole latency=fixed:soon", "--fault", "dynamodb:* wobble=1"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "'soon' is not a duration" in proc.stderr and "'wobble=1'" in proc.stderr
    assert not (tmp_path / ".harness" / "state.json").exists()


def test_a_plan_file_given_relatively_and_the_faults_command_in_the_same_folder(tmp_path: Path) -> None:
    (tmp_path / "faults.yaml").write_text("rules:\n  - match: 'sts:AssumeRole'\n"
                                          "    latency: {kind: fixed, ms: 5}\n")
    h = HarnessProcess(tmp_path, "--faults-file", "faults.yaml", default_work_dir=True)
    try:
        h.wait_ready()
        status, plan = h.request("GET", "/_harness/faults")
        assert status == 200 and [r["match"] for r in plan["rules"]] == ["sts:AssumeRole"]

        def faults(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([SAAS_HARNESS, "faults", *args], cwd=tmp_path, capture_output=True,
                                  text=True, timeout=60)

        done = faults("set", "--fault", "dynamodb:* error=throttle:0.5", "--fault-seed", "9")
        assert done.returncode == 0, done.stderr
        status, plan = h.request("GET", "/_harness/faults")
        assert plan["seed"] == 9 and plan["rules"][0]["error"] == {"kind": "throttle", "rate": 0.5}
        assert faults("set", "--fault", "dynamodb:* error=nope").returncode == 2  # refused before sending
        assert faults("clear").returncode == 0
        shown = faults("show")
        assert shown.returncode == 0 and '"rules": []' in shown.stdout
    finally:
        h.proc.terminate()
        h.proc.wait(30)
