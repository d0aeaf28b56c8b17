"""`saas-harness run --target endpoint URL`: the stack deployed to moto_server and to ministack behind the
harness front door, the capability probe printed and kept in the summary, and every suite (ci
profile) passing against each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.targets.servers import MiniStack, MotoServer

SAAS_HARNESS = str(Path(sys.executable).with_name("saas-harness"))
pytestmark = [pytest.mark.endpoint, pytest.mark.slow]


ALL_SUITES = [f"S{n}" for n in range(1, 12)]


def _run(url: str, cwd: Path, *extra: str, only: str | None = "S10",
         timeout: float = 420) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """The README's command from a fresh folder with its default relative paths (.harness/report);
    `only=None` runs every suite (ci profile)."""
    selection = ["--only", only] if only else ["--profile", "ci"]
    proc = subprocess.run([SAAS_HARNESS, "run", "--target", "endpoint", url, "--reset-endpoint",
                           "--tiers", "basic=1,premium=1", "--items", "1", *selection, "--quiet",
                           "--json", "run.json", *extra], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    summary = json.loads((cwd / "run.json").read_text()) if (cwd / "run.json").exists() else {}
    return proc, summary


def _verdicts(summary: dict[str, Any]) -> dict[str, str]:
    return {c["behaviour"]: c["verdict"] for c in summary["probe"]["capabilities"]}


def _passed(summary: dict[str, Any], cwd: Path, suites: list[str] | None = None) -> None:
    assert summary["ok"] and summary["counts"]["violations"] == 0 and summary["counts"]["tenants"] == 2
    totals = summary["suites"]["totals"]
    assert totals["passed"] > 0 and totals["failed"] == 0 and totals["errors"] == 0, totals
    report = json.loads((cwd / ".harness" / "report" / "report.json").read_text())
    assert report["ok"] and [s["suite"] for s in report["suites"]] == (suites or ["S10"])


def test_run_passes_against_moto_server_behind_the_front_door(moto_endpoint: MotoServer,
                                                              tmp_path: Path) -> None:
    """moto_server cannot run Lambda code nor narrow a session (the probe says so); the harness's
    runtime and IAM gate serve both, so the stack and every suite (ci profile) pass there (session
    policies narrow:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_assumerole.html)."""
    proc, summary = _run(moto_endpoint.url, tmp_path, only=None, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert f"what {moto_endpoint.url} itself supports" in proc.stdout
    assert "the harness front door" in proc.stdout
    verdicts = _verdicts(summary)
    assert verdicts["Invoke (Python handler runs)"] == "unsupported"
    assert verdicts["session policy narrows the role (AssumeRole Policy)"] == "unsupported"
    assert verdicts["JWKS verifies the pool's tokens (a key per pool)"] == "partial"
    _passed(summary, tmp_path, ALL_SUITES)
    assert summary["suites"]["totals"]["skipped"] == 0, summary["suites"]["totals"]
    # The endpoint still holds that deployment: a run without --reset-endpoint says so and what to do.
    again = tmp_path / "again"
    again.mkdir()
    proc = subprocess.run([SAAS_HARNESS, "run", "--upstream", moto_endpoint.url, "--no-probe", "--no-suites",
                           "--tiers", "basic=1", "--quiet"], cwd=again, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2
    assert "already exists" in proc.stderr and "--reset-endpoint" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_run_passes_against_ministack_behind_the_front_door(ministack: MiniStack, tmp_path: Path) -> None:
    """ministack enforces no dynamodb:LeadingKeys (the probe says so); the harness's gate does
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html),
    so every suite (ci profile) passes there too."""
    proc, summary = _run(ministack.url, tmp_path, only=None, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert f"what {ministack.url} itself supports" in proc.stdout
    assert _verdicts(summary)["dynamodb:LeadingKeys condition"] == "unsupported"
    _passed(summary, tmp_path, ALL_SUITES)
    assert summary["suites"]["totals"]["skipped"] == 0, summary["suites"]["totals"]
