"""The same SaaS and the same main job in front of an external endpoint (moto_server here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.edge_upstream.conftest import MotoServer


@pytest.mark.upstream
def test_run_against_an_external_endpoint(moto_server: MotoServer, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--upstream",
                           moto_server.url, "--tiers", "basic=1,platinum=1", "--quiet", "--no-suites",
                           "--json", str(out), "--report-dir", str(tmp_path / "report")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(out.read_text())
    assert summary["ok"] and summary["counts"]["tenants"] == 2
