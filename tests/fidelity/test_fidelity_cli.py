"""`saas-harness fidelity` and `--gateway native` as a user runs them: CLI subprocesses, fresh folders."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.fidelity.ministack import DEFAULT_VENV, MiniStackUnavailable, find_ministack

CLI = [sys.executable, "-m", "harness.cli"]


def _ministack() -> str:
    try:
        return str(find_ministack())
    except MiniStackUnavailable as exc:
        pytest.skip(f"{exc} (expected at {DEFAULT_VENV})")


@pytest.mark.parametrize("command", ["run", "up"])
def test_native_gateway_without_an_external_endpoint_is_refused_with_the_reason(command: str,
                                                                                 tmp_path: Path) -> None:
    """Only an external endpoint has an execute-api of its own for `--gateway native` to use.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-call-api.html"""
    proc = subprocess.run([*CLI, command, "--gateway", "native", "--port", "0"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "--gateway native needs an external endpoint (--target endpoint URL)" in proc.stderr
    assert not (tmp_path / ".harness" / "state.json").exists()


def test_without_ministack_installed_the_error_says_how_to_get_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAAS_HARNESS_MINISTACK", raising=False)
    with pytest.raises(MiniStackUnavailable, match="make ministack"):
        find_ministack(str(tmp_path / "none"), venv=tmp_path)
    exe = tmp_path / "bin" / "ministack"
    exe.parent.mkdir()
    exe.write_text("")
    assert find_ministack(None, venv=tmp_path) == exe


@pytest.mark.upstream
@pytest.mark.timeout(480)
def test_fidelity_against_ministack_reports_the_client_sent_api_key_difference(tmp_path: Path) -> None:
    """One S7 test on both gateways of a ministack it starts itself: the native run's 403s are reported
    with their reason and cause (apiKeySource AUTHORIZER ignored, a client-sent x-api-key wanted instead).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-key-source.html"""
    _ministack()
    proc = subprocess.run(
        [*CLI, "fidelity", "--ministack", "--only", "S7", "--pytest-arg=-k",
         "--pytest-arg=warm_requests_hit_the_cache"], cwd=tmp_path, capture_output=True, text=True,
        timeout=420)  # about 60-90 s on a quiet 2-core machine: two bring-ups, the main job, one test each
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((tmp_path / ".harness" / "fidelity" / "fidelity.json").read_text())
    assert re.fullmatch(r"ministack [\d.]+ \(its IAM enforcement disabled\)", doc["endpoint"]) and doc["upstream"].startswith("http://127.0.0.1:")
    assert doc["command"].endswith("fidelity --ministack --only S7 --pytest-arg=-k "
                                   "--pytest-arg=warm_requests_hit_the_cache")
    [s7] = doc["scenarios"]
    assert s7["suite"] == "S7" and s7["differs"] and doc["differences"] == 1
    assert s7["harness"] == {"verdict": "pass", "passed": 1, "failed": 0, "error": 0, "skipped": 0}
    assert s7["native"]["verdict"] == "fail"
    [reason] = s7["reasons"]
    assert reason["cause"] == "api-key-from-client" and "403" in reason["reasons"][0]
    assert reason["tests"] == ["scenarios/test_s7_authorizer_cache.py::"
                               "test_warm_requests_hit_the_cache_and_the_ratio_shows_in_metrics"]
    # Each run is a plain `saas-harness run`: the native one's tenants are on ministack's own gateway.
    runs = tmp_path / ".harness" / "fidelity"
    native = json.loads((runs / "native" / "summary.json").read_text())
    harness = json.loads((runs / "harness" / "summary.json").read_text())
    assert native["tenants"][0]["api_url"].startswith(doc["upstream"] + "/restapis/")
    assert harness["tenants"][0]["api_url"].startswith(harness["endpoint"] + "/restapis/")
    assert harness["ok"] and not native["ok"]
    md = (runs / "FIDELITY.md").read_text()
    assert "## S7 authorizer cache" in md and "x-api-key" in md
